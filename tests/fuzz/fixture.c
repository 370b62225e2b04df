/* fixture.c - the fuzzers' fixed config, zone and store; see fixture.h. */
#include <dirent.h>
#include <netinet/in.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "flipdns/db/changes.h"
#include "fixture.h"
#include "flipdns/db/journal.h"
#include "flipdns/dns/tsig.h"

/*
 * Every optional part of the responder is switched on: CHAOS answers,
 * query-name logging (the escaping code), in-zone nameservers with glue
 * of both families or one (so A or AAAA is NODATA), one at the apex and
 * one outside the zone.  SOA ttl and minimum differ so a wrong negative
 * TTL would show in the answers.
 */
static const char config_yaml[] =
    "zone:\n"
    "  origin: " FX_ORIGIN "\n"
    "  ttl: 30\n"
    "  ns_ttl: 3600\n"
    "  soa: {mname: ns1." FX_ORIGIN ", rname: hostmaster.example.test.,\n"
    "        ttl: 600, refresh: 3600, retry: 600, expire: 604800,\n"
    "        minimum: 300}\n"
    "  nameservers:\n"
    "    - {name: ns1." FX_ORIGIN ", addresses: [127.0.0.1, \"::1\"]}\n"
    "    - {name: ns2." FX_ORIGIN ", addresses: [192.0.2.53]}\n"
    "    - {name: " FX_ORIGIN ", addresses: [\"2001:db8::54\"]}\n"
    "    - {name: ns.outside.example.}\n"
    "listen: [\"127.0.0.1:5353\"]\n"
    "edns: {udp_size: 1232}\n"
    "chaos: {enabled: true, id: fuzz.example}\n"
    "log: {queries: true}\n";

/* What flipdnsd's reserved_labels() derives from the config above. */
static const char *const reserved[] = {"_status", "ns1", "ns2"};

/* Small: the control fuzzer aborts every write, so nothing accumulates. */
#define MAP_SIZE (64 << 20)

static struct fixture fx;
static bool built;

static void die(const char *what, const char *msg);
static void add_journal(MDB_txn *txn);

/*
 * Transfers: one TSIG key (FX_TSIG_KEY / FX_TSIG_SECRET, so seeds can be
 * signed), loopback may transfer unsigned (the fuzzer's TCP peer is
 * 127.0.0.1), 10/8 only with the key.
 */
static void
add_transfer(void)
{
	static const uint8_t secret[] = FX_TSIG_SECRET;
	struct fd_tsig_key k;

	memset(&k, 0, sizeof(k));
	snprintf(k.name, sizeof(k.name), "%s", FX_TSIG_KEY);
	k.alg = FD_TSIG_HMAC_SHA256;
	memcpy(k.secret, secret, sizeof(secret) - 1);
	k.secret_len = sizeof(secret) - 1;
	if (fd_tsig_wkey_from_conf(&k, &fx.zone.keys[0]) != FD_OK)
		die("zone", "tsig key");
	fx.zone.n_keys = 1;
	fx.zone.acl[0].family = AF_INET;
	fx.zone.acl[0].bytes[0] = 127;
	fx.zone.acl[0].bits = 8;
	fx.zone.acl[0].key = -1;
	fx.zone.acl[1].family = AF_INET;
	fx.zone.acl[1].bytes[0] = 10;
	fx.zone.acl[1].bits = 8;
	fx.zone.acl[1].key = 0;
	fx.zone.n_acl = 2;
}

static void
die(const char *what, const char *msg)
{
	fprintf(stderr, "fuzz fixture: %s: %s\n", what, msg);
	abort();
}

static void
cleanup(void)
{
	char path[PATH_MAX];
	struct dirent *de;
	DIR *d;

	fd_store_close(fx.st);
	if ((d = opendir(fx.dir)) != NULL) {
		while ((de = readdir(d)) != NULL) {
			if (de->d_name[0] == '.')
				continue;
			snprintf(path, sizeof(path), "%s/%s", fx.dir, de->d_name);
			unlink(path);
		}
		closedir(d);
	}
	rmdir(fx.dir);
	free(fx.dir);
}

