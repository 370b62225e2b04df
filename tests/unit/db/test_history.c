/*
 * test_history.c - what each history row says moved, whose status it
 * changed and who made it; the touched names each change hands out; the
 * bounds on both for very large changes; the filters; retention.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "flipdns/db/changes.h"
#include "flipdns/db/history.h"
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

enum op { ADD, APP_SET, REMOVE, CREATE, SET, SET_TTL, SWITCH, DELETE, IMPORT };

/*
 * One change and what it must report: "moved" in order, "status" as
 * compact JSON, touched as a set ("@a" is app a's status name; NULL: no
 * touched at all).  A refused or no-op change writes no row.
 */
struct step {
	enum op op;
	const char *a, *b, *c;
	enum fd_err want;
	const char *moved;       /* "g1 g2", or NULL when no row */
	const char *status;
	const char *touched;
};

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
	case SET_TTL:
		return tu_change_end(c, fd_change_group_set(c, s->a, ref(NULL),
		    ref(NULL), true, (uint32_t)atoi(s->b)));
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

static json_t *
newest_rows(struct fx *f, const struct fd_history_filter *flt, unsigned n)
{
	MDB_txn *t;
	json_t *rows;

	assert_int_equal(mdb_txn_begin(fd_store_env(f->base.st), NULL,
	    MDB_RDONLY, &t), 0);
	rows = fd_history_list(f->base.st, t, flt, n);
	mdb_txn_abort(t);
	assert_non_null(rows);
	return rows;
}

static size_t
history_rows(struct fx *f)
{
	MDB_txn *t;
	MDB_stat ms;

	assert_int_equal(mdb_txn_begin(fd_store_env(f->base.st), NULL,
	    MDB_RDONLY, &t), 0);
	assert_int_equal(mdb_stat(t, fd_store_dbi(f->base.st, FD_DB_HISTORY),
	    &ms), 0);
	mdb_txn_abort(t);
	return ms.ms_entries;
}

/* app's status name as touched says it; the app may be gone since. */
static char status_names[8][32];

static void
remember_status_name(struct fx *f, const char *app)
{
	struct fd_app_view a;
	MDB_txn *t;

	assert_int_equal(mdb_txn_begin(fd_store_env(f->base.st), NULL,
	    MDB_RDONLY, &t), 0);
	assert_int_equal(fd_store_get_app(f->base.st, t, app, strlen(app), &a),
	    FD_OK);
	snprintf(status_names[app[0] - 'a'], sizeof(status_names[0]),
	    "%s._status", a.status_label);
	mdb_txn_abort(t);
}

/* The words of text, "@x" resolved, as a sorted list in one string. */
static void
sorted_words(const char *text, char *out, size_t len)
{
	char copy[512], *w, *save, *words[64];
	size_t n = 0, off = 0;

	snprintf(copy, sizeof(copy), "%s", text);
	for (w = strtok_r(copy, " ", &save); w != NULL && n < 64;
	    w = strtok_r(NULL, " ", &save))
		words[n++] = w[0] == '@' ? status_names[w[1] - 'a'] : w;
	for (size_t i = 1; i < n; i++)
		for (size_t j = i; j > 0 && strcmp(words[j - 1], words[j]) > 0;
		    j--) {
			char *t = words[j];

			words[j] = words[j - 1];
			words[j - 1] = t;
		}
	out[0] = '\0';
	for (size_t i = 0; i < n; i++)
		off += (size_t)snprintf(out + off, len - off, "%s%s",
		    i ? " " : "", words[i]);
}

static void
join_strings(json_t *arr, char *out, size_t len)
{
	json_t *e;
	size_t i, off = 0;

	out[0] = '\0';
	json_array_foreach(arr, i, e)
		off += (size_t)snprintf(out + off, len - off, "%s%s",
		    i ? " " : "", json_string_value(e));
}

