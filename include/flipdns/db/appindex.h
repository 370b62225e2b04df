/*
 * appindex.h - the app-to-groups index: which groups follow an app.
 *
 * Table app_groups, written by the change functions (changes.c) in the
 * same transaction as the group records it mirrors, so at every snapshot
 * it holds exactly one entry per (app, group) where the app is the
 * group's primary or backup:
 *
 *   key    app name, NUL, group label
 *   value  FD_APPINDEX_VERSION, then the role (enum fd_side)
 *
 * A key is at most 63 + 1 + 63 = 127 bytes, far below LMDB's 511-byte key
 * limit.  App names are [a-z0-9-], never NUL, so every key of "web" sorts
 * before those of "web-1" or "web1": one app's groups are one contiguous
 * range, in label order, and "the groups that follow web" is a seek to
 * "web\0" and a walk while that prefix holds.  The role is the value, not
 * part of the key, since an app is at most one side of a group (primary
 * and backup differ).  Which side is active is not stored: a switch would
 * then rewrite two entries on the hottest write path, and the group record
 * answers it with one lookup.
 */
#ifndef FLIPDNS_DB_APPINDEX_H
#define FLIPDNS_DB_APPINDEX_H

#include <stddef.h>
#include <lmdb.h>

#include "flipdns/db/store.h"
#include "flipdns/db/txn.h"

#define FD_APPINDEX_VERSION 1

/* One group following the app; label points into LMDB memory. */
struct fd_follower {
	const char *label;       /* not NUL-terminated */
	size_t label_len;
	enum fd_side role;
};

/* A walk over one app's groups, in label order. */
struct fd_followers {
	struct fd_cursor cur;
	char prefix[FD_APP_NAME_MAX + 1];   /* the app name and its NUL */
	size_t prefix_len;
};

/*
 * Open a walk over the groups that follow app, at the first one (or the
 * first after label after, when not NULL).  FD_ENOTFOUND when there is
 * none; FD_EVERSION for an entry this code cannot read.  Close the walk
 * with fd_followers_close() whatever this returns.
 */
enum fd_err fd_followers_first(const struct fd_store *st, MDB_txn *txn,
    const char *app, const char *after, struct fd_followers *w,
    struct fd_follower *out);
/* The next group; FD_ENOTFOUND past the app's last one. */
enum fd_err fd_followers_next(struct fd_followers *w, struct fd_follower *out);
void fd_followers_close(struct fd_followers *w);

/*
 * The write side, for changes.c: record that app is the role side of
 * group label, or that it no longer is (FD_ENOTFOUND if it was not).
 */
enum fd_err fd_appindex_put(struct fd_store *st, MDB_txn *txn,
    const char *app, const char *label, enum fd_side role);
enum fd_err fd_appindex_del(struct fd_store *st, MDB_txn *txn,
    const char *app, const char *label);

/*
 * Rebuild the whole index from the groups table, in write transaction txn
 * (the schema 1 -> 2 upgrade); *n gets the number of entries written.
 */
enum fd_err fd_appindex_build(struct fd_store *st, MDB_txn *txn, size_t *n);

#endif
