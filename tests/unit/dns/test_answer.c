/*
 * test_answer.c - the responder, driven with crafted packets against a
 * temporary store.  Every answer is parsed back with ldns, an independent
 * parser, so a wire-format slip fails here rather than in a resolver.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include <ldns/ldns.h>

#include "flipdns/dns/answer.h"
#include "flipdns/dns/dnswire.h"
#include "flipdns/db/store.h"
#include "flipdns/dns/zone.h"
#include "testutil.h"

#define ORIGIN "failover.example.test."
#define SERIAL 42
#define SOA_TTL 600
#define SOA_MIN 300
#define NEG_TTL 300          /* min(SOA_TTL, SOA_MIN) */
#define DEFAULT_TTL 30
#define NS_TTL 3600
#define OUR_EDNS 1232

static struct {
	char *dir;
	struct fd_store *st;
	MDB_txn *txn;
	struct fd_config cfg;
	struct fd_zone z;
} E;

/* The last answer, raw and parsed. */
static struct {
	uint8_t buf[65535];
	size_t len;
	struct fd_query_info info;
	ldns_pkt *p;
} R;

/* ---- the store -------------------------------------------------------- */

static void
fill_store(void)
{
	static const char *const web2[] = {"192.0.2.1", "192.0.2.2",
	    "2001:db8::1"};
	static const char *const v4[] = {"192.0.2.10"};
	char ipbuf[64][48];
	const char *big[64];
	struct fd_endpoints ep;
	MDB_txn *txn;
	uint32_t serial = SERIAL;
	uint64_t when = 1;

	assert_int_equal(mdb_txn_begin(fd_store_env(E.st), NULL, 0, &txn), 0);
	tu_ep_cname(&ep, "lb-1.example.com.");
	tu_add_app(E.st, txn, "web1", &ep, "aaaaaaaaaaaa", 2, 1);
	tu_ep_addrs(&ep, web2, 3);
	tu_add_app(E.st, txn, "web2", &ep, "bbbbbbbbbbbb", 2, 0);
	tu_ep_addrs(&ep, v4, 1);
	tu_add_app(E.st, txn, "v4only", &ep, "cccccccccccc", 0, 0);
	for (int i = 0; i < 64; i++) {
		snprintf(ipbuf[i], sizeof(ipbuf[i]), "2001:db8:1::%x", i + 1);
		big[i] = ipbuf[i];
	}
	tu_ep_addrs(&ep, big, 64);
	tu_add_app(E.st, txn, "big", &ep, "dddddddddddd", 1, 1);
	tu_ep_cname(&ep, "grpaddr." ORIGIN);
	ep.cname_wire[1] = 'G';   /* the responder must not trust the case */
	tu_add_app(E.st, txn, "ingroup", &ep, "eeeeeeeeeeee", 1, 1);
	tu_ep_cname(&ep, "grploop." ORIGIN);
	tu_add_app(E.st, txn, "loopapp", &ep, "ffffffffffff", 1, 1);
	tu_ep_cname(&ep, ORIGIN);
	tu_add_app(E.st, txn, "toapex", &ep, "gggggggggggg", 1, 1);
	tu_ep_cname(&ep, "nothere." ORIGIN);
	tu_add_app(E.st, txn, "tomissing", &ep, "hhhhhhhhhhhh", 1, 1);
	tu_ep_cname(&ep, "ns1." ORIGIN);
	tu_add_app(E.st, txn, "tons", &ep, "iiiiiiiiiiii", 1, 1);
	tu_ep_cname(&ep, "aaaaaaaaaaaa._status." ORIGIN);
	tu_add_app(E.st, txn, "tostatus", &ep, "jjjjjjjjjjjj", 1, 1);
	tu_ep_cname(&ep, "grpreserved." ORIGIN);
	tu_add_app(E.st, txn, "toreserved", &ep, "kkkkkkkkkkkk", 1, 1);
	tu_ep_cname(&ep, "deadlabel." ORIGIN);
	tu_add_app(E.st, txn, "todead", &ep, "oooooooooooo", 1, 1);
	tu_ep_cname(&ep, "a.example.");
	ep.cname_wire[0] = 5;      /* a label running past the name */
	tu_add_app(E.st, txn, "badname", &ep, "llllllllllll", 1, 1);

	tu_add_group(E.st, txn, "grpcname", "web1", "web2", FD_SIDE_PRIMARY, 45);
	tu_add_group(E.st, txn, "grpaddr", "web1", "web2", FD_SIDE_BACKUP, 60);
	tu_add_group(E.st, txn, "grpv4", "v4only", NULL, FD_SIDE_PRIMARY, 20);
	tu_add_group(E.st, txn, "grpbig", "big", NULL, FD_SIDE_PRIMARY, 30);
	tu_add_group(E.st, txn, "grpreserved", NULL, NULL, FD_SIDE_PRIMARY, 30);
	tu_add_group(E.st, txn, "grpchain", "ingroup", NULL, FD_SIDE_PRIMARY, 50);
	tu_add_group(E.st, txn, "grploop", "loopapp", NULL, FD_SIDE_PRIMARY, 10);
	tu_add_group(E.st, txn, "grpapex", "toapex", NULL, FD_SIDE_PRIMARY, 30);
	tu_add_group(E.st, txn, "grpmissing", "tomissing", NULL, FD_SIDE_PRIMARY, 30);
	tu_add_group(E.st, txn, "grpns", "tons", NULL, FD_SIDE_PRIMARY, 30);
	tu_add_group(E.st, txn, "grpstatus", "tostatus", NULL, FD_SIDE_PRIMARY, 30);
	tu_add_group(E.st, txn, "grptores", "toreserved", NULL, FD_SIDE_PRIMARY, 30);
	tu_add_group(E.st, txn, "grpbad", "badname", NULL, FD_SIDE_PRIMARY, 30);
	tu_add_group(E.st, txn, "grptodead", "todead", NULL, FD_SIDE_PRIMARY, 30);
	/* ping -> pong -> ping: a loop of two. */
	tu_ep_cname(&ep, "grppong." ORIGIN);
	tu_add_app(E.st, txn, "toping", &ep, "mmmmmmmmmmmm", 1, 1);
	tu_ep_cname(&ep, "grpping." ORIGIN);
	tu_add_app(E.st, txn, "topong", &ep, "nnnnnnnnnnnn", 1, 1);
	tu_add_group(E.st, txn, "grpping", "toping", NULL, FD_SIDE_PRIMARY, 30);
	tu_add_group(E.st, txn, "grppong", "topong", NULL, FD_SIDE_PRIMARY, 30);
	/* ch1 -> ch2 -> ... -> ch10 -> grpaddr: longer than the limit. */
	for (int i = 1; i <= 10; i++) {
		char app[16], label[16], target[64], status[16];

		snprintf(app, sizeof(app), "toch%d", i + 1);
		snprintf(label, sizeof(label), "ch%d", i);
		if (i < 10)
			snprintf(target, sizeof(target), "ch%d." ORIGIN, i + 1);
		else
			snprintf(target, sizeof(target), "grpaddr." ORIGIN);
		snprintf(status, sizeof(status), "chstatus%04d", i);
		tu_ep_cname(&ep, target);
		tu_add_app(E.st, txn, app, &ep, status, 1, 1);
		tu_add_group(E.st, txn, label, app, NULL, FD_SIDE_PRIMARY, 30);
	}
	/* A record of a format version we do not know. */
	tu_put(E.st, txn, FD_DB_GROUPS, "grpfuture", 9, "\x63garbage", 8);
	tu_put(E.st, txn, FD_DB_TOMBSTONES, "deadlabel", 9, &when, sizeof(when));
	tu_put(E.st, txn, FD_DB_META, "serial", 6, &serial, sizeof(serial));
	assert_int_equal(mdb_txn_commit(txn), 0);
}

static void
make_config(struct fd_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	strcpy(cfg->origin, ORIGIN);
	cfg->ttl = DEFAULT_TTL;
	cfg->ns_ttl = NS_TTL;
	strcpy(cfg->soa.mname, "ns1." ORIGIN);
	strcpy(cfg->soa.rname, "hostmaster.example.test.");
	cfg->soa.ttl = SOA_TTL;
	cfg->soa.refresh = 3600;
	cfg->soa.retry = 600;
	cfg->soa.expire = 604800;
	cfg->soa.minimum = SOA_MIN;
	cfg->n_ns = 2;
	strcpy(cfg->ns[0].name, "ns1." ORIGIN);
	cfg->ns[0].naddrs = 2;
	cfg->ns[0].addrs[0].family = AF_INET;
	inet_pton(AF_INET, "192.0.2.53", cfg->ns[0].addrs[0].bytes);
	cfg->ns[0].addrs[1].family = AF_INET6;
	inet_pton(AF_INET6, "2001:db8::53", cfg->ns[0].addrs[1].bytes);
	strcpy(cfg->ns[1].name, "ns2.elsewhere.example.");
	cfg->ns[1].naddrs = 1;
	cfg->ns[1].addrs[0].family = AF_INET;
	inet_pton(AF_INET, "198.51.100.53", cfg->ns[1].addrs[0].bytes);
	cfg->edns_udp_size = OUR_EDNS;
	cfg->chaos = true;
	strcpy(cfg->chaos_id, "unit-test-host");
	cfg->log_queries = true;
}

static int
setup(void **state)
{
	E.dir = tu_tmpdir();
	assert_int_equal(fd_store_open(E.dir, 16 << 20, 8, &E.st), FD_OK);
	fill_store();
	assert_int_equal(mdb_txn_begin(fd_store_env(E.st), NULL, MDB_RDONLY,
	    &E.txn), 0);
	make_config(&E.cfg);
	assert_int_equal(fd_zone_build(&E.cfg, &E.z), FD_OK);
	return 0;
}