static void
check_step(struct fx *f, size_t i, const struct step *s, size_t rows_before)
{
	char want[512], got[512], *text;
	json_t *rows, *row;

	if (s->moved == NULL) {
		if (history_rows(f) != rows_before)
			fail_msg("step %zu (%s): wrote a history row", i, s->a);
		if (f->c.touched != NULL)
			fail_msg("step %zu (%s): touched set", i, s->a);
		return;
	}
	assert_int_equal(history_rows(f), rows_before + 1);
	rows = newest_rows(f, NULL, 1);
	row = json_array_get(rows, 0);
	join_strings(json_object_get(row, "moved"), got, sizeof(got));
	if (strcmp(got, s->moved) != 0)
		fail_msg("step %zu (%s): moved '%s', want '%s'", i, s->a, got,
		    s->moved);
	text = json_dumps(json_object_get(row, "status"),
	    JSON_COMPACT | JSON_SORT_KEYS);
	if (strcmp(text, s->status) != 0)
		fail_msg("step %zu (%s): status %s, want %s", i, s->a, text,
		    s->status);
	free(text);
	json_decref(rows);
	if (s->touched == NULL) {
		if (f->c.touched != NULL)
			fail_msg("step %zu (%s): touched set", i, s->a);
		return;
	}
	if (!json_is_array(f->c.touched))
		fail_msg("step %zu (%s): touched is not a list", i, s->a);
	join_strings(f->c.touched, got, sizeof(got));
	sorted_words(got, got, sizeof(got));
	sorted_words(s->touched, want, sizeof(want));
	if (strcmp(got, want) != 0)
		fail_msg("step %zu (%s): touched '%s', want '%s'", i, s->a, got,
		    want);
}

#define NOROW NULL, NULL, NULL

static const struct step every_change[] = {
	{ADD, "a", NULL, NULL, FD_OK, "", "{}", "@a"},
	{ADD, "b", NULL, NULL, FD_OK, "", "{}", "@b"},
	{ADD, "a", NULL, NULL, FD_EEXISTS, NOROW},
	{CREATE, "g1", "a", "b", FD_OK, "g1",
	    "{\"a\":[\"none\",\"online\"],\"b\":[\"none\",\"offline\"]}",
	    "g1 @a @b"},
	{CREATE, "g2", NULL, NULL, FD_OK, "g2", "{}", "g2"},
	{SWITCH, "g1", NULL, NULL, FD_OK, "g1",
	    "{\"a\":[\"online\",\"offline\"],\"b\":[\"offline\",\"online\"]}",
	    "g1 @a @b"},
	{SET_TTL, "g1", "90", NULL, FD_OK, "g1", "{}", "g1"},
	/* the active side emptied: back to primary, a new answer */
	{SET, "g1", NULL, "-", FD_OK, "g1",
	    "{\"a\":[\"offline\",\"online\"],\"b\":[\"online\",\"none\"]}",
	    "g1 @a @b"},
	/* only the inactive side changes: no group moves, b's status does */
	{SET, "g1", NULL, "b", FD_OK, "", "{\"b\":[\"none\",\"offline\"]}",
	    "@b"},
	{APP_SET, "a", "lb-2.example.com", NULL, FD_OK, "g1", "{}", "g1"},
	{APP_SET, "a", "lb-2.example.com", NULL, FD_OK, NOROW},   /* no-op */
	/* b is a backup nowhere active: its new endpoints move nothing */
	{APP_SET, "b", "lb-3.example.com", NULL, FD_OK, "", "{}", NULL},
	{CREATE, "g3", "b", NULL, FD_OK, "g3",
	    "{\"b\":[\"offline\",\"online\"]}", "g3 @b"},
	{APP_SET, "b", "lb-4.example.com", NULL, FD_OK, "g3", "{}", "g3"},
	{SWITCH, "g2", NULL, NULL, FD_EREFUSED, NOROW},
	{DELETE, "g2", NULL, NULL, FD_OK, "g2", "{}", "g2"},
	{DELETE, "g3", NULL, NULL, FD_EREFUSED, NOROW},
	{SET, "g3", "-", NULL, FD_OK, "g3", "{\"b\":[\"online\",\"offline\"]}",
	    "g3 @b"},
	{SET, "g1", "-", "-", FD_OK, "g1",
	    "{\"a\":[\"online\",\"none\"],\"b\":[\"offline\",\"none\"]}",
	    "g1 @a @b"},
	{REMOVE, "b", NULL, NULL, FD_OK, "", "{}", "@b"},
	{IMPORT, "apps:\n  - {name: c, cname: c.example.com}\n"
	    "groups:\n  - {label: i1, primary: c}\n"
	    "  - {label: i2, primary: a, backup: c, active: backup}\n",
	    NULL, NULL, FD_OK, "i1 i2", "{\"a\":[\"none\",\"offline\"]}",
	    "i1 i2 @a @c"},
	{IMPORT, "groups:\n  - {label: i3, primary: zz}\n", NULL, NULL,
	    FD_ENOTFOUND, NOROW},
};

