/*
 * test_apply.c - apply (apply.h) on a temporary store: what differs is
 * changed, the rest is left, twice is once, a dry run writes nothing,
 * deletes only when asked, all or nothing; the app index stays exact.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "flipdns/db/apply.h"
#include "flipdns/db/history.h"

struct fx {
	struct tu_store base;
	struct fd_change c;
	struct fd_apply_result res;
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

	json_decref(f->res.plan);
	tu_change_free(&f->c);
	return tu_store_teardown(state);
}

static enum fd_err
apply(struct fx *f, const char *text, bool dry)
{
	json_decref(f->res.plan);
	f->res.plan = NULL;
	return tu_change_end(&f->c, fd_apply_yaml(tu_change_begin(f->base.st,
	    &f->c), "t.yaml", text, strlen(text), 30, dry, &f->res));
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

static bool
group(struct fx *f, const char *label, struct fd_group_view *g, char *p,
    char *b)
{
	MDB_txn *t;
	bool found;

	assert_int_equal(mdb_txn_begin(fd_store_env(f->base.st), NULL,
	    MDB_RDONLY, &t), 0);
	found = fd_store_get_group(f->base.st, t, label, strlen(label), g) ==
	    FD_OK;
	if (found) {
		snprintf(p, 64, "%.*s", g->primary ? (int)g->primary_len : 0,
		    g->primary ? g->primary : "");
		snprintf(b, 64, "%.*s", g->backup ? (int)g->backup_len : 0,
		    g->backup ? g->backup : "");
	}
	mdb_txn_abort(t);
	return found;
}

static const char state1[] =
    "apps:\n"
    "  - {name: web1, cname: lb-1.example.com}\n"
    "  - {name: web2, addrs: [192.0.2.10]}\n"
    "groups:\n"
    "  - {label: shop, primary: web1, backup: web2, ttl: 60}\n"
    "  - {label: blog, primary: web2, active: primary}\n";

static void
test_twice_is_once(void **state)
{
	struct fx *f = *state;
	uint32_t s0 = serial(f);

	assert_int_equal(apply(f, state1, false), FD_OK);
	assert_int_equal(f->res.created, 4);
	assert_int_equal(json_array_size(f->res.plan), 4);
	assert_int_equal(serial(f), s0 + 1);
	assert_true(f->c.changed);
	assert_int_equal(apply(f, state1, false), FD_OK);
	assert_int_equal(f->res.created + f->res.updated + f->res.deleted, 0);
	assert_int_equal(f->res.unchanged, 4);
	assert_int_equal(json_array_size(f->res.plan), 0);
	assert_false(f->c.changed);
	assert_int_equal(serial(f), s0 + 1);
	tu_assert_appindex(f->base.st);
}

static void
test_dry_run_writes_nothing(void **state)
{
	struct fx *f = *state;
	struct fd_group_view g;
	char p[64], b[64];
	uint32_t s0 = serial(f);

	assert_int_equal(apply(f, state1, true), FD_OK);
	assert_int_equal(f->res.created, 4);
	assert_int_equal(json_array_size(f->res.plan), 4);
	assert_false(f->c.changed);
	assert_null(f->c.touched);
	assert_int_equal(serial(f), s0);
	assert_false(group(f, "shop", &g, p, b));
}

static void
test_what_differs_and_nothing_else(void **state)
{
	struct fx *f = *state;
	struct fd_group_view g;
	char p[64], b[64];

	assert_int_equal(apply(f, state1, false), FD_OK);
	/* leaves out shop's apps and blog: only the ttl and active change */
	assert_int_equal(apply(f, "groups:\n  - {label: shop, ttl: 90, "
	    "active: backup}\n", false), FD_OK);
	assert_int_equal(f->res.updated, 1);
	assert_true(group(f, "shop", &g, p, b));
	assert_string_equal(p, "web1");
	assert_string_equal(b, "web2");
	assert_int_equal(g.ttl, 90);
	assert_int_equal(g.active, FD_SIDE_BACKUP);
	assert_true(group(f, "blog", &g, p, b));
	assert_string_equal(p, "web2");
	/* null clears a side; emptying the active side returns to primary */
	assert_int_equal(apply(f, "groups:\n  - {label: shop, backup: ~}\n",
	    false), FD_OK);
	assert_true(group(f, "shop", &g, p, b));
	assert_string_equal(b, "");
	assert_int_equal(g.active, FD_SIDE_PRIMARY);
	tu_assert_appindex(f->base.st);
}

static void
test_delete_and_all_or_nothing(void **state)
{
	struct fx *f = *state;
	struct fd_group_view g;
	char p[64], b[64];
	uint32_t s0;

	assert_int_equal(apply(f, state1, false), FD_OK);
	s0 = serial(f);
	/* web2 is still shop's backup: the whole file is refused */
	assert_int_equal(apply(f, "groups:\n  - {label: blog, delete: true}\n"
	    "apps:\n  - {name: web2, delete: true}\n", false), FD_EREFUSED);
	assert_non_null(strstr(f->c.msg, "t.yaml:4:5: app web2 is used by"));
	assert_null(f->res.plan);
	assert_int_equal(serial(f), s0);
	assert_true(group(f, "blog", &g, p, b));
	/* with shop's backup gone too, all three steps in one change */
	assert_int_equal(apply(f, "groups:\n  - {label: blog, delete: true}\n"
	    "  - {label: shop, backup: null}\n"
	    "apps:\n  - {name: web2, delete: true}\n", false), FD_OK);
	assert_int_equal(f->res.deleted, 2);
	assert_int_equal(f->res.updated, 1);
	assert_int_equal(serial(f), s0 + 1);
	assert_false(group(f, "blog", &g, p, b));
	/* gone already: nothing to do */
	assert_int_equal(apply(f, "groups:\n  - {label: blog, delete: true}\n",
	    false), FD_OK);
	assert_int_equal(f->res.unchanged, 1);
	assert_false(f->c.changed);
	/* deleted labels are never reissued */
	assert_int_equal(apply(f, "groups:\n  - {label: blog}\n", false),
	    FD_EEXISTS);
	tu_assert_appindex(f->base.st);
}

static void
test_file_errors(void **state)
{
	static const struct {
		const char *text;
		const char *msg;
	} cases[] = {
		{"groups:\n  - {primary: web1}\n",
		    "t.yaml:2:5: apply keys groups by label"},
		{"apps:\n  - {name: a, cname: a.example.com}\n"
		    "  - {name: a, cname: b.example.com}\n",
		    "t.yaml:3:5: app a is named twice in the file"},
		{"groups:\n  - {label: x, delete: true, ttl: 5}\n",
		    "t.yaml:2:5: a group to delete takes only its label"},
		{"groups:\n  - {label: x, ttl: 5, ttl: 6}\n",
		    "t.yaml:2:24: ttl given twice"},
		{"groups:\n  - {label: x, primary: "
		    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa}\n",
		    "t.yaml:2:5: group x: an app name is at most 63"},
	};
	struct fx *f = *state;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(apply(f, cases[i].text, false), FD_EINVAL);
		if (strncmp(f->c.msg, cases[i].msg, strlen(cases[i].msg)) != 0)
			fail_msg("case %zu: got '%s', want '%s'", i, f->c.msg,
			    cases[i].msg);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_twice_is_once, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_dry_run_writes_nothing,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_what_differs_and_nothing_else,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_delete_and_all_or_nothing,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_file_errors, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
