/*
 * test_changes.c - every rule of the table, on a temporary LMDB store,
 * through the same change functions the daemon's commands call.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "flipdns/db/changes.h"
#include "flipdns/db/history.h"

/* The store fixture (first, so tu_store_teardown can free it), plus: */
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

/* Begin a write transaction and a change context on it. */
static struct fd_change *
begin(struct fx *f)
{
	return tu_change_begin(f->base.st, &f->c);
}

/* Commit on success, abort on error, as the daemon does; returns err. */
static enum fd_err
end(struct fx *f, enum fd_err err)
{
	return tu_change_end(&f->c, err);
}

static enum fd_err
add_cname(struct fx *f, const char *name, const char *host)
{
	struct fd_endpoints ep;
	char msg[128];

	assert_int_equal(fd_endpoints_cname(&ep, host, msg, sizeof(msg)), FD_OK);
	return end(f, fd_change_app_add(begin(f), name, &ep));
}

static enum fd_err
add_addrs(struct fx *f, const char *name, const char *a, const char *b)
{
	struct fd_endpoints ep;
	char msg[128];

	fd_endpoints_clear_addrs(&ep);
	assert_int_equal(fd_endpoints_add_addr(&ep, a, msg, sizeof(msg)), FD_OK);
	if (b)
		assert_int_equal(fd_endpoints_add_addr(&ep, b, msg, sizeof(msg)),
		    FD_OK);
	return end(f, fd_change_app_add(begin(f), name, &ep));
}

static enum fd_err
create(struct fx *f, const char *label, const char *p, const char *b,
    char *out)
{
	char tmp[FD_LABEL_MAX + 1];

	return end(f, fd_change_group_create(begin(f), label, p, b, false, 0, 30,
	    out ? out : tmp));
}

static enum fd_err
set_group(struct fx *f, const char *label, bool pg, const char *p, bool bg,
    const char *b)
{
	struct fd_app_ref pr = {pg, p}, br = {bg, b};

	return end(f, fd_change_group_set(begin(f), label, pr, br, false, 0));
}

static enum fd_err
do_switch(struct fx *f, const char *label, enum fd_switch_to to)
{
	return end(f, fd_change_group_switch(begin(f), label, to));
}

/* Read-only snapshot helpers. */
static uint32_t
serial(struct fx *f)
{
	MDB_txn *t;
	uint32_t s;

	assert_int_equal(mdb_txn_begin(fd_store_env(f->base.st), NULL, MDB_RDONLY, &t), 0);
	s = fd_store_serial(f->base.st, t);
	mdb_txn_abort(t);
	return s;
}

static enum fd_app_status
app_status(struct fx *f, const char *name)
{
	struct fd_app_view a;
	enum fd_app_status s;
	MDB_txn *t;

	assert_int_equal(mdb_txn_begin(fd_store_env(f->base.st), NULL, MDB_RDONLY, &t), 0);
	assert_int_equal(fd_store_get_app(f->base.st, t, name, strlen(name), &a), FD_OK);
	s = fd_app_status_of(&a);
	mdb_txn_abort(t);
	return s;
}

static enum fd_side
group_active(struct fx *f, const char *label, char *active_app)
{
	struct fd_group_view g;
	struct fd_app_view a;
	enum fd_side s;
	MDB_txn *t;

	assert_int_equal(mdb_txn_begin(fd_store_env(f->base.st), NULL, MDB_RDONLY, &t), 0);
	assert_int_equal(fd_store_get_group(f->base.st, t, label, strlen(label), &g),
	    FD_OK);
	s = g.active;
	active_app[0] = '\0';
	if (fd_store_active_app(f->base.st, t, &g, &a) == FD_OK)
		snprintf(active_app, 64, "%.*s", (int)a.name_len, a.name);
	mdb_txn_abort(t);
	return s;
}