static void
test_moved_status_touched(void **state)
{
	struct fx *f = *state;
	size_t i, rows;

	for (i = 0; i < sizeof(every_change) / sizeof(every_change[0]); i++) {
		const struct step *s = &every_change[i];

		rows = history_rows(f);
		if (run(f, s) != s->want)
			fail_msg("step %zu (%s): %s", i, s->a, f->c.msg);
		/* status names of apps the next steps add or remove */
		if (s->op == ADD && s->want == FD_OK)
			remember_status_name(f, s->a);
		if (s->op == IMPORT && s->want == FD_OK)
			remember_status_name(f, "c");
		check_step(f, i, s, rows);
	}
}

/* YAML for n groups l00000... following app a (after apps: text). */
static char *
many_groups(const char *apps, size_t n)
{
	size_t cap = strlen(apps) + 64 + n * 40, off;
	char *y = malloc(cap);

	off = (size_t)snprintf(y, cap, "%sgroups:\n", apps);
	for (size_t i = 0; i < n; i++)
		off += (size_t)snprintf(y + off, cap - off,
		    "  - {label: l%05zu, primary: a}\n", i);
	return y;
}

static enum fd_err
import_text(struct fx *f, const char *y)
{
	struct fd_change *c = tu_change_begin(f->base.st, &f->c);
	size_t na, ng;

	return tu_change_end(c, fd_import_yaml(c, "big.yaml", y, strlen(y), 30, 1000,
	    &na, &ng));
}

/*
 * A row lists FD_HISTORY_LIST_MAX groups and counts the rest; touched
 * lists every name up to FD_TOUCHED_MAX and is "the whole zone" past it,
 * for an import and for an app set of an app active in that many groups.
 */
static void
test_bounds_of_large_changes(void **state)
{
	struct fx *f = *state;
	const size_t over = FD_TOUCHED_MAX + 1;
	const struct step set = {APP_SET, "a", "x.example.com", NULL, FD_OK,
	    NOROW};
	json_t *rows, *row, *moved;
	char *y, *text;

	y = many_groups("apps:\n  - {name: a, cname: a.example.com}\n",
	    FD_HISTORY_LIST_MAX + 5);
	assert_int_equal(import_text(f, y), FD_OK);
	free(y);
	rows = newest_rows(f, NULL, 1);
	row = json_array_get(rows, 0);
	moved = json_object_get(row, "moved");
	assert_int_equal(json_array_size(moved), FD_HISTORY_LIST_MAX);
	assert_string_equal(json_string_value(json_array_get(moved, 0)),
	    "l00000");
	assert_int_equal(json_integer_value(json_object_get(row,
	    "moved_count")), FD_HISTORY_LIST_MAX + 5);
	assert_true(json_is_true(json_object_get(row, "moved_truncated")));
	json_decref(rows);
	/* every group, and the new app's status name */
	assert_int_equal(json_array_size(f->c.touched),
	    FD_HISTORY_LIST_MAX + 5 + 1);

	/* past FD_TOUCHED_MAX: touched is true, the row still small */
	y = many_groups("", over);
	for (char *p = y; (p = strstr(p, "label: l")) != NULL; p += 8)
		p[7] = 'm';   /* labels m00000...: new ones */
	assert_int_equal(import_text(f, y), FD_OK);
	free(y);
	assert_true(json_is_true(f->c.touched));
	rows = newest_rows(f, NULL, 1);
	row = json_array_get(rows, 0);
	assert_int_equal(json_integer_value(json_object_get(row,
	    "moved_count")), over);
	text = json_dumps(row, JSON_COMPACT);
	assert_true(strlen(text) < 4096);
	free(text);
	json_decref(rows);

	/* app a is active in all of them: an app set moves them all */
	assert_int_equal(run(f, &set), FD_OK);
	assert_true(json_is_true(f->c.touched));
	rows = newest_rows(f, NULL, 1);
	row = json_array_get(rows, 0);
	assert_string_equal(json_string_value(json_object_get(row, "op")),
	    "app.set");
	assert_int_equal(json_integer_value(json_object_get(row,
	    "moved_count")), over + FD_HISTORY_LIST_MAX + 5);
	moved = json_object_get(row, "moved");
	assert_int_equal(json_array_size(moved), FD_HISTORY_LIST_MAX);
	assert_string_equal(json_string_value(json_array_get(moved, 0)),
	    "l00000");
	json_decref(rows);
}

