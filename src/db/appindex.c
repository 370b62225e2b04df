/* appindex.c - the app-to-groups index; see appindex.h. */
#include <string.h>

#include "flipdns/db/appindex.h"

/* app NUL label: the longest is 63 + 1 + 63 bytes. */
#define KEY_MAX (FD_APP_NAME_MAX + 1 + FD_LABEL_MAX)

static size_t
make_key(char *key, const char *app, size_t alen, const char *label,
    size_t llen)
{
	memcpy(key, app, alen);
	key[alen] = '\0';
	memcpy(key + alen + 1, label, llen);
	return alen + 1 + llen;
}

enum fd_err
fd_appindex_put(struct fd_store *st, MDB_txn *txn, const char *app,
    const char *label, enum fd_side role)
{
	char key[KEY_MAX];
	uint8_t val[2] = {FD_APPINDEX_VERSION, (uint8_t)role};
	size_t alen = strlen(app), llen = strlen(label);
	MDB_val k, v = {sizeof(val), val};

	if (alen == 0 || alen > FD_APP_NAME_MAX || llen == 0 ||
	    llen > FD_LABEL_MAX)
		return FD_EINVAL;
	k.mv_size = make_key(key, app, alen, label, llen);
	k.mv_data = key;
	return fd_store_err(mdb_put(txn, fd_store_dbi(st, FD_DB_APP_GROUPS), &k,
	    &v, 0));
}

enum fd_err
fd_appindex_del(struct fd_store *st, MDB_txn *txn, const char *app,
    const char *label)
{
	char key[KEY_MAX];
	size_t alen = strlen(app), llen = strlen(label);
	MDB_val k;

	if (alen == 0 || alen > FD_APP_NAME_MAX || llen == 0 ||
	    llen > FD_LABEL_MAX)
		return FD_EINVAL;
	k.mv_size = make_key(key, app, alen, label, llen);
	k.mv_data = key;
	return fd_store_err(mdb_del(txn, fd_store_dbi(st, FD_DB_APP_GROUPS), &k,
	    NULL));
}

/* The entry at kv, if it is one of this walk's app; FD_ENOTFOUND if not. */
static enum fd_err
follower(const struct fd_followers *w, const struct fd_kv *kv,
    struct fd_follower *out)
{
	const uint8_t *val = kv->val;

	if (kv->key_len <= w->prefix_len ||
	    memcmp(kv->key, w->prefix, w->prefix_len) != 0)
		return FD_ENOTFOUND;
	if (kv->val_len != 2 || val[0] != FD_APPINDEX_VERSION ||
	    val[1] > FD_SIDE_BACKUP)
		return FD_EVERSION;
	out->label = (const char *)kv->key + w->prefix_len;
	out->label_len = kv->key_len - w->prefix_len;
	out->role = (enum fd_side)val[1];
	return FD_OK;
}

enum fd_err
fd_followers_first(const struct fd_store *st, MDB_txn *txn, const char *app,
    const char *after, struct fd_followers *w, struct fd_follower *out)
{
	char key[KEY_MAX];
	size_t alen = strlen(app), klen;
	struct fd_kv kv;
	enum fd_err err;

	w->cur.cur = NULL;
	if (alen == 0 || alen > FD_APP_NAME_MAX)
		return FD_ENOTFOUND;
	if (after != NULL && strlen(after) > FD_LABEL_MAX)
		return FD_EINVAL;
	memcpy(w->prefix, app, alen);
	w->prefix[alen] = '\0';
	w->prefix_len = alen + 1;
	if ((err = fd_cursor_open(st, txn, FD_DB_APP_GROUPS, &w->cur)) != FD_OK)
		return err;
	klen = make_key(key, app, alen, after ? after : "",
	    after ? strlen(after) : 0);
	/* "app\0" itself is never a key, so only a label needs stepping over */
	err = fd_cursor_seek(&w->cur, key, klen, after != NULL, &kv);
	return err == FD_OK ? follower(w, &kv, out) : err;
}

enum fd_err
fd_followers_next(struct fd_followers *w, struct fd_follower *out)
{
	struct fd_kv kv;
	enum fd_err err;

	if ((err = fd_cursor_next(&w->cur, &kv)) != FD_OK)
		return err;
	return follower(w, &kv, out);
}

void
fd_followers_close(struct fd_followers *w)
{
	fd_cursor_close(&w->cur);
}

/* Index one group record's apps. */
static enum fd_err
index_group(struct fd_store *st, MDB_txn *txn, const MDB_val *k,
    const MDB_val *v, size_t *n)
{
	char label[FD_LABEL_MAX + 1], app[FD_APP_NAME_MAX + 1];
	struct fd_group_view g;
	enum fd_err err;

	if ((err = fd_group_decode(v->mv_data, v->mv_size, &g)) != FD_OK)
		return err;
	if (k->mv_size == 0 || k->mv_size > FD_LABEL_MAX)
		return FD_EVERSION;
	memcpy(label, k->mv_data, k->mv_size);
	label[k->mv_size] = '\0';
	if (g.primary != NULL) {
		memcpy(app, g.primary, g.primary_len);
		app[g.primary_len] = '\0';
		if ((err = fd_appindex_put(st, txn, app, label,
		    FD_SIDE_PRIMARY)) != FD_OK)
			return err;
		(*n)++;
	}
	if (g.backup != NULL) {
		memcpy(app, g.backup, g.backup_len);
		app[g.backup_len] = '\0';
		if ((err = fd_appindex_put(st, txn, app, label,
		    FD_SIDE_BACKUP)) != FD_OK)
			return err;
		(*n)++;
	}
	return FD_OK;
}

enum fd_err
fd_appindex_build(struct fd_store *st, MDB_txn *txn, size_t *n)
{
	MDB_cursor *cur;
	MDB_val k, v;
	enum fd_err err = FD_OK;
	int rc;

	*n = 0;
	/* start empty, so the result mirrors the groups whatever was there */
	if ((rc = mdb_drop(txn, fd_store_dbi(st, FD_DB_APP_GROUPS), 0)) != 0)
		return fd_store_err(rc);
	if ((rc = mdb_cursor_open(txn, fd_store_dbi(st, FD_DB_GROUPS), &cur)) != 0)
		return fd_store_err(rc);
	/*
	 * The puts go to another table: the groups table is not written, so
	 * this cursor and the record views into its pages stay valid.
	 */
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
	    rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT))
		if ((err = index_group(st, txn, &k, &v, n)) != FD_OK)
			break;
	mdb_cursor_close(cur);
	if (err == FD_OK && rc != MDB_NOTFOUND)
		err = fd_store_err(rc);
	return err;
}
