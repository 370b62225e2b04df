/*
 * test_records.c - the record model on its own: what each kind of name
 * is at a snapshot (a table of names and the RRsets they must hold), the
 * views' contents, and the walk, which must give every name the lookup
 * gives records to, with the very same RRsets, whether it runs in one go
 * or stops after every name.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "flipdns/db/txn.h"
#include "flipdns/dns/dnswire.h"
#include "flipdns/dns/records.h"
#include "testutil.h"

#define ORIGIN "failover.example.test."
#define SERIAL 7

static struct {
	char *dir;
	struct fd_store *st;
	MDB_txn *txn;
	struct fd_config cfg;
	struct fd_zone z;
} E;

static void
make_config(struct fd_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	strcpy(cfg->origin, ORIGIN);
	cfg->ttl = 30;
	cfg->ns_ttl = 3600;
	strcpy(cfg->soa.mname, "ns1." ORIGIN);
	strcpy(cfg->soa.rname, "hostmaster.example.test.");
	cfg->soa.ttl = 600;
	cfg->soa.minimum = 300;
	cfg->n_ns = 4;
	strcpy(cfg->ns[0].name, "ns1." ORIGIN);
	cfg->ns[0].naddrs = 2;
	cfg->ns[0].addrs[0].family = AF_INET;
	inet_pton(AF_INET, "192.0.2.53", cfg->ns[0].addrs[0].bytes);
	cfg->ns[0].addrs[1].family = AF_INET6;
	inet_pton(AF_INET6, "2001:db8::53", cfg->ns[0].addrs[1].bytes);
	/* Two labels down: "sub" is an empty non-terminal. */
	strcpy(cfg->ns[1].name, "ns2.sub." ORIGIN);
	cfg->ns[1].naddrs = 1;
	cfg->ns[1].addrs[0].family = AF_INET;
	inet_pton(AF_INET, "198.51.100.53", cfg->ns[1].addrs[0].bytes);
	strcpy(cfg->ns[2].name, "ns3.elsewhere.example.");
	/* The same nameserver twice: one NS record (zone.c merges them). */
	cfg->ns[3] = cfg->ns[0];
}

/*
 * Every kind of group, and the ways a store can go wrong.  Labels "ns1"
 * and "sub" were taken by groups before the config named nameservers
 * there: the static names win.
 */
static void
fill_store(void)
{
	static const char *const both[] = {"192.0.2.1", "192.0.2.2",
	    "2001:db8::1"};
	static const char *const v6[] = {"2001:db8::6"};
	struct fd_endpoints ep;
	MDB_txn *txn;
	uint32_t serial = SERIAL;
	uint64_t when = 1;

	assert_int_equal(fd_txn_begin_write(E.st, NULL, &txn), FD_OK);
	tu_ep_cname(&ep, "LB-1.Example.COM.");   /* the model lower-cases */
	tu_add_app(E.st, txn, "web1", &ep, "aaaaaaaaaaaa", 3, 2);
	tu_ep_addrs(&ep, both, 3);
	tu_add_app(E.st, txn, "web2", &ep, "bbbbbbbbbbbb", 1, 1);
	tu_ep_addrs(&ep, v6, 1);
	tu_add_app(E.st, txn, "v6only", &ep, "cccccccccccc", 0, 0);
	tu_add_group(E.st, txn, "cname", "web1", NULL, FD_SIDE_PRIMARY, 45);
	tu_add_group(E.st, txn, "flipped", "web1", "web2", FD_SIDE_BACKUP, 60);
	tu_add_group(E.st, txn, "v6", "v6only", NULL, FD_SIDE_PRIMARY, 20);
	tu_add_group(E.st, txn, "reserved", NULL, NULL, FD_SIDE_PRIMARY, 30);
	tu_add_group(E.st, txn, "ns1", "web1", NULL, FD_SIDE_PRIMARY, 30);
	tu_add_group(E.st, txn, "sub", "web1", NULL, FD_SIDE_PRIMARY, 30);
	tu_add_group(E.st, txn, "dangling", "ghost", NULL, FD_SIDE_PRIMARY,
	    30);
	tu_add_group(E.st, txn, "Upper", "web2", NULL, FD_SIDE_PRIMARY, 30);
	tu_put(E.st, txn, FD_DB_GROUPS, "broken", 6, "\x63garbage", 8);
	tu_put(E.st, txn, FD_DB_TOMBSTONES, "gone", 4, &when, sizeof(when));
	tu_put(E.st, txn, FD_DB_META, "serial", 6, &serial, sizeof(serial));
	assert_int_equal(fd_txn_commit(txn), FD_OK);
}