/*
 * The change functions' signatures differ; each step is one of these.
 * RETARGET gives an app its host name in the zone past the change rules
 * (which refuse a loop or a name that does not exist, cnames.h): a store
 * written before those rules may hold both, and the responder must still
 * answer it.  Such apps start with PLACEHOLDER.
 */
enum step_kind { ADD_CNAME, ADD_ADDRS, CREATE, SWITCH, DELETE, RETARGET };
#define PLACEHOLDER "placeholder.example.com."

struct step {
	enum step_kind kind;
	const char *name;        /* app name or group label */
	const char *a, *b;       /* cname / addresses / primary, backup */
};

/* Apps before the groups that name them. */
static const struct step steps[] = {
	{ADD_CNAME, "web1", "lb-1.example.com.", NULL},
	{ADD_ADDRS, "web2", "192.0.2.1 192.0.2.2 2001:db8::1", NULL},
	{ADD_ADDRS, "v4only", "192.0.2.10", NULL},
	{ADD_ADDRS, "big", NULL, NULL},             /* 64 addresses, below */
	{ADD_CNAME, "ingroup", PLACEHOLDER, NULL},
	{ADD_CNAME, "loopapp", PLACEHOLDER, NULL},
	{ADD_CNAME, "deadend", PLACEHOLDER, NULL},
	{ADD_ADDRS, "spare", "198.51.100.7", NULL},  /* in no group */
	{CREATE, "reserved", NULL, NULL},
	{CREATE, "solo", "web1", NULL},
	{CREATE, "both", "web2", "big"},
	{CREATE, "flipped", "v4only", "big"},
	{SWITCH, "flipped", NULL, NULL},
	{CREATE, "chain", "ingroup", "web1"},
	{CREATE, "loopy", "loopapp", NULL},
	{CREATE, "dead", "deadend", NULL},
	{CREATE, "gone", NULL, NULL},
	{DELETE, "gone", NULL, NULL},
	/* a loop the query name is not on: intoring -> ring1 <-> ring2 */
	{ADD_CNAME, "toring1", PLACEHOLDER, NULL},
	{ADD_CNAME, "toring2", PLACEHOLDER, NULL},
	{CREATE, "ring1", "toring2", NULL},
	{CREATE, "ring2", "toring1", NULL},
	{CREATE, "intoring", "toring1", NULL},
	/* a chain longer than the responder follows: long1 -> ... -> long9 */
	{ADD_CNAME, "hop1", PLACEHOLDER, NULL},
	{ADD_CNAME, "hop2", PLACEHOLDER, NULL},
	{ADD_CNAME, "hop3", PLACEHOLDER, NULL},
	{ADD_CNAME, "hop4", PLACEHOLDER, NULL},
	{ADD_CNAME, "hop5", PLACEHOLDER, NULL},
	{ADD_CNAME, "hop6", PLACEHOLDER, NULL},
	{ADD_CNAME, "hop7", PLACEHOLDER, NULL},
	{ADD_CNAME, "hop8", PLACEHOLDER, NULL},
	{CREATE, "long1", "hop1", NULL},
	{CREATE, "long2", "hop2", NULL},
	{CREATE, "long3", "hop3", NULL},
	{CREATE, "long4", "hop4", NULL},
	{CREATE, "long5", "hop5", NULL},
	{CREATE, "long6", "hop6", NULL},
	{CREATE, "long7", "hop7", NULL},
	{CREATE, "long8", "hop8", NULL},
	{CREATE, "long9", "web2", NULL},
	/* the longest label: big answers under the longest owner */
	{CREATE, "x123456789x123456789x123456789x123456789x123456789x123456789"
	    "xyz", "big", "web2"},
	/* the host names inside the zone, now that it holds their groups */
	{RETARGET, "ingroup", "both." FX_ORIGIN, NULL},
	{RETARGET, "loopapp", "loopy." FX_ORIGIN, NULL},
	{RETARGET, "deadend", "nowhere." FX_ORIGIN, NULL},
	{RETARGET, "toring1", "ring1." FX_ORIGIN, NULL},
	{RETARGET, "toring2", "ring2." FX_ORIGIN, NULL},
	{RETARGET, "hop1", "long2." FX_ORIGIN, NULL},
	{RETARGET, "hop2", "long3." FX_ORIGIN, NULL},
	{RETARGET, "hop3", "long4." FX_ORIGIN, NULL},
	{RETARGET, "hop4", "long5." FX_ORIGIN, NULL},
	{RETARGET, "hop5", "long6." FX_ORIGIN, NULL},
	{RETARGET, "hop6", "long7." FX_ORIGIN, NULL},
	{RETARGET, "hop7", "long8." FX_ORIGIN, NULL},
	{RETARGET, "hop8", "long9." FX_ORIGIN, NULL},
};