static bool
group_exists(struct fx *f, const char *label)
{
	struct fd_group_view g;
	MDB_txn *t;
	bool r;

	assert_int_equal(mdb_txn_begin(fd_store_env(f->base.st), NULL, MDB_RDONLY, &t), 0);
	r = fd_store_get_group(f->base.st, t, label, strlen(label), &g) == FD_OK;
	mdb_txn_abort(t);
	return r;
}

static void
test_app_names_and_endpoints(void **state)
{
	struct fx *f = *state;
	struct fd_endpoints ep;
	char msg[128];

	assert_int_equal(add_cname(f, "web1", "lb-1.example.com"), FD_OK);
	assert_int_equal(add_cname(f, "web1", "lb-2.example.com"), FD_EEXISTS);
	assert_int_equal(add_cname(f, "Web1", "lb.example.com"), FD_EINVAL);
	assert_int_equal(add_cname(f, "-web", "lb.example.com"), FD_EINVAL);
	assert_int_equal(add_cname(f, "a23456789012345678901234567890123456789012"
	    "345678901234567890123", "lb.example.com"), FD_OK);   /* 63 chars */
	assert_int_equal(add_cname(f, "a23456789012345678901234567890123456789012"
	    "3456789012345678901234", "lb.example.com"), FD_EINVAL);
	assert_int_equal(fd_endpoints_cname(&ep, "bad_host!", msg, sizeof(msg)),
	    FD_EINVAL);
	assert_non_null(strstr(msg, "bad_host!"));
	fd_endpoints_clear_addrs(&ep);
	assert_int_equal(fd_endpoints_add_addr(&ep, "192.0.2.1", msg,
	    sizeof(msg)), FD_OK);
	assert_int_equal(fd_endpoints_add_addr(&ep, "192.0.2.1", msg,
	    sizeof(msg)), FD_EINVAL);
	assert_int_equal(fd_endpoints_add_addr(&ep, "300.0.0.1", msg,
	    sizeof(msg)), FD_EINVAL);
	for (int i = 2; i <= 64; i++) {
		char ip[32];

		snprintf(ip, sizeof(ip), "2001:db8::%x", i);
		assert_int_equal(fd_endpoints_add_addr(&ep, ip, msg, sizeof(msg)),
		    FD_OK);
	}
	assert_int_equal(fd_endpoints_add_addr(&ep, "198.51.100.1", msg,
	    sizeof(msg)), FD_EINVAL);   /* the 65th */
	assert_int_equal(end(f, fd_change_app_add(begin(f), "big", &ep)), FD_OK);
	fd_endpoints_clear_addrs(&ep);
	assert_int_equal(end(f, fd_change_app_add(begin(f), "empty", &ep)),
	    FD_EINVAL);
}

static void
test_group_shapes(void **state)
{
	struct fx *f = *state;
	char label[64], act[64];

	assert_int_equal(add_cname(f, "a", "a.example.com"), FD_OK);
	assert_int_equal(add_addrs(f, "b", "192.0.2.1", "2001:db8::1"), FD_OK);
	/* reserved, primary only, both */
	assert_int_equal(create(f, NULL, NULL, NULL, label), FD_OK);
	assert_int_equal(strlen(label), 12);
	for (int i = 0; i < 12; i++)
		assert_non_null(strchr("abcdefghijklmnopqrstuvwxyz234567", label[i]));
	assert_int_equal(create(f, NULL, "a", NULL, NULL), FD_OK);
	assert_int_equal(create(f, "both", "a", "b", NULL), FD_OK);
	assert_int_equal(group_active(f, "both", act), FD_SIDE_PRIMARY);
	assert_string_equal(act, "a");
	/* backup alone, same app twice, unknown app */
	assert_int_equal(create(f, NULL, NULL, "b", NULL), FD_EREFUSED);
	assert_int_equal(create(f, NULL, "a", "a", NULL), FD_EREFUSED);
	assert_int_equal(create(f, NULL, "nope", NULL, NULL), FD_ENOTFOUND);
	/* chosen labels: taken, reserved, invalid */
	assert_int_equal(create(f, "both", NULL, NULL, NULL), FD_EEXISTS);
	assert_int_equal(create(f, "ns1", NULL, NULL, NULL), FD_EEXISTS);
	assert_int_equal(create(f, "Bad_Label", NULL, NULL, NULL), FD_EINVAL);
	/* set: backup without primary refused, nothing written */
	assert_int_equal(set_group(f, "both", true, NULL, false, NULL),
	    FD_EREFUSED);
	assert_int_equal(group_active(f, "both", act), FD_SIDE_PRIMARY);
	assert_string_equal(act, "a");
}

