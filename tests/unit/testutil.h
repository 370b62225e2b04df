/* testutil.h - shared helpers for the cmocka unit tests. */
#ifndef FLIPDNS_TESTUTIL_H
#define FLIPDNS_TESTUTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "flipdns/db/store.h"

/* A fresh temporary directory (mkdtemp under $TMPDIR or /tmp). */
char *tu_tmpdir(void);
/* rm -r of a directory made by tu_tmpdir(), then free(). */
void tu_rmdir(char *dir);

/*
 * A fresh store in a temporary directory, as a cmocka fixture: the state
 * is a struct tu_store (tests embed it first in their own fixture struct
 * when they need more, and pass their struct's size).
 */
struct tu_store {
	char *dir;
	struct fd_store *st;
};
int tu_store_setup_size(void **state, size_t size);
int tu_store_setup(void **state);
int tu_store_teardown(void **state);

/*
 * Records written straight into a write transaction, bypassing the
 * write side's rules (changes.c): so a test can build any store, a
 * damaged or inconsistent one included.  Each asserts success.
 */
void tu_put(struct fd_store *st, MDB_txn *txn, enum fd_store_db db,
    const void *k, size_t klen, const void *v, size_t vlen);
/* An app and its status-name entry. */
void tu_add_app(struct fd_store *st, MDB_txn *txn, const char *name,
    const struct fd_endpoints *ep, const char *status, uint32_t refs,
    uint32_t active);
/* primary, backup: app names or NULL. */
void tu_add_group(struct fd_store *st, MDB_txn *txn, const char *label,
    const char *primary, const char *backup, enum fd_side active,
    uint32_t ttl);
/* Endpoints: one host name, or n addresses (IPv4 and IPv6 literals). */
void tu_ep_cname(struct fd_endpoints *ep, const char *host);
void tu_ep_addrs(struct fd_endpoints *ep, const char *const *ips, int n);

/*
 * Changes as the daemon makes them: tu_change_begin() starts a write
 * transaction on st and the change context c on it (uid 1000, the time
 * TU_NOW, origin TU_ORIGIN, labels "_status" and "ns1" reserved), after
 * releasing c->touched from the change before; tu_change_end() commits
 * on FD_OK and aborts otherwise, and returns err.  c->touched stays for
 * the test to look at; tu_change_free() releases it at the end.
 */
#define TU_ORIGIN "failover.example.test."
#define TU_NOW 1764000000
struct fd_change;
struct fd_change *tu_change_begin(struct fd_store *st, struct fd_change *c);
enum fd_err tu_change_end(struct fd_change *c, enum fd_err err);
void tu_change_free(struct fd_change *c);

/*
 * Fail the test unless the app-to-groups index holds exactly one entry
 * per app named by a group, with its role, and nothing else.
 */
void tu_assert_appindex(struct fd_store *st);

#endif
