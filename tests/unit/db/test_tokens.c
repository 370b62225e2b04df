/*
 * test_tokens.c - the HTTP API's tokens: the secret's shape, only its
 * hash stored, authentication (right, wrong, revoked, malformed), roles,
 * names taken once, history rows without secrets, last use as a quiet
 * change that never goes back and writes no history row.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "flipdns/db/changes.h"
#include "flipdns/db/history.h"
#include "flipdns/db/tokens.h"
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

static enum fd_err
create(struct fx *f, const char *name, enum fd_token_role role,
    char secret[FD_TOKEN_SECRET_LEN + 1])
{
	struct fd_change *c = tu_change_begin(f->base.st, &f->c);

	return tu_change_end(c, fd_token_create(c, name, role, secret));
}

static enum fd_err
auth(struct fx *f, const char *secret, struct fd_token *t)
{
	MDB_txn *txn;
	enum fd_err err;

	assert_int_equal(fd_txn_begin_read(f->base.st, &txn), FD_OK);
	err = fd_token_auth(f->base.st, txn, secret, strlen(secret), t);
	fd_txn_abort(txn);
	return err;
}

static json_t *
list(struct fx *f)
{
	MDB_txn *txn;
	json_t *l;

	assert_int_equal(fd_txn_begin_read(f->base.st, &txn), FD_OK);
	l = fd_token_list(f->base.st, txn);
	fd_txn_abort(txn);
	return l;
}

static json_t *
history(struct fx *f)
{
	struct fd_history_filter all = {NULL, NULL};
	MDB_txn *txn;
	json_t *rows;

	assert_int_equal(fd_txn_begin_read(f->base.st, &txn), FD_OK);
	rows = fd_history_list(f->base.st, txn, &all, 100);
	fd_txn_abort(txn);
	return rows;
}

static void
test_create_and_auth(void **state)
{
	struct fx *f = *state;
	char s1[FD_TOKEN_SECRET_LEN + 1], s2[FD_TOKEN_SECRET_LEN + 1];
	char wrong[FD_TOKEN_SECRET_LEN + 1];
	struct fd_token t;

	assert_int_equal(create(f, "ci-bot", FD_TOKEN_WRITE, s1), FD_OK);
	assert_int_equal(create(f, "viewer", FD_TOKEN_READ, s2), FD_OK);
	assert_int_equal(strlen(s1), FD_TOKEN_SECRET_LEN);
	assert_memory_equal(s1, "fdt_", 4);
	assert_int_equal(strspn(s1 + 4, "0123456789abcdef"), 64);
	assert_string_not_equal(s1, s2);

	assert_int_equal(auth(f, s1, &t), FD_OK);
	assert_string_equal(t.name, "ci-bot");
	assert_int_equal(t.role, FD_TOKEN_WRITE);
	assert_int_equal(t.created, TU_NOW);
	assert_int_equal(t.last_used, 0);
	assert_int_equal(auth(f, s2, &t), FD_OK);
	assert_string_equal(t.name, "viewer");
	assert_int_equal(t.role, FD_TOKEN_READ);

	/* one hex digit off, too short, too long, empty: all denied */
	strcpy(wrong, s1);
	wrong[FD_TOKEN_SECRET_LEN - 1] = wrong[FD_TOKEN_SECRET_LEN - 1] ==
	    'a' ? 'b' : 'a';
	assert_int_equal(auth(f, wrong, &t), FD_EDENIED);
	wrong[FD_TOKEN_SECRET_LEN - 1] = '\0';
	assert_int_equal(auth(f, wrong, &t), FD_EDENIED);
	assert_int_equal(auth(f, "", &t), FD_EDENIED);
	{
		char longer[FD_TOKEN_SECRET_LEN + 2];

		snprintf(longer, sizeof(longer), "%s0", s1);
		assert_int_equal(auth(f, longer, &t), FD_EDENIED);
	}
}

/* The secret is nowhere in the store's pages, only its hash. */
static void
test_secret_not_stored(void **state)
{
	struct fx *f = *state;
	char s[FD_TOKEN_SECRET_LEN + 1], path[4096];
	char *buf;
	size_t n;
	FILE *fp;

	assert_int_equal(create(f, "ci-bot", FD_TOKEN_WRITE, s), FD_OK);
	snprintf(path, sizeof(path), "%s/data.mdb", f->base.dir);
	assert_non_null(fp = fopen(path, "rb"));
	assert_non_null(buf = malloc(64 << 20));
	n = fread(buf, 1, 64 << 20, fp);
	fclose(fp);
	assert_true(n > 0);
	assert_null(memmem(buf, n, s, FD_TOKEN_SECRET_LEN));
	assert_null(memmem(buf, n, s + 4, 32));
	free(buf);
}

