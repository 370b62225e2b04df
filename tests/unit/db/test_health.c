/*
 * test_health.c - what health checking keeps in the store (health.h):
 * check fields and rules, the records, the policy's decision (its truth
 * table, row by row), and the changes: app.check, app.health, a group's
 * policy, the automatic switch with its evidence, and the schema 3 -> 4
 * upgrade.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "flipdns/db/changes.h"
#include "flipdns/db/health.h"
#include "flipdns/db/history.h"
#include "flipdns/db/txn.h"

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

/* -- check fields ---------------------------------------------------- */

static void
test_check_fields(void **state)
{
	static const struct {
		const char *field, *value;
		enum fd_err want;
	} rows[] = {
		{"type", "tcp", FD_OK}, {"type", "https", FD_OK},
		{"type", "none", FD_OK}, {"type", "udp", FD_EINVAL},
		{"port", "443", FD_OK}, {"port", "0", FD_EINVAL},
		{"port", "65536", FD_EINVAL}, {"port", "-1", FD_EINVAL},
		{"path", "/health?x=1", FD_OK}, {"path", "health", FD_EINVAL},
		{"path", "/a b", FD_EINVAL},
		{"host", "www.example.com", FD_OK},
		{"host", "www.example.com.", FD_EINVAL},
		{"host", "a/b", FD_EINVAL},
		{"expect", "200", FD_OK}, {"expect", "200-299,301", FD_OK},
		{"expect", "99", FD_EINVAL}, {"expect", "300-200", FD_EINVAL},
		{"expect", "1,2,3,4,5,6,7,8,9", FD_EINVAL},
		{"expect", "200,201,202,203,204,205,206,207", FD_OK},
		{"body", "ok", FD_OK},
		{"interval", "5", FD_OK}, {"interval", "0.2", FD_OK},
		{"interval", "0.0001", FD_EINVAL}, {"interval", "0", FD_EINVAL},
		{"interval", "3601", FD_EINVAL}, {"interval", "1.", FD_EINVAL},
		{"interval", ".5", FD_EINVAL},
		{"timeout", "0.01", FD_OK}, {"timeout", "0.009", FD_EINVAL},
		{"fall", "1", FD_OK}, {"fall", "100", FD_OK},
		{"fall", "101", FD_EINVAL}, {"rise", "0", FD_EINVAL},
		{"method", "GET", FD_ENOTFOUND},
	};
	struct fd_check ck;
	char msg[256];

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		fd_check_defaults(&ck);
		msg[0] = '\0';
		if (fd_check_set(&ck, rows[i].field, rows[i].value, msg,
		    sizeof(msg)) != rows[i].want)
			fail_msg("%s=%s: wanted %d (%s)", rows[i].field,
			    rows[i].value, rows[i].want, msg);
		if (rows[i].want != FD_OK)
			assert_true(msg[0] != '\0');
	}
	fd_check_defaults(&ck);
	assert_int_equal(fd_check_set(&ck, "interval", "0.25", msg,
	    sizeof(msg)), FD_OK);
	assert_int_equal(ck.interval_ms, 250);
	assert_int_equal(fd_check_set(&ck, "expect", "204,300-302", msg,
	    sizeof(msg)), FD_OK);
	assert_true(fd_check_expects(&ck, 204));
	assert_true(fd_check_expects(&ck, 301));
	assert_false(fd_check_expects(&ck, 200));
	fd_check_defaults(&ck);
	assert_true(fd_check_expects(&ck, 200));
	assert_true(fd_check_expects(&ck, 399));
	assert_false(fd_check_expects(&ck, 404));
}