/* Status labels pinned per app, so seeds can ask <label>._status. */
static const struct {
	const char *app, *label;
} status_labels[] = {
	{"web1", "aaaaaaaaaaaa"}, {"web2", "bbbbbbbbbbbb"},
	{"v4only", "cccccccccccc"}, {"big", "dddddddddddd"},
	{"ingroup", "eeeeeeeeeeee"}, {"loopapp", "ffffffffffff"},
	{"deadend", "gggggggggggg"}, {"spare", "hhhhhhhhhhhh"},
};

static void
endpoints(const struct step *s, struct fd_endpoints *ep)
{
	char msg[128], list[256], ip[48], *tok, *save;

	if (s->kind == ADD_CNAME) {
		if (fd_endpoints_cname(ep, s->a, msg, sizeof(msg)) != FD_OK)
			die(s->name, msg);
		return;
	}
	fd_endpoints_clear_addrs(ep);
	if (s->a == NULL) {
		for (int i = 0; i < FD_APP_MAX_ADDRS; i++) {
			snprintf(ip, sizeof(ip), "2001:db8:1::%x", i + 1);
			if (fd_endpoints_add_addr(ep, ip, msg, sizeof(msg)) != FD_OK)
				die(s->name, msg);
		}
		return;
	}
	snprintf(list, sizeof(list), "%s", s->a);
	for (tok = strtok_r(list, " ", &save); tok != NULL;
	    tok = strtok_r(NULL, " ", &save))
		if (fd_endpoints_add_addr(ep, tok, msg, sizeof(msg)) != FD_OK)
			die(s->name, msg);
}

/*
 * Rewrite an app's record past the change rules, keeping its counters:
 * a fixed status label instead of its random one (label not NULL; its
 * status row moves), or another host name (cname not NULL).
 */
static void
rewrite_app(MDB_txn *txn, const char *app, const char *label,
    const char *cname)
{
	uint8_t buf[4096];
	char msg[128], old[FD_STATUS_LABEL_LEN + 1];
	struct fd_endpoints ep;
	struct fd_app_view v;
	MDB_val k, val;
	size_t n;

	if (fd_store_get_app(fx.st, txn, app, strlen(app), &v) != FD_OK)
		die(app, "not in the store");
	memset(&ep, 0, sizeof(ep));
	ep.kind = v.kind;
	ep.cname_len = v.cname_len;
	if (v.kind == FD_APP_CNAME)
		memcpy(ep.cname_wire, v.cname_wire, v.cname_len);
	ep.n4 = v.n4;
	ep.n6 = v.n6;
	if (v.n4 > 0)
		memcpy(ep.a4, v.a4, (size_t)v.n4 * 4);
	if (v.n6 > 0)
		memcpy(ep.a6, v.a6, (size_t)v.n6 * 16);
	if (cname != NULL && fd_endpoints_cname(&ep, cname, msg,
	    sizeof(msg)) != FD_OK)
		die(app, msg);
	memcpy(old, v.status_label, sizeof(old));
	/* v points into pages the writes below may move: encode first */
	n = fd_app_encode(buf, sizeof(buf), &ep, v.ref_count, v.active_count,
	    label != NULL ? label : old, v.created, v.updated);
	if (n == 0)
		die(app, "fd_app_encode");
	k.mv_size = strlen(app);
	k.mv_data = (void *)app;
	val.mv_size = n;
	val.mv_data = buf;
	if (mdb_put(txn, fd_store_dbi(fx.st, FD_DB_APPS), &k, &val, 0) != 0)
		die(app, "app row");
	if (label == NULL)
		return;
	k.mv_size = strlen(old);
	k.mv_data = old;
	if (mdb_del(txn, fd_store_dbi(fx.st, FD_DB_STATUS), &k, NULL) != 0)
		die(app, "old status row");
	k.mv_size = strlen(label);
	k.mv_data = (void *)label;
	val.mv_size = strlen(app);
	val.mv_data = (void *)app;
	if (mdb_put(txn, fd_store_dbi(fx.st, FD_DB_STATUS), &k, &val, 0) != 0)
		die(app, "status row");
}

