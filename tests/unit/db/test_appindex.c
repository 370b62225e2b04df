/*
 * test_appindex.c - the app-to-groups index: exact after every kind of
 * change (refused ones included), read as a range per app, named by the
 * refusal of app remove, and built when a schema 1 store (or a restored
 * backup of one) is opened.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "flipdns/db/appindex.h"
#include "flipdns/db/backup.h"
#include "flipdns/db/changes.h"
#include "flipdns/db/import.h"

struct fx {
	struct tu_store base;
	struct fd_change c;
};

static int
setup(void **state)
{
	return tu_store_setup_size(state, sizeof(struct fx));
}

static int
teardown(void **state)
{
	struct fx *f = *state;

	tu_change_free(&f->c);
	return tu_store_teardown(state);
}

/* One change, as a row of a table: op with up to three words. */
enum op { ADD, APP_SET, REMOVE, CREATE, SET, SWITCH, DELETE, IMPORT };

struct step {
	enum op op;
	const char *a, *b, *c;   /* names; "-" is "none" for SET */
	enum fd_err want;
};

/* SET's words: NULL leaves a side as it is, "-" empties it. */
static struct fd_app_ref
ref(const char *w)
{
	struct fd_app_ref r = {w != NULL, NULL};

	if (w != NULL && strcmp(w, "-") != 0)
		r.name = w;
	return r;
}

static enum fd_err
run(struct fx *f, const struct step *s)
{
	struct fd_change *c = tu_change_begin(f->base.st, &f->c);
	char label[FD_LABEL_MAX + 1], msg[128];
	struct fd_endpoints ep;
	size_t na, ng;

	switch (s->op) {
	case ADD:
	case APP_SET:
		assert_int_equal(fd_endpoints_cname(&ep, s->b ? s->b :
		    "lb.example.com", msg, sizeof(msg)), FD_OK);
		return tu_change_end(c, s->op == ADD ?
		    fd_change_app_add(c, s->a, &ep) :
		    fd_change_app_set(c, s->a, &ep));
	case REMOVE:
		return tu_change_end(c, fd_change_app_remove(c, s->a));
	case CREATE:
		return tu_change_end(c, fd_change_group_create(c, s->a, s->b,
		    s->c, false, 0, 30, label));
	case SET:
		return tu_change_end(c, fd_change_group_set(c, s->a, ref(s->b),
		    ref(s->c), false, 0));
	case SWITCH:
		return tu_change_end(c, fd_change_group_switch(c, s->a,
		    FD_SWITCH_TOGGLE));
	case DELETE:
		return tu_change_end(c, fd_change_group_delete(c, s->a));
	case IMPORT:
	default:
		return tu_change_end(c, fd_import_yaml(c, "t.yaml", s->a,
		    strlen(s->a), 30, 1000, &na, &ng));
	}
}

static const struct step every_change[] = {
	{ADD, "a", NULL, NULL, FD_OK},
	{ADD, "b", NULL, NULL, FD_OK},
	{ADD, "c", NULL, NULL, FD_OK},
	{CREATE, "g1", "a", "b", FD_OK},
	{CREATE, "g2", "a", NULL, FD_OK},
	{CREATE, "g3", NULL, NULL, FD_OK},
	{CREATE, "g4", "b", "b", FD_EREFUSED},       /* same app twice */
	{CREATE, "g5", "a", "nope", FD_ENOTFOUND},
	{CREATE, "g1", "c", NULL, FD_EEXISTS},
	{SET, "g1", "b", "a", FD_OK},                 /* swap the sides */
	{SET, "g2", NULL, "c", FD_OK},                /* add a backup */
	{SET, "g2", "-", NULL, FD_EREFUSED},          /* backup alone */
	{SET, "g2", "nope", NULL, FD_ENOTFOUND},
	{SWITCH, "g1", NULL, NULL, FD_OK},            /* no entry changes */
	{SWITCH, "g3", NULL, NULL, FD_EREFUSED},
	{SET, "g1", "c", NULL, FD_OK},                /* replace the primary */
	{SET, "g3", "b", NULL, FD_OK},                /* an empty group gets one */
	{REMOVE, "a", NULL, NULL, FD_EREFUSED},
	{DELETE, "g2", NULL, NULL, FD_EREFUSED},
	{SET, "g2", "-", "-", FD_OK},                 /* both gone */
	{DELETE, "g2", NULL, NULL, FD_OK},
	{SET, "g1", "-", "-", FD_OK},
	{DELETE, "g1", NULL, NULL, FD_OK},
	{REMOVE, "a", NULL, NULL, FD_OK},
	{APP_SET, "b", "lb-2.example.com", NULL, FD_OK},
	{IMPORT, "apps:\n  - {name: d, cname: d.example.com}\n"
	    "groups:\n  - {label: i1, primary: d, backup: b}\n"
	    "  - {label: i2, primary: c, backup: d, active: backup}\n",
	    NULL, NULL, FD_OK},
	/* the third group names a missing app: the whole import is undone */
	{IMPORT, "groups:\n  - {label: j1, primary: d}\n"
	    "  - {label: j2, primary: b, backup: c}\n"
	    "  - {label: j3, primary: zz}\n", NULL, NULL, FD_ENOTFOUND},
	{SET, "i2", "d", "c", FD_OK},
};