/* Who: a user's name and uid, or a source inside the daemon. */
static void
test_actor(void **state)
{
	struct fx *f = *state;
	struct fd_change *c;
	struct fd_endpoints ep;
	char msg[64];
	json_t *rows;

	assert_int_equal(fd_endpoints_cname(&ep, "lb.example.com", msg,
	    sizeof(msg)), FD_OK);
	c = tu_change_begin(f->base.st, &f->c);
	snprintf(c->actor.name, sizeof(c->actor.name), "alice");
	assert_int_equal(tu_change_end(c, fd_change_app_add(c, "a", &ep)),
	    FD_OK);
	c = tu_change_begin(f->base.st, &f->c);
	snprintf(c->actor.name, sizeof(c->actor.name), "health");
	c->actor.uid = FD_ACTOR_NO_UID;
	assert_int_equal(tu_change_end(c, fd_change_app_add(c, "b", &ep)),
	    FD_OK);
	c = tu_change_begin(f->base.st, &f->c);   /* a uid without a name */
	assert_int_equal(tu_change_end(c, fd_change_app_add(c, "c", &ep)),
	    FD_OK);
	rows = newest_rows(f, NULL, 3);
	assert_true(json_is_null(json_object_get(json_array_get(rows, 0),
	    "actor")));
	assert_int_equal(json_integer_value(json_object_get(json_array_get(
	    rows, 0), "uid")), 1000);
	assert_string_equal(json_string_value(json_object_get(json_array_get(
	    rows, 1), "actor")), "health");
	assert_true(json_is_null(json_object_get(json_array_get(rows, 1),
	    "uid")));
	assert_string_equal(json_string_value(json_object_get(json_array_get(
	    rows, 2), "actor")), "alice");
	assert_int_equal(json_integer_value(json_object_get(json_array_get(
	    rows, 2), "uid")), 1000);
	json_decref(rows);
}

/* The ops of the rows a filter passes, newest first. */
static void
filtered_ops(struct fx *f, const char *label, const char *app, char *out,
    size_t len)
{
	struct fd_history_filter flt = {label, app};
	json_t *rows = newest_rows(f, &flt, 100), *row;
	size_t i, off = 0;

	out[0] = '\0';
	json_array_foreach(rows, i, row)
		off += (size_t)snprintf(out + off, len - off, "%s%s:%s",
		    i ? " " : "",
		    json_string_value(json_object_get(row, "op")),
		    json_string_value(json_object_get(row, "subject")));
	json_decref(rows);
}

/*
 * A group's rows are its own and those that moved it; an app's are its
 * own and those that changed its status, exactly: a switch of another
 * group, or an app set that moved nothing of it, is not one of them.
 */
static void
test_filters(void **state)
{
	static const struct step steps[] = {
		{ADD, "a", NULL, NULL, FD_OK, NOROW},
		{ADD, "b", NULL, NULL, FD_OK, NOROW},
		{ADD, "web", NULL, NULL, FD_OK, NOROW},
		{CREATE, "g1", "a", "b", FD_OK, NOROW},
		{CREATE, "g2", "a", "b", FD_OK, NOROW},
		{SWITCH, "g1", NULL, NULL, FD_OK, NOROW},   /* b online */
		{SWITCH, "g2", NULL, NULL, FD_OK, NOROW},   /* a offline */
		{APP_SET, "a", "x.example.com", NULL, FD_OK, NOROW},
		{APP_SET, "b", "y.example.com", NULL, FD_OK, NOROW},
		{CREATE, "web", "web", NULL, FD_OK, NOROW},
	};
	struct fx *f = *state;
	char got[512];

	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++)
		assert_int_equal(run(f, &steps[i]), FD_OK);
	filtered_ops(f, "g1", NULL, got, sizeof(got));
	assert_string_equal(got, "app.set:b group.switch:g1 group.create:g1");
	filtered_ops(f, NULL, "a", got, sizeof(got));
	assert_string_equal(got, "app.set:a group.switch:g2 "
	    "group.create:g1 app.add:a");
	filtered_ops(f, NULL, "b", got, sizeof(got));
	assert_string_equal(got, "app.set:b group.switch:g1 "
	    "group.create:g1 app.add:b");
	/* a name that is an app and a label: the rows of both */
	filtered_ops(f, "web", "web", got, sizeof(got));
	assert_string_equal(got, "group.create:web app.add:web");
	filtered_ops(f, "nosuch", NULL, got, sizeof(got));
	assert_string_equal(got, "");
}

