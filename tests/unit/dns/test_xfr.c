/*
 * test_xfr.c - the messages of a zone transfer (dns/xfr.c), read back
 * with ldns: an AXFR in many small messages carries exactly the records
 * of the record model's walk between two SOAs, each message signed and
 * verified by ldns as RFC 8945 5.3.1 says (the first over the request
 * MAC, the rest over the prior MAC and the timers); an IXFR from the
 * journal; an up-to-date IXFR; and an IXFR the journal cannot serve.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <ldns/ldns.h>

#include "flipdns/db/journal.h"
#include "flipdns/dns/answer.h"
#include "flipdns/dns/xfr.h"
#include "flipdns/dns/zone.h"
#include "testutil.h"

#define ORIGIN "failover.example.test."
#define KEY "sec1."
#define SECRET "3cXxOuGbo3Wn3qmTgW0HqTf5LL0X6vEGsXcqK8hnQGI="
#define NGROUPS 300

int ldns_b64_pton(const char *src, uint8_t *target, size_t targsize);

static struct {
	char *dir;
	struct fd_store *st;
	struct fd_zone z;
	size_t names_rrs;      /* records of the walk, SOA not counted */
} E;

static int
setup(void **state)
{
	static const char cfgtext[] =
	    "zone:\n  origin: " ORIGIN "\n"
	    "  soa: {mname: ns1." ORIGIN ", rname: h.example.test.}\n"
	    "  nameservers: [{name: ns1." ORIGIN ", addresses: [192.0.2.53]}]\n"
	    "listen: [\"127.0.0.1:5353\"]\n";
	static const char *const addrs[] = {"192.0.2.10", "2001:db8::10"};
	struct fd_config *cfg = calloc(1, sizeof(*cfg));
	struct fd_tsig_key k;
	struct fd_endpoints ep;
	MDB_txn *txn;
	char err[256], label[16];
	int n;

	assert_int_equal(fd_config_parse("t", cfgtext, strlen(cfgtext), cfg,
	    err, sizeof(err)), FD_OK);
	assert_int_equal(fd_zone_build(cfg, &E.z), FD_OK);
	free(cfg);
	memset(&k, 0, sizeof(k));
	snprintf(k.name, sizeof(k.name), KEY);
	k.alg = FD_TSIG_HMAC_SHA256;
	n = ldns_b64_pton(SECRET, k.secret, sizeof(k.secret));
	assert_true(n > 0);
	k.secret_len = (size_t)n;
	assert_int_equal(fd_tsig_wkey_from_conf(&k, &E.z.keys[0]), FD_OK);
	E.z.n_keys = 1;

	E.dir = tu_tmpdir();
	assert_int_equal(fd_store_open(E.dir, 16 << 20, 0, &E.st), FD_OK);
	assert_int_equal(mdb_txn_begin(fd_store_env(E.st), NULL, 0, &txn), 0);
	tu_ep_addrs(&ep, addrs, 2);
	tu_add_app(E.st, txn, "web", &ep, "aaaaaaaaaaaa", NGROUPS, NGROUPS / 2);
	tu_ep_cname(&ep, "lb.example.com.");
	tu_add_app(E.st, txn, "lb", &ep, "bbbbbbbbbbbb", NGROUPS, NGROUPS / 2);
	for (int i = 0; i < NGROUPS; i++) {
		snprintf(label, sizeof(label), "g%04d", i);
		tu_add_group(E.st, txn, label, "web", "lb", i % 2 ?
		    FD_SIDE_BACKUP : FD_SIDE_PRIMARY, 30);
	}
	{
		uint32_t serial = 100;   /* after the journal's 40, 41 */

		tu_put(E.st, txn, FD_DB_META, "serial", 6, &serial,
		    sizeof(serial));
	}
	assert_int_equal(mdb_txn_commit(txn), 0);
	/* NS, ns1 A; groups: A + AAAA or a CNAME; two status TXT */
	E.names_rrs = 2 + NGROUPS / 2 * 2 + NGROUPS / 2 + 2;
	return 0;
}