static void
test_switch_rules(void **state)
{
	struct fx *f = *state;
	char act[64];
	uint32_t s;

	assert_int_equal(add_cname(f, "a", "a.example.com"), FD_OK);
	assert_int_equal(add_cname(f, "b", "b.example.com"), FD_OK);
	assert_int_equal(create(f, "g", "a", NULL, NULL), FD_OK);
	/* no backup: both toggle and --to backup are refused */
	assert_int_equal(do_switch(f, "g", FD_SWITCH_TOGGLE), FD_EREFUSED);
	assert_int_equal(do_switch(f, "g", FD_SWITCH_BACKUP), FD_EREFUSED);
	assert_int_equal(set_group(f, "g", false, NULL, true, "b"), FD_OK);
	assert_int_equal(do_switch(f, "g", FD_SWITCH_TOGGLE), FD_OK);
	assert_int_equal(group_active(f, "g", act), FD_SIDE_BACKUP);
	assert_string_equal(act, "b");
	/* --to is idempotent: no change, no new serial */
	s = serial(f);
	assert_int_equal(do_switch(f, "g", FD_SWITCH_BACKUP), FD_OK);
	assert_int_equal(serial(f), s);
	assert_int_equal(do_switch(f, "g", FD_SWITCH_TOGGLE), FD_OK);
	assert_int_equal(group_active(f, "g", act), FD_SIDE_PRIMARY);
	assert_int_equal(serial(f), s + 1);
	/* emptying the active side returns it to primary */
	assert_int_equal(do_switch(f, "g", FD_SWITCH_BACKUP), FD_OK);
	assert_int_equal(set_group(f, "g", false, NULL, true, NULL), FD_OK);
	assert_int_equal(group_active(f, "g", act), FD_SIDE_PRIMARY);
	assert_string_equal(act, "a");
	assert_int_equal(do_switch(f, "nope", FD_SWITCH_TOGGLE), FD_ENOTFOUND);
}

static void
test_status_counters(void **state)
{
	struct fx *f = *state;

	assert_int_equal(add_cname(f, "a", "a.example.com"), FD_OK);
	assert_int_equal(add_cname(f, "b", "b.example.com"), FD_OK);
	assert_int_equal(app_status(f, "a"), FD_STATUS_NONE);
	assert_int_equal(create(f, "g1", "a", "b", NULL), FD_OK);
	assert_int_equal(app_status(f, "a"), FD_STATUS_ONLINE);
	assert_int_equal(app_status(f, "b"), FD_STATUS_OFFLINE);
	assert_int_equal(do_switch(f, "g1", FD_SWITCH_TOGGLE), FD_OK);
	assert_int_equal(app_status(f, "a"), FD_STATUS_OFFLINE);
	assert_int_equal(app_status(f, "b"), FD_STATUS_ONLINE);
	/* a second group with a active makes a online again */
	assert_int_equal(create(f, "g2", "a", NULL, NULL), FD_OK);
	assert_int_equal(app_status(f, "a"), FD_STATUS_ONLINE);
	assert_int_equal(set_group(f, "g2", true, NULL, false, NULL), FD_OK);
	assert_int_equal(app_status(f, "a"), FD_STATUS_OFFLINE);
	assert_int_equal(set_group(f, "g1", true, NULL, false, NULL),
	    FD_EREFUSED);  /* backup b would remain alone */
	assert_int_equal(app_status(f, "b"), FD_STATUS_ONLINE);
	{
		struct fd_app_ref none = {true, NULL};

		assert_int_equal(end(f, fd_change_group_set(begin(f), "g1", none,
		    none, false, 0)), FD_OK);
	}
	assert_int_equal(app_status(f, "a"), FD_STATUS_NONE);
	assert_int_equal(app_status(f, "b"), FD_STATUS_NONE);
}