/* A cut row may name anyone: it passes every filter of its kind. */
static void
test_filters_keep_cut_rows(void **state)
{
	struct fx *f = *state;
	char *y, got[256];

	y = many_groups("apps:\n  - {name: a, cname: a.example.com}\n",
	    FD_HISTORY_LIST_MAX + 1);
	assert_int_equal(import_text(f, y), FD_OK);
	free(y);
	filtered_ops(f, "l00100", NULL, got, sizeof(got));   /* not listed */
	assert_string_equal(got, "import:big.yaml");
	filtered_ops(f, "l00000", NULL, got, sizeof(got));   /* listed */
	assert_string_equal(got, "import:big.yaml");
	filtered_ops(f, NULL, "zz", got, sizeof(got));       /* status not cut */
	assert_string_equal(got, "");
}

/* n app adds at time now, in one transaction (one commit, not n). */
static void
add_apps(struct fx *f, int n, uint64_t now)
{
	struct fd_endpoints ep;
	struct fd_change *c;
	char name[32], msg[64];

	assert_int_equal(fd_endpoints_cname(&ep, "lb.example.com", msg,
	    sizeof(msg)), FD_OK);
	c = tu_change_begin(f->base.st, &f->c);
	c->now = now;
	for (int i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "app%d-%llu", i,
		    (unsigned long long)now);
		assert_int_equal(fd_change_app_add(c, name, &ep), FD_OK);
	}
	assert_int_equal(tu_change_end(c, FD_OK), FD_OK);
}

static uint64_t
oldest_serial(struct fx *f)
{
	MDB_txn *t;
	json_t *rows;
	uint64_t s;

	assert_int_equal(mdb_txn_begin(fd_store_env(f->base.st), NULL,
	    MDB_RDONLY, &t), 0);
	rows = fd_history_list(f->base.st, t, NULL, 1000000);
	mdb_txn_abort(t);
	s = (uint64_t)json_integer_value(json_object_get(json_array_get(rows,
	    json_array_size(rows) - 1), "serial"));
	json_decref(rows);
	return s;
}

/*
 * keep_rows: the oldest rows go as new ones come, the newest stay; a
 * backlog drains FD_HISTORY_TRIM_MAX rows per append, not all at once.
 */
static void
test_retention_rows(void **state)
{
	struct fx *f = *state;

	fd_store_set_history_keep(f->base.st, 5, 0);
	add_apps(f, 20, TU_NOW);
	assert_int_equal(history_rows(f), 5);
	assert_int_equal(oldest_serial(f), 1 + 20 - 4);
	/* a backlog of 2505 rows over a bound of 10 */
	fd_store_set_history_keep(f->base.st, 0, 0);
	add_apps(f, 2500, TU_NOW + 1);
	assert_int_equal(history_rows(f), 2505);
	fd_store_set_history_keep(f->base.st, 10, 0);
	add_apps(f, 1, TU_NOW + 2);
	assert_int_equal(history_rows(f), 2506 - FD_HISTORY_TRIM_MAX);
	add_apps(f, 1, TU_NOW + 3);
	assert_int_equal(history_rows(f), 2507 - 2 * FD_HISTORY_TRIM_MAX);
	add_apps(f, 1, TU_NOW + 4);
	assert_int_equal(history_rows(f), 10);
	assert_int_equal(oldest_serial(f), 1 + 2523 - 9);
}

/* keep_days: rows older than the bound go as new rows come. */
static void
test_retention_days(void **state)
{
	struct fx *f = *state;
	const uint64_t day = 86400;

	fd_store_set_history_keep(f->base.st, 1000, 2);
	add_apps(f, 3, TU_NOW - 5 * day);
	assert_int_equal(history_rows(f), 3);
	add_apps(f, 4, TU_NOW - 1 * day);       /* the first three are too old */
	assert_int_equal(history_rows(f), 4);
	assert_int_equal(oldest_serial(f), 5);
	add_apps(f, 1, TU_NOW);
	assert_int_equal(history_rows(f), 5);
	add_apps(f, 1, TU_NOW + 1 * day + 1);   /* now the day -1 rows are */
	assert_int_equal(history_rows(f), 2);
	assert_int_equal(oldest_serial(f), 9);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_moved_status_touched,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_bounds_of_large_changes,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_actor, setup, teardown),
		cmocka_unit_test_setup_teardown(test_filters, setup, teardown),
		cmocka_unit_test_setup_teardown(test_filters_keep_cut_rows,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_retention_rows, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_retention_days, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