static int
setup(void **state)
{
	(void)state;
	E.dir = tu_tmpdir();
	assert_int_equal(fd_store_open(E.dir, 16 << 20, 8, &E.st), FD_OK);
	fill_store();
	assert_int_equal(fd_txn_begin_read(E.st, &E.txn), FD_OK);
	make_config(&E.cfg);
	assert_int_equal(fd_zone_build(&E.cfg, &E.z), FD_OK);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	fd_txn_abort(E.txn);
	fd_store_close(E.st);
	tu_rmdir(E.dir);
	return 0;
}

static int
reset_zone(void **state)
{
	(void)state;
	return fd_zone_build(&E.cfg, &E.z) == FD_OK ? 0 : -1;
}

/* ---- helpers ----------------------------------------------------------- */

static size_t
wire(const char *text, uint8_t *out)
{
	int n = fd_dname_from_text(text, out);

	assert_true(n > 0);
	return (size_t)n;
}

static enum fd_err
lookup(const char *text, uint8_t *target, struct fd_name_records *rec)
{
	uint8_t name[FD_DNAME_WIRE_MAX];
	size_t len = wire(text, name);

	return fd_records_lookup(&E.z, E.st, E.txn, name, len, target, rec);
}

/* Two views hold the same records. */
static bool
rrset_eq(const struct fd_rrset *a, const struct fd_rrset *b)
{
	if (a->type != b->type || a->count != b->count || a->ttl != b->ttl)
		return false;
	switch (a->type) {
	case FD_T_A:
		return memcmp(a->rd.addrs, b->rd.addrs, 4 * (size_t)a->count)
		    == 0;
	case FD_T_AAAA:
		return memcmp(a->rd.addrs, b->rd.addrs, 16 * (size_t)a->count)
		    == 0;
	case FD_T_CNAME:
		return a->target_len == b->target_len &&
		    memcmp(a->rd.target, b->rd.target, a->target_len) == 0;
	case FD_T_NS:
		return a->rd.ns == b->rd.ns;
	case FD_T_TXT:
		return strcmp(a->rd.text, b->rd.text) == 0;
	case FD_T_SOA:
		return a->rd.soa == b->rd.soa && a->serial == b->serial;
	default:
		return false;
	}
}

/* ---- what each name is ------------------------------------------------- */

#define OUT FD_NAME_OUTSIDE
#define NX FD_NAME_NXDOMAIN
#define ENT FD_NAME_EMPTY
#define SETS FD_NAME_RRSETS