static void
test_check_rules(void **state)
{
	struct fd_check ck;
	char msg[256];

	fd_check_defaults(&ck);
	ck.type = FD_CHECK_HTTP;
	assert_int_equal(fd_check_validate(&ck, 1000, msg, sizeof(msg)),
	    FD_EINVAL);    /* no port */
	ck.port = 80;
	assert_int_equal(fd_check_validate(&ck, 1000, msg, sizeof(msg)), FD_OK);
	ck.interval_ms = 200;
	ck.timeout_ms = 200;
	assert_int_equal(fd_check_validate(&ck, 1000, msg, sizeof(msg)),
	    FD_EINVAL);    /* below health.min_interval */
	assert_non_null(strstr(msg, "min_interval"));
	assert_int_equal(fd_check_validate(&ck, 100, msg, sizeof(msg)), FD_OK);
	ck.timeout_ms = 300;
	assert_int_equal(fd_check_validate(&ck, 100, msg, sizeof(msg)),
	    FD_EINVAL);    /* timeout past the interval */
	fd_check_defaults(&ck);
	ck.type = FD_CHECK_TCP;
	ck.port = 22;
	snprintf(ck.path, sizeof(ck.path), "/x");
	assert_int_equal(fd_check_validate(&ck, 1000, msg, sizeof(msg)),
	    FD_EINVAL);    /* tcp has no path */
}

static void
test_records_round_trip(void **state)
{
	struct fd_check ck, back;
	struct fd_health_rec h, hb;
	struct fd_policy p, pb;
	uint8_t buf[1024];
	char msg[128];
	size_t len;

	fd_check_defaults(&ck);
	assert_int_equal(fd_check_set(&ck, "type", "https", msg, sizeof(msg)),
	    FD_OK);
	ck.port = 8443;
	fd_check_set(&ck, "path", "/healthz", msg, sizeof(msg));
	fd_check_set(&ck, "host", "www.example.com", msg, sizeof(msg));
	fd_check_set(&ck, "expect", "200,204", msg, sizeof(msg));
	fd_check_set(&ck, "body", "all good", msg, sizeof(msg));
	len = fd_check_encode(buf, sizeof(buf), &ck);
	assert_true(len > 0);
	assert_int_equal(buf[0], FD_CHECK_VERSION);
	assert_int_equal(fd_check_decode(buf, len, &back), FD_OK);
	assert_true(fd_check_equal(&ck, &back));
	/* a damaged record is refused, never half read */
	assert_int_equal(fd_check_decode(buf, len - 1, &back), FD_EVERSION);
	buf[0] = FD_CHECK_VERSION + 1;
	assert_int_equal(fd_check_decode(buf, len, &back), FD_EVERSION);

	memset(&h, 0, sizeof(h));
	h.state = FD_HEALTH_DOWN;
	h.since = 1234;
	snprintf(h.why, sizeof(h.why), "127.0.0.1:80: connection refused");
	len = fd_health_encode(buf, sizeof(buf), &h);
	assert_int_equal(fd_health_decode(buf, len, &hb), FD_OK);
	assert_int_equal(hb.state, FD_HEALTH_DOWN);
	assert_int_equal(hb.since, 1234);
	assert_string_equal(hb.why, h.why);

	fd_policy_defaults(&p);
	p.mode = FD_POLICY_AUTO;
	p.failback = true;
	p.hold = 42;
	p.both_down = FD_BOTH_DOWN_PRIMARY;
	len = fd_policy_encode(buf, sizeof(buf), &p);
	assert_int_equal(fd_policy_decode(buf, len, &pb), FD_OK);
	assert_true(fd_policy_equal(&p, &pb));
}

/* -- the decision: policy.c's truth table, one row each --------------- */

#define U FD_HEALTH_UP
#define D FD_HEALTH_DOWN
#define Q FD_HEALTH_UNKNOWN
#define P FD_SIDE_PRIMARY
#define B FD_SIDE_BACKUP

