/*
 * zonefile.h - the zone as served now, as an RFC 1035 master file:
 * SOA, NS, in-zone nameserver addresses, every group's current answer
 * (CNAME or A/AAAA of its active app) and every app's _status TXT.
 *
 * Reserved groups (no app on the active side) have no record to write, so
 * a secondary loaded from this file answers NXDOMAIN where flipdns answers
 * NODATA for them; every other name answers the same.
 */
#ifndef FLIPDNS_ZONEFILE_H
#define FLIPDNS_ZONEFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <lmdb.h>

#include "flipdns/db/store.h"
#include "flipdns/dns/zone.h"

/* Receives the text in pieces; returns 0, or -1 to stop with FD_ENOMEM. */
typedef int (*fd_emit_fn)(void *arg, const char *data, size_t len);

/*
 * A walk over the zone that can stop and resume, so an export streams in
 * steps (between which the caller's event loop runs other work) from one
 * read transaction, without the zone in memory.  The walk keeps only where
 * it is: a phase and the last key written.
 */
enum fd_zonefile_phase { FD_ZONEFILE_APEX, FD_ZONEFILE_GROUPS,
    FD_ZONEFILE_STATUS, FD_ZONEFILE_DONE };
struct fd_zonefile_walk {
	enum fd_zonefile_phase phase;
	bool resume;              /* key holds the last key written */
	char key[FD_LABEL_MAX];
	size_t key_len;
};
void fd_zonefile_begin(struct fd_zonefile_walk *w);
bool fd_zonefile_done(const struct fd_zonefile_walk *w);
/*
 * Write the records of at most max_names more names (the apex first) in
 * txn, which must be the same snapshot for the whole walk.  FD_OK with
 * fd_zonefile_done() true at the end; FD_ENOMEM when emit failed.
 */
enum fd_err fd_zonefile_step(struct fd_zonefile_walk *w,
    const struct fd_zone *z, const struct fd_store *st, MDB_txn *txn,
    size_t max_names, fd_emit_fn emit, void *arg);

/* The whole zone in one call. */
enum fd_err fd_zonefile_write(const struct fd_zone *z,
    const struct fd_store *st, MDB_txn *txn, fd_emit_fn emit, void *arg);

#endif