static int
teardown(void **state)
{
	fd_store_close(E.st);
	tu_rmdir(E.dir);
	return 0;
}

/* The request, its wire form, and what fd_answer makes of it. */
static ldns_pkt *
request(ldns_rr_type type, bool sign, uint32_t ixfr_serial, uint8_t **wire,
    size_t *len, struct fd_query_info *info, MDB_txn *txn)
{
	struct sockaddr_in sin = {.sin_family = AF_INET};
	struct fd_client cl = {true, (struct sockaddr *)&sin, 0};
	uint8_t out[512];
	ldns_pkt *q = NULL;
	ldns_rr *soa = NULL;
	char text[256];

	cl.now = (uint64_t)time(NULL);
	sin.sin_addr.s_addr = htonl(0x7f000001);
	E.z.acl[0].family = AF_INET;
	E.z.acl[0].bytes[0] = 127;
	E.z.acl[0].bits = 8;
	E.z.acl[0].key = sign ? 0 : -1;
	E.z.n_acl = 1;
	assert_int_equal(ldns_pkt_query_new_frm_str(&q, ORIGIN, type,
	    LDNS_RR_CLASS_IN, 0), LDNS_STATUS_OK);
	ldns_pkt_set_id(q, 777);
	if (type == LDNS_RR_TYPE_IXFR) {
		snprintf(text, sizeof(text), ORIGIN " 0 IN SOA . . %u 0 0 0 0",
		    ixfr_serial);
		assert_int_equal(ldns_rr_new_frm_str(&soa, text, 0, NULL,
		    NULL), LDNS_STATUS_OK);
		ldns_pkt_push_rr(q, LDNS_SECTION_AUTHORITY, soa);
	}
	if (sign)
		assert_int_equal(ldns_pkt_tsig_sign(q, KEY, SECRET, 300,
		    "hmac-sha256.", NULL), LDNS_STATUS_OK);
	assert_int_equal(ldns_pkt2wire(wire, q, len), LDNS_STATUS_OK);
	fd_answer(&E.z, E.st, txn, *wire, *len, out, sizeof(out), &cl, info);
	assert_int_equal(info->xfr, type == LDNS_RR_TYPE_AXFR ? FD_T_AXFR :
	    FD_T_IXFR);
	return q;
}

/*
 * Run the transfer in messages of at most cap bytes; every record
 * appended to rrs; each message verified when signed.  Returns the
 * message count.
 */
static int
run(struct fd_xfr *x, ldns_pkt *q, bool sign, size_t cap, ldns_rr_list *rrs)
{
	static uint8_t out[65535];
	ldns_rdf *mac = NULL;
	ldns_pkt *p;
	enum fd_err err;
	size_t len;
	int n = 0;

	if (sign)
		mac = ldns_rdf_clone(ldns_rr_rdf(ldns_pkt_tsig(q), 3));
	while ((len = fd_xfr_next(x, (uint64_t)time(NULL), out, cap,
	    &err)) > 0) {
		assert_true(len <= cap);
		assert_int_equal(ldns_wire2pkt(&p, out, len), LDNS_STATUS_OK);
		assert_int_equal(ldns_pkt_id(p), 777);
		assert_int_equal(ldns_pkt_qdcount(p), n == 0 ? 1 : 0);
		if (sign) {
			ldns_rdf *next;

			assert_true(ldns_pkt_tsig_verify_next(p, out, len, KEY,
			    SECRET, mac, n > 0));
			next = ldns_rdf_clone(ldns_rr_rdf(ldns_pkt_tsig(p), 3));
			ldns_rdf_deep_free(mac);
			mac = next;
		}
		for (size_t i = 0; i < ldns_pkt_ancount(p); i++)
			ldns_rr_list_push_rr(rrs, ldns_rr_clone(
			    ldns_rr_list_rr(ldns_pkt_answer(p), i)));
		ldns_pkt_free(p);
		n++;
	}
	assert_int_equal(err, FD_OK);
	assert_true(fd_xfr_done(x));
	ldns_rdf_deep_free(mac);
	return n;
}