static void
test_decide_truth_table(void **state)
{
	static const struct {
		enum fd_policy_mode mode;
		enum fd_side active;
		enum fd_health_state p, b;
		enum fd_both_down both;
		bool failback;
		uint64_t p_up_for;    /* seconds the primary has been up */
		int want;             /* -1 stay */
		bool retry;           /* failback waits for its hold */
	} rows[] = {
		{FD_POLICY_MANUAL, P, D, U, 0, 0, 0, -1, 0},
		{FD_POLICY_MANUAL, B, U, D, 0, 1, 999, -1, 0},
		{FD_POLICY_AUTO, P, D, U, 0, 0, 0, B, 0},
		{FD_POLICY_AUTO, P, D, D, 0, 0, 0, -1, 0},
		{FD_POLICY_AUTO, P, D, D, FD_BOTH_DOWN_PRIMARY, 0, 0, -1, 0},
		{FD_POLICY_AUTO, P, D, Q, 0, 0, 0, -1, 0},
		{FD_POLICY_AUTO, P, U, D, 0, 0, 0, -1, 0},
		{FD_POLICY_AUTO, P, Q, U, 0, 0, 0, -1, 0},
		{FD_POLICY_AUTO, B, U, D, 0, 0, 0, P, 0},
		{FD_POLICY_AUTO, B, Q, D, 0, 0, 0, -1, 0},
		{FD_POLICY_AUTO, B, D, D, FD_BOTH_DOWN_PRIMARY, 0, 0, P, 0},
		{FD_POLICY_AUTO, B, D, D, FD_BOTH_DOWN_KEEP, 0, 0, -1, 0},
		/* sticky: the primary back up changes nothing without failback */
		{FD_POLICY_AUTO, B, U, U, 0, 0, 99999, -1, 0},
		{FD_POLICY_AUTO, B, U, U, 0, 1, 300, P, 0},
		{FD_POLICY_AUTO, B, U, Q, 0, 1, 300, P, 0},
		{FD_POLICY_AUTO, B, U, U, 0, 1, 299, -1, 1},
		{FD_POLICY_AUTO, B, D, U, 0, 1, 999, -1, 0},
	};
	struct fd_policy pol;
	struct fd_side_health ph, bh;
	struct fd_decision d;
	uint64_t now = 100000;

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		fd_policy_defaults(&pol);
		pol.mode = rows[i].mode;
		pol.both_down = rows[i].both;
		pol.failback = rows[i].failback;
		pol.hold = 300;
		ph = (struct fd_side_health){true, rows[i].p,
		    now - rows[i].p_up_for};
		bh = (struct fd_side_health){true, rows[i].b, now - 5};
		fd_policy_decide(&pol, rows[i].active, &ph, &bh, now, &d);
		if (d.to != rows[i].want || (d.retry_at != 0) != rows[i].retry)
			fail_msg("row %zu: to %d retry %llu, wanted %d%s", i,
			    d.to, (unsigned long long)d.retry_at, rows[i].want,
			    rows[i].retry ? " with retry" : "");
		if (d.to >= 0)
			assert_true(d.why[0] != '\0');
	}
	/* a group with one side never switches */
	fd_policy_defaults(&pol);
	pol.mode = FD_POLICY_AUTO;
	ph = (struct fd_side_health){true, D, 0};
	bh = (struct fd_side_health){false, Q, 0};
	fd_policy_decide(&pol, P, &ph, &bh, now, &d);
	assert_int_equal(d.to, -1);
}

/* -- the changes ------------------------------------------------------ */

static struct fd_change *
begin(struct fx *f)
{
	return tu_change_begin(f->base.st, &f->c);
}

static enum fd_err
end(struct fx *f, enum fd_err err)
{
	return tu_change_end(&f->c, err);
}

static void
add_app(struct fx *f, const char *name, const char *ip)
{
	struct fd_endpoints ep;

	tu_ep_addrs(&ep, &ip, 1);
	assert_int_equal(end(f, fd_change_app_add(begin(f), name, &ep)), FD_OK);
}

static enum fd_err
set_check(struct fx *f, const char *name, const char *type, const char *port)
{
	struct fd_check ck;
	char msg[128];

	fd_check_defaults(&ck);
	assert_int_equal(fd_check_set(&ck, "type", type, msg, sizeof(msg)),
	    FD_OK);
	if (port != NULL)
		assert_int_equal(fd_check_set(&ck, "port", port, msg,
		    sizeof(msg)), FD_OK);
	return end(f, fd_change_app_check(begin(f), name, &ck, 1000));
}