static int
teardown(void **state)
{
	if (R.p != NULL)
		ldns_pkt_free(R.p);
	R.p = NULL;
	mdb_txn_abort(E.txn);
	fd_store_close(E.st);
	tu_rmdir(E.dir);
	return 0;
}

/* Each test starts from the configured zone. */
static int
reset_zone(void **state)
{
	assert_int_equal(fd_zone_build(&E.cfg, &E.z), FD_OK);
	return 0;
}

/* ---- building queries ------------------------------------------------- */

struct qb {
	uint8_t b[4096];
	size_t len;
};

static void
qb_u8(struct qb *q, uint8_t v)
{
	assert_true(q->len < sizeof(q->b));
	q->b[q->len++] = v;
}

static void
qb_u16(struct qb *q, uint16_t v)
{
	qb_u8(q, v >> 8);
	qb_u8(q, v & 0xff);
}

static void
qb_u32(struct qb *q, uint32_t v)
{
	qb_u16(q, v >> 16);
	qb_u16(q, v & 0xffff);
}

static void
qb_hdr(struct qb *q, uint16_t id, uint16_t flags, uint16_t qd, uint16_t an,
    uint16_t ns, uint16_t ar)
{
	q->len = 0;
	qb_u16(q, id);
	qb_u16(q, flags);
	qb_u16(q, qd);
	qb_u16(q, an);
	qb_u16(q, ns);
	qb_u16(q, ar);
}

/* A presentation name, case kept, as uncompressed wire. */
static void
qb_name(struct qb *q, const char *text)
{
	const char *p = text;

	while (*p != '\0' && strcmp(p, ".") != 0) {
		const char *dot = strchr(p, '.');
		size_t ll = dot ? (size_t)(dot - p) : strlen(p);

		qb_u8(q, (uint8_t)ll);
		for (size_t i = 0; i < ll; i++)
			qb_u8(q, (uint8_t)p[i]);
		p += ll + (dot ? 1 : 0);
	}
	qb_u8(q, 0);
}

static void
qb_opt(struct qb *q, uint16_t udp, uint8_t version, bool dnssec_ok)
{
	qb_u8(q, 0);
	qb_u16(q, FD_T_OPT);
	qb_u16(q, udp);
	qb_u32(q, (uint32_t)version << 16 | (dnssec_ok ? FD_EDNS_DO : 0));
	qb_u16(q, 0);
}

#define NO_EDNS 0

/* A standard query; udp 0: no OPT. */
static void
qb_query(struct qb *q, const char *name, uint16_t type, uint16_t rclass,
    uint16_t udp)
{
	qb_hdr(q, 0x1234, FD_F_RD, 1, 0, 0, udp ? 1 : 0);
	qb_name(q, name);
	qb_u16(q, type);
	qb_u16(q, rclass);
	if (udp)
		qb_opt(q, udp, 0, false);
}

/* ---- asking and checking ---------------------------------------------- */

static uint16_t
raw16(size_t at)
{
	return (uint16_t)(R.buf[at] << 8 | R.buf[at + 1]);
}

/* Answer a raw packet; the answer must parse with ldns unless dropped. */
static size_t
ask_raw(const uint8_t *pkt, size_t len, bool tcp)
{
	struct fd_client cl = {tcp, NULL, 0};

	if (R.p != NULL)
		ldns_pkt_free(R.p);
	R.p = NULL;
	R.len = fd_answer(&E.z, E.st, E.txn, pkt, len, R.buf, sizeof(R.buf),
	    &cl, &R.info);
	assert_int_equal(R.info.answer_len, R.len);
	if (R.len == 0)
		return 0;
	assert_true(R.len >= FD_HDR_LEN);
	if (ldns_wire2pkt(&R.p, R.buf, R.len) != LDNS_STATUS_OK) {
		fprintf(stderr, "ldns cannot parse our %zu-byte answer\n", R.len);
		fail();
	}
	/* Header invariants for every answer. */
	assert_true(ldns_pkt_qr(R.p));
	assert_false(ldns_pkt_ra(R.p));
	assert_int_equal(raw16(0), len >= 2 ? (pkt[0] << 8 | pkt[1]) : 0);
	assert_int_equal(R.buf[2] & 0x78, pkt[2] & 0x78);   /* opcode */
	assert_int_equal(R.buf[2] & 0x01, pkt[2] & 0x01);   /* RD */
	if (!tcp)
		assert_true(R.len <= 512 || R.info.edns);
	return R.len;
}

static ldns_pkt *
ask(const char *name, uint16_t type)
{
	struct qb q;

	qb_query(&q, name, type, FD_C_IN, NO_EDNS);
	assert_true(ask_raw(q.b, q.len, false) > 0);
	return R.p;
}

static ldns_pkt *
ask_edns(const char *name, uint16_t type, uint16_t udp, bool tcp)
{
	struct qb q;

	qb_query(&q, name, type, FD_C_IN, udp);
	assert_true(ask_raw(q.b, q.len, tcp) > 0);
	return R.p;
}

/* Counts straight from our header, OPT included. */
static void
expect_counts(int qd, int an, int ns, int ar)
{
	assert_int_equal(raw16(4), qd);
	assert_int_equal(raw16(6), an);
	assert_int_equal(raw16(8), ns);
	assert_int_equal(raw16(10), ar);
}

static void
expect_rcode(int rcode, bool aa)
{
	assert_int_equal(ldns_pkt_get_rcode(R.p), rcode & 0xf);
	assert_int_equal(R.info.rcode, rcode);
	if (aa)
		assert_true(ldns_pkt_aa(R.p));
	else
		assert_false(ldns_pkt_aa(R.p));
}

static ldns_rr *
rr_at(ldns_rr_list *l, size_t i)
{
	assert_non_null(l);
	assert_true(i < ldns_rr_list_rr_count(l));
	return ldns_rr_list_rr(l, i);
}

static void
expect_str(const ldns_rdf *rdf, const char *want)
{
	char *s = ldns_rdf2str(rdf);

	assert_non_null(s);
	if (strcasecmp(s, want) != 0) {
		fprintf(stderr, "got \"%s\", want \"%s\"\n", s, want);
		free(s);
		fail();
	}
	free(s);
}

static void
expect_rr(ldns_rr *rr, const char *owner, ldns_rr_type type, uint32_t ttl,
    const char *rdata)
{
	if (owner != NULL)
		expect_str(ldns_rr_owner(rr), owner);
	assert_int_equal(ldns_rr_get_type(rr), type);
	assert_int_equal(ldns_rr_ttl(rr), ttl);
	if (rdata != NULL)
		expect_str(ldns_rr_rdf(rr, 0), rdata);
}

/* The negative-answer SOA in the authority section (RFC 2308). */
static void
expect_neg_soa(uint32_t ttl)
{
	ldns_rr *rr = rr_at(ldns_pkt_authority(R.p), 0);

	expect_rr(rr, ORIGIN, LDNS_RR_TYPE_SOA, ttl, "ns1." ORIGIN);
	assert_int_equal(ldns_rdf2native_int32(ldns_rr_rdf(rr, 2)), SERIAL);
}

static void
expect_nodata(void)
{
	expect_rcode(FD_RCODE_NOERROR, true);
	expect_counts(1, 0, 1, 0);
	expect_neg_soa(NEG_TTL);
}

static void
expect_nxdomain(void)
{
	expect_rcode(FD_RCODE_NXDOMAIN, true);
	expect_counts(1, 0, 1, 0);
	expect_neg_soa(NEG_TTL);
}

/* ---- the apex and the nameservers ------------------------------------- */

static void
test_apex_soa(void **state)
{
	ldns_rr *rr;

	ask(ORIGIN, FD_T_SOA);
	expect_rcode(FD_RCODE_NOERROR, true);
	expect_counts(1, 1, 0, 0);
	rr = rr_at(ldns_pkt_answer(R.p), 0);
	expect_rr(rr, ORIGIN, LDNS_RR_TYPE_SOA, SOA_TTL, "ns1." ORIGIN);
	expect_str(ldns_rr_rdf(rr, 1), "hostmaster.example.test.");
	assert_int_equal(ldns_rdf2native_int32(ldns_rr_rdf(rr, 2)), SERIAL);
	assert_int_equal(ldns_rdf2native_int32(ldns_rr_rdf(rr, 3)), 3600);
	assert_int_equal(ldns_rdf2native_int32(ldns_rr_rdf(rr, 4)), 600);
	assert_int_equal(ldns_rdf2native_int32(ldns_rr_rdf(rr, 5)), 604800);
	assert_int_equal(ldns_rdf2native_int32(ldns_rr_rdf(rr, 6)), SOA_MIN);
}

static void
test_apex_ns_with_glue(void **state)
{
	ldns_rr_list *ad;

	ask(ORIGIN, FD_T_NS);
	expect_rcode(FD_RCODE_NOERROR, true);
	expect_counts(1, 2, 0, 2);
	expect_rr(rr_at(ldns_pkt_answer(R.p), 0), ORIGIN, LDNS_RR_TYPE_NS,
	    NS_TTL, "ns1." ORIGIN);
	expect_rr(rr_at(ldns_pkt_answer(R.p), 1), ORIGIN, LDNS_RR_TYPE_NS,
	    NS_TTL, "ns2.elsewhere.example.");
	/* Glue only for the in-zone nameserver. */
	ad = ldns_pkt_additional(R.p);
	expect_rr(rr_at(ad, 0), "ns1." ORIGIN, LDNS_RR_TYPE_A, NS_TTL,
	    "192.0.2.53");
	expect_rr(rr_at(ad, 1), "ns1." ORIGIN, LDNS_RR_TYPE_AAAA, NS_TTL,
	    "2001:db8::53");
}

