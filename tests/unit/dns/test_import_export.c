/*
* test_import_export.c - bulk import (one transaction, every rule, first error's
 * position) and the master-file export, on a temporary store.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "flipdns/db/changes.h"
#include "flipdns/conf/config.h"
#include "flipdns/db/import.h"
#include "flipdns/dns/zonefile.h"

#define fx tu_store   /* this suite needs nothing but the store */
#define setup tu_store_setup
#define teardown tu_store_teardown

/* Import text in one transaction, committed only on success. */
static enum fd_err
import(struct fx *f, const char *text, char *msg, size_t *na, size_t *ng)
{
	struct fd_change c;
	MDB_txn *txn;
	enum fd_err err;
	size_t a = 0, g = 0;

	assert_int_equal(mdb_txn_begin(fd_store_env(f->st), NULL, 0, &txn), 0);
	memset(&c, 0, sizeof(c));
	c.st = f->st;
	c.txn = txn;
	c.now = 1764000000;
	c.origin = "failover.example.test.";
	err = fd_import_yaml(&c, "t.yaml", text, strlen(text), 30, 1000, &a, &g);
	if (err == FD_OK)
		assert_int_equal(mdb_txn_commit(txn), 0);
	else
		mdb_txn_abort(txn);
	json_decref(c.touched);
	if (msg)
		strcpy(msg, c.msg);
	if (na)
		*na = a;
	if (ng)
		*ng = g;
	return err;
}

static size_t
count(struct fx *f, enum fd_store_db db)
{
	MDB_txn *t;
	MDB_stat ms;

	assert_int_equal(mdb_txn_begin(fd_store_env(f->st), NULL, MDB_RDONLY, &t), 0);
	assert_int_equal(mdb_stat(t, fd_store_dbi(f->st, db), &ms), 0);
	mdb_txn_abort(t);
	return ms.ms_entries;
}

static const char good[] =
    "apps:\n"
    "  - {name: web1, cname: lb-1.example.com}\n"
    "  - {name: web2, addrs: [192.0.2.10, \"2001:db8::10\"]}\n"
    "groups:\n"
    "  - {primary: web1, backup: web2}\n"
    "  - {label: shop, primary: web1, backup: web2, active: backup, ttl: 60}\n"
    "  - {}\n";

static void
test_import_good(void **state)
{
	struct fx *f = *state;
	size_t na, ng;
	struct fd_group_view g;
	MDB_txn *t;

	assert_int_equal(import(f, good, NULL, &na, &ng), FD_OK);
	assert_int_equal(na, 2);
	assert_int_equal(ng, 3);
	assert_int_equal(count(f, FD_DB_GROUPS), 3);
	assert_int_equal(count(f, FD_DB_HISTORY), 1);   /* one row for all */
	assert_int_equal(mdb_txn_begin(fd_store_env(f->st), NULL, MDB_RDONLY,
	    &t), 0);
	assert_int_equal(fd_store_serial(f->st, t), 2);  /* one bump */
	assert_int_equal(fd_store_get_group(f->st, t, "shop", 4, &g), FD_OK);
	assert_int_equal(g.active, FD_SIDE_BACKUP);
	assert_int_equal(g.ttl, 60);
	mdb_txn_abort(t);
}

/* Each bad document: the error names the entry's line and column, and
 * nothing of the import stays. */
static void
test_import_errors(void **state)
{
	static const struct {
		const char *text;
		const char *msg;
	} cases[] = {
		{"apps:\n  - {name: Bad, cname: x.example}\n",
		    "t.yaml:2:5: 'Bad' is not a valid app name"},
		{"apps:\n  - {name: a, cname: x.example}\n  - {name: b, addrs: [1.2.3]}\n",
		    "t.yaml:3:23: '1.2.3' is not an IPv4 or IPv6 address"},
		{"apps:\n  - {name: a, cname: x.example}\ngroups:\n  - {backup: a}\n",
		    "t.yaml:4:5: a backup app needs a primary app"},
		{"groups:\n  - {primary: nope}\n",
		    "t.yaml:2:5: primary app nope not found"},
		{"groups:\n  - {colour: red}\n",
		    "t.yaml:2:6: unknown key 'colour' in a group entry"},
		{"apps: [\n", "t.yaml:2:1:"},
		{"groups:\n  - {label: a}\n  - {label: a}\n",
		    "t.yaml:3:5: group a.failover.example.test. already exists"},
		{"groups:\n  - {ttl: 99999999}\n",
		    "t.yaml:2:5: ttl '99999999' is not a number in 0..86400"},
		{"toys: []\n", "t.yaml:1:1: unknown key"},
	};
	struct fx *f = *state;
	char msg[700];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_not_equal(import(f, cases[i].text, msg, NULL, NULL),
		    FD_OK);
		if (strncmp(msg, cases[i].msg, strlen(cases[i].msg)) != 0)
			fail_msg("case %zu: got '%s', want '%s'", i, msg,
			    cases[i].msg);
		assert_int_equal(count(f, FD_DB_APPS), 0);
		assert_int_equal(count(f, FD_DB_GROUPS), 0);
		assert_int_equal(count(f, FD_DB_HISTORY), 0);
	}
}

