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

#endif
