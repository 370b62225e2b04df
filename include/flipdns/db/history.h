/*
 * history.h - the change log: one row per committed change, and the zone
 * serial that counts them.
 *
 * Rows are keyed by a 64-bit sequence number stored big-endian so LMDB's
 * byte order is time order; the value is one JSON object
 * {"serial","time","uid","op","subject","before","after"}.  This is also
 * what IXFR will be served from: "before"/"after" are whole objects.
 */
#ifndef FLIPDNS_HISTORY_H
#define FLIPDNS_HISTORY_H

#include <stdint.h>
#include <sys/types.h>
#include <jansson.h>
#include <lmdb.h>

#include "flipdns/db/store.h"

/*
 * Bump the zone serial (RFC 1982 arithmetic, skipping 0) and append one
 * row.  Takes ownership of before and after (either may be NULL).  The new
 * serial is written to *serial.
 */
enum fd_err fd_history_append(struct fd_store *st, MDB_txn *txn,
    uint64_t now, uid_t uid, const char *op, const char *subject,
    json_t *before, json_t *after, uint32_t *serial);

/*
 * Newest first, at most limit rows, only those whose subject equals
 * subject when it is not NULL.  Returns a new JSON array, NULL on error.
 */
json_t *fd_history_list(const struct fd_store *st, MDB_txn *txn,
    const char *subject, unsigned limit);

#endif