static void
test_apex_other_types_nodata(void **state)
{
	static const uint16_t types[] = {FD_T_A, FD_T_AAAA, 15 /* MX */,
	    FD_T_TXT, FD_T_CNAME, 99};

	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		ask(ORIGIN, types[i]);
		expect_nodata();
	}
}

static void
test_apex_any_is_minimal(void **state)
{
	ask(ORIGIN, FD_T_ANY);
	expect_rcode(FD_RCODE_NOERROR, true);
	expect_counts(1, 1, 0, 0);
	expect_rr(rr_at(ldns_pkt_answer(R.p), 0), ORIGIN, LDNS_RR_TYPE_SOA,
	    SOA_TTL, NULL);
}

static void
test_nameserver_addresses(void **state)
{
	ask("ns1." ORIGIN, FD_T_A);
	expect_rcode(FD_RCODE_NOERROR, true);
	expect_counts(1, 1, 0, 0);
	expect_rr(rr_at(ldns_pkt_answer(R.p), 0), "ns1." ORIGIN,
	    LDNS_RR_TYPE_A, NS_TTL, "192.0.2.53");

	ask("NS1." ORIGIN, FD_T_AAAA);
	expect_counts(1, 1, 0, 0);
	expect_rr(rr_at(ldns_pkt_answer(R.p), 0), "ns1." ORIGIN,
	    LDNS_RR_TYPE_AAAA, NS_TTL, "2001:db8::53");

	ask("ns1." ORIGIN, FD_T_ANY);
	expect_counts(1, 1, 0, 0);
	expect_rr(rr_at(ldns_pkt_answer(R.p), 0), NULL, LDNS_RR_TYPE_A,
	    NS_TTL, "192.0.2.53");

	ask("ns1." ORIGIN, 15);
	expect_nodata();
	ask("ns1." ORIGIN, FD_T_CNAME);
	expect_nodata();
}

static void
test_nameserver_deep_name_and_ent(void **state)
{
	/* A nameserver two labels down makes its parent an empty non-terminal. */
	strcpy(E.cfg.ns[1].name, "ns2.sub." ORIGIN);
	assert_int_equal(fd_zone_build(&E.cfg, &E.z), FD_OK);
	strcpy(E.cfg.ns[1].name, "ns2.elsewhere.example.");
	assert_true(E.z.ns[1].in_zone);
	assert_true(E.z.ns[0].in_zone);

	ask("ns2.sub." ORIGIN, FD_T_A);
	expect_counts(1, 1, 0, 0);
	expect_rr(rr_at(ldns_pkt_answer(R.p), 0), NULL, LDNS_RR_TYPE_A,
	    NS_TTL, "198.51.100.53");
	ask("ns2.sub." ORIGIN, FD_T_AAAA);   /* no v6 address: NODATA */
	expect_nodata();
	ask("sub." ORIGIN, FD_T_A);
	expect_nodata();
	ask("x.sub." ORIGIN, FD_T_A);
	expect_nxdomain();
}

/* ---- groups ----------------------------------------------------------- */

static void
test_group_cname(void **state)
{
	static const uint16_t types[] = {FD_T_A, FD_T_AAAA, FD_T_TXT,
	    FD_T_CNAME, 15, FD_T_ANY};

	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		ask("grpcname." ORIGIN, types[i]);
		expect_rcode(FD_RCODE_NOERROR, true);
		/* Out of zone: not followed; ANY is just the CNAME. */
		expect_counts(1, 1, 0, 0);
		expect_rr(rr_at(ldns_pkt_answer(R.p), 0), "grpcname." ORIGIN,
		    LDNS_RR_TYPE_CNAME, 45, "lb-1.example.com.");
	}
}

/* RFC 1034 3.6.2, 4.3.2: a CNAME answers every type, SOA and NS too. */
static void
test_group_cname_answers_soa_ns(void **state)
{
	static const uint16_t types[] = {FD_T_SOA, FD_T_NS};

	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		ask("grpcname." ORIGIN, types[i]);
		expect_rcode(FD_RCODE_NOERROR, true);
		expect_counts(1, 1, 0, 0);
		expect_rr(rr_at(ldns_pkt_answer(R.p), 0), "grpcname." ORIGIN,
		    LDNS_RR_TYPE_CNAME, 45, "lb-1.example.com.");
	}
}

static void
test_group_addresses(void **state)
{
	ldns_rr_list *an;

	ask("grpaddr." ORIGIN, FD_T_A);
	expect_rcode(FD_RCODE_NOERROR, true);
	expect_counts(1, 2, 0, 0);
	an = ldns_pkt_answer(R.p);
	expect_rr(rr_at(an, 0), "grpaddr." ORIGIN, LDNS_RR_TYPE_A, 60,
	    "192.0.2.1");
	expect_rr(rr_at(an, 1), "grpaddr." ORIGIN, LDNS_RR_TYPE_A, 60,
	    "192.0.2.2");

	ask("grpaddr." ORIGIN, FD_T_AAAA);
	expect_counts(1, 1, 0, 0);
	expect_rr(rr_at(ldns_pkt_answer(R.p), 0), "grpaddr." ORIGIN,
	    LDNS_RR_TYPE_AAAA, 60, "2001:db8::1");

	/* ANY: one RRset, not the whole node. */
	ask("grpaddr." ORIGIN, FD_T_ANY);
	expect_counts(1, 2, 0, 0);
	assert_int_equal(ldns_rr_get_type(rr_at(ldns_pkt_answer(R.p), 0)),
	    LDNS_RR_TYPE_A);

	ask("grpaddr." ORIGIN, 15);
	expect_nodata();
	ask("grpaddr." ORIGIN, FD_T_CNAME);
	expect_nodata();
	ask("grpaddr." ORIGIN, FD_T_TXT);
	expect_nodata();
}

static void
test_group_one_family_only(void **state)
{
	ask("grpv4." ORIGIN, FD_T_A);
	expect_counts(1, 1, 0, 0);
	expect_rr(rr_at(ldns_pkt_answer(R.p), 0), NULL, LDNS_RR_TYPE_A, 20,
	    "192.0.2.10");
	ask("grpv4." ORIGIN, FD_T_AAAA);
	expect_nodata();
}

/*
 * A reserved group has no record to serve: the name does not exist, as
 * in the exported zone file a secondary loads.
 */
static void
test_group_reserved_nxdomain(void **state)
{
	static const uint16_t types[] = {FD_T_A, FD_T_AAAA, FD_T_CNAME,
	    FD_T_TXT, FD_T_SOA, FD_T_NS, FD_T_ANY};

	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		ask("grpreserved." ORIGIN, types[i]);
		expect_nxdomain();
	}
}

static void
test_cname_chain_in_zone(void **state)
{
	ldns_rr_list *an;

	ask("grpchain." ORIGIN, FD_T_A);
	expect_rcode(FD_RCODE_NOERROR, true);
	expect_counts(1, 3, 0, 0);
	an = ldns_pkt_answer(R.p);
	expect_rr(rr_at(an, 0), "grpchain." ORIGIN, LDNS_RR_TYPE_CNAME, 50,
	    "grpaddr." ORIGIN);
	expect_rr(rr_at(an, 1), "grpaddr." ORIGIN, LDNS_RR_TYPE_A, 60,
	    "192.0.2.1");
	expect_rr(rr_at(an, 2), "grpaddr." ORIGIN, LDNS_RR_TYPE_A, 60,
	    "192.0.2.2");

	/* The target's other type: CNAME plus NODATA. */
	ask("grpchain." ORIGIN, 15);
	expect_rcode(FD_RCODE_NOERROR, true);
	expect_counts(1, 1, 1, 0);
	expect_neg_soa(NEG_TTL);

	/* CNAME and ANY stop at the first record. */
	ask("grpchain." ORIGIN, FD_T_CNAME);
	expect_counts(1, 1, 0, 0);
}

static void
test_cname_loop_limited(void **state)
{
	ldns_rr_list *an;

	/* A group naming itself: one CNAME, and the loop is plain to see. */
	ask("grploop." ORIGIN, FD_T_A);
	expect_rcode(FD_RCODE_NOERROR, true);
	expect_counts(1, 1, 0, 0);
	expect_rr(rr_at(ldns_pkt_answer(R.p), 0), "grploop." ORIGIN,
	    LDNS_RR_TYPE_CNAME, 10, "grploop." ORIGIN);

	ask("grpping." ORIGIN, FD_T_AAAA);
	expect_rcode(FD_RCODE_NOERROR, true);
	expect_counts(1, 2, 0, 0);
	an = ldns_pkt_answer(R.p);
	expect_rr(rr_at(an, 0), "grpping." ORIGIN, LDNS_RR_TYPE_CNAME, 30,
	    "grppong." ORIGIN);
	expect_rr(rr_at(an, 1), "grppong." ORIGIN, LDNS_RR_TYPE_CNAME, 30,
	    "grpping." ORIGIN);

	/* A chain of ten: eight links followed, then the resolver goes on. */
	ask("ch1." ORIGIN, FD_T_A);
	expect_rcode(FD_RCODE_NOERROR, true);
	expect_counts(1, 8, 0, 0);
	an = ldns_pkt_answer(R.p);
	expect_rr(rr_at(an, 0), "ch1." ORIGIN, LDNS_RR_TYPE_CNAME, 30,
	    "ch2." ORIGIN);
	expect_rr(rr_at(an, 7), "ch8." ORIGIN, LDNS_RR_TYPE_CNAME, 30,
	    "ch9." ORIGIN);
	/* Seven links from ch4: the chain ends in the address set. */
	ask("ch4." ORIGIN, FD_T_A);
	expect_counts(1, 8 + 2 - 1, 0, 0);
	expect_rr(rr_at(ldns_pkt_answer(R.p), 8), "grpaddr." ORIGIN,
	    LDNS_RR_TYPE_A, 60, "192.0.2.2");
	/*
	 * Compression keeps chains small, owners and targets being pointers:
	 * 5 links to chN (18 B), to ch10 (19 B), to grpaddr (22 B), 2 A.
	 */
	assert_int_equal(R.len, 12 + 31 + 5 * 18 + 19 + 22 + 2 * 16);
}