static void
test_delete_and_tombstones(void **state)
{
	struct fx *f = *state;
	struct fd_app_ref none = {true, NULL};

	assert_int_equal(add_cname(f, "a", "a.example.com"), FD_OK);
	assert_int_equal(create(f, "g", "a", NULL, NULL), FD_OK);
	assert_int_equal(end(f, fd_change_group_delete(begin(f), "g")),
	    FD_EREFUSED);
	assert_true(group_exists(f, "g"));
	assert_int_equal(end(f, fd_change_app_remove(begin(f), "a")),
	    FD_EREFUSED);
	assert_int_equal(end(f, fd_change_group_set(begin(f), "g", none, none,
	    false, 0)), FD_OK);
	assert_int_equal(end(f, fd_change_group_delete(begin(f), "g")), FD_OK);
	assert_false(group_exists(f, "g"));
	assert_int_equal(end(f, fd_change_group_delete(begin(f), "g")),
	    FD_ENOTFOUND);
	/* a deleted label is never issued again */
	assert_int_equal(create(f, "g", NULL, NULL, NULL), FD_EEXISTS);
	assert_non_null(strstr(f->c.msg, "deleted"));
	assert_int_equal(end(f, fd_change_app_remove(begin(f), "a")), FD_OK);
	assert_int_equal(end(f, fd_change_app_remove(begin(f), "a")),
	    FD_ENOTFOUND);
}

static void
test_app_set_follows(void **state)
{
	struct fx *f = *state;
	struct fd_endpoints ep;
	struct fd_group_view g;
	struct fd_app_view a;
	char msg[128];
	MDB_txn *t;

	assert_int_equal(add_cname(f, "a", "old.example.com"), FD_OK);
	assert_int_equal(create(f, "g1", "a", NULL, NULL), FD_OK);
	assert_int_equal(create(f, "g2", "a", NULL, NULL), FD_OK);
	fd_endpoints_clear_addrs(&ep);
	assert_int_equal(fd_endpoints_add_addr(&ep, "192.0.2.7", msg,
	    sizeof(msg)), FD_OK);
	assert_int_equal(end(f, fd_change_app_set(begin(f), "a", &ep)), FD_OK);
	/* the same endpoints again change nothing: no new serial */
	{
		uint32_t s = serial(f);

		assert_int_equal(end(f, fd_change_app_set(begin(f), "a", &ep)),
		    FD_OK);
		assert_int_equal(serial(f), s);
	}
	assert_int_equal(mdb_txn_begin(fd_store_env(f->base.st), NULL, MDB_RDONLY,
	    &t), 0);
	for (int i = 1; i <= 2; i++) {
		const char *l = i == 1 ? "g1" : "g2";

		assert_int_equal(fd_store_get_group(f->base.st, t, l, 2, &g), FD_OK);
		assert_int_equal(fd_store_active_app(f->base.st, t, &g, &a), FD_OK);
		assert_int_equal(a.kind, FD_APP_ADDRS);
		assert_int_equal(a.n4, 1);
		assert_memory_equal(a.a4, "\xc0\x00\x02\x07", 4);
		/* counters survive app set */
		assert_int_equal(a.ref_count, 2);
		assert_int_equal(a.active_count, 2);
	}
	mdb_txn_abort(t);
	assert_int_equal(end(f, fd_change_app_set(begin(f), "zz", &ep)),
	    FD_ENOTFOUND);
}