static void
test_lookup_table(void **state)
{
	static const struct {
		const char *name;
		enum fd_err err;
		enum fd_name_kind kind;
		uint16_t types[FD_RRSETS_MAX];   /* in the model's order */
	} rows[] = {
		{ORIGIN, FD_OK, SETS, {FD_T_SOA, FD_T_NS}},
		{"ns1." ORIGIN, FD_OK, SETS, {FD_T_A, FD_T_AAAA}},
		{"ns2.sub." ORIGIN, FD_OK, SETS, {FD_T_A}},
		{"sub." ORIGIN, FD_OK, ENT, {0}},
		{"x.sub." ORIGIN, FD_OK, NX, {0}},
		{"cname." ORIGIN, FD_OK, SETS, {FD_T_CNAME}},
		{"flipped." ORIGIN, FD_OK, SETS, {FD_T_A, FD_T_AAAA}},
		{"v6." ORIGIN, FD_OK, SETS, {FD_T_AAAA}},
		/* no app on the active side: no record, no name */
		{"reserved." ORIGIN, FD_OK, NX, {0}},
		{"gone." ORIGIN, FD_OK, NX, {0}},
		{"unknown." ORIGIN, FD_OK, NX, {0}},
		{"www.cname." ORIGIN, FD_OK, NX, {0}},
		{"web1." ORIGIN, FD_OK, NX, {0}},    /* an app is not a name */
		{"_status." ORIGIN, FD_OK, ENT, {0}},
		{"aaaaaaaaaaaa._status." ORIGIN, FD_OK, SETS, {FD_T_TXT}},
		{"zzzzzzzzzzzz._status." ORIGIN, FD_OK, NX, {0}},
		{"x.aaaaaaaaaaaa._status." ORIGIN, FD_OK, NX, {0}},
		{"dangling." ORIGIN, FD_ESTORE, NX, {0}},
		{"broken." ORIGIN, FD_EVERSION, NX, {0}},
		{"example.test.", FD_OK, OUT, {0}},
		{"xfailover.example.test.", FD_OK, OUT, {0}},
		{".", FD_OK, OUT, {0}},
	};
	uint8_t target[FD_DNAME_WIRE_MAX];
	struct fd_name_records rec;

	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		int n = 0;

		while (n < FD_RRSETS_MAX && rows[i].types[n] != 0)
			n++;
		if (lookup(rows[i].name, target, &rec) != rows[i].err ||
		    (rows[i].err == FD_OK && rec.kind != rows[i].kind) ||
		    rec.n != n) {
			fprintf(stderr, "%s: kind %d with %d RRsets\n",
			    rows[i].name, rec.kind, rec.n);
			fail();
		}
		for (int s = 0; s < n; s++)
			assert_int_equal(rec.set[s].type, rows[i].types[s]);
	}
}

static void
test_lookup_views(void **state)
{
	uint8_t target[FD_DNAME_WIRE_MAX], want[FD_DNAME_WIRE_MAX];
	struct fd_name_records rec;
	uint8_t a[16];

	(void)state;
	assert_int_equal(lookup(ORIGIN, target, &rec), FD_OK);
	assert_int_equal(rec.set[0].serial, SERIAL);
	assert_int_equal(rec.set[0].ttl, 600);
	assert_ptr_equal(rec.set[0].rd.soa, &E.z);
	assert_int_equal(rec.set[1].count, 3);     /* ns1 once */
	assert_ptr_equal(rec.set[1].rd.ns, E.z.ns);
	assert_int_equal(rec.set[1].ttl, 3600);

	/* The group's TTL; the CNAME target checked, lower-cased, ours. */
	assert_int_equal(lookup("cname." ORIGIN, target, &rec), FD_OK);
	assert_int_equal(rec.set[0].ttl, 45);
	assert_ptr_equal(rec.set[0].rd.target, target);
	assert_int_equal(rec.set[0].target_len,
	    wire("lb-1.example.com.", want));
	assert_memory_equal(target, want, rec.set[0].target_len);

	/* The backup side's addresses, packed, A before AAAA. */
	assert_int_equal(lookup("flipped." ORIGIN, target, &rec), FD_OK);
	assert_int_equal(rec.set[0].count, 2);
	assert_int_equal(rec.set[0].ttl, 60);
	inet_pton(AF_INET, "192.0.2.2", a);
	assert_memory_equal(rec.set[0].rd.addrs + 4, a, 4);
	assert_int_equal(rec.set[1].count, 1);
	inet_pton(AF_INET6, "2001:db8::1", a);
	assert_memory_equal(rec.set[1].rd.addrs, a, 16);

	assert_int_equal(lookup("ns1." ORIGIN, target, &rec), FD_OK);
	assert_ptr_equal(rec.set[0].rd.addrs, E.z.ns[0].a4[0]);
	assert_int_equal(rec.set[0].ttl, 3600);

	/* Status from the app's counters, with the zone's TTL. */
	assert_int_equal(lookup("aaaaaaaaaaaa._status." ORIGIN, target, &rec),
	    FD_OK);
	assert_string_equal(rec.set[0].rd.text, "online");
	assert_int_equal(rec.set[0].ttl, 30);
	assert_int_equal(lookup("cccccccccccc._status." ORIGIN, target, &rec),
	    FD_OK);
	assert_string_equal(rec.set[0].rd.text, "none");

	fd_records_soa(&E.z, E.st, E.txn, &rec.set[0]);
	assert_int_equal(rec.set[0].type, FD_T_SOA);
	assert_int_equal(rec.set[0].serial, SERIAL);
}