static uint32_t
serial(struct fx *f)
{
	MDB_txn *t;
	uint32_t s;

	assert_int_equal(mdb_txn_begin(fd_store_env(f->base.st), NULL,
	    MDB_RDONLY, &t), 0);
	s = fd_store_serial(f->base.st, t);
	mdb_txn_abort(t);
	return s;
}

/* The newest history row (a new reference). */
static json_t *
last_row(struct fx *f)
{
	MDB_txn *t;
	json_t *rows, *row;

	assert_int_equal(mdb_txn_begin(fd_store_env(f->base.st), NULL,
	    MDB_RDONLY, &t), 0);
	rows = fd_history_list(f->base.st, t, NULL, 1);
	mdb_txn_abort(t);
	row = json_incref(json_array_get(rows, 0));
	json_decref(rows);
	return row;
}

static enum fd_health_state
stored_health(struct fx *f, const char *app)
{
	struct fd_health_rec h;
	MDB_txn *t;

	assert_int_equal(mdb_txn_begin(fd_store_env(f->base.st), NULL,
	    MDB_RDONLY, &t), 0);
	assert_int_equal(fd_health_get(f->base.st, t, app, strlen(app), &h),
	    FD_OK);
	mdb_txn_abort(t);
	return h.state;
}

static void
test_check_and_health_changes(void **state)
{
	struct fx *f = *state;
	uint32_t s;
	json_t *row;

	add_app(f, "web1", "192.0.2.1");
	/* no check removed from an app without one: nothing written */
	s = serial(f);
	assert_int_equal(set_check(f, "web1", "none", "80"), FD_OK);
	assert_int_equal(serial(f), s);
	/* a health report for an app without a check is refused */
	assert_int_equal(end(f, fd_change_app_health(begin(f), "web1",
	    FD_HEALTH_DOWN, "x")), FD_EREFUSED);
	assert_int_equal(set_check(f, "web1", "http", "80"), FD_OK);
	row = last_row(f);
	assert_string_equal(json_string_value(json_object_get(row, "op")),
	    "app.check");
	assert_string_equal(json_string_value(json_object_get(json_object_get(
	    json_object_get(row, "after"), "check"), "type")), "http");
	assert_true(json_is_null(json_object_get(json_object_get(row,
	    "before"), "check")));
	json_decref(row);
	/* the same check again: no change, no serial */
	s = serial(f);
	assert_int_equal(set_check(f, "web1", "http", "80"), FD_OK);
	assert_false(f->c.changed);
	assert_int_equal(serial(f), s);
	/* a check of an app that does not exist is refused */
	assert_int_equal(set_check(f, "nope", "tcp", "22"), FD_ENOTFOUND);

	/* transitions only: up, up again (no-op), down */
	assert_int_equal(end(f, fd_change_app_health(begin(f), "web1",
	    FD_HEALTH_UP, "192.0.2.1:80: HTTP 200")), FD_OK);
	assert_true(f->c.changed);
	s = serial(f);
	assert_int_equal(end(f, fd_change_app_health(begin(f), "web1",
	    FD_HEALTH_UP, "again")), FD_OK);
	assert_false(f->c.changed);
	assert_int_equal(serial(f), s);
	assert_int_equal(end(f, fd_change_app_health(begin(f), "web1",
	    FD_HEALTH_DOWN, "192.0.2.1:80: connection refused")), FD_OK);
	row = last_row(f);
	assert_string_equal(json_string_value(json_object_get(row, "op")),
	    "app.health");
	assert_string_equal(json_string_value(json_object_get(json_object_get(
	    json_object_get(row, "after"), "health"), "state")), "down");
	json_decref(row);
	assert_int_equal(stored_health(f, "web1"), FD_HEALTH_DOWN);

	/* removing the check removes the health with it */
	assert_int_equal(set_check(f, "web1", "none", NULL), FD_OK);
	assert_int_equal(stored_health(f, "web1"), FD_HEALTH_UNKNOWN);
	/* and removing the app removes both */
	assert_int_equal(set_check(f, "web1", "tcp", "22"), FD_OK);
	assert_int_equal(end(f, fd_change_app_health(begin(f), "web1",
	    FD_HEALTH_UP, "ok")), FD_OK);
	assert_int_equal(end(f, fd_change_app_remove(begin(f), "web1")),
	    FD_OK);
	add_app(f, "web1", "192.0.2.1");
	assert_int_equal(stored_health(f, "web1"), FD_HEALTH_UNKNOWN);
	assert_int_equal(end(f, fd_change_app_health(begin(f), "web1",
	    FD_HEALTH_UP, "x")), FD_EREFUSED);
}

