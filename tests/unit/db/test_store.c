/*
 * test_store.c - the store's key order is exactly LMDB's default, and the
 * one rule for a group's active app.
 *
 * fd_store_key_cmp replaces LMDB's memcmp-based compare for speed; a store
 * written with the default order (by an older flipdns, or mdb_load) must
 * still be searched correctly, so the two orders may never differ.
 * And one store, one daemon: the data directory is locked while open;
 * a damaged, emptied or stale store is refused (the start-up check).
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <lmdb.h>

#include "flipdns/db/appindex.h"
#include "flipdns/db/store.h"
#include "testutil.h"

/* LMDB's own default (mdb_cmp_memn). */
static int
ref_cmp(const MDB_val *a, const MDB_val *b)
{
	size_t n = a->mv_size < b->mv_size ? a->mv_size : b->mv_size;
	int d = memcmp(a->mv_data, b->mv_data, n);

	if (d != 0)
		return d;
	return a->mv_size < b->mv_size ? -1 : a->mv_size > b->mv_size;
}

static int
sign(int x)
{
	return (x > 0) - (x < 0);
}

/* Keys that share prefixes of every length, differ in high-bit bytes,
 * and are prefixes of each other: where a hand-written compare goes wrong. */
static void
test_key_cmp_matches_lmdb_default(void **state)
{
	unsigned char a[80], b[80];
	MDB_val va = {0, a}, vb = {0, b};
	size_t i, pos;

	srandom(1);
	for (i = 0; i < 500000; i++) {
		va.mv_size = (size_t)random() % 70;
		vb.mv_size = (size_t)random() % 70;
		for (pos = 0; pos < sizeof(a); pos++)
			a[pos] = (unsigned char)random();
		/* Mostly a shared prefix, then one differing byte (or none). */
		pos = (size_t)random() % 72;
		memcpy(b, a, sizeof(b));
		if (pos < sizeof(b))
			b[pos] = (unsigned char)random();
		assert_int_equal(sign(fd_store_key_cmp(&va, &vb)),
		    sign(ref_cmp(&va, &vb)));
		assert_int_equal(sign(fd_store_key_cmp(&vb, &va)),
		    sign(ref_cmp(&vb, &va)));
		assert_int_equal(fd_store_key_cmp(&va, &va), 0);
	}
}

/*
 * A table written by plain LMDB (default order), then opened by
 * fd_store_open: every key is found, and a cursor walks them in order.
 */
static void
test_store_reads_tables_written_in_default_order(void **state)
{
	char *dir = tu_tmpdir();
	char key[40];
	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi dbi;
	MDB_cursor *cur;
	MDB_val k, v, prev = {0, NULL};
	struct fd_store *st;
	unsigned char prevbuf[40];
	int i, n;

	assert_int_equal(fd_store_open(dir, 16 << 20, 8, &st), FD_OK);
	fd_store_close(st);

	/* Plain LMDB, default compare: write 5,000 keys of mixed lengths. */
	assert_int_equal(mdb_env_create(&env), 0);
	assert_int_equal(mdb_env_set_maxdbs(env, FD_DB_COUNT), 0);
	assert_int_equal(mdb_env_set_mapsize(env, 16 << 20), 0);
	assert_int_equal(mdb_env_open(env, dir, 0, 0640), 0);
	assert_int_equal(mdb_txn_begin(env, NULL, 0, &txn), 0);
	assert_int_equal(mdb_dbi_open(txn, "tombstones", 0, &dbi), 0);
	for (i = 0; i < 5000; i++) {
		n = snprintf(key, sizeof(key), "%x-%0*d", i * 2654435761u,
		    i % 23, i);
		k.mv_size = (size_t)n;
		k.mv_data = key;
		v.mv_size = 1;
		v.mv_data = "x";
		assert_int_equal(mdb_put(txn, dbi, &k, &v, 0), 0);
	}
	assert_int_equal(mdb_txn_commit(txn), 0);
	mdb_env_close(env);

	assert_int_equal(fd_store_open(dir, 16 << 20, 8, &st), FD_OK);
	assert_int_equal(mdb_txn_begin(fd_store_env(st), NULL, MDB_RDONLY,
	    &txn), 0);
	for (i = 0; i < 5000; i++) {
		n = snprintf(key, sizeof(key), "%x-%0*d", i * 2654435761u,
		    i % 23, i);
		assert_true(fd_store_is_tombstoned(st, txn, key, (size_t)n));
	}
	assert_false(fd_store_is_tombstoned(st, txn, "nonesuch", 8));
	dbi = fd_store_dbi(st, FD_DB_TOMBSTONES);
	assert_int_equal(mdb_cursor_open(txn, dbi, &cur), 0);
	n = 0;
	while (mdb_cursor_get(cur, &k, &v, n == 0 ? MDB_FIRST : MDB_NEXT)
	    == 0) {
		if (n > 0)
			assert_true(ref_cmp(&prev, &k) < 0);
		memcpy(prevbuf, k.mv_data, k.mv_size);
		prev.mv_data = prevbuf;
		prev.mv_size = k.mv_size;
		n++;
	}
	assert_int_equal(n, 5000);
	mdb_cursor_close(cur);
	mdb_txn_abort(txn);
	fd_store_close(st);
	tu_rmdir(dir);
}

