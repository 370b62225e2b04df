/*
 * history.h - the change log: one row per committed change, and the zone
 * serial that counts them.
 *
 * Rows are keyed by a 64-bit sequence number stored big-endian so LMDB's
 * byte order is time order; the value is one JSON object:
 *
 *   {"serial", "time", "actor", "uid", "op", "subject", "before", "after",
 *    "moved", "status"}
 *
 * "actor" is the user name (null when unknown) or a source inside the
 * daemon ("import", "health"), "uid" the peer's uid (null for a source
 * inside the daemon).  "before"/"after" are whole objects (this is also
 * what IXFR will be served from).  "moved" lists the labels of the groups
 * whose answers the change altered (an app set moves every group where
 * that app is the active side, an import the groups it created); "status"
 * maps each app whose FAILOVER_STATUS changed to [before, after], e.g.
 * {"web1": ["online", "offline"]} (apps added or removed are not in it:
 * their own row says so).  Both are cut at FD_HISTORY_LIST_MAX entries; a
 * cut row also carries "moved_count" (every group moved) and
 * "moved_truncated": true, or "status_truncated": true.
 */
#ifndef FLIPDNS_HISTORY_H
#define FLIPDNS_HISTORY_H

#include <stdint.h>
#include <sys/types.h>
#include <jansson.h>
#include <lmdb.h>

#include "flipdns/db/changes.h"
#include "flipdns/db/store.h"

/*
 * Entries of "moved" and of "status" in one row.  A row is read whole by
 * every `flipctl history`, which parses rows by the hundred: a hundred
 * labels keep even an import's row to a few KB, and a person reads a
 * hundred names, not a million; "moved_count" says how many there were.
 */
#define FD_HISTORY_LIST_MAX 100

/*
 * Oldest rows deleted by one append, at most, when history.keep_rows or
 * keep_days is exceeded.  A row is a few hundred bytes, so this frees
 * some 100 pages: a small part of a commit, whose cost is its two
 * synchronous writes.  A backlog (a lowered keep_rows over a million rows)
 * drains over the following changes instead of in one long commit that
 * holds the writer and every flip behind it.
 */
#define FD_HISTORY_TRIM_MAX 1000

/*
 * Bump the zone serial (RFC 1982 arithmetic, skipping 0), append one row
 * and apply the store's retention (fd_store_set_history_keep; never the
 * row just written).  Takes ownership of before, after and members (any
 * may be NULL); members' keys are added to the row ({"moved", "status",
 * ...} from the change).  The new serial is written to *serial.
 */
enum fd_err fd_history_append(struct fd_store *st, MDB_txn *txn,
    uint64_t now, const struct fd_actor *actor, const char *op,
    const char *subject, json_t *before, json_t *after, json_t *members,
    uint32_t *serial);

/*
 * Which rows fd_history_list returns: every row when both are NULL,
 * otherwise the rows about the group or about the app (either matches):
 *  - label: the group's own rows (group.* with that subject) and rows
 *    whose "moved" lists it;
 *  - app: the app's own rows (app.* with that subject) and rows whose
 *    "status" names it.
 * A row whose list was cut ("moved_truncated", "status_truncated") may
 * have left the name out, so it counts as naming it.
 */
struct fd_history_filter {
	const char *label;
	const char *app;
};

/*
 * Newest first, at most limit rows, those that pass filter (NULL: all).
 * Returns a new JSON array, NULL on error.
 */
json_t *fd_history_list(const struct fd_store *st, MDB_txn *txn,
    const struct fd_history_filter *filter, unsigned limit);

#endif