/* One step in its own committed write transaction, as a command would. */
static void
run_step(const struct step *s)
{
	char label[FD_LABEL_MAX + 1];
	struct fd_endpoints ep;
	struct fd_change c;
	enum fd_err err;
	MDB_txn *txn;

	if (mdb_txn_begin(fd_store_env(fx.st), NULL, 0, &txn) != 0)
		die(s->name, "mdb_txn_begin");
	memset(&c, 0, sizeof(c));
	c.st = fx.st;
	c.txn = txn;
	c.now = 1764000000;
	c.origin = FX_ORIGIN;
	c.reserved = fx.reserved;
	c.n_reserved = fx.n_reserved;
	switch (s->kind) {
	case ADD_CNAME:
	case ADD_ADDRS:
		endpoints(s, &ep);
		err = fd_change_app_add(&c, s->name, &ep);
		break;
	case CREATE:
		err = fd_change_group_create(&c, s->name, s->a, s->b, false, 0,
		    fx.cfg.ttl, label);
		break;
	case SWITCH:
		err = fd_change_group_switch(&c, s->name, FD_SWITCH_TOGGLE);
		break;
	case RETARGET:
		rewrite_app(txn, s->name, NULL, s->a);
		err = FD_OK;
		break;
	case DELETE:
	default:
		err = fd_change_group_delete(&c, s->name);
		break;
	}
	json_decref(c.touched);
	if (err != FD_OK) {
		mdb_txn_abort(txn);
		die(s->name, c.msg);
	}
	if (mdb_txn_commit(txn) != 0)
		die(s->name, "mdb_txn_commit");
}

static void
build(void)
{
	const char *base = getenv("TMPDIR");
	char err[512];
	MDB_txn *txn;

	if (base == NULL || *base == '\0')
		base = "/tmp";
	if (asprintf(&fx.dir, "%s/flipdns-fuzz-XXXXXX", base) < 0 ||
	    mkdtemp(fx.dir) == NULL)
		die("mkdtemp", base);
	if (fd_config_parse("fixture", config_yaml, sizeof(config_yaml) - 1,
	    &fx.cfg, err, sizeof(err)) != FD_OK)
		die("config", err);
	if (fd_zone_build(&fx.cfg, &fx.zone) != FD_OK)
		die("zone", "fd_zone_build");
	add_transfer();
	fx.reserved = reserved;
	fx.n_reserved = sizeof(reserved) / sizeof(reserved[0]);
	if (fd_store_open(fx.dir, MAP_SIZE, 8, &fx.st) != FD_OK)
		die("store", fx.dir);
	atexit(cleanup);
	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++)
		run_step(&steps[i]);
	if (mdb_txn_begin(fd_store_env(fx.st), NULL, 0, &txn) != 0)
		die("status", "mdb_txn_begin");
	for (size_t i = 0; i < sizeof(status_labels) / sizeof(status_labels[0]);
	    i++)
		rewrite_app(txn, status_labels[i].app, status_labels[i].label,
		    NULL);
	add_journal(txn);
	if (mdb_txn_commit(txn) != 0)
		die("status", "mdb_txn_commit");
}