/* Trust every app's stored state, or none. */
static bool
all_fresh(void *arg, const char *app, enum fd_health_state stored)
{
	return *(bool *)arg;
}

static void
test_policy_and_automatic_switch(void **state)
{
	struct fx *f = *state;
	struct fd_app_ref keep = {false, NULL};
	struct fd_policy pol;
	struct fd_decision d;
	struct fd_group_view g;
	struct fd_actor health = {"health", FD_ACTOR_NO_UID};
	char label[FD_LABEL_MAX + 1];
	bool fresh = false;
	uint32_t s;
	MDB_txn *t;
	json_t *row, *ev;

	add_app(f, "p", "192.0.2.1");
	add_app(f, "b", "192.0.2.2");
	assert_int_equal(set_check(f, "p", "tcp", "80"), FD_OK);
	assert_int_equal(set_check(f, "b", "tcp", "80"), FD_OK);
	assert_int_equal(end(f, fd_change_group_create(begin(f), "g", "p", "b",
	    false, 0, 30, label)), FD_OK);
	/* manual: nothing happens, whatever the health */
	assert_int_equal(end(f, fd_change_app_health(begin(f), "p",
	    FD_HEALTH_DOWN, "p refused")), FD_OK);
	assert_int_equal(end(f, fd_change_app_health(begin(f), "b",
	    FD_HEALTH_UP, "b fine")), FD_OK);
	fresh = true;
	s = serial(f);
	assert_int_equal(end(f, fd_change_health_decide(begin(f), "g",
	    all_fresh, &fresh, &d)), FD_OK);
	assert_int_equal(d.to, -1);
	assert_int_equal(serial(f), s);

	/* auto, set by group set: one row, whose after shows the policy */
	fd_policy_defaults(&pol);
	pol.mode = FD_POLICY_AUTO;
	assert_int_equal(end(f, fd_change_group_set_policy(begin(f), "g", keep,
	    keep, false, 0, &pol)), FD_OK);
	row = last_row(f);
	assert_string_equal(json_string_value(json_object_get(json_object_get(
	    json_object_get(row, "after"), "policy"), "mode")), "auto");
	json_decref(row);
	/* the same policy again is a no-op */
	s = serial(f);
	assert_int_equal(end(f, fd_change_group_set_policy(begin(f), "g", keep,
	    keep, false, 0, &pol)), FD_OK);
	assert_int_equal(serial(f), s);

	/* stale states (not confirmed since start) decide nothing */
	fresh = false;
	assert_int_equal(end(f, fd_change_health_decide(begin(f), "g",
	    all_fresh, &fresh, &d)), FD_OK);
	assert_int_equal(d.to, -1);
	assert_int_equal(serial(f), s);

	/* fresh: primary down, backup up -> switched, by health, with why */
	fresh = true;
	begin(f)->actor = health;
	assert_int_equal(end(f, fd_change_health_decide(&f->c, "g", all_fresh,
	    &fresh, &d)), FD_OK);
	assert_int_equal(d.to, FD_SIDE_BACKUP);
	row = last_row(f);
	assert_string_equal(json_string_value(json_object_get(row, "op")),
	    "group.switch");
	assert_string_equal(json_string_value(json_object_get(row, "actor")),
	    "health");
	ev = json_object_get(row, "evidence");
	assert_string_equal(json_string_value(json_object_get(ev, "reason")),
	    "primary down, backup up");
	assert_string_equal(json_string_value(json_object_get(json_object_get(
	    ev, "primary"), "why")), "p refused");
	assert_string_equal(json_string_value(json_array_get(json_object_get(
	    row, "moved"), 0)), "g");
	json_decref(row);
	assert_int_equal(mdb_txn_begin(fd_store_env(f->base.st), NULL,
	    MDB_RDONLY, &t), 0);
	assert_int_equal(fd_store_get_group(f->base.st, t, "g", 1, &g), FD_OK);
	assert_int_equal(g.active, FD_SIDE_BACKUP);
	mdb_txn_abort(t);

	/* sticky: primary back up, deciding again changes nothing */
	assert_int_equal(end(f, fd_change_app_health(begin(f), "p",
	    FD_HEALTH_UP, "p fine")), FD_OK);
	s = serial(f);
	assert_int_equal(end(f, fd_change_health_decide(begin(f), "g",
	    all_fresh, &fresh, &d)), FD_OK);
	assert_int_equal(d.to, -1);
	assert_int_equal(serial(f), s);

	/* deleting the group drops its policy with it */
	{
		struct fd_app_ref none = {true, NULL};

		assert_int_equal(end(f, fd_change_group_set(begin(f), "g", none,
		    none, false, 0)), FD_OK);
		assert_int_equal(end(f, fd_change_group_delete(begin(f), "g")),
		    FD_OK);
		assert_int_equal(mdb_txn_begin(fd_store_env(f->base.st), NULL,
		    MDB_RDONLY, &t), 0);
		assert_int_equal(fd_store_count(f->base.st, t, FD_DB_POLICIES),
		    0);
		mdb_txn_abort(t);
	}
}

