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

#include <stddef.h>
#include <lmdb.h>

#include "flipdns/db/store.h"
#include "flipdns/dns/zone.h"

/* Receives the text in pieces; returns 0, or -1 to stop with FD_ENOMEM. */
typedef int (*fd_emit_fn)(void *arg, const char *data, size_t len);

enum fd_err fd_zonefile_write(const struct fd_zone *z,
    const struct fd_store *st, MDB_txn *txn, fd_emit_fn emit, void *arg);

#endif