static uint32_t
soa_serial(const ldns_rr *rr)
{
	assert_int_equal(ldns_rr_get_type(rr), LDNS_RR_TYPE_SOA);
	return ldns_rdf2native_int32(ldns_rr_rdf(rr, 2));
}

static void
test_axfr_many_signed_messages(void **state)
{
	static const size_t caps[] = {1024, 4096, 65535};
	struct fd_query_info info;
	ldns_rr_list *rrs;
	MDB_txn *txn;
	uint8_t *wire;
	size_t len, n;
	struct fd_xfr *x = malloc(sizeof(*x));

	assert_int_equal(mdb_txn_begin(fd_store_env(E.st), NULL, MDB_RDONLY,
	    &txn), 0);
	for (size_t c = 0; c < sizeof(caps) / sizeof(caps[0]); c++) {
		for (int sign = 0; sign < 2; sign++) {
			ldns_pkt *q = request(LDNS_RR_TYPE_AXFR, sign, 0, &wire,
			    &len, &info, txn);
			int msgs;

			assert_int_equal(fd_xfr_begin(x, &E.z, E.st, txn, wire,
			    len, &info), FD_OK);
			assert_int_equal(x->kind, FD_XFR_KIND_AXFR);
			rrs = ldns_rr_list_new();
			msgs = run(x, q, sign, caps[c], rrs);
			n = ldns_rr_list_rr_count(rrs);
			/* SOA, the walk, SOA */
			assert_int_equal(n, E.names_rrs + 2);
			assert_int_equal(soa_serial(ldns_rr_list_rr(rrs, 0)),
			    soa_serial(ldns_rr_list_rr(rrs, n - 1)));
			if (caps[c] == 1024)
				assert_true(msgs > 10);
			assert_int_equal(x->records, n);
			ldns_rr_list_deep_free(rrs);
			ldns_pkt_free(q);
			free(wire);
		}
	}
	mdb_txn_abort(txn);
	free(x);
}

/* A record of the delta, uncompressed, as the journal keeps it. */
static size_t
stored(uint8_t *out, const char *text)
{
	ldns_rr *rr = NULL;
	ldns_buffer *b = ldns_buffer_new(512);
	size_t n;

	assert_int_equal(ldns_rr_new_frm_str(&rr, text, 0, NULL, NULL),
	    LDNS_STATUS_OK);
	assert_int_equal(ldns_rr2buffer_wire_canonical(b, rr,
	    LDNS_SECTION_ANSWER), LDNS_STATUS_OK);
	n = ldns_buffer_position(b);
	memcpy(out, ldns_buffer_begin(b), n);
	ldns_buffer_free(b);
	ldns_rr_free(rr);
	return n;
}