static void
test_index_exact_after_every_change(void **state)
{
	struct fx *f = *state;
	size_t i;

	for (i = 0; i < sizeof(every_change) / sizeof(every_change[0]); i++) {
		const struct step *s = &every_change[i];

		if (run(f, s) != s->want)
			fail_msg("step %zu (%s): %s", i, s->a, f->c.msg);
		tu_assert_appindex(f->base.st);
	}
}

/* "label:role label:role ..." of an app's groups, read from the index. */
static void
followers(struct fx *f, const char *app, const char *after, char *out,
    size_t len)
{
	struct fd_followers w;
	struct fd_follower fo;
	enum fd_err err;
	MDB_txn *t;
	size_t off = 0;

	out[0] = '\0';
	assert_int_equal(mdb_txn_begin(fd_store_env(f->base.st), NULL,
	    MDB_RDONLY, &t), 0);
	for (err = fd_followers_first(f->base.st, t, app, after, &w, &fo);
	    err == FD_OK; err = fd_followers_next(&w, &fo))
		off += (size_t)snprintf(out + off, len - off, "%s%.*s:%s",
		    off ? " " : "", (int)fo.label_len, fo.label,
		    fo.role == FD_SIDE_PRIMARY ? "p" : "b");
	assert_int_equal(err, FD_ENOTFOUND);
	fd_followers_close(&w);
	mdb_txn_abort(t);
}

/*
 * App names that are prefixes of each other ("web", "web-1", "web1",
 * "we") each read exactly their own groups, in label order, and a walk
 * resumes after any label, present or not.
 */
static void
test_followers_range_read(void **state)
{
	static const struct step steps[] = {
		{ADD, "we", NULL, NULL, FD_OK},
		{ADD, "web", NULL, NULL, FD_OK},
		{ADD, "web-1", NULL, NULL, FD_OK},
		{ADD, "web1", NULL, NULL, FD_OK},
		{ADD, "lonely", NULL, NULL, FD_OK},
		{CREATE, "m", "web", "web1", FD_OK},
		{CREATE, "b", "web1", "web", FD_OK},
		{CREATE, "z", "web", NULL, FD_OK},
		{CREATE, "a", "web-1", "we", FD_OK},
		{CREATE, "web", "we", "web", FD_OK},   /* a label named like an app */
	};
	struct fx *f = *state;
	char got[256];

	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++)
		assert_int_equal(run(f, &steps[i]), FD_OK);
	followers(f, "web", NULL, got, sizeof(got));
	assert_string_equal(got, "b:b m:p web:b z:p");
	followers(f, "web1", NULL, got, sizeof(got));
	assert_string_equal(got, "b:p m:b");
	followers(f, "web-1", NULL, got, sizeof(got));
	assert_string_equal(got, "a:p");
	followers(f, "we", NULL, got, sizeof(got));
	assert_string_equal(got, "a:b web:p");
	followers(f, "lonely", NULL, got, sizeof(got));
	assert_string_equal(got, "");
	followers(f, "nosuchapp", NULL, got, sizeof(got));
	assert_string_equal(got, "");
	/* paging: after a label that is there, and one that is not */
	followers(f, "web", "m", got, sizeof(got));
	assert_string_equal(got, "web:b z:p");
	followers(f, "web", "c", got, sizeof(got));
	assert_string_equal(got, "m:p web:b z:p");
	followers(f, "web", "z", got, sizeof(got));
	assert_string_equal(got, "");
}

