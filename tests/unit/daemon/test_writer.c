/*
 * test_writer.c - the one writer: batch isolation (a refused change undoes
 * only itself, checked in the store), one commit and one round of
 * post-commit hooks per batch that changed something, never a hook for a
 * refused or no-op batch, and every completion before the hooks.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "testutil.h"
#include "flipdns/daemon/writer.h"
#include "flipdns/db/changes.h"
#include "flipdns/db/txn.h"

#define ORIGIN "failover.example.test."

static const char *const reserved[] = {"_status", "ns1"};

/* What happened, in order: "done:<label>:<err>" and "hook:<changes>". */
struct fx {
	struct tu_store base;
	struct event_base *eb;
	struct fd_writer *w;
	char events[32][64];
	int nevents;
	uint32_t hook_serial;
	size_t hook_refused;
	char hook_touched[256];
};

/* One submitted change: create group label, then maybe refuse. */
struct job {
	struct fx *f;
	const char *label;
	enum fd_err refuse_after_write;   /* FD_OK: keep */
	bool noop;                        /* make no change at all */
};

static int
setup(void **state)
{
	struct fx *f;
	static const struct fd_write_env env = {ORIGIN, reserved, 2, false};

	tu_store_setup_size(state, sizeof(struct fx));
	f = *state;
	assert_non_null(f->eb = event_base_new());
	assert_int_equal(event_base_priority_init(f->eb, 2), 0);
	assert_int_equal(fd_writer_new(f->eb, f->base.st, &env, &f->w), FD_OK);
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;

	fd_writer_free(f->w);
	event_base_free(f->eb);
	return tu_store_teardown(state);
}

static void
event(struct fx *f, const char *fmt, const char *a, int n)
{
	assert_true(f->nevents < 32);
	snprintf(f->events[f->nevents++], 64, fmt, a, n);
}

static enum fd_err
apply(struct fd_change *c, void *arg)
{
	struct job *j = arg;
	char out[FD_LABEL_MAX + 1];
	enum fd_err err;

	if (j->noop)
		return FD_OK;
	err = fd_change_group_create(c, j->label, NULL, NULL, false, 0, 30,
	    out);
	if (err != FD_OK)
		return err;
	/* as the change functions do (changes.h "touched") */
	if (c->touched == NULL)
		c->touched = json_array();
	json_array_append_new(c->touched, json_string(j->label));
	/* the group is written in this change's transaction: now refuse */
	if (j->refuse_after_write != FD_OK) {
		snprintf(c->msg, sizeof(c->msg), "refused on purpose");
		return j->refuse_after_write;
	}
	return FD_OK;
}

static void
done(void *arg, enum fd_err err, const struct fd_change *c)
{
	struct job *j = arg;

	event(j->f, "done:%s:%d", j->label, (int)err);
	if (err != FD_OK)
		assert_string_not_equal(c->msg, "");
}

static void
hook(void *arg, const struct fd_commit_info *ci)
{
	struct fx *f = arg;
	char *text = json_dumps(ci->touched, JSON_COMPACT | JSON_ENCODE_ANY);

	event(f, "hook:%s%d", "", (int)ci->changes);
	f->hook_serial = ci->serial;
	f->hook_refused = ci->refused;
	snprintf(f->hook_touched, sizeof(f->hook_touched), "%s",
	    text ? text : "");
	free(text);
}

static void
submit(struct fx *f, struct job *j)
{
	struct fd_actor a = {"tester", 1000};

	j->f = f;
	assert_int_equal(fd_writer_submit(f->w, &a, apply, done, j), FD_OK);
}

/*
 * One turn of the loop: the batch runs at the end of it.  (libevent
 * returns 1 once nothing is left to run, which is the point.)
 */
static void
turn(struct fx *f)
{
	assert_int_not_equal(event_base_loop(f->eb, EVLOOP_NONBLOCK), -1);
}

static bool
group_exists(struct fx *f, const char *label)
{
	struct fd_group_view g;
	MDB_txn *t;
	bool found;

	assert_int_equal(fd_txn_begin_read(f->base.st, &t), FD_OK);
	found = fd_store_get_group(f->base.st, t, label, strlen(label), &g) ==
	    FD_OK;
	fd_txn_abort(t);
	return found;
}