static void
test_cname_into_other_zone_names(void **state)
{
	ask("grpapex." ORIGIN, FD_T_A);
	expect_rcode(FD_RCODE_NOERROR, true);
	expect_counts(1, 1, 1, 0);
	expect_rr(rr_at(ldns_pkt_answer(R.p), 0), NULL, LDNS_RR_TYPE_CNAME, 30,
	    ORIGIN);
	expect_neg_soa(NEG_TTL);

	/* SOA and NS at the group: the CNAME, then the apex's set. */
	ask("grpapex." ORIGIN, FD_T_SOA);
	expect_rcode(FD_RCODE_NOERROR, true);
	expect_counts(1, 2, 0, 0);
	expect_rr(rr_at(ldns_pkt_answer(R.p), 1), ORIGIN, LDNS_RR_TYPE_SOA,
	    SOA_TTL, "ns1." ORIGIN);
	ask("grpapex." ORIGIN, FD_T_NS);
	expect_rcode(FD_RCODE_NOERROR, true);
	expect_counts(1, 3, 0, 2);
	expect_rr(rr_at(ldns_pkt_answer(R.p), 2), ORIGIN, LDNS_RR_TYPE_NS,
	    NS_TTL, "ns2.elsewhere.example.");
	expect_rr(rr_at(ldns_pkt_additional(R.p), 1), "ns1." ORIGIN,
	    LDNS_RR_TYPE_AAAA, NS_TTL, "2001:db8::53");

	/* RFC 6604: the rcode is the last name's. */
	ask("grpmissing." ORIGIN, FD_T_A);
	expect_rcode(FD_RCODE_NXDOMAIN, true);
	expect_counts(1, 1, 1, 0);
	expect_neg_soa(NEG_TTL);

	ask("grpns." ORIGIN, FD_T_AAAA);
	expect_rcode(FD_RCODE_NOERROR, true);
	expect_counts(1, 2, 0, 0);
	expect_rr(rr_at(ldns_pkt_answer(R.p), 1), "ns1." ORIGIN,
	    LDNS_RR_TYPE_AAAA, NS_TTL, "2001:db8::53");

	ask("grpstatus." ORIGIN, FD_T_TXT);
	expect_counts(1, 2, 0, 0);
	expect_rr(rr_at(ldns_pkt_answer(R.p), 1),
	    "aaaaaaaaaaaa._status." ORIGIN, LDNS_RR_TYPE_TXT, DEFAULT_TTL,
	    "\"online\"");

	/* A reserved or deleted group at the end: NXDOMAIN, whatever type. */
	ask("grptores." ORIGIN, FD_T_A);
	expect_rcode(FD_RCODE_NXDOMAIN, true);
	expect_counts(1, 1, 1, 0);
	ask("grptodead." ORIGIN, FD_T_SOA);
	expect_rcode(FD_RCODE_NXDOMAIN, true);
	expect_counts(1, 1, 1, 0);
	expect_neg_soa(NEG_TTL);
}

/* ---- status names ----------------------------------------------------- */

static void
test_status_txt(void **state)
{
	static const struct {
		const char *name, *status;
	} rows[] = {
		{"aaaaaaaaaaaa._status." ORIGIN, "\"online\""},
		{"BBBBBBBBBBBB._Status." ORIGIN, "\"offline\""},
		{"cccccccccccc._status." ORIGIN, "\"none\""},
	};

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		ask(rows[i].name, FD_T_TXT);
		expect_rcode(FD_RCODE_NOERROR, true);
		expect_counts(1, 1, 0, 0);
		expect_rr(rr_at(ldns_pkt_answer(R.p), 0), rows[i].name,
		    LDNS_RR_TYPE_TXT, DEFAULT_TTL, rows[i].status);
		ask(rows[i].name, FD_T_ANY);
		expect_counts(1, 1, 0, 0);
	}
	ask("aaaaaaaaaaaa._status." ORIGIN, FD_T_A);
	expect_nodata();
	ask("_status." ORIGIN, FD_T_TXT);
	expect_nodata();
	ask("_status." ORIGIN, FD_T_A);
	expect_nodata();
	ask("zzzzzzzzzzzz._status." ORIGIN, FD_T_TXT);
	expect_nxdomain();
	ask("short._status." ORIGIN, FD_T_TXT);
	expect_nxdomain();
	ask("x.aaaaaaaaaaaa._status." ORIGIN, FD_T_TXT);
	expect_nxdomain();
}

/* ---- names that do not exist, and names not ours ---------------------- */

static void
test_store_trouble_servfail(void **state)
{
	ask("grpbad." ORIGIN, FD_T_A);
	expect_rcode(FD_RCODE_SERVFAIL, false);
	expect_counts(1, 0, 0, 0);
	ask("grpfuture." ORIGIN, FD_T_A);
	expect_rcode(FD_RCODE_SERVFAIL, false);
	expect_counts(1, 0, 0, 0);
}

static void
test_nxdomain(void **state)
{
	static const char *const names[] = {
		"www.grpcname." ORIGIN,     /* below a group */
		"a.b.grpaddr." ORIGIN,
		"unknown." ORIGIN,
		"deadlabel." ORIGIN,        /* tombstoned */
		"web1." ORIGIN,             /* an app name is not a label */
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		ask(names[i], FD_T_A);
		expect_nxdomain();
	}
}

static void
test_negative_ttl_is_min(void **state)
{
	E.z.soa_ttl = 100;       /* now below the SOA minimum */
	ask("unknown." ORIGIN, FD_T_A);
	expect_rcode(FD_RCODE_NXDOMAIN, true);
	expect_neg_soa(100);
}

static void
test_out_of_zone_refused(void **state)
{
	static const char *const names[] = {"example.com.", "example.test.",
	    "test.", ".", "xfailover.example.test.",
	    "failover.example.test.evil."};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		ask(names[i], FD_T_A);
		expect_rcode(FD_RCODE_REFUSED, false);
		expect_counts(1, 0, 0, 0);
	}
}

static void
test_zone_transfer_refused(void **state)
{
	struct qb q;

	/* AXFR over UDP (RFC 5936 4.2), or over TCP with no transfer.allow */
	ask(ORIGIN, FD_T_AXFR);
	expect_rcode(FD_RCODE_REFUSED, false);
	ask_edns(ORIGIN, FD_T_AXFR, 0, true);
	expect_rcode(FD_RCODE_REFUSED, false);
	assert_int_equal(R.info.xfr, 0);
	assert_int_equal(R.info.xfr_refused, FD_XFR_BY_ADDRESS);
	/* IXFR with no SOA in authority (RFC 1995 3) */
	ask(ORIGIN, FD_T_IXFR);
	expect_rcode(FD_RCODE_FORMERR, false);
	/* IXFR over UDP: the current SOA alone, "ask over TCP" (RFC 1995 2) */
	qb_hdr(&q, 7, 0, 1, 0, 1, 0);
	qb_name(&q, ORIGIN);
	qb_u16(&q, FD_T_IXFR);
	qb_u16(&q, FD_C_IN);
	qb_name(&q, ORIGIN);
	qb_u16(&q, FD_T_SOA);
	qb_u16(&q, FD_C_IN);
	qb_u32(&q, 0);
	qb_u16(&q, 22);
	qb_u8(&q, 0);
	qb_u8(&q, 0);
	for (int i = 0; i < 5; i++)
		qb_u32(&q, 1);
	ask_raw(q.b, q.len, false);
	expect_rcode(FD_RCODE_NOERROR, true);
	expect_counts(1, 1, 0, 0);
	assert_int_equal(ldns_rr_get_type(ldns_rr_list_rr(
	    ldns_pkt_answer(R.p), 0)), LDNS_RR_TYPE_SOA);
	/* its SOA owned by another name: FORMERR */
	q.b[q.len - 22 - 10 - 2] = 'x';
	ask_raw(q.b, q.len, false);
	expect_rcode(FD_RCODE_FORMERR, false);
	/* AXFR of a name that is not our zone */
	ask_edns("grpaddr." ORIGIN, FD_T_AXFR, 0, true);
	expect_rcode(FD_RCODE_REFUSED, false);
}

/* ---- the header ------------------------------------------------------- */