static void
test_serial_and_history(void **state)
{
	struct fx *f = *state;
	json_t *rows;
	MDB_txn *t;
	uint32_t s0 = serial(f);

	assert_int_equal(s0, 1);
	assert_int_equal(add_cname(f, "a", "a.example.com"), FD_OK);
	assert_int_equal(create(f, "g", "a", NULL, NULL), FD_OK);
	assert_int_equal(create(f, "g", "a", NULL, NULL), FD_EEXISTS);
	assert_int_equal(serial(f), s0 + 2);  /* refused: no serial */
	assert_int_equal(mdb_txn_begin(fd_store_env(f->base.st), NULL, MDB_RDONLY,
	    &t), 0);
	rows = fd_history_list(f->base.st, t, NULL, 10);
	assert_int_equal(json_array_size(rows), 2);
	assert_string_equal(json_string_value(json_object_get(json_array_get(
	    rows, 0), "op")), "group.create");
	assert_int_equal(json_integer_value(json_object_get(json_array_get(
	    rows, 0), "uid")), 1000);
	assert_true(json_is_null(json_object_get(json_array_get(rows, 0),
	    "before")));
	json_decref(rows);
	/* app a: its own row, and the create that made it online */
	rows = fd_history_list(f->base.st, t,
	    &(struct fd_history_filter){.app = "a"}, 10);
	assert_int_equal(json_array_size(rows), 2);
	json_decref(rows);
	mdb_txn_abort(t);
}

/* cnames.h: a host name inside the zone names what exists, never a loop. */
static void
test_cnames_in_the_zone(void **state)
{
	struct fx *f = *state;
	struct fd_endpoints ep;
	char msg[128];
	uint32_t s0;

	/* to a name that does not exist, below a group, or in nothing */
	assert_int_equal(add_cname(f, "x", "loop." TU_ORIGIN), FD_EREFUSED);
	assert_non_null(strstr(f->c.msg, "does not exist"));
	assert_int_equal(create(f, "loop", NULL, NULL, NULL), FD_OK);
	assert_int_equal(add_cname(f, "below", "a.loop." TU_ORIGIN),
	    FD_EREFUSED);
	/* what exists: a group, the apex, a reserved name's subtree */
	assert_int_equal(add_cname(f, "x", "LOOP." TU_ORIGIN), FD_OK);
	assert_int_equal(add_cname(f, "apex", TU_ORIGIN), FD_OK);
	assert_int_equal(add_cname(f, "ns", "ns1." TU_ORIGIN), FD_OK);
	assert_int_equal(add_cname(f, "out", "lb.example.com"), FD_OK);
	assert_int_equal(add_addrs(f, "web", "192.0.2.1", NULL), FD_OK);
	s0 = serial(f);
	/* a loop of one, on either side, by create or set */
	assert_int_equal(set_group(f, "loop", true, "x", false, NULL),
	    FD_EREFUSED);
	assert_non_null(strstr(f->c.msg, "CNAME loop"));
	assert_int_equal(set_group(f, "loop", true, "web", false, NULL), FD_OK);
	assert_int_equal(set_group(f, "loop", false, NULL, true, "x"),
	    FD_EREFUSED);
	/* a loop of two: g1 -> a -> g2 -> b -> g1 */
	assert_int_equal(create(f, "g1", NULL, NULL, NULL), FD_OK);
	assert_int_equal(create(f, "g2", NULL, NULL, NULL), FD_OK);
	assert_int_equal(add_cname(f, "a", "g2." TU_ORIGIN), FD_OK);
	assert_int_equal(add_cname(f, "b", "g1." TU_ORIGIN), FD_OK);
	assert_int_equal(create(f, "g3", "a", NULL, NULL), FD_OK);
	assert_int_equal(set_group(f, "g1", true, "a", false, NULL), FD_OK);
	assert_int_equal(set_group(f, "g2", true, "b", false, NULL),
	    FD_EREFUSED);
	/* by an app set: g2 -> b -> g1 -> a -> outside; a turned to g2 loops */
	assert_int_equal(set_group(f, "g1", true, "web", false, NULL), FD_OK);
	assert_int_equal(set_group(f, "g2", true, "b", false, NULL), FD_OK);
	assert_int_equal(fd_endpoints_cname(&ep, "lb.example.com", msg,
	    sizeof(msg)), FD_OK);
	assert_int_equal(end(f, fd_change_app_set(begin(f), "a", &ep)), FD_OK);
	assert_int_equal(set_group(f, "g1", false, NULL, true, "a"), FD_OK);
	s0 = serial(f);
	assert_int_equal(fd_endpoints_cname(&ep, "g2." TU_ORIGIN, msg,
	    sizeof(msg)), FD_OK);
	assert_int_equal(end(f, fd_change_app_set(begin(f), "a", &ep)),
	    FD_EREFUSED);
	assert_non_null(strstr(f->c.msg, "app a would make a CNAME loop"));
	assert_int_equal(serial(f), s0);    /* refused: nothing written */
	/* a group a host name names is not deleted */
	assert_int_equal(set_group(f, "g1", true, NULL, true, NULL), FD_OK);
	assert_int_equal(end(f, fd_change_group_delete(begin(f), "g1")),
	    FD_EREFUSED);
	assert_non_null(strstr(f->c.msg, "app b has host name g1."));
	assert_int_equal(create(f, "free", NULL, NULL, NULL), FD_OK);
	assert_int_equal(end(f, fd_change_group_delete(begin(f), "free")),
	    FD_OK);
}