static int
emit(void *arg, const char *data, size_t len)
{
	FILE *fp = arg;

	return fwrite(data, 1, len, fp) == len ? 0 : -1;
}

static void
test_export(void **state)
{
	static const char conf[] =
	    "zone:\n  origin: failover.example.test.\n"
	    "  soa: {mname: ns1.failover.example.test., rname: h.example.test.}\n"
	    "  nameservers:\n    - {name: ns1.failover.example.test., "
	    "addresses: [127.0.0.1]}\n"
	    "listen: [\"127.0.0.1:5353\"]\n";
	struct fx *f = *state;
	struct fd_config cfg;
	struct fd_zone z;
	char err[256], *buf = NULL;
	size_t len = 0;
	MDB_txn *t;
	FILE *fp;

	assert_int_equal(fd_config_parse("c", conf, strlen(conf), &cfg, err,
	    sizeof(err)), FD_OK);
	assert_int_equal(fd_zone_build(&cfg, &z), FD_OK);
	assert_int_equal(import(f, good, NULL, NULL, NULL), FD_OK);
	fp = open_memstream(&buf, &len);
	assert_int_equal(mdb_txn_begin(fd_store_env(f->st), NULL, MDB_RDONLY,
	    &t), 0);
	assert_int_equal(fd_zonefile_write(&z, f->st, t, emit, fp), FD_OK);
	mdb_txn_abort(t);
	fclose(fp);
	assert_non_null(strstr(buf, "failover.example.test.\t3600\tIN\tSOA\t"
	    "ns1.failover.example.test. h.example.test. 2 "));
	assert_non_null(strstr(buf, "failover.example.test.\t3600\tIN\tNS\t"
	    "ns1.failover.example.test.\n"));
	assert_non_null(strstr(buf, "ns1.failover.example.test.\t3600\tIN\tA\t"
	    "127.0.0.1\n"));
	/* shop is on its backup: web2's addresses with the group's TTL */
	assert_non_null(strstr(buf, "shop.failover.example.test.\t60\tIN\tA\t"
	    "192.0.2.10\n"));
	assert_non_null(strstr(buf, "shop.failover.example.test.\t60\tIN\tAAAA\t"
	    "2001:db8::10\n"));
	assert_non_null(strstr(buf, "\tIN\tCNAME\tlb-1.example.com.\n"));
	assert_non_null(strstr(buf, "._status.failover.example.test.\t30\tIN\t"
	    "TXT\t\"online\"\n"));
	free(buf);
}

/* The same walk as JSON lines: one RRset a line, TXT quotes escaped. */
static void
test_export_json(void **state)
{
	static const char conf[] =
	    "zone:\n  origin: failover.example.test.\n"
	    "  soa: {mname: ns1.failover.example.test., rname: h.example.test.}\n"
	    "  nameservers:\n    - {name: ns1.failover.example.test., "
	    "addresses: [127.0.0.1]}\n"
	    "listen: [\"127.0.0.1:5353\"]\n";
	struct fx *f = *state;
	struct fd_zonefile_walk w;
	struct fd_config cfg;
	struct fd_zone z;
	char err[256], *buf = NULL, *line;
	size_t len = 0, lines = 0;
	MDB_txn *t;
	FILE *fp;

	assert_int_equal(fd_config_parse("c", conf, strlen(conf), &cfg, err,
	    sizeof(err)), FD_OK);
	assert_int_equal(fd_zone_build(&cfg, &z), FD_OK);
	assert_int_equal(import(f, good, NULL, NULL, NULL), FD_OK);
	fp = open_memstream(&buf, &len);
	assert_int_equal(mdb_txn_begin(fd_store_env(f->st), NULL, MDB_RDONLY,
	    &t), 0);
	/* in steps of one name, as the daemon streams it */
	fd_zonefile_begin(&w, FD_ZONEFILE_JSON);
	while (!fd_zonefile_done(&w))
		assert_int_equal(fd_zonefile_step(&w, &z, f->st, t, 1, emit, fp),
		    FD_OK);
	mdb_txn_abort(t);
	fclose(fp);
	assert_null(strstr(buf, "; flipdns"));
	assert_non_null(strstr(buf, "{\"name\":\"shop.failover.example.test.\","
	    "\"type\":\"AAAA\",\"ttl\":60,\"data\":[\"2001:db8::10\"]}\n"));
	assert_non_null(strstr(buf, "\"type\":\"TXT\",\"ttl\":30,\"data\":"
	    "[\"\\\"online\\\"\"]}\n"));
	assert_non_null(strstr(buf, "{\"name\":\"failover.example.test.\","
	    "\"type\":\"NS\",\"ttl\":3600,\"data\":"
	    "[\"ns1.failover.example.test.\"]}\n"));
	for (line = buf; (line = strchr(line, '\n')) != NULL; line++)
		lines++;
	/* SOA, NS, ns1 A, shop A and AAAA, the other group's CNAME, and
	 * the statuses of the two apps */
	assert_int_equal(lines, 8);
	free(buf);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_import_good, setup, teardown),
		cmocka_unit_test_setup_teardown(test_import_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_export, setup, teardown),
		cmocka_unit_test_setup_teardown(test_export_json, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