/* The refusal names the first five groups in label order, and the rest. */
static void
test_remove_refusal_names_groups(void **state)
{
	struct fx *f = *state;
	const struct step add = {ADD, "a", NULL, NULL, FD_OK};
	const struct step rm = {REMOVE, "a", NULL, NULL, FD_EREFUSED};
	char label[8];

	assert_int_equal(run(f, &add), FD_OK);
	for (int i = 7; i >= 1; i--) {
		const struct step s = {CREATE, label, "a", NULL, FD_OK};

		snprintf(label, sizeof(label), "g%d", i);
		assert_int_equal(run(f, &s), FD_OK);
		if (i == 7) {
			assert_int_equal(run(f, &rm), FD_EREFUSED);
			assert_non_null(strstr(f->c.msg, "used by 1 group (g7); "
			    "point it elsewhere"));
		}
	}
	assert_int_equal(run(f, &rm), FD_EREFUSED);
	assert_non_null(strstr(f->c.msg, "app a is used by 7 groups (g1, g2, "
	    "g3, g4, g5 and 2 more); point them elsewhere first"));
}

/* A group record as flipdns 1 wrote it, into the groups table. */
static void
put_group(MDB_txn *t, MDB_dbi dbi, const char *label, const char *p,
    const char *b, enum fd_side active)
{
	uint8_t buf[256];
	MDB_val k = {strlen(label), (void *)label}, v = {0, buf};

	v.mv_size = fd_group_encode(buf, sizeof(buf), active, 30, p, b, 1, 1);
	assert_true(v.mv_size > 0);
	assert_int_equal(mdb_put(t, dbi, &k, &v, 0), 0);
}

static void
put_app(MDB_txn *t, MDB_dbi apps, MDB_dbi status, const char *name,
    const char *sl, uint32_t refs, uint32_t active)
{
	uint8_t buf[512];
	struct fd_endpoints ep;
	char msg[64];
	MDB_val k = {strlen(name), (void *)name}, v = {0, buf};
	MDB_val sk = {FD_STATUS_LABEL_LEN, (void *)sl};

	assert_int_equal(fd_endpoints_cname(&ep, "lb.example.com", msg,
	    sizeof(msg)), FD_OK);
	v.mv_size = fd_app_encode(buf, sizeof(buf), &ep, refs, active, sl, 1,
	    1);
	assert_int_equal(mdb_put(t, apps, &k, &v, 0), 0);
	assert_int_equal(mdb_put(t, status, &sk, &k, 0), 0);
}

static uint32_t
meta_u32(MDB_txn *t, MDB_dbi meta, const char *key)
{
	MDB_val k = {strlen(key), (void *)key}, v;
	uint32_t x;

	assert_int_equal(mdb_get(t, meta, &k, &v), 0);
	assert_int_equal(v.mv_size, sizeof(x));
	memcpy(&x, v.mv_data, sizeof(x));
	return x;
}

/* Write a store the way the schema 1 code did: its six tables, raw LMDB. */
static void
write_schema(const char *dir, uint32_t schema)
{
	MDB_env *env;
	MDB_txn *t;
	MDB_dbi apps, groups, status, meta, other;
	uint32_t serial = 7;
	MDB_val k = {6, "schema"}, v = {sizeof(schema), &schema};

	assert_int_equal(mdb_env_create(&env), 0);
	assert_int_equal(mdb_env_set_maxdbs(env, 6), 0);
	assert_int_equal(mdb_env_set_mapsize(env, 16 << 20), 0);
	assert_int_equal(mdb_env_open(env, dir, MDB_NOTLS, 0640), 0);
	assert_int_equal(mdb_txn_begin(env, NULL, 0, &t), 0);
	assert_int_equal(mdb_dbi_open(t, "apps", MDB_CREATE, &apps), 0);
	assert_int_equal(mdb_dbi_open(t, "groups", MDB_CREATE, &groups), 0);
	assert_int_equal(mdb_dbi_open(t, "status", MDB_CREATE, &status), 0);
	assert_int_equal(mdb_dbi_open(t, "meta", MDB_CREATE, &meta), 0);
	assert_int_equal(mdb_dbi_open(t, "tombstones", MDB_CREATE, &other), 0);
	assert_int_equal(mdb_dbi_open(t, "history", MDB_CREATE, &other), 0);
	assert_int_equal(mdb_put(t, meta, &k, &v, 0), 0);
	k.mv_data = "serial";
	v.mv_data = &serial;
	assert_int_equal(mdb_put(t, meta, &k, &v, 0), 0);
	put_app(t, apps, status, "a", "aaaaaaaaaaaa", 2, 1);
	put_app(t, apps, status, "b", "bbbbbbbbbbbb", 1, 1);
	put_app(t, apps, status, "c", "cccccccccccc", 0, 0);
	put_group(t, groups, "g1", "a", "b", FD_SIDE_BACKUP);
	put_group(t, groups, "g2", "a", NULL, FD_SIDE_PRIMARY);
	put_group(t, groups, "g3", NULL, NULL, FD_SIDE_PRIMARY);
	assert_int_equal(mdb_txn_commit(t), 0);
	mdb_env_close(env);
}