/*
 * A schema 3 store (no health tables) is upgraded when opened; a copy of
 * one passes the backup check as it is.
 */
static void
test_schema_3_upgraded(void **state)
{
	static const char *const later[] = {"checks", "health", "policies"};
	struct fx *f = *state;
	uint32_t three = 3;
	MDB_val k = {6, "schema"}, v = {sizeof(three), &three};
	MDB_txn *t;
	MDB_dbi dbi;
	struct fd_store *copy;
	char file[4096];

	add_app(f, "a", "192.0.2.1");
	assert_int_equal(mdb_txn_begin(fd_store_env(f->base.st), NULL, 0, &t),
	    0);
	for (size_t i = 0; i < 3; i++) {
		assert_int_equal(mdb_dbi_open(t, later[i], 0, &dbi), 0);
		assert_int_equal(mdb_drop(t, dbi, 1), 0);
	}
	assert_int_equal(mdb_put(t, fd_store_dbi(f->base.st, FD_DB_META), &k,
	    &v, 0), 0);
	assert_int_equal(mdb_txn_commit(t), 0);
	fd_store_close(f->base.st);
	f->base.st = NULL;
	/* a schema 3 data file opens read-only as it is */
	snprintf(file, sizeof(file), "%s/data.mdb", f->base.dir);
	assert_int_equal(fd_store_open_file(file, &copy), FD_OK);
	fd_store_close(copy);
	/* and as a store it is upgraded, and takes checks */
	assert_int_equal(fd_store_open(f->base.dir, 16 << 20, 8, &f->base.st),
	    FD_OK);
	assert_int_equal(mdb_txn_begin(fd_store_env(f->base.st), NULL,
	    MDB_RDONLY, &t), 0);
	assert_int_equal(mdb_get(t, fd_store_dbi(f->base.st, FD_DB_META), &k,
	    &v), 0);
	assert_int_equal(*(uint32_t *)v.mv_data, FD_SCHEMA_VERSION);
	mdb_txn_abort(t);
	assert_int_equal(set_check(f, "a", "tcp", "22"), FD_OK);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_check_fields),
		cmocka_unit_test(test_check_rules),
		cmocka_unit_test(test_records_round_trip),
		cmocka_unit_test(test_decide_truth_table),
		cmocka_unit_test_setup_teardown(test_check_and_health_changes,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_policy_and_automatic_switch, setup, teardown),
		cmocka_unit_test_setup_teardown(test_schema_3_upgraded, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