static void
test_header_copies_and_0x20(void **state)
{
	const char *mixed = "GrPaDdR.FaIlOvEr.ExAmPlE.TeSt.";
	struct qb q;
	size_t qname_len;

	qb_hdr(&q, 0xbeef, 0, 1, 0, 0, 0);   /* RD clear this time */
	qb_name(&q, mixed);
	qname_len = q.len - FD_HDR_LEN;
	qb_u16(&q, FD_T_A);
	qb_u16(&q, FD_C_IN);
	ask_raw(q.b, q.len, false);
	assert_int_equal(ldns_pkt_id(R.p), 0xbeef);
	assert_false(ldns_pkt_rd(R.p));
	assert_false(ldns_pkt_tc(R.p));
	expect_rcode(FD_RCODE_NOERROR, true);
	/* The question comes back byte for byte, letter case included. */
	assert_memory_equal(R.buf + FD_HDR_LEN, q.b + FD_HDR_LEN,
	    qname_len + 4);
	/* The answer owner is a pointer to it (offset 12). */
	assert_int_equal(R.buf[FD_HDR_LEN + qname_len + 4], 0xc0);
	assert_int_equal(R.buf[FD_HDR_LEN + qname_len + 5], FD_HDR_LEN);
	expect_str(ldns_rr_owner(rr_at(ldns_pkt_answer(R.p), 0)), mixed);

	/* RD set is copied; RA and AD-style bits are never set. */
	q.b[2] = 0x01 | 0x00;
	q.b[3] = 0x80 | 0x20;   /* RA and AD from the client: ignored */
	ask_raw(q.b, q.len, false);
	assert_true(ldns_pkt_rd(R.p));
	assert_false(ldns_pkt_ra(R.p));
	assert_false(ldns_pkt_ad(R.p));
}

static void
test_compression(void **state)
{
	/* NS answer: owners and targets point into the question. */
	ask(ORIGIN, FD_T_NS);
	/* 12 + 27 question; uncompressed this answer would be far larger. */
	assert_true(R.len < 12 + 27 + 2 * (2 + 10 + 6) + 2 * (6 + 10 + 16) + 32);
	/* SOA rname outside the zone shares "example.test." with the qname. */
	ask(ORIGIN, FD_T_SOA);
	assert_true(R.len < 12 + 27 + 2 + 10 + 6 + 13 + 20 + 4);
}

static void
test_qr_and_short_dropped(void **state)
{
	struct qb q;

	qb_query(&q, ORIGIN, FD_T_SOA, FD_C_IN, NO_EDNS);
	q.b[2] |= 0x80;
	assert_int_equal(ask_raw(q.b, q.len, false), 0);
	for (size_t n = 0; n < FD_HDR_LEN; n++)
		assert_int_equal(ask_raw(q.b, n, false), 0);
	assert_int_equal(ask_raw(NULL, 0, false), 0);
}

static void
test_opcode_notimp(void **state)
{
	struct qb q;

	/* NOTIFY (4) with a question: NOTIMP, question copied. */
	qb_query(&q, ORIGIN, FD_T_SOA, FD_C_IN, NO_EDNS);
	q.b[2] = (uint8_t)(4 << 3);
	ask_raw(q.b, q.len, false);
	expect_rcode(FD_RCODE_NOTIMP, false);
	assert_int_equal(ldns_pkt_get_opcode(R.p), LDNS_PACKET_NOTIFY);
	expect_counts(1, 0, 0, 0);

	/* UPDATE (5) with an EDNS query: the OPT comes back. */
	qb_query(&q, ORIGIN, FD_T_SOA, FD_C_IN, 4096);
	q.b[2] = (uint8_t)(5 << 3);
	ask_raw(q.b, q.len, false);
	expect_rcode(FD_RCODE_NOTIMP, false);
	expect_counts(1, 0, 0, 1);

	/* STATUS (2) with no question, and opcode 15 with garbage. */
	qb_hdr(&q, 7, 2 << 11, 0, 0, 0, 0);
	ask_raw(q.b, q.len, false);
	expect_rcode(FD_RCODE_NOTIMP, false);
	expect_counts(0, 0, 0, 0);
	qb_hdr(&q, 7, 15 << 11, 1, 0, 0, 0);
	qb_u8(&q, 0xc0);
	ask_raw(q.b, q.len, false);
	expect_rcode(FD_RCODE_NOTIMP, false);
	expect_counts(0, 0, 0, 0);
}

static void
expect_formerr(void)
{
	expect_rcode(FD_RCODE_FORMERR, false);
	assert_int_equal(raw16(6), 0);
	assert_int_equal(raw16(8), 0);
	assert_int_equal(raw16(10), 0);   /* no OPT: the client's was bad */
}

static void
test_qdcount_formerr(void **state)
{
	struct qb q;

	qb_hdr(&q, 1, 0, 0, 0, 0, 0);
	ask_raw(q.b, q.len, false);
	expect_formerr();
	expect_counts(0, 0, 0, 0);

	qb_hdr(&q, 1, 0, 2, 0, 0, 0);
	qb_name(&q, ORIGIN);
	qb_u16(&q, FD_T_SOA);
	qb_u16(&q, FD_C_IN);
	qb_name(&q, ORIGIN);
	qb_u16(&q, FD_T_NS);
	qb_u16(&q, FD_C_IN);
	ask_raw(q.b, q.len, false);
	expect_formerr();
	expect_counts(0, 0, 0, 0);
}

static void
test_bad_names_formerr(void **state)
{
	struct qb q;

	/* A pointer to itself. */
	qb_hdr(&q, 1, 0, 1, 0, 0, 0);
	qb_u8(&q, 0xc0);
	qb_u8(&q, 12);
	qb_u16(&q, FD_T_A);
	qb_u16(&q, FD_C_IN);
	ask_raw(q.b, q.len, false);
	expect_formerr();

	/* A label then a pointer back to the name's start: a loop. */
	qb_hdr(&q, 1, 0, 1, 0, 0, 0);
	qb_name(&q, "a.");
	q.len--;
	qb_u8(&q, 0xc0);
	qb_u8(&q, 12);
	qb_u16(&q, FD_T_A);
	qb_u16(&q, FD_C_IN);
	ask_raw(q.b, q.len, false);
	expect_formerr();

	/* A forward pointer, past the end. */
	qb_hdr(&q, 1, 0, 1, 0, 0, 0);
	qb_u8(&q, 0xff);
	qb_u8(&q, 0xff);
	qb_u16(&q, FD_T_A);
	qb_u16(&q, FD_C_IN);
	ask_raw(q.b, q.len, false);
	expect_formerr();

	/* Label types 0x40 and 0x80 (a "length" of 64..191). */
	for (unsigned t = 64; t < 192; t += 64) {
		qb_hdr(&q, 1, 0, 1, 0, 0, 0);
		qb_u8(&q, (uint8_t)t);
		for (unsigned i = 0; i < t; i++)
			qb_u8(&q, 'a');
		qb_u8(&q, 0);
		qb_u16(&q, FD_T_A);
		qb_u16(&q, FD_C_IN);
		ask_raw(q.b, q.len, false);
		expect_formerr();
	}

	/* 256 octets: four 63-octet labels are 256 with the root. */
	qb_hdr(&q, 1, 0, 1, 0, 0, 0);
	for (int l = 0; l < 4; l++) {
		qb_u8(&q, 63);
		for (int i = 0; i < 63; i++)
			qb_u8(&q, 'x');
	}
	qb_u8(&q, 0);
	qb_u16(&q, FD_T_A);
	qb_u16(&q, FD_C_IN);
	ask_raw(q.b, q.len, false);
	expect_formerr();

	/* The same name of 255 is fine (and not ours). */
	qb_hdr(&q, 1, 0, 1, 0, 0, 0);
	for (int l = 0; l < 3; l++) {
		qb_u8(&q, 63);
		for (int i = 0; i < 63; i++)
			qb_u8(&q, 'x');
	}
	qb_u8(&q, 61);
	for (int i = 0; i < 61; i++)
		qb_u8(&q, 'x');
	qb_u8(&q, 0);
	qb_u16(&q, FD_T_A);
	qb_u16(&q, FD_C_IN);
	ask_raw(q.b, q.len, false);
	expect_rcode(FD_RCODE_REFUSED, false);

	/* A pointer into the header: its zero flags byte reads as the root. */
	qb_hdr(&q, 1, 0, 1, 0, 0, 0);
	qb_u8(&q, 0xc0);
	qb_u8(&q, 2);            /* flags 0x0000 -> root, legal */
	qb_u16(&q, FD_T_A);
	qb_u16(&q, FD_C_IN);
	ask_raw(q.b, q.len, false);
	expect_rcode(FD_RCODE_REFUSED, false);
	expect_counts(1, 0, 0, 0);
}

static void
test_class(void **state)
{
	struct qb q;

	qb_query(&q, "grpaddr." ORIGIN, FD_T_A, 4 /* HS */, NO_EDNS);
	ask_raw(q.b, q.len, false);
	expect_rcode(FD_RCODE_REFUSED, false);
	qb_query(&q, "grpaddr." ORIGIN, FD_T_A, 255 /* ANY */, NO_EDNS);
	ask_raw(q.b, q.len, false);
	expect_rcode(FD_RCODE_REFUSED, false);
	qb_query(&q, "grpaddr." ORIGIN, FD_T_A, FD_C_CH, NO_EDNS);
	ask_raw(q.b, q.len, false);
	expect_rcode(FD_RCODE_REFUSED, false);
}