/*
 * The active side's app, or none (reserved): the rule the answer, the
 * export, the JSON and the write side's counters all take from here.
 */
static void
test_side_app(void **state)
{
	static const struct {
		enum fd_side side;
		const char *primary, *backup, *want;
	} rows[] = {
		{FD_SIDE_PRIMARY, "web1", "web2", "web1"},
		{FD_SIDE_BACKUP, "web1", "web2", "web2"},
		{FD_SIDE_PRIMARY, "web1", NULL, "web1"},
		{FD_SIDE_BACKUP, "web1", NULL, NULL},
		{FD_SIDE_PRIMARY, NULL, NULL, NULL},
		{FD_SIDE_BACKUP, NULL, NULL, NULL},
		{FD_SIDE_PRIMARY, "", "", NULL},    /* the write side's "none" */
		{FD_SIDE_BACKUP, "web1", "", NULL},
	};
	const char *got;
	size_t len;

	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const char *p = rows[i].primary, *b = rows[i].backup;

		got = fd_side_app(rows[i].side, p, p ? strlen(p) : 0, b,
		    b ? strlen(b) : 0, &len);
		if (rows[i].want == NULL) {
			assert_null(got);
			assert_int_equal(len, 0);
		} else {
			assert_non_null(got);
			assert_int_equal(len, strlen(rows[i].want));
			assert_memory_equal(got, rows[i].want, len);
		}
	}
}

/* A reserved group has no active app; one naming a missing app is damage. */
static void
test_active_app(void **state)
{
	struct tu_store *f;
	struct fd_endpoints ep;
	struct fd_group_view g;
	struct fd_app_view a;
	MDB_txn *txn;

	tu_store_setup(state);
	f = *state;
	tu_ep_cname(&ep, "lb.example.com.");
	assert_int_equal(mdb_txn_begin(fd_store_env(f->st), NULL, 0, &txn), 0);
	tu_add_app(f->st, txn, "web1", &ep, "aaaaaaaaaaaa", 1, 1);
	tu_add_group(f->st, txn, "ok", "web1", NULL, FD_SIDE_PRIMARY, 30);
	tu_add_group(f->st, txn, "reserved", NULL, NULL, FD_SIDE_PRIMARY, 30);
	tu_add_group(f->st, txn, "ghost", "web9", NULL, FD_SIDE_PRIMARY, 30);
	assert_int_equal(fd_store_get_group(f->st, txn, "ok", 2, &g), FD_OK);
	assert_int_equal(fd_store_active_app(f->st, txn, &g, &a), FD_OK);
	assert_memory_equal(a.name, "web1", 4);
	assert_int_equal(fd_store_get_group(f->st, txn, "reserved", 8, &g),
	    FD_OK);
	assert_int_equal(fd_store_active_app(f->st, txn, &g, &a),
	    FD_ENOTFOUND);
	assert_int_equal(fd_store_get_group(f->st, txn, "ghost", 5, &g), FD_OK);
	assert_int_equal(fd_store_active_app(f->st, txn, &g, &a), FD_ESTORE);
	mdb_txn_abort(txn);
	tu_store_teardown(state);
}

/* A second open of a store that is open fails, and works once closed. */
static void
test_store_is_locked_while_open(void **state)
{
	char *dir = tu_tmpdir();
	struct fd_store *st, *st2;

	assert_int_equal(fd_store_open(dir, 16 << 20, 8, &st), FD_OK);
	assert_int_equal(fd_store_open(dir, 16 << 20, 8, &st2), FD_EBUSY);
	assert_null(st2);
	fd_store_close(st);
	assert_int_equal(fd_store_open(dir, 16 << 20, 8, &st2), FD_OK);
	fd_store_close(st2);
	tu_rmdir(dir);
}

