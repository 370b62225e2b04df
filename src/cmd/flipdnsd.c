/* placeholder until the daemon main lands */
int main(void) { return 1; }
