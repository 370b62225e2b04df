/*
 * textdist.h - how far apart two words are, for "did you mean" hints.
 *
 * The optimal string alignment distance (Damerau-Levenshtein without
 * edits of a substring twice): insertions, deletions, substitutions and
 * swaps of two neighbouring characters cost 1 each, since those are the
 * typos people make ("swtich", "gruop", "delte").  Bytes are compared as
 * they are (command words are ASCII).  Nothing here allocates.
 */
#ifndef FLIPDNS_TEXTDIST_H
#define FLIPDNS_TEXTDIST_H

#include <stddef.h>

/*
 * Words compared in full: far longer than any command or option name.
 * A longer word is FD_TEXTDIST_FAR from everything.
 */
#define FD_TEXTDIST_WORD_MAX 64
#define FD_TEXTDIST_FAR      ((size_t)-1)

/* The distance from a to b (NUL-terminated); symmetric. */
size_t fd_text_distance(const char *a, const char *b);

/*
 * Close enough to suggest: a typo, not another word.  At most 1 edit for
 * words of up to 4 characters, 2 for longer ones, and never all of the
 * word: "ls" is not a typo of "up".
 */
int fd_text_close(const char *typed, const char *word);

#endif