static void
test_chaos(void **state)
{
	struct qb q;
	ldns_rr *rr;

	qb_query(&q, "VERSION.bind.", FD_T_TXT, FD_C_CH, NO_EDNS);
	ask_raw(q.b, q.len, false);
	expect_rcode(FD_RCODE_NOERROR, true);
	expect_counts(1, 1, 0, 0);
	rr = rr_at(ldns_pkt_answer(R.p), 0);
	expect_rr(rr, "version.bind.", LDNS_RR_TYPE_TXT, 0,
	    "\"flipdns " FLIPDNS_VERSION "\"");
	assert_int_equal(ldns_rr_get_class(rr), LDNS_RR_CLASS_CH);

	qb_query(&q, "id.server.", FD_T_TXT, FD_C_CH, NO_EDNS);
	ask_raw(q.b, q.len, false);
	expect_counts(1, 1, 0, 0);
	expect_rr(rr_at(ldns_pkt_answer(R.p), 0), NULL, LDNS_RR_TYPE_TXT, 0,
	    "\"unit-test-host\"");

	qb_query(&q, "hostname.bind.", FD_T_TXT, FD_C_CH, NO_EDNS);
	ask_raw(q.b, q.len, false);
	expect_rcode(FD_RCODE_REFUSED, false);
	qb_query(&q, "version.bind.", FD_T_A, FD_C_CH, NO_EDNS);
	ask_raw(q.b, q.len, false);
	expect_rcode(FD_RCODE_REFUSED, false);
	/* IN version.bind is just a name outside the zone. */
	qb_query(&q, "version.bind.", FD_T_TXT, FD_C_IN, NO_EDNS);
	ask_raw(q.b, q.len, false);
	expect_rcode(FD_RCODE_REFUSED, false);

	E.z.chaos = false;
	qb_query(&q, "version.bind.", FD_T_TXT, FD_C_CH, NO_EDNS);
	ask_raw(q.b, q.len, false);
	expect_rcode(FD_RCODE_REFUSED, false);
	expect_counts(1, 0, 0, 0);
}

/* ---- EDNS ------------------------------------------------------------- */

static void
test_edns_basic(void **state)
{
	ask_edns("grpaddr." ORIGIN, FD_T_A, 4096, false);
	expect_rcode(FD_RCODE_NOERROR, true);
	expect_counts(1, 2, 0, 1);
	assert_true(ldns_pkt_edns(R.p));
	assert_int_equal(ldns_pkt_edns_udp_size(R.p), OUR_EDNS);
	assert_int_equal(ldns_pkt_edns_version(R.p), 0);
	assert_false(ldns_pkt_edns_do(R.p));
	assert_true(R.info.edns);

	/* Without EDNS, no OPT comes back. */
	ask("grpaddr." ORIGIN, FD_T_A);
	expect_counts(1, 2, 0, 0);
	assert_false(R.info.edns);

	/* The OPT also rides on negative answers and on REFUSED. */
	ask_edns("unknown." ORIGIN, FD_T_A, 1232, false);
	expect_rcode(FD_RCODE_NXDOMAIN, true);
	expect_counts(1, 0, 1, 1);
	ask_edns("example.com.", FD_T_A, 1232, false);
	expect_rcode(FD_RCODE_REFUSED, false);
	expect_counts(1, 0, 0, 1);
}

static void
test_edns_do_copied(void **state)
{
	struct qb q;

	qb_hdr(&q, 9, 0, 1, 0, 0, 1);
	qb_name(&q, ORIGIN);
	qb_u16(&q, FD_T_SOA);
	qb_u16(&q, FD_C_IN);
	qb_opt(&q, 1400, 0, true);
	ask_raw(q.b, q.len, false);
	expect_rcode(FD_RCODE_NOERROR, true);
	assert_true(ldns_pkt_edns_do(R.p));
}

static void
test_edns_badvers(void **state)
{
	struct qb q;

	qb_hdr(&q, 9, 0, 1, 0, 0, 1);
	qb_name(&q, "grpaddr." ORIGIN);
	qb_u16(&q, FD_T_A);
	qb_u16(&q, FD_C_IN);
	qb_opt(&q, 1400, 1, false);
	ask_raw(q.b, q.len, false);
	assert_int_equal(R.info.rcode, FD_RCODE_BADVERS);
	assert_int_equal(ldns_pkt_get_rcode(R.p), 0);
	assert_int_equal(ldns_pkt_edns_extended_rcode(R.p), 1);
	assert_int_equal(ldns_pkt_edns_version(R.p), 0);
	assert_false(ldns_pkt_aa(R.p));
	expect_counts(1, 0, 0, 1);
}

static void
test_edns_options_ignored_or_malformed(void **state)
{
	struct qb q;
	size_t rdlen_at;

	/* An unknown option and a cookie: ignored. */
	qb_hdr(&q, 9, 0, 1, 0, 0, 1);
	qb_name(&q, "grpaddr." ORIGIN);
	qb_u16(&q, FD_T_A);
	qb_u16(&q, FD_C_IN);
	qb_u8(&q, 0);
	qb_u16(&q, FD_T_OPT);
	qb_u16(&q, 1232);
	qb_u32(&q, 0);
	rdlen_at = q.len;
	qb_u16(&q, 4 + 3 + 4 + 8);
	qb_u16(&q, 65001);
	qb_u16(&q, 3);
	qb_u8(&q, 1);
	qb_u8(&q, 2);
	qb_u8(&q, 3);
	qb_u16(&q, 10);   /* COOKIE, client part */
	qb_u16(&q, 8);
	qb_u32(&q, 0x01020304);
	qb_u32(&q, 0x05060708);
	ask_raw(q.b, q.len, false);
	expect_rcode(FD_RCODE_NOERROR, true);
	expect_counts(1, 2, 0, 1);

	/* An option running past RDATA: FORMERR. */
	q.b[rdlen_at + 1] = 4 + 2;
	q.len = rdlen_at + 2 + 6;
	ask_raw(q.b, q.len, false);
	expect_formerr();
	expect_counts(1, 0, 0, 0);
}

static void
test_edns_misplaced_opts(void **state)
{
	struct qb q;

	qb_hdr(&q, 9, 0, 1, 0, 0, 2);
	qb_name(&q, ORIGIN);
	qb_u16(&q, FD_T_SOA);
	qb_u16(&q, FD_C_IN);
	qb_opt(&q, 1232, 0, false);
	qb_opt(&q, 1232, 0, false);
	ask_raw(q.b, q.len, false);
	expect_formerr();
	expect_counts(1, 0, 0, 0);
	assert_false(R.info.edns);

	qb_hdr(&q, 9, 0, 1, 0, 0, 1);
	qb_name(&q, ORIGIN);
	qb_u16(&q, FD_T_SOA);
	qb_u16(&q, FD_C_IN);
	qb_name(&q, "x.");
	q.len--;   /* qb_opt adds the root */
	qb_opt(&q, 1232, 0, false);
	ask_raw(q.b, q.len, false);
	expect_formerr();

	/* An OPT in the answer, then in the authority section (RFC 6891
	 * 6.1.1: additional only), as NSD and Knot: FORMERR. */
	qb_hdr(&q, 9, 0, 1, 1, 0, 0);
	qb_name(&q, ORIGIN);
	qb_u16(&q, FD_T_SOA);
	qb_u16(&q, FD_C_IN);
	qb_opt(&q, 1232, 0, false);
	ask_raw(q.b, q.len, false);
	expect_formerr();
	expect_counts(1, 0, 0, 0);
	assert_false(R.info.edns);

	qb_hdr(&q, 9, 0, 1, 0, 1, 0);
	qb_name(&q, ORIGIN);
	qb_u16(&q, FD_T_SOA);
	qb_u16(&q, FD_C_IN);
	qb_opt(&q, 1232, 0, false);
	ask_raw(q.b, q.len, false);
	expect_formerr();
}

static void
test_edns_after_other_records(void **state)
{
	struct qb q;

	size_t an_at;

	/* An answer RR (compressed owner) and an authority RR precede it. */
	qb_hdr(&q, 9, 0, 1, 1, 1, 2);
	qb_name(&q, "grpaddr." ORIGIN);
	qb_u16(&q, FD_T_A);
	qb_u16(&q, FD_C_IN);
	an_at = q.len;
	qb_u8(&q, 0xc0);
	qb_u8(&q, 12);
	qb_u16(&q, FD_T_A);
	qb_u16(&q, FD_C_IN);
	qb_u32(&q, 60);
	qb_u16(&q, 4);
	qb_u32(&q, 0x7f000001);
	qb_name(&q, "example.");
	qb_u16(&q, FD_T_TXT);
	qb_u16(&q, FD_C_IN);
	qb_u32(&q, 60);
	qb_u16(&q, 2);
	qb_u16(&q, 0x0161);
	/* A non-OPT additional record first, then the OPT. */
	qb_u8(&q, 0xc0);
	qb_u8(&q, 12);
	qb_u16(&q, FD_T_TXT);
	qb_u16(&q, FD_C_IN);
	qb_u32(&q, 0);
	qb_u16(&q, 0);
	qb_opt(&q, 4096, 0, true);
	ask_raw(q.b, q.len, false);
	expect_rcode(FD_RCODE_NOERROR, true);
	expect_counts(1, 2, 0, 1);
	assert_true(ldns_pkt_edns_do(R.p));

	/* The answer RR's RDLENGTH overrunning: FORMERR. */
	q.b[an_at + 2 + 2 + 2 + 4 + 1] = 200;
	ask_raw(q.b, q.len, false);
	expect_formerr();

	/* An owner pointer loop in the authority section: FORMERR. */
	qb_hdr(&q, 9, 0, 1, 0, 1, 0);
	qb_name(&q, ORIGIN);
	qb_u16(&q, FD_T_SOA);
	qb_u16(&q, FD_C_IN);
	{
		size_t at = q.len;

		qb_u8(&q, 0xc0 | (uint8_t)(at >> 8));
		qb_u8(&q, (uint8_t)at);
	}
	qb_u16(&q, FD_T_A);
	qb_u16(&q, FD_C_IN);
	qb_u32(&q, 0);
	qb_u16(&q, 0);
	ask_raw(q.b, q.len, false);
	expect_formerr();

	/* ARCOUNT says 1, nothing follows. */
	qb_hdr(&q, 9, 0, 1, 0, 0, 1);
	qb_name(&q, ORIGIN);
	qb_u16(&q, FD_T_SOA);
	qb_u16(&q, FD_C_IN);
	ask_raw(q.b, q.len, false);
	expect_formerr();
}