/* The origin as a nameserver: the apex holds its addresses too. */
static void
test_apex_nameserver(void **state)
{
	uint8_t target[FD_DNAME_WIRE_MAX];
	struct fd_name_records rec;

	(void)state;
	strcpy(E.cfg.ns[1].name, ORIGIN);
	assert_int_equal(fd_zone_build(&E.cfg, &E.z), FD_OK);
	strcpy(E.cfg.ns[1].name, "ns2.sub." ORIGIN);
	assert_int_equal(lookup(ORIGIN, target, &rec), FD_OK);
	assert_int_equal(rec.n, 3);
	assert_int_equal(rec.set[2].type, FD_T_A);
	assert_ptr_equal(rec.set[2].rd.addrs, E.z.ns[1].a4[0]);
	/* "sub" is no longer on the way to a nameserver: the group's now. */
	assert_int_equal(lookup("sub." ORIGIN, target, &rec), FD_OK);
	assert_int_equal(rec.kind, FD_NAME_RRSETS);
	assert_int_equal(rec.set[0].type, FD_T_CNAME);
}

/* _status exists only while a status name is below it. */
static void
test_status_ent_needs_an_app(void **state)
{
	struct fd_store *st;
	struct fd_name_records rec;
	uint8_t name[FD_DNAME_WIRE_MAX], target[FD_DNAME_WIRE_MAX];
	size_t len = wire("_status." ORIGIN, name);
	char *dir = tu_tmpdir();
	MDB_txn *txn;

	(void)state;
	assert_int_equal(fd_store_open(dir, 1 << 20, 8, &st), FD_OK);
	assert_int_equal(fd_txn_begin_read(st, &txn), FD_OK);
	assert_int_equal(fd_records_lookup(&E.z, st, txn, name, len, target,
	    &rec), FD_OK);
	assert_int_equal(rec.kind, FD_NAME_NXDOMAIN);
	fd_txn_abort(txn);
	fd_store_close(st);
	tu_rmdir(dir);
}

/* ---- the walk ---------------------------------------------------------- */

/* Everything one walk gave, in order. */
struct walked {
	int entries;                 /* every call that returned FD_OK */
	int n;                       /* names with records */
	char names[32][FD_DNAME_TEXT_MAX];
};

/*
 * Walk the zone, pausing after every `pause_every` entries (0: never),
 * and check each name with records against a lookup of that name.
 */
