/* testutil.c - shared helpers for the cmocka unit tests. */
#include <arpa/inet.h>
#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "testutil.h"
#include "flipdns/db/appindex.h"
#include "flipdns/db/changes.h"
#include "flipdns/db/store.h"

char *
tu_tmpdir(void)
{
	const char *base = getenv("TMPDIR");
	char *dir;

	if (base == NULL || *base == '\0')
		base = "/tmp";
	if (asprintf(&dir, "%s/flipdns-unit-XXXXXX", base) < 0)
		abort();
	if (mkdtemp(dir) == NULL)
		abort();
	return dir;
}

void
tu_rmdir(char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char path[PATH_MAX];

	if (d != NULL) {
		while ((de = readdir(d)) != NULL) {
			if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
				continue;
			snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
			unlink(path);
		}
		closedir(d);
	}
	rmdir(dir);
	free(dir);
}

int
tu_store_setup_size(void **state, size_t size)
{
	struct tu_store *f = calloc(1, size);

	f->dir = tu_tmpdir();
	assert_int_equal(fd_store_open(f->dir, 64 << 20, 8, &f->st), FD_OK);
	*state = f;
	return 0;
}

int
tu_store_setup(void **state)
{
	return tu_store_setup_size(state, sizeof(struct tu_store));
}

int
tu_store_teardown(void **state)
{
	struct tu_store *f = *state;

	fd_store_close(f->st);
	tu_rmdir(f->dir);
	free(f);
	return 0;
}

void
tu_put(struct fd_store *st, MDB_txn *txn, enum fd_store_db db, const void *k,
    size_t klen, const void *v, size_t vlen)
{
	MDB_val key = {klen, (void *)k}, val = {vlen, (void *)v};

	assert_int_equal(mdb_put(txn, fd_store_dbi(st, db), &key, &val, 0), 0);
}

void
tu_add_app(struct fd_store *st, MDB_txn *txn, const char *name,
    const struct fd_endpoints *ep, const char *status, uint32_t refs,
    uint32_t active)
{
	uint8_t buf[4096];
	size_t n = fd_app_encode(buf, sizeof(buf), ep, refs, active, status,
	    1, 1);

	assert_true(n > 0);
	tu_put(st, txn, FD_DB_APPS, name, strlen(name), buf, n);
	tu_put(st, txn, FD_DB_STATUS, status, strlen(status), name,
	    strlen(name));
}

void
tu_add_group(struct fd_store *st, MDB_txn *txn, const char *label,
    const char *primary, const char *backup, enum fd_side active,
    uint32_t ttl)
{
	uint8_t buf[512];
	size_t n = fd_group_encode(buf, sizeof(buf), active, ttl,
	    primary, backup, 1, 1);

	assert_true(n > 0);
	tu_put(st, txn, FD_DB_GROUPS, label, strlen(label), buf, n);
}

void
tu_ep_cname(struct fd_endpoints *ep, const char *host)
{
	int n;

	memset(ep, 0, sizeof(*ep));
	ep->kind = FD_APP_CNAME;
	n = fd_dname_from_text(host, ep->cname_wire);
	assert_true(n > 0);
	ep->cname_len = (uint16_t)n;
}

void
tu_ep_addrs(struct fd_endpoints *ep, const char *const *ips, int n)
{
	uint8_t b[16];

	memset(ep, 0, sizeof(*ep));
	ep->kind = FD_APP_ADDRS;
	for (int i = 0; i < n; i++) {
		if (inet_pton(AF_INET, ips[i], b) == 1) {
			memcpy(ep->a4[ep->n4++], b, 4);
		} else {
			assert_int_equal(inet_pton(AF_INET6, ips[i], b), 1);
			memcpy(ep->a6[ep->n6++], b, 16);
		}
	}
}

static const char *const tu_reserved[] = {"_status", "ns1"};

struct fd_change *
tu_change_begin(struct fd_store *st, struct fd_change *c)
{
	MDB_txn *txn;

	json_decref(c->touched);
	assert_int_equal(mdb_txn_begin(fd_store_env(st), NULL, 0, &txn), 0);
	memset(c, 0, sizeof(*c));
	c->st = st;
	c->txn = txn;
	c->actor.uid = 1000;
	c->now = TU_NOW;
	c->origin = TU_ORIGIN;
	c->reserved = tu_reserved;
	c->n_reserved = 2;
	return c;
}

enum fd_err
tu_change_end(struct fd_change *c, enum fd_err err)
{
	if (err == FD_OK)
		assert_int_equal(mdb_txn_commit(c->txn), 0);
	else
		mdb_txn_abort(c->txn);
	c->txn = NULL;
	return err;
}

void
tu_change_free(struct fd_change *c)
{
	json_decref(c->touched);
	c->touched = NULL;
}

/* Check one expected entry: app (len alen) is the role side of label. */
static void
expect_entry(struct fd_store *st, MDB_txn *txn, const char *app,
    size_t alen, const MDB_val *label, enum fd_side role)
{
	char key[FD_APP_NAME_MAX + 1 + FD_LABEL_MAX];
	MDB_val k = {alen + 1 + label->mv_size, key}, v;

	memcpy(key, app, alen);
	key[alen] = '\0';
	memcpy(key + alen + 1, label->mv_data, label->mv_size);
	if (mdb_get(txn, fd_store_dbi(st, FD_DB_APP_GROUPS), &k, &v) != 0)
		fail_msg("app_groups lacks %.*s -> %.*s", (int)alen, app,
		    (int)label->mv_size, (char *)label->mv_data);
	assert_int_equal(v.mv_size, 2);
	assert_int_equal(((uint8_t *)v.mv_data)[0], FD_APPINDEX_VERSION);
	if (((uint8_t *)v.mv_data)[1] != role)
		fail_msg("app_groups %.*s -> %.*s: role %d, want %d", (int)alen,
		    app, (int)label->mv_size, (char *)label->mv_data,
		    ((uint8_t *)v.mv_data)[1], role);
}

void
tu_assert_appindex(struct fd_store *st)
{
	struct fd_group_view g;
	MDB_cursor *cur;
	MDB_txn *txn;
	MDB_stat ms;
	MDB_val k, v;
	size_t want = 0;
	int rc;

	assert_int_equal(mdb_txn_begin(fd_store_env(st), NULL, MDB_RDONLY,
	    &txn), 0);
	assert_int_equal(mdb_cursor_open(txn, fd_store_dbi(st, FD_DB_GROUPS),
	    &cur), 0);
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
	    rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		assert_int_equal(fd_group_decode(v.mv_data, v.mv_size, &g),
		    FD_OK);
		if (g.primary != NULL) {
			expect_entry(st, txn, g.primary, g.primary_len, &k,
			    FD_SIDE_PRIMARY);
			want++;
		}
		if (g.backup != NULL) {
			expect_entry(st, txn, g.backup, g.backup_len, &k,
			    FD_SIDE_BACKUP);
			want++;
		}
	}
	mdb_cursor_close(cur);
	/* every entry the groups imply is there: equal counts leave no other */
	assert_int_equal(mdb_stat(txn, fd_store_dbi(st, FD_DB_APP_GROUPS), &ms),
	    0);
	if (ms.ms_entries != want)
		fail_msg("app_groups has %zu entries, the groups name %zu",
		    (size_t)ms.ms_entries, want);
	mdb_txn_abort(txn);
}