/* ---- size limits and truncation --------------------------------------- */

static void
expect_truncated(bool with_opt)
{
	assert_true(ldns_pkt_tc(R.p));
	assert_true(R.info.truncated);
	expect_counts(1, 0, 0, with_opt ? 1 : 0);
}

static void
test_truncation(void **state)
{
	/* 64 AAAA: about 1.8 KB. */
	ask("grpbig." ORIGIN, FD_T_AAAA);
	expect_rcode(FD_RCODE_NOERROR, true);
	expect_truncated(false);
	assert_true(R.len <= 512);

	/* EDNS 4096 from the client, but our limit is 1232. */
	ask_edns("grpbig." ORIGIN, FD_T_AAAA, 4096, false);
	expect_truncated(true);
	assert_int_equal(ldns_pkt_edns_udp_size(R.p), OUR_EDNS);

	/* A client size below 512 counts as 512. */
	ask_edns("grpbig." ORIGIN, FD_T_AAAA, 100, false);
	expect_truncated(true);

	/* TCP: the whole set. */
	ask_edns("grpbig." ORIGIN, FD_T_AAAA, NO_EDNS, true);
	expect_rcode(FD_RCODE_NOERROR, true);
	assert_false(ldns_pkt_tc(R.p));
	expect_counts(1, 64, 0, 0);
	expect_rr(rr_at(ldns_pkt_answer(R.p), 63), "grpbig." ORIGIN,
	    LDNS_RR_TYPE_AAAA, 30, "2001:db8:1::40");

	/* UDP with both sides at 4096: fits. */
	E.z.edns_udp_size = 4096;
	ask_edns("grpbig." ORIGIN, FD_T_AAAA, 4096, false);
	assert_false(ldns_pkt_tc(R.p));
	expect_counts(1, 64, 0, 1);
	/* ... and the client's smaller size wins. */
	ask_edns("grpbig." ORIGIN, FD_T_AAAA, 1500, false);
	expect_truncated(true);
	assert_true(R.len <= 1500);
}

static void
test_small_caller_buffer(void **state)
{
	struct qb q;
	uint8_t small[64];
	struct fd_query_info info;
	struct fd_client udp = {false, NULL, 0};
	size_t n;

	qb_query(&q, "grpaddr." ORIGIN, FD_T_A, FD_C_IN, NO_EDNS);
	n = fd_answer(&E.z, E.st, E.txn, q.b, q.len, small, 11, &udp, &info);
	assert_int_equal(n, 0);
	n = fd_answer(&E.z, E.st, E.txn, q.b, q.len, small, 20, &udp, &info);
	assert_int_equal(n, FD_HDR_LEN);
	assert_true(small[2] & 0x02);   /* TC */
	n = fd_answer(&E.z, E.st, E.txn, q.b, q.len, small, sizeof(small),
	    &udp, &info);
	assert_true(n <= sizeof(small));
	assert_true(info.truncated);
}

/* ---- fd_query_info ---------------------------------------------------- */

static void
test_query_info(void **state)
{
	ask_edns("GrpAddr." ORIGIN, FD_T_AAAA, 1232, false);
	assert_int_equal(R.info.qtype, FD_T_AAAA);
	assert_int_equal(R.info.qclass, FD_C_IN);
	assert_int_equal(R.info.rcode, 0);
	assert_true(R.info.edns);
	assert_false(R.info.truncated);
	assert_string_equal(R.info.qname, "grpaddr." ORIGIN);

	E.z.log_queries = false;
	ask("grpaddr." ORIGIN, FD_T_A);
	assert_string_equal(R.info.qname, "");
}

static void
test_query_info_escapes(void **state)
{
	struct qb q;

	qb_hdr(&q, 1, 0, 1, 0, 0, 0);
	qb_u8(&q, 4);
	qb_u8(&q, 'a');
	qb_u8(&q, '.');
	qb_u8(&q, '\n');
	qb_u8(&q, 0xff);
	qb_u8(&q, 0);
	qb_u16(&q, FD_T_A);
	qb_u16(&q, FD_C_IN);
	ask_raw(q.b, q.len, false);
	assert_string_equal(R.info.qname, "a\\046\\010\\255.");
}

/* ---- zone building ---------------------------------------------------- */

static void
test_zone_build(void **state)
{
	struct fd_config cfg;
	struct fd_zone z;

	make_config(&cfg);
	assert_int_equal(fd_zone_build(&cfg, &z), FD_OK);
	assert_int_equal(z.origin_labels, 3);
	assert_int_equal(z.origin_len, 23);
	assert_true(z.ns[0].in_zone);
	assert_int_equal(z.ns[0].n4, 1);
	assert_int_equal(z.ns[0].n6, 1);
	assert_memory_equal(z.ns[0].a6[0], E.z.ns[0].a6[0], 16);
	assert_false(z.ns[1].in_zone);
	assert_int_equal(z.ns[1].n4 + z.ns[1].n6, 0);   /* not ours to publish */
	assert_int_equal(z.soa_ttl, SOA_TTL);
	assert_string_equal(z.chaos_id, "unit-test-host");

	cfg.edns_udp_size = 100;
	assert_int_equal(fd_zone_build(&cfg, &z), FD_OK);
	assert_int_equal(z.edns_udp_size, 512);

	/* A nameserver given twice is one, its addresses merged, once each. */
	make_config(&cfg);
	cfg.n_ns = 3;
	cfg.ns[2] = cfg.ns[0];
	cfg.ns[2].addrs[0].family = AF_INET;
	inet_pton(AF_INET, "192.0.2.54", cfg.ns[2].addrs[0].bytes);
	assert_int_equal(fd_zone_build(&cfg, &z), FD_OK);
	assert_int_equal(z.n_ns, 2);
	assert_int_equal(z.ns[0].n4, 2);
	assert_int_equal(z.ns[0].n6, 1);
	assert_int_equal(z.ns[2].name_len, 0);

	make_config(&cfg);
	strcpy(cfg.origin, "bad..name.");
	assert_int_equal(fd_zone_build(&cfg, &z), FD_ECONFIG);
	make_config(&cfg);
	cfg.n_ns = 0;
	assert_int_equal(fd_zone_build(&cfg, &z), FD_ECONFIG);
	make_config(&cfg);
	cfg.ns[0].addrs[1].family = 12345;
	assert_int_equal(fd_zone_build(&cfg, &z), FD_ECONFIG);
}

/* ---- dnswire on its own ----------------------------------------------- */

static void
test_wire_name_read(void **state)
{
	/* "b.A." at 12, then "x" + pointer to "A." at 14. */
	static const uint8_t pkt[] = {
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
		1, 'b', 1, 'A', 0,
		1, 'x', 0xc0, 14,
		0xc0, 19,            /* pointer to a pointer: fine, backwards */
	};
	uint8_t lc[FD_DNAME_WIRE_MAX], sp[FD_DNAME_WIRE_MAX];
	size_t off = 17, n;

	n = fd_name_read(pkt, sizeof(pkt), &off, lc, sp);
	assert_int_equal(n, 5);
	assert_int_equal(off, 21);
	assert_memory_equal(lc, "\1x\1a\0", 5);
	assert_memory_equal(sp, "\1x\1A\0", 5);
	off = 21;
	n = fd_name_read(pkt, sizeof(pkt), &off, lc, NULL);
	assert_int_equal(n, 3);
	assert_int_equal(off, 23);
	/* Pointers cut in half. */
	off = 21;
	assert_int_equal(fd_name_read(pkt, 22, &off, lc, NULL), 0);
	off = 19;
	assert_int_equal(fd_name_read(pkt, 20, &off, lc, NULL), 0);
}

static void
test_wire_pointer_chain_bounded(void **state)
{
	static uint8_t pkt[4096];
	uint8_t lc[FD_DNAME_WIRE_MAX];
	size_t off;

	/* 2000 pointers each to the one before: legal, but too many hops. */
	pkt[12] = 0;
	for (size_t i = 0; i < 2000; i++) {
		size_t at = 13 + 2 * i, to = i == 0 ? 12 : at - 2;

		pkt[at] = 0xc0 | (uint8_t)(to >> 8);
		pkt[at + 1] = (uint8_t)to;
	}
	off = 13 + 2 * 1999;
	assert_int_equal(fd_name_read(pkt, sizeof(pkt), &off, lc, NULL), 0);
	off = 13 + 2 * 10;
	assert_int_equal(fd_name_read(pkt, sizeof(pkt), &off, lc, NULL), 1);
}

