/* placeholder until flipctl lands */
int main(void) { return 1; }
