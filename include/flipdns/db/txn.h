/*
 * txn.h - transactions and ordered walks over the store, for code outside
 * db/.
 *
 * Only db/ calls LMDB (the build checks it: cmake/check_tiers.cmake).  The
 * writer begins and commits write transactions through these; commands,
 * the export and the record model walk tables with a cursor; each
 * function maps LMDB's codes to enum fd_err once, here.
 *
 * A write transaction may be nested (parent != NULL): committing it folds
 * its changes into the parent, aborting it undoes only them.  A read
 * transaction from fd_txn_begin_read() is a snapshot of its own, held
 * until fd_txn_abort(); keep it short (a stale reader keeps LMDB from
 * reusing pages, so the file grows behind it).
 */
#ifndef FLIPDNS_DB_TXN_H
#define FLIPDNS_DB_TXN_H

#include <stddef.h>
#include <stdint.h>
#include <lmdb.h>

#include "flipdns/db/store.h"

/* FD_EFULL when the store is full, FD_ESTORE for other LMDB failures. */
enum fd_err fd_txn_begin_write(struct fd_store *st, MDB_txn *parent,
    MDB_txn **out);
enum fd_err fd_txn_begin_read(struct fd_store *st, MDB_txn **out);
/* Commit (durable on return for a top-level write); the txn is gone. */
enum fd_err fd_txn_commit(MDB_txn *txn);
/* Abort a write or end a read; the txn is gone.  NULL is a no-op. */
void fd_txn_abort(MDB_txn *txn);

/* Entries in one table at this snapshot (0 on error). */
size_t fd_store_count(const struct fd_store *st, MDB_txn *txn,
    enum fd_store_db db);

/* How full the store is: for metrics. */
struct fd_store_usage {
	uint64_t pages_used;    /* the highest page written, + 1 */
	uint64_t page_size;     /* bytes */
	uint64_t map_size;      /* bytes: storage.map_size, the ceiling */
};
void fd_store_usage(const struct fd_store *st, struct fd_store_usage *u);

/* One key and value; pointers into LMDB memory, valid until txn ends. */
struct fd_kv {
	const void *key;
	size_t key_len;
	const void *val;
	size_t val_len;
};

/* An ordered walk over one table (LMDB key order). */
struct fd_cursor {
	MDB_cursor *cur;
};
enum fd_err fd_cursor_open(const struct fd_store *st, MDB_txn *txn,
    enum fd_store_db db, struct fd_cursor *c);
/*
 * The first entry (after NULL), or the first one whose key is at or after
 * key (strictly after when exclusive).  FD_ENOTFOUND past the end.
 */
enum fd_err fd_cursor_seek(struct fd_cursor *c, const void *key,
    size_t key_len, bool exclusive, struct fd_kv *kv);
/* The entry after the current one; FD_ENOTFOUND past the end. */
enum fd_err fd_cursor_next(struct fd_cursor *c, struct fd_kv *kv);
/* The last entry, and the one before the current one. */
enum fd_err fd_cursor_last(struct fd_cursor *c, struct fd_kv *kv);
enum fd_err fd_cursor_prev(struct fd_cursor *c, struct fd_kv *kv);
void fd_cursor_close(struct fd_cursor *c);

#endif