static void
test_wire_put_name_compresses(void **state)
{
	uint8_t buf[128];
	struct fd_wbuf w;
	uint8_t a[FD_DNAME_WIRE_MAX], b[FD_DNAME_WIRE_MAX];
	int alen = fd_dname_from_text("www.example.com.", a);
	int blen = fd_dname_from_text("mail.example.com.", b);

	fd_wbuf_init(&w, buf, sizeof(buf));
	w.len = FD_HDR_LEN;
	assert_true(fd_put_name(&w, a, (size_t)alen, NULL));
	assert_int_equal(w.len, FD_HDR_LEN + (size_t)alen);
	assert_true(fd_put_name(&w, b, (size_t)blen, NULL));
	/* "mail" + pointer to "example.com." at 16. */
	assert_int_equal(w.len, FD_HDR_LEN + alen + 5 + 2);
	assert_int_equal(buf[FD_HDR_LEN + alen + 5], 0xc0);
	assert_int_equal(buf[FD_HDR_LEN + alen + 6], FD_HDR_LEN + 4);
	assert_true(fd_put_name(&w, a, (size_t)alen, NULL));
	assert_int_equal(w.len, FD_HDR_LEN + alen + 7 + 2);
	/* No room: false, nothing written. */
	w.cap = w.len + 1;
	assert_false(fd_put_name(&w, b, (size_t)blen, NULL));
	assert_int_equal(w.len, FD_HDR_LEN + alen + 9);
	/* Rewind forgets the entries past the new end. */
	fd_wbuf_rewind(&w, FD_HDR_LEN + alen);
	assert_int_equal(w.nct, 3);
}

static void
test_wire_name_copy(void **state)
{
	uint8_t out[FD_DNAME_WIRE_MAX];

	assert_int_equal(fd_name_copy((const uint8_t *)"\1A\0", 3, out), 3);
	assert_memory_equal(out, "\1a\0", 3);
	assert_int_equal(fd_name_copy((const uint8_t *)"\1A\0", 4, out), 0);
	assert_int_equal(fd_name_copy((const uint8_t *)"\2A\0", 3, out), 0);
	assert_int_equal(fd_name_copy((const uint8_t *)"\1A", 2, out), 0);
	assert_int_equal(fd_name_copy((const uint8_t *)"\100", 1, out), 0);
	assert_int_equal(fd_name_copy((const uint8_t *)"", 0, out), 0);
}

/* ---- malformed input: never crash, FORMERR or drop -------------------- */

/* Build a few valid queries, OPT last, so every cut is malformed. */
static size_t
sample_queries(struct qb *qs, size_t max)
{
	size_t n = 0;

	qb_query(&qs[n++], "grpaddr." ORIGIN, FD_T_A, FD_C_IN, 1232);
	qb_query(&qs[n++], "x.aaaaaaaaaaaa._status." ORIGIN, FD_T_TXT, FD_C_IN,
	    4096);
	qb_hdr(&qs[n], 5, 0, 1, 1, 0, 1);
	qb_name(&qs[n], "grpchain." ORIGIN);
	qb_u16(&qs[n], FD_T_A);
	qb_u16(&qs[n], FD_C_IN);
	qb_u8(&qs[n], 0xc0);
	qb_u8(&qs[n], 12);
	qb_u16(&qs[n], FD_T_A);
	qb_u16(&qs[n], FD_C_IN);
	qb_u32(&qs[n], 1);
	qb_u16(&qs[n], 4);
	qb_u32(&qs[n], 1);
	qb_opt(&qs[n], 1232, 0, true);
	n++;
	assert_true(n <= max);
	return n;
}

static void
test_truncations_formerr_or_drop(void **state)
{
	struct qb qs[4];
	size_t n = sample_queries(qs, 4);

	for (size_t i = 0; i < n; i++) {
		assert_true(ask_raw(qs[i].b, qs[i].len, false) > 0);
		assert_int_not_equal(R.info.rcode, FD_RCODE_FORMERR);
		for (size_t len = 0; len < qs[i].len; len++) {
			if (ask_raw(qs[i].b, len, false) == 0) {
				assert_true(len < FD_HDR_LEN);
				continue;
			}
			assert_true(len >= FD_HDR_LEN);
			assert_int_equal(R.info.rcode, FD_RCODE_FORMERR);
		}
	}
}

/* A small fixed-seed generator: the same bytes on every run. */
static uint32_t
xorshift(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

static void
test_random_bytes(void **state)
{
	uint8_t pkt[700];
	uint32_t seed = 0x5eed1234;

	for (int i = 0; i < 50000; i++) {
		size_t len = xorshift(&seed) % sizeof(pkt);

		for (size_t j = 0; j < len; j++)
			pkt[j] = (uint8_t)xorshift(&seed);
		/* Make many look like queries so parsing gets further. */
		if (len > 5 && (i & 1)) {
			pkt[2] &= 0x07;
			pkt[4] = 0;
			pkt[5] = 1;
		}
		ask_raw(pkt, len, (i & 3) == 0);
	}
}

static void
test_mutated_queries(void **state)
{
	struct qb qs[4], m;
	size_t n = sample_queries(qs, 4);
	uint32_t seed = 0xdecafbad;
	int seen[32] = {0}, dropped = 0;

	for (int i = 0; i < 60000; i++) {
		const struct qb *src = &qs[i % n];
		int flips = 1 + xorshift(&seed) % 4;

		m = *src;
		for (int f = 0; f < flips; f++) {
			size_t at = xorshift(&seed) % m.len;

			/* Often a pointer-ish or length-ish byte. */
			switch (xorshift(&seed) % 4) {
			case 0:
				m.b[at] = 0xc0;
				break;
			case 1:
				m.b[at] = (uint8_t)(xorshift(&seed) % 70);
				break;
			default:
				m.b[at] = (uint8_t)xorshift(&seed);
			}
		}
		if (xorshift(&seed) % 8 == 0)
			m.len = xorshift(&seed) % (m.len + 1);
		if (ask_raw(m.b, m.len, (i & 1) == 0) == 0)
			dropped++;
		else
			seen[R.info.rcode & 31]++;
	}
	/* The mutations reach every stage, not just the header checks. */
	assert_true(dropped > 0);
	assert_true(seen[FD_RCODE_NOERROR] > 0);
	assert_true(seen[FD_RCODE_FORMERR] > 0);
	assert_true(seen[FD_RCODE_NXDOMAIN] > 0);
	assert_true(seen[FD_RCODE_NOTIMP] > 0);
	assert_true(seen[FD_RCODE_REFUSED] > 0);
	assert_true(seen[FD_RCODE_BADVERS] > 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_apex_soa, reset_zone),
		cmocka_unit_test_setup(test_apex_ns_with_glue, reset_zone),
		cmocka_unit_test_setup(test_apex_other_types_nodata, reset_zone),
		cmocka_unit_test_setup(test_apex_any_is_minimal, reset_zone),
		cmocka_unit_test_setup(test_nameserver_addresses, reset_zone),
		cmocka_unit_test_setup(test_nameserver_deep_name_and_ent,
		    reset_zone),
		cmocka_unit_test_setup(test_group_cname, reset_zone),
		cmocka_unit_test_setup(test_group_cname_answers_soa_ns,
		    reset_zone),
		cmocka_unit_test_setup(test_group_addresses, reset_zone),
		cmocka_unit_test_setup(test_group_one_family_only, reset_zone),
		cmocka_unit_test_setup(test_group_reserved_nxdomain, reset_zone),
		cmocka_unit_test_setup(test_cname_chain_in_zone, reset_zone),
		cmocka_unit_test_setup(test_cname_loop_limited, reset_zone),
		cmocka_unit_test_setup(test_cname_into_other_zone_names,
		    reset_zone),
		cmocka_unit_test_setup(test_status_txt, reset_zone),
		cmocka_unit_test_setup(test_nxdomain, reset_zone),
		cmocka_unit_test_setup(test_store_trouble_servfail, reset_zone),
		cmocka_unit_test_setup(test_negative_ttl_is_min, reset_zone),
		cmocka_unit_test_setup(test_out_of_zone_refused, reset_zone),
		cmocka_unit_test_setup(test_zone_transfer_refused, reset_zone),
		cmocka_unit_test_setup(test_header_copies_and_0x20, reset_zone),
		cmocka_unit_test_setup(test_compression, reset_zone),
		cmocka_unit_test_setup(test_qr_and_short_dropped, reset_zone),
		cmocka_unit_test_setup(test_opcode_notimp, reset_zone),
		cmocka_unit_test_setup(test_qdcount_formerr, reset_zone),
		cmocka_unit_test_setup(test_bad_names_formerr, reset_zone),
		cmocka_unit_test_setup(test_class, reset_zone),
		cmocka_unit_test_setup(test_chaos, reset_zone),
		cmocka_unit_test_setup(test_edns_basic, reset_zone),
		cmocka_unit_test_setup(test_edns_do_copied, reset_zone),
		cmocka_unit_test_setup(test_edns_badvers, reset_zone),
		cmocka_unit_test_setup(test_edns_options_ignored_or_malformed,
		    reset_zone),
		cmocka_unit_test_setup(test_edns_misplaced_opts,
		    reset_zone),
		cmocka_unit_test_setup(test_edns_after_other_records, reset_zone),
		cmocka_unit_test_setup(test_truncation, reset_zone),
		cmocka_unit_test_setup(test_small_caller_buffer, reset_zone),
		cmocka_unit_test_setup(test_query_info, reset_zone),
		cmocka_unit_test_setup(test_query_info_escapes, reset_zone),
		cmocka_unit_test(test_zone_build),
		cmocka_unit_test(test_wire_name_read),
		cmocka_unit_test(test_wire_pointer_chain_bounded),
		cmocka_unit_test(test_wire_put_name_compresses),
		cmocka_unit_test(test_wire_name_copy),
		cmocka_unit_test_setup(test_truncations_formerr_or_drop,
		    reset_zone),
		cmocka_unit_test_setup(test_random_bytes, reset_zone),
		cmocka_unit_test_setup(test_mutated_queries, reset_zone),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
