/* textdist.c - edit distance between words; see textdist.h. */
#include <string.h>

#include "flipdns/util/textdist.h"

static size_t
min3(size_t a, size_t b, size_t c)
{
	size_t m = a < b ? a : b;

	return m < c ? m : c;
}

size_t
fd_text_distance(const char *a, const char *b)
{
	/* the table's rows i-2, i-1 and i, as rows[i % 3] */
	size_t rows[3][FD_TEXTDIST_WORD_MAX + 1];
	size_t la = strlen(a), lb = strlen(b), i, j, d;
	size_t *cur, *prev, *two;

	if (la > FD_TEXTDIST_WORD_MAX || lb > FD_TEXTDIST_WORD_MAX)
		return FD_TEXTDIST_FAR;
	for (j = 0; j <= lb; j++)
		rows[0][j] = j;
	for (i = 1; i <= la; i++) {
		cur = rows[i % 3];
		prev = rows[(i - 1) % 3];
		two = rows[(i + 1) % 3];    /* i - 2, when i > 1 */
		cur[0] = i;
		for (j = 1; j <= lb; j++) {
			d = min3(prev[j] + 1, cur[j - 1] + 1,
			    prev[j - 1] + (a[i - 1] != b[j - 1]));
			/* two neighbours swapped */
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] &&
			    a[i - 2] == b[j - 1] && two[j - 2] + 1 < d)
				d = two[j - 2] + 1;
			cur[j] = d;
		}
	}
	return rows[la % 3][lb];
}

int
fd_text_close(const char *typed, const char *word)
{
	size_t d = fd_text_distance(typed, word);
	size_t len = strlen(typed), max = len <= 4 ? 1 : 2;

	return d <= max && d < len;
}
