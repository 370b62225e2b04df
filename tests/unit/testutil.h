/* testutil.h - shared helpers for the cmocka unit tests. */
#ifndef FLIPDNS_TESTUTIL_H
#define FLIPDNS_TESTUTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

/* A fresh temporary directory (mkdtemp under $TMPDIR or /tmp). */
char *tu_tmpdir(void);
/* rm -r of a directory made by tu_tmpdir(), then free(). */
void tu_rmdir(char *dir);

/*
 * A fresh store in a temporary directory, as a cmocka fixture: the state
 * is a struct tu_store (tests embed it first in their own fixture struct
 * when they need more, and pass their struct's size).
 */
struct fd_store;
struct tu_store {
	char *dir;
	struct fd_store *st;
};
int tu_store_setup_size(void **state, size_t size);
int tu_store_setup(void **state);
int tu_store_teardown(void **state);

#endif