/*
 * A store of one app and one group following it, consistent (the index
 * entry and the counters as the write side keeps them), written straight
 * and closed; then spoiled by spoil (NULL: left as it is).
 */
static char *
small_store(void (*spoil)(struct fd_store *, MDB_txn *))
{
	char *dir = tu_tmpdir();
	struct fd_endpoints ep;
	struct fd_store *st;
	MDB_txn *txn;

	assert_int_equal(fd_store_open(dir, 16 << 20, 8, &st), FD_OK);
	tu_ep_cname(&ep, "lb.example.com.");
	assert_int_equal(mdb_txn_begin(fd_store_env(st), NULL, 0, &txn), 0);
	tu_add_app(st, txn, "web1", &ep, "aaaaaaaaaaaa", 1, 1);
	tu_add_group(st, txn, "ok", "web1", NULL, FD_SIDE_PRIMARY, 30);
	assert_int_equal(fd_appindex_put(st, txn, "web1", "ok",
	    FD_SIDE_PRIMARY), FD_OK);
	if (spoil != NULL)
		spoil(st, txn);
	assert_int_equal(mdb_txn_commit(txn), 0);
	fd_store_close(st);
	return dir;
}

static void
ghost_app(struct fd_store *st, MDB_txn *txn)
{
	tu_add_group(st, txn, "ghost", "web9", NULL, FD_SIDE_PRIMARY, 30);
}

static void
wrong_counts(struct fd_store *st, MDB_txn *txn)
{
	struct fd_endpoints ep;

	tu_ep_cname(&ep, "lb.example.com.");
	tu_add_app(st, txn, "web1", &ep, "aaaaaaaaaaaa", 2, 1);
}

static void
lost_index(struct fd_store *st, MDB_txn *txn)
{
	assert_int_equal(fd_appindex_del(st, txn, "web1", "ok"), FD_OK);
}

/* What fd_store_open refuses (store.h), and what it takes. */
static void
test_store_refuses_damage(void **state)
{
	static void (*const spoils[])(struct fd_store *, MDB_txn *) = {
		ghost_app, wrong_counts, lost_index,
	};
	char path[PATH_MAX], *dir;
	struct fd_store *st;
	FILE *f;

	/* Sound: opens, again and again. */
	dir = small_store(NULL);
	assert_int_equal(fd_store_open(dir, 16 << 20, 8, &st), FD_OK);
	fd_store_close(st);
	/* The marker recorded serial 1; a marker ahead of the store: refused. */
	snprintf(path, sizeof(path), "%s/store.id", dir);
	assert_non_null(f = fopen(path, "r+"));
	assert_int_equal(fseek(f, -11, SEEK_END), 0);
	fputs("0000000009\n", f);
	fclose(f);
	assert_int_equal(fd_store_open(dir, 16 << 20, 8, &st), FD_ESTORE);
	/* Without the marker it is taken as it is (and marked anew). */
	assert_int_equal(unlink(path), 0);
	assert_int_equal(fd_store_open(dir, 16 << 20, 8, &st), FD_OK);
	fd_store_close(st);
	/* Emptied, then gone: never a fresh store in its place. */
	snprintf(path, sizeof(path), "%s/data.mdb", dir);
	assert_int_equal(truncate(path, 0), 0);
	assert_int_equal(fd_store_open(dir, 16 << 20, 8, &st), FD_ESTORE);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(fd_store_open(dir, 16 << 20, 8, &st), FD_ESTORE);
	assert_int_equal(access(path, F_OK), -1);
	tu_rmdir(dir);

	/* Records that do not agree: refused. */
	for (size_t i = 0; i < sizeof(spoils) / sizeof(spoils[0]); i++) {
		dir = small_store(spoils[i]);
		assert_int_equal(fd_store_open(dir, 16 << 20, 8, &st),
		    FD_ESTORE);
		assert_null(st);
		tu_rmdir(dir);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_key_cmp_matches_lmdb_default),
		cmocka_unit_test(test_store_reads_tables_written_in_default_order),
		cmocka_unit_test(test_side_app),
		cmocka_unit_test(test_active_app),
		cmocka_unit_test(test_store_is_locked_while_open),
		cmocka_unit_test(test_store_refuses_damage),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