static void
test_names_and_roles(void **state)
{
	struct fx *f = *state;
	char s[FD_TOKEN_SECRET_LEN + 1];
	enum fd_token_role r;

	assert_int_equal(create(f, "ci-bot", FD_TOKEN_WRITE, s), FD_OK);
	assert_int_equal(create(f, "ci-bot", FD_TOKEN_READ, s), FD_EEXISTS);
	assert_int_equal(create(f, "Bad_Name", FD_TOKEN_READ, s), FD_EINVAL);
	assert_int_equal(create(f, "", FD_TOKEN_READ, s), FD_EINVAL);
	assert_int_equal(fd_token_role_parse("read", &r), FD_OK);
	assert_int_equal(r, FD_TOKEN_READ);
	assert_int_equal(fd_token_role_parse("write", &r), FD_OK);
	assert_int_equal(r, FD_TOKEN_WRITE);
	assert_int_equal(fd_token_role_parse("admin", &r), FD_EINVAL);
	assert_int_equal(fd_token_role_parse(NULL, &r), FD_EINVAL);
}

static void
test_revoke(void **state)
{
	struct fx *f = *state;
	char s[FD_TOKEN_SECRET_LEN + 1], s2[FD_TOKEN_SECRET_LEN + 1];
	struct fd_change *c;
	struct fd_token t;
	json_t *l, *rows;
	char *dump;

	assert_int_equal(create(f, "ci-bot", FD_TOKEN_WRITE, s), FD_OK);
	c = tu_change_begin(f->base.st, &f->c);
	assert_int_equal(tu_change_end(c, fd_token_revoke(c, "ci-bot")),
	    FD_OK);
	assert_int_equal(auth(f, s, &t), FD_EDENIED);
	c = tu_change_begin(f->base.st, &f->c);
	assert_int_equal(tu_change_end(c, fd_token_revoke(c, "ci-bot")),
	    FD_ENOTFOUND);
	l = list(f);
	assert_int_equal(json_array_size(l), 0);
	json_decref(l);
	/* the name is free again, with a new secret */
	assert_int_equal(create(f, "ci-bot", FD_TOKEN_READ, s2), FD_OK);
	assert_int_equal(auth(f, s, &t), FD_EDENIED);
	assert_int_equal(auth(f, s2, &t), FD_OK);

	/* create, revoke, create: three rows, by the actor, no secrets */
	rows = history(f);
	assert_int_equal(json_array_size(rows), 3);
	assert_string_equal(json_string_value(json_object_get(
	    json_array_get(rows, 1), "op")), "token.revoke");
	assert_string_equal(json_string_value(json_object_get(
	    json_array_get(rows, 2), "op")), "token.create");
	dump = json_dumps(rows, 0);
	assert_null(strstr(dump, "fdt_"));
	assert_null(strstr(dump, s2 + 4));
	free(dump);
	json_decref(rows);
}

static void
test_touch_is_quiet_and_monotonic(void **state)
{
	struct fx *f = *state;
	char s[FD_TOKEN_SECRET_LEN + 1];
	struct fd_change *c;
	struct fd_token t;
	json_t *l, *rows;
	uint32_t serial;
	MDB_txn *txn;

	assert_int_equal(create(f, "ci-bot", FD_TOKEN_WRITE, s), FD_OK);
	assert_int_equal(fd_txn_begin_read(f->base.st, &txn), FD_OK);
	serial = fd_store_serial(f->base.st, txn);
	fd_txn_abort(txn);

	c = tu_change_begin(f->base.st, &f->c);
	assert_int_equal(tu_change_end(c, fd_token_touch(c, "ci-bot",
	    TU_NOW + 100)), FD_OK);
	assert_true(f->c.quiet);
	assert_false(f->c.changed);
	/* an older use never moves it back */
	c = tu_change_begin(f->base.st, &f->c);
	assert_int_equal(tu_change_end(c, fd_token_touch(c, "ci-bot",
	    TU_NOW + 50)), FD_OK);
	assert_false(f->c.quiet);
	/* a revoked token's use is nothing to record */
	c = tu_change_begin(f->base.st, &f->c);
	assert_int_equal(tu_change_end(c, fd_token_touch(c, "gone",
	    TU_NOW + 50)), FD_OK);

	assert_int_equal(auth(f, s, &t), FD_OK);
	assert_int_equal(t.last_used, TU_NOW + 100);
	l = list(f);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(l,
	    0), "last_used")), TU_NOW + 100);
	assert_null(json_object_get(json_array_get(l, 0), "hash"));
	json_decref(l);
	/* no row and no new serial for bookkeeping */
	rows = history(f);
	assert_int_equal(json_array_size(rows), 1);
	json_decref(rows);
	assert_int_equal(fd_txn_begin_read(f->base.st, &txn), FD_OK);
	assert_int_equal(fd_store_serial(f->base.st, txn), serial);
	fd_txn_abort(txn);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_create_and_auth, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_secret_not_stored, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_names_and_roles, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_revoke, setup, teardown),
		cmocka_unit_test_setup_teardown(test_touch_is_quiet_and_monotonic,
		    setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