/*
 * A store of schema 1 (no app_groups table) is upgraded when opened: the
 * index is built from its groups and schema 2 recorded, and from then on
 * changes keep it.  Unknown schemas are still refused.
 */
static void
test_schema_1_upgraded_on_open(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	char got[128];
	MDB_txn *t;
	const struct step sw = {SWITCH, "g1", NULL, NULL, FD_OK};
	const struct step set = {SET, "g2", NULL, "c", FD_OK};

	f->base.dir = tu_tmpdir();
	write_schema(f->base.dir, 1);
	assert_int_equal(fd_store_open(f->base.dir, 16 << 20, 8, &f->base.st),
	    FD_OK);
	*state = f;
	tu_assert_appindex(f->base.st);
	followers(f, "a", NULL, got, sizeof(got));
	assert_string_equal(got, "g1:p g2:p");
	followers(f, "b", NULL, got, sizeof(got));
	assert_string_equal(got, "g1:b");
	assert_int_equal(mdb_txn_begin(fd_store_env(f->base.st), NULL,
	    MDB_RDONLY, &t), 0);
	assert_int_equal(meta_u32(t, fd_store_dbi(f->base.st, FD_DB_META),
	    "schema"), FD_SCHEMA_VERSION);
	assert_int_equal(fd_store_serial(f->base.st, t), 7);
	mdb_txn_abort(t);
	/* the upgraded store takes changes, and they keep the index */
	assert_int_equal(run(f, &sw), FD_OK);
	assert_int_equal(run(f, &set), FD_OK);
	tu_assert_appindex(f->base.st);
	followers(f, "c", NULL, got, sizeof(got));
	assert_string_equal(got, "g2:b");
	/* opened again: schema 2 as it is, nothing rebuilt or lost */
	fd_store_close(f->base.st);
	assert_int_equal(fd_store_open(f->base.dir, 16 << 20, 8, &f->base.st),
	    FD_OK);
	tu_assert_appindex(f->base.st);
	followers(f, "c", NULL, got, sizeof(got));
	assert_string_equal(got, "g2:b");
}

/*
 * A backup taken of a schema 1 store passes the check as it is, and once
 * restored, opening it upgrades it like any schema 1 store.
 */
static void
test_schema_1_backup_restored_and_upgraded(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	struct fd_backup_summary sum;
	char *old = tu_tmpdir(), file[4096], got[128], msg[256];

	write_schema(old, 1);
	snprintf(file, sizeof(file), "%s/data.mdb", old);
	assert_int_equal(fd_backup_check(file, &sum), FD_OK);
	assert_int_equal(sum.groups, 3);
	assert_int_equal(sum.apps, 3);
	f->base.dir = tu_tmpdir();
	*state = f;
	assert_int_equal(fd_backup_restore(file, f->base.dir, &sum, msg,
	    sizeof(msg)), FD_OK);
	tu_rmdir(old);
	assert_int_equal(fd_store_open(f->base.dir, 16 << 20, 8, &f->base.st),
	    FD_OK);
	tu_assert_appindex(f->base.st);
	followers(f, "a", NULL, got, sizeof(got));
	assert_string_equal(got, "g1:p g2:p");
}

static void
test_unknown_schemas_refused(void **state)
{
	static const uint32_t bad[] = {0, FD_SCHEMA_VERSION + 1, 1000};
	struct fd_store *st;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *dir = tu_tmpdir();

		write_schema(dir, bad[i]);
		assert_int_equal(fd_store_open(dir, 16 << 20, 8, &st),
		    FD_EVERSION);
		tu_rmdir(dir);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
		    test_index_exact_after_every_change, setup, teardown),
		cmocka_unit_test_setup_teardown(test_followers_range_read,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_remove_refusal_names_groups, setup, teardown),
		cmocka_unit_test_teardown(test_schema_1_upgraded_on_open,
		    teardown),
		cmocka_unit_test_teardown(
		    test_schema_1_backup_restored_and_upgraded, teardown),
		cmocka_unit_test(test_unknown_schemas_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