static void
test_ttl_bounds(void **state)
{
	struct fx *f = *state;
	struct fd_app_ref none = {false, NULL};
	char out[FD_LABEL_MAX + 1];
	struct fd_change *c;

	assert_int_equal(end(f, fd_change_group_create(begin(f), "a", NULL,
	    NULL, true, 0, 30, out)), FD_EINVAL);
	assert_non_null(strstr(f->c.msg, "zone.allow_zero_ttl"));
	assert_int_equal(end(f, fd_change_group_create(begin(f), "a", NULL,
	    NULL, true, FD_TTL_MAX + 1, 30, out)), FD_EINVAL);
	assert_int_equal(end(f, fd_change_group_create(begin(f), "a", NULL,
	    NULL, true, FD_TTL_MAX, 30, out)), FD_OK);
	assert_int_equal(end(f, fd_change_group_set(begin(f), "a", none, none,
	    true, 0)), FD_EINVAL);
	c = begin(f);
	c->allow_zero_ttl = true;
	assert_int_equal(end(f, fd_change_group_set(c, "a", none, none, true,
	    0)), FD_OK);
	/* made while allowed: other changes still go through */
	assert_int_equal(add_addrs(f, "web", "192.0.2.1", NULL), FD_OK);
	assert_int_equal(set_group(f, "a", true, "web", false, NULL), FD_OK);
}

static void
test_reopen_keeps_everything(void **state)
{
	struct fx *f = *state;
	char act[64];

	assert_int_equal(add_cname(f, "a", "a.example.com"), FD_OK);
	assert_int_equal(add_cname(f, "b", "b.example.com"), FD_OK);
	assert_int_equal(create(f, "g", "a", "b", NULL), FD_OK);
	assert_int_equal(do_switch(f, "g", FD_SWITCH_TOGGLE), FD_OK);
	fd_store_close(f->base.st);
	assert_int_equal(fd_store_open(f->base.dir, 64 << 20, 8, &f->base.st), FD_OK);
	assert_int_equal(group_active(f, "g", act), FD_SIDE_BACKUP);
	assert_string_equal(act, "b");
	assert_int_equal(serial(f), 5);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_app_names_and_endpoints, setup, teardown),
		cmocka_unit_test_setup_teardown(test_group_shapes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_switch_rules, setup, teardown),
		cmocka_unit_test_setup_teardown(test_status_counters, setup, teardown),
		cmocka_unit_test_setup_teardown(test_delete_and_tombstones, setup, teardown),
		cmocka_unit_test_setup_teardown(test_app_set_follows, setup, teardown),
		cmocka_unit_test_setup_teardown(test_serial_and_history, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cnames_in_the_zone, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ttl_bounds, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reopen_keeps_everything, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
