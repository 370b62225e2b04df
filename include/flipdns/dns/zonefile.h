/*
 * zonefile.h - the zone as served now, as an RFC 1035 master file: every
 * name and RRset of the record model (records.h) in its text form.  The
 * model decides what exists, so a secondary loaded from this file answers
 * every name and type as flipdns does (tests/system/
 * test_dns_export_equivalence.py checks it against NSD).
 *
 * Or the same RRsets as JSON lines, one object per RRset, for scripts:
 *   {"name": "shop.example.", "type": "A", "ttl": 30,
 *    "data": ["192.0.2.1", "192.0.2.2"]}
 * each "data" item being the record's RDATA as the master file writes it
 * (a TXT quoted, an SOA's seven fields), from the same walk: the two
 * formats cannot disagree on what the zone holds.
 */
#ifndef FLIPDNS_ZONEFILE_H
#define FLIPDNS_ZONEFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <lmdb.h>

#include "flipdns/db/store.h"
#include "flipdns/dns/records.h"
#include "flipdns/dns/zone.h"

/* Receives the text in pieces; returns 0, or -1 to stop with FD_ENOMEM. */
typedef int (*fd_emit_fn)(void *arg, const char *data, size_t len);

/*
 * A walk over the zone that can stop and resume, so an export streams in
 * steps (between which the caller's event loop runs other work) from one
 * read transaction, without the zone in memory.  The walk keeps only where
 * it is: the record model's walk (a phase and the last key), whose cursor
 * is closed at the end of every step.
 */
enum fd_zonefile_format { FD_ZONEFILE_TEXT, FD_ZONEFILE_JSON };
struct fd_zonefile_walk {
	struct fd_records_walk names;
	enum fd_zonefile_format format;
};
void fd_zonefile_begin(struct fd_zonefile_walk *w,
    enum fd_zonefile_format format);
bool fd_zonefile_done(const struct fd_zonefile_walk *w);
/*
 * Write the records of at most max_names more names (the apex first; a
 * group with no records counts as a name) in txn, which must be the same
 * snapshot for the whole walk.  FD_OK with fd_zonefile_done() true at the
 * end; FD_ENOMEM when emit failed; FD_ESTORE when the store did.
 */
enum fd_err fd_zonefile_step(struct fd_zonefile_walk *w,
    const struct fd_zone *z, const struct fd_store *st, MDB_txn *txn,
    size_t max_names, fd_emit_fn emit, void *arg);

/* The whole zone in one call. */
enum fd_err fd_zonefile_write(const struct fd_zone *z,
    const struct fd_store *st, MDB_txn *txn, fd_emit_fn emit, void *arg);

#endif