static void
walk(struct walked *out, int pause_every)
{
	uint8_t owner[FD_DNAME_WIRE_MAX], target[FD_DNAME_WIRE_MAX];
	uint8_t target2[FD_DNAME_WIRE_MAX];
	struct fd_name_records rec, again;
	struct fd_records_walk w;
	size_t owner_len;
	enum fd_err err;

	memset(out, 0, sizeof(*out));
	fd_records_walk_begin(&w);
	while ((err = fd_records_walk_next(&w, &E.z, E.st, E.txn, owner,
	    &owner_len, target, &rec)) == FD_OK) {
		out->entries++;
		if (pause_every > 0 && out->entries % pause_every == 0)
			fd_records_walk_pause(&w);
		if (rec.kind != FD_NAME_RRSETS)
			continue;
		assert_true(out->n < 32);
		fd_name_to_text(owner, owner_len, out->names[out->n++],
		    FD_DNAME_TEXT_MAX);
		/* The walk and the lookup are one model. */
		assert_int_equal(fd_records_lookup(&E.z, E.st, E.txn, owner,
		    owner_len, target2, &again), FD_OK);
		assert_int_equal(again.kind, FD_NAME_RRSETS);
		assert_int_equal(again.n, rec.n);
		for (int s = 0; s < rec.n; s++)
			assert_true(rrset_eq(&rec.set[s], &again.set[s]));
	}
	assert_int_equal(err, FD_ENOTFOUND);
	assert_true(fd_records_walk_done(&w));
	/* Done stays done. */
	assert_int_equal(fd_records_walk_next(&w, &E.z, E.st, E.txn, owner,
	    &owner_len, target, &rec), FD_ENOTFOUND);
	fd_records_walk_pause(&w);
}

static void
test_walk_every_name_once(void **state)
{
	/* Groups in key order, status names in app-name order. */
	static const char *const want[] = {
		ORIGIN, "ns1." ORIGIN, "ns2.sub." ORIGIN,
		"cname." ORIGIN, "flipped." ORIGIN, "v6." ORIGIN,
		"cccccccccccc._status." ORIGIN,      /* v6only */
		"aaaaaaaaaaaa._status." ORIGIN,      /* web1 */
		"bbbbbbbbbbbb._status." ORIGIN,      /* web2 */
	};
	struct walked got;

	(void)state;
	walk(&got, 0);
	assert_int_equal(got.n, sizeof(want) / sizeof(want[0]));
	for (int i = 0; i < got.n; i++)
		assert_string_equal(got.names[i], want[i]);
	/*
	 * Every table entry is one call, records or not (so a step that
	 * counts them is bounded): apex, 2 nameservers, 9 groups, 3 apps.
	 */
	assert_int_equal(got.entries, 1 + 2 + 9 + 3);
}

static void
test_walk_resumes_anywhere(void **state)
{
	struct walked whole, stepped;

	(void)state;
	walk(&whole, 0);
	for (int every = 1; every <= 4; every++) {
		walk(&stepped, every);
		assert_int_equal(stepped.entries, whole.entries);
		assert_int_equal(stepped.n, whole.n);
		for (int i = 0; i < whole.n; i++)
			assert_string_equal(stepped.names[i], whole.names[i]);
	}
}

static void
test_walk_apex_nameserver_once(void **state)
{
	struct walked got;

	(void)state;
	strcpy(E.cfg.ns[1].name, ORIGIN);
	assert_int_equal(fd_zone_build(&E.cfg, &E.z), FD_OK);
	strcpy(E.cfg.ns[1].name, "ns2.sub." ORIGIN);
	walk(&got, 0);
	assert_string_equal(got.names[0], ORIGIN);
	assert_string_equal(got.names[1], "ns1." ORIGIN);
	/* "sub" is a group again, between flipped and v6. */
	assert_string_equal(got.names[2], "cname." ORIGIN);
	assert_string_equal(got.names[4], "sub." ORIGIN);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_lookup_table, reset_zone),
		cmocka_unit_test_setup(test_lookup_views, reset_zone),
		cmocka_unit_test_setup(test_apex_nameserver, reset_zone),
		cmocka_unit_test_setup(test_status_ent_needs_an_app,
		    reset_zone),
		cmocka_unit_test_setup(test_walk_every_name_once, reset_zone),
		cmocka_unit_test_setup(test_walk_resumes_anywhere, reset_zone),
		cmocka_unit_test_setup(test_walk_apex_nameserver_once,
		    reset_zone),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