static uint32_t
serial(struct fx *f)
{
	MDB_txn *t;
	uint32_t s;

	assert_int_equal(fd_txn_begin_read(f->base.st, &t), FD_OK);
	s = fd_store_serial(f->base.st, t);
	fd_txn_abort(t);
	return s;
}

static void
test_refused_change_undoes_only_itself(void **state)
{
	struct fx *f = *state;
	struct job a = {.label = "aaa"}, b = {.label = "bbb",
	    .refuse_after_write = FD_EREFUSED}, c = {.label = "ccc"};
	uint32_t s0 = serial(f);

	assert_int_equal(fd_writer_hook_add(f->w, hook, f), FD_OK);
	submit(f, &a);
	submit(f, &b);
	submit(f, &c);
	/* nothing runs inside submit: the batch waits for the turn's end */
	assert_int_equal(f->nevents, 0);
	turn(f);
	assert_true(group_exists(f, "aaa"));
	assert_false(group_exists(f, "bbb"));   /* written, then undone */
	assert_true(group_exists(f, "ccc"));
	assert_int_equal(serial(f), s0 + 2);
	assert_int_equal(fd_writer_commits(f->w), 1);
	/* completions in submit order, then one hook for the commit */
	assert_int_equal(f->nevents, 4);
	assert_string_equal(f->events[0], "done:aaa:0");
	assert_string_equal(f->events[1], "done:bbb:4");   /* FD_EREFUSED */
	assert_string_equal(f->events[2], "done:ccc:0");
	assert_string_equal(f->events[3], "hook:2");
	assert_int_equal(f->hook_serial, s0 + 2);
	assert_int_equal(f->hook_refused, 1);
}

static void
test_no_hook_without_a_change(void **state)
{
	struct fx *f = *state;
	struct job bad = {.label = "bad", .refuse_after_write = FD_EINVAL};
	struct job noop = {.label = "noop", .noop = true};
	uint32_t s0 = serial(f);

	assert_int_equal(fd_writer_hook_add(f->w, hook, f), FD_OK);
	submit(f, &bad);
	submit(f, &noop);
	turn(f);
	assert_false(group_exists(f, "bad"));
	assert_int_equal(serial(f), s0);
	assert_int_equal(fd_writer_commits(f->w), 0);
	assert_int_equal(f->nevents, 2);
	assert_string_equal(f->events[0], "done:bad:3");    /* FD_EINVAL */
	assert_string_equal(f->events[1], "done:noop:0");
}

static void
test_one_hook_per_commit(void **state)
{
	struct fx *f = *state;
	struct job a = {.label = "one"}, b = {.label = "two"};

	assert_int_equal(fd_writer_hook_add(f->w, hook, f), FD_OK);
	submit(f, &a);
	turn(f);
	submit(f, &b);
	turn(f);
	turn(f);     /* an idle turn runs nothing */
	assert_int_equal(fd_writer_commits(f->w), 2);
	assert_int_equal(f->nevents, 4);
	assert_string_equal(f->events[0], "done:one:0");
	assert_string_equal(f->events[1], "hook:1");
	assert_string_equal(f->events[2], "done:two:0");
	assert_string_equal(f->events[3], "hook:1");
}

/* A refused change's touched names never reach the hooks. */
static void
test_hooks_get_only_kept_names(void **state)
{
	struct fx *f = *state;
	struct job a = {.label = "kept"}, b = {.label = "undone",
	    .refuse_after_write = FD_EREFUSED};

	assert_int_equal(fd_writer_hook_add(f->w, hook, f), FD_OK);
	submit(f, &a);
	submit(f, &b);
	turn(f);
	assert_non_null(strstr(f->hook_touched, "kept"));
	assert_null(strstr(f->hook_touched, "undone"));
}

/* Freeing the writer commits and completes what is queued. */
static void
test_free_flushes(void **state)
{
	struct fx *f = *state;
	struct job a = {.label = "late"};

	submit(f, &a);
	fd_writer_free(f->w);
	f->w = NULL;
	assert_int_equal(f->nevents, 1);
	assert_string_equal(f->events[0], "done:late:0");
	assert_true(group_exists(f, "late"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
		    test_refused_change_undoes_only_itself, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_hook_without_a_change,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_one_hook_per_commit, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_hooks_get_only_kept_names,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_free_flushes, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