static void
test_ixfr(void **state)
{
	uint8_t rem[256], add[256];
	size_t rl, al, len;
	struct fd_query_info info;
	struct fd_xfr *x = malloc(sizeof(*x));
	ldns_rr_list *rrs;
	uint8_t *wire;
	MDB_txn *txn;
	uint32_t now;
	ldns_pkt *q;

	/* two deltas up to the store's serial: 40 -> 41 -> serial */
	assert_int_equal(mdb_txn_begin(fd_store_env(E.st), NULL, 0, &txn), 0);
	now = fd_store_serial(E.st, txn);
	rl = stored(rem, "g0000." ORIGIN " 30 IN A 192.0.2.10");
	al = stored(add, "g0000." ORIGIN " 30 IN CNAME lb.example.com.");
	assert_int_equal(fd_journal_append(E.st, txn, 40, 41, rem, rl, 1, add,
	    al, 1, 10), FD_OK);
	assert_int_equal(fd_journal_append(E.st, txn, 41, now, add, al, 1,
	    rem, rl, 1, 10), FD_OK);
	assert_int_equal(mdb_txn_commit(txn), 0);

	assert_int_equal(mdb_txn_begin(fd_store_env(E.st), NULL, MDB_RDONLY,
	    &txn), 0);
	/* from 40: SOA now, SOA 40, -A, SOA 41, +CNAME, SOA 41, -CNAME,
	 * SOA now, +A, SOA now */
	q = request(LDNS_RR_TYPE_IXFR, true, 40, &wire, &len, &info, txn);
	assert_int_equal(fd_xfr_begin(x, &E.z, E.st, txn, wire, len, &info),
	    FD_OK);
	assert_int_equal(x->kind, FD_XFR_KIND_IXFR);
	rrs = ldns_rr_list_new();
	run(x, q, true, 65535, rrs);
	assert_int_equal(ldns_rr_list_rr_count(rrs), 10);
	assert_int_equal(soa_serial(ldns_rr_list_rr(rrs, 0)), now);
	assert_int_equal(soa_serial(ldns_rr_list_rr(rrs, 1)), 40);
	assert_int_equal(ldns_rr_get_type(ldns_rr_list_rr(rrs, 2)),
	    LDNS_RR_TYPE_A);
	assert_int_equal(soa_serial(ldns_rr_list_rr(rrs, 3)), 41);
	assert_int_equal(ldns_rr_get_type(ldns_rr_list_rr(rrs, 4)),
	    LDNS_RR_TYPE_CNAME);
	assert_int_equal(soa_serial(ldns_rr_list_rr(rrs, 7)), now);
	assert_int_equal(soa_serial(ldns_rr_list_rr(rrs, 9)), now);
	ldns_rr_list_deep_free(rrs);
	ldns_pkt_free(q);
	free(wire);

	/* from 41: one delta */
	q = request(LDNS_RR_TYPE_IXFR, false, 41, &wire, &len, &info, txn);
	assert_int_equal(fd_xfr_begin(x, &E.z, E.st, txn, wire, len, &info),
	    FD_OK);
	rrs = ldns_rr_list_new();
	run(x, q, false, 65535, rrs);
	assert_int_equal(ldns_rr_list_rr_count(rrs), 6);
	ldns_rr_list_deep_free(rrs);
	ldns_pkt_free(q);
	free(wire);

	/* up to date: the SOA alone */
	q = request(LDNS_RR_TYPE_IXFR, false, now, &wire, &len, &info, txn);
	assert_int_equal(fd_xfr_begin(x, &E.z, E.st, txn, wire, len, &info),
	    FD_OK);
	assert_int_equal(x->kind, FD_XFR_KIND_UPTODATE);
	rrs = ldns_rr_list_new();
	run(x, q, false, 65535, rrs);
	assert_int_equal(ldns_rr_list_rr_count(rrs), 1);
	ldns_rr_list_deep_free(rrs);
	ldns_pkt_free(q);
	free(wire);

	/* older than the journal: the whole zone (RFC 1995 4) */
	q = request(LDNS_RR_TYPE_IXFR, false, 39, &wire, &len, &info, txn);
	assert_int_equal(fd_xfr_begin(x, &E.z, E.st, txn, wire, len, &info),
	    FD_OK);
	assert_int_equal(x->kind, FD_XFR_KIND_IXFR_AXFR);
	rrs = ldns_rr_list_new();
	run(x, q, false, 65535, rrs);
	assert_int_equal(ldns_rr_list_rr_count(rrs), E.names_rrs + 2);
	ldns_rr_list_deep_free(rrs);
	ldns_pkt_free(q);
	free(wire);
	mdb_txn_abort(txn);
	free(x);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_axfr_many_signed_messages),
		cmocka_unit_test(test_ixfr),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
