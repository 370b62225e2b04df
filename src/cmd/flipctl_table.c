/*
 * flipctl_table.c - rows of text printed with aligned columns.
 *
 * Cells are copied, so callers can format into one scratch buffer.  The
 * last column is not padded: no trailing blanks for grep and diff.
 */
#include <stdlib.h>
#include <string.h>

#include "flipctl.h"

/* Two blanks: columns stay apart even when a cell is full width. */
#define CTL_TABLE_GAP  2

struct ctl_table {
	int ncols;
	size_t nrows, cap;
	char **cells;     /* nrows * ncols, row-major; row 0 is the header */
};

static void *
xmalloc(size_t n)
{
	void *p;

	if ((p = malloc(n)) == NULL) {
		fprintf(stderr, "flipctl: out of memory\n");
		exit(CTL_EFAIL);
	}
	return p;
}

static char *
xstrdup(const char *s)
{
	size_t len = strlen(s) + 1;

	return memcpy(xmalloc(len), s, len);
}

struct ctl_table *
ctl_table_new(int ncols, const char *const *header)
{
	struct ctl_table *t = xmalloc(sizeof(*t));

	t->ncols = ncols;
	t->nrows = 0;
	t->cap = 0;
	t->cells = NULL;
	ctl_table_add(t, header);
	return t;
}

void
ctl_table_add(struct ctl_table *t, const char *const *cells)
{
	char **ncells;
	int i;

	if (t->nrows == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 16;
		ncells = realloc(t->cells, t->cap * t->ncols * sizeof(char *));
		if (ncells == NULL) {
			fprintf(stderr, "flipctl: out of memory\n");
			exit(CTL_EFAIL);
		}
		t->cells = ncells;
	}
	for (i = 0; i < t->ncols; i++)
		t->cells[t->nrows * t->ncols + i] =
		    xstrdup(cells[i] != NULL ? cells[i] : "-");
	t->nrows++;
}

void
ctl_table_print(struct ctl_table *t, FILE *out)
{
	size_t r, *width = xmalloc(t->ncols * sizeof(size_t)), len;
	char *cell;
	int i;

	for (i = 0; i < t->ncols; i++)
		width[i] = 0;
	for (r = 0; r < t->nrows; r++)
		for (i = 0; i < t->ncols; i++)
			if ((len = strlen(t->cells[r * t->ncols + i])) >
			    width[i])
				width[i] = len;
	/*
	 * Row 0 is the header, printed even alone: an empty list then
	 * looks empty, not like a command that printed nothing (and a
	 * script that skips one line reads the same either way).
	 */
	for (r = 0; r < t->nrows; r++)
		for (i = 0; i < t->ncols; i++) {
			cell = t->cells[r * t->ncols + i];
			if (i == t->ncols - 1)
				fprintf(out, "%s\n", cell);
			else
				fprintf(out, "%-*s", (int)(width[i] +
				    CTL_TABLE_GAP), cell);
		}
	for (r = 0; r < t->nrows * t->ncols; r++)
		free(t->cells[r]);
	free(t->cells);
	free(width);
	free(t);
}