/*
 * Two IXFR deltas up to the store's serial S: S-2 -> S-1 -> S, each a
 * group's A removed and its CNAME added (and back), so an IXFR from S-2
 * or S-1 streams from the journal.
 */
static void
add_journal(MDB_txn *txn)
{
	/* grpaddr.<origin> 30 IN A 192.0.2.1, and IN CNAME x.example. */
	static const uint8_t a[] = "\x07grpaddr\x08" "failover\x07" "example"
	    "\x04test\x00\x00\x01\x00\x01\x00\x00\x00\x1e\x00\x04\xc0\x00\x02\x01";
	static const uint8_t cname[] = "\x07grpaddr\x08" "failover\x07" "example"
	    "\x04test\x00\x00\x05\x00\x01\x00\x00\x00\x1e\x00\x0b\x01x\x07"
	    "example\x00";
	uint32_t s = fd_store_serial(fx.st, txn);

	if (fd_journal_append(fx.st, txn, s - 2, s - 1, a, sizeof(a) - 1, 1,
	    cname, sizeof(cname) - 1, 1, 10) != FD_OK ||
	    fd_journal_append(fx.st, txn, s - 1, s, cname, sizeof(cname) - 1, 1,
	    a, sizeof(a) - 1, 1, 10) != FD_OK)
		die("journal", "fd_journal_append");
}

static void
put_raw(MDB_txn *txn, enum fd_store_db db, const char *key, const void *val,
    size_t len)
{
	MDB_val k = {strlen(key), (void *)key}, v = {len, (void *)val};

	if (mdb_put(txn, fd_store_dbi(fx.st, db), &k, &v, 0) != 0)
		die(key, "mdb_put");
}

void
fx_add_bad_records(void)
{
	/* a label whose length byte runs past the name */
	static const uint8_t bad_name[] = "\x05" "ab";
	uint8_t buf[4096];
	struct fd_endpoints ep;
	MDB_txn *txn;
	size_t n;

	fx_get();
	if (mdb_txn_begin(fd_store_env(fx.st), NULL, 0, &txn) != 0)
		die("bad records", "mdb_txn_begin");
	put_raw(txn, FD_DB_GROUPS, "broken", "\x01short", 6);
	put_raw(txn, FD_DB_APPS, "brokenapp", "\x01", 1);
	put_raw(txn, FD_DB_STATUS, "kkkkkkkkkkkk", "brokenapp", 9);
	put_raw(txn, FD_DB_STATUS, "jjjjjjjjjjjj", "ghost", 5);
	memset(&ep, 0, sizeof(ep));
	ep.kind = FD_APP_CNAME;
	memcpy(ep.cname_wire, bad_name, sizeof(bad_name));
	ep.cname_len = sizeof(bad_name);
	if ((n = fd_app_encode(buf, sizeof(buf), &ep, 1, 1, "iiiiiiiiiiii",
	    1, 1)) == 0)
		die("badname", "fd_app_encode");
	put_raw(txn, FD_DB_APPS, "badname", buf, n);
	put_raw(txn, FD_DB_STATUS, "iiiiiiiiiiii", "badname", 7);
	if ((n = fd_group_encode(buf, sizeof(buf), FD_SIDE_PRIMARY, 30,
	    "badname", NULL, 1, 1)) == 0)
		die("badcname", "fd_group_encode");
	put_raw(txn, FD_DB_GROUPS, "badcname", buf, n);
	if ((n = fd_group_encode(buf, sizeof(buf), FD_SIDE_BACKUP, 30,
	    "ghost", "brokenapp", 1, 1)) == 0)
		die("orphan", "fd_group_encode");
	put_raw(txn, FD_DB_GROUPS, "orphan", buf, n);
	if (mdb_txn_commit(txn) != 0)
		die("bad records", "mdb_txn_commit");
}

const struct fixture *
fx_get(void)
{
	if (!built) {
		build();
		built = true;
	}
	return &fx;
}
