/* txn.c - transactions, counts and cursors for code outside db/; see txn.h. */
#include <string.h>

#include "flipdns/db/txn.h"

enum fd_err
fd_txn_begin_write(struct fd_store *st, MDB_txn *parent, MDB_txn **out)
{
	return fd_store_err(mdb_txn_begin(fd_store_env(st), parent, 0, out));
}

enum fd_err
fd_txn_begin_read(struct fd_store *st, MDB_txn **out)
{
	return fd_store_err(mdb_txn_begin(fd_store_env(st), NULL, MDB_RDONLY,
	    out));
}

enum fd_err
fd_txn_commit(MDB_txn *txn)
{
	return fd_store_err(mdb_txn_commit(txn));
}

void
fd_txn_abort(MDB_txn *txn)
{
	if (txn != NULL)
		mdb_txn_abort(txn);
}

size_t
fd_store_count(const struct fd_store *st, MDB_txn *txn, enum fd_store_db db)
{
	MDB_stat ms;

	if (mdb_stat(txn, fd_store_dbi(st, db), &ms) != 0)
		return 0;
	return ms.ms_entries;
}

void
fd_store_usage(const struct fd_store *st, struct fd_store_usage *u)
{
	MDB_envinfo info;
	MDB_stat ms;

	memset(u, 0, sizeof(*u));
	if (mdb_env_info(fd_store_env(st), &info) == 0) {
		u->pages_used = (uint64_t)info.me_last_pgno + 1;
		u->map_size = info.me_mapsize;
	}
	if (mdb_env_stat(fd_store_env(st), &ms) == 0)
		u->page_size = ms.ms_psize;
}

enum fd_err
fd_cursor_open(const struct fd_store *st, MDB_txn *txn, enum fd_store_db db,
    struct fd_cursor *c)
{
	return fd_store_err(mdb_cursor_open(txn, fd_store_dbi(st, db), &c->cur));
}

static enum fd_err
cursor_get(struct fd_cursor *c, MDB_val *k, MDB_cursor_op op,
    struct fd_kv *kv)
{
	MDB_val v;
	int rc;

	if ((rc = mdb_cursor_get(c->cur, k, &v, op)) != 0)
		return fd_store_err(rc);
	kv->key = k->mv_data;
	kv->key_len = k->mv_size;
	kv->val = v.mv_data;
	kv->val_len = v.mv_size;
	return FD_OK;
}

enum fd_err
fd_cursor_seek(struct fd_cursor *c, const void *key, size_t key_len,
    bool exclusive, struct fd_kv *kv)
{
	MDB_val k = {key_len, (void *)key};
	enum fd_err err;

	if (key == NULL)
		return cursor_get(c, &k, MDB_FIRST, kv);
	err = cursor_get(c, &k, MDB_SET_RANGE, kv);
	/* SET_RANGE lands on key itself when it exists: step past it */
	if (err == FD_OK && exclusive && kv->key_len == key_len &&
	    memcmp(kv->key, key, key_len) == 0)
		err = fd_cursor_next(c, kv);
	return err;
}

enum fd_err
fd_cursor_next(struct fd_cursor *c, struct fd_kv *kv)
{
	MDB_val k;

	return cursor_get(c, &k, MDB_NEXT, kv);
}

enum fd_err
fd_cursor_last(struct fd_cursor *c, struct fd_kv *kv)
{
	MDB_val k;

	return cursor_get(c, &k, MDB_LAST, kv);
}

enum fd_err
fd_cursor_prev(struct fd_cursor *c, struct fd_kv *kv)
{
	MDB_val k;

	return cursor_get(c, &k, MDB_PREV, kv);
}

void
fd_cursor_close(struct fd_cursor *c)
{
	if (c->cur != NULL)
		mdb_cursor_close(c->cur);
	c->cur = NULL;
}
