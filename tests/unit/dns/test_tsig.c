/*
 * test_tsig.c - TSIG (RFC 8945) in the responder, checked against ldns,
 * an independent implementation: ldns signs the requests and verifies
 * our answers.  Every outcome of verification (good, unknown key, wrong
 * MAC, clock skew, misplaced or malformed TSIG) with hmac-sha256 and
 * hmac-sha512, and the transfer ACL's refusals.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <ldns/ldns.h>

#include "flipdns/dns/answer.h"
#include "flipdns/dns/dnswire.h"
#include "flipdns/dns/tsig.h"
#include "flipdns/dns/zone.h"
#include "flipdns/db/store.h"
#include "testutil.h"

#define ORIGIN "failover.example.test."
#define K256 "sec1."
#define S256 "3cXxOuGbo3Wn3qmTgW0HqTf5LL0X6vEGsXcqK8hnQGI="
#define K512 "sec2."
#define S512 "Zm9vYmFyYmF6cXV4Zm9vYmFyYmF6cXV4Zm9vYmFyYmF6cXV4Zm9vYmFyYmF6cXV4"
#define OTHER "c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0MTI="

/* ldns's, exported but not in its headers */
int ldns_b64_pton(const char *src, uint8_t *target, size_t targsize);

static struct {
	char *dir;
	struct fd_store *st;
	MDB_txn *txn;
	struct fd_zone z;
} E;

static struct {
	uint8_t buf[65535];
	size_t len;
	struct fd_query_info info;
	ldns_pkt *p;
} R;

static void
key_add(const char *name, enum fd_tsig_alg alg, const char *b64)
{
	struct fd_tsig_key k;
	size_t len = 0;
	uint8_t *raw = malloc(strlen(b64));
	int n;

	memset(&k, 0, sizeof(k));
	snprintf(k.name, sizeof(k.name), "%s", name);
	k.alg = alg;
	n = ldns_b64_pton(b64, raw, strlen(b64));
	assert_true(n > 0);
	len = (size_t)n;
	memcpy(k.secret, raw, len);
	k.secret_len = len;
	free(raw);
	assert_int_equal(fd_tsig_wkey_from_conf(&k, &E.z.keys[E.z.n_keys]),
	    FD_OK);
	E.z.n_keys++;
}

static int
setup(void **state)
{
	static const char cfgtext[] =
	    "zone:\n  origin: " ORIGIN "\n"
	    "  soa: {mname: ns1." ORIGIN ", rname: h.example.test.}\n"
	    "  nameservers: [{name: ns1." ORIGIN ", addresses: [192.0.2.53]}]\n"
	    "listen: [\"127.0.0.1:5353\"]\n";
	struct fd_config *cfg = calloc(1, sizeof(*cfg));
	struct fd_endpoints ep;
	static const char *const v4[] = {"192.0.2.10"};
	MDB_txn *txn;
	char err[256];

	assert_int_equal(fd_config_parse("t", cfgtext, strlen(cfgtext), cfg,
	    err, sizeof(err)), FD_OK);
	assert_int_equal(fd_zone_build(cfg, &E.z), FD_OK);
	free(cfg);
	key_add(K256, FD_TSIG_HMAC_SHA256, S256);
	key_add(K512, FD_TSIG_HMAC_SHA512, S512);
	/* 127.0.0.0/8 with sec1; 10.0.0.1 with no key */
	E.z.acl[0].family = AF_INET;
	E.z.acl[0].bytes[0] = 127;
	E.z.acl[0].bits = 8;
	E.z.acl[0].key = 0;
	E.z.acl[1].family = AF_INET;
	memcpy(E.z.acl[1].bytes, "\x0a\x00\x00\x01", 4);
	E.z.acl[1].bits = 32;
	E.z.acl[1].key = -1;
	E.z.n_acl = 2;

	E.dir = tu_tmpdir();
	assert_int_equal(fd_store_open(E.dir, 1 << 20, 0, &E.st), FD_OK);
	assert_int_equal(mdb_txn_begin(fd_store_env(E.st), NULL, 0, &txn), 0);
	tu_ep_addrs(&ep, v4, 1);
	tu_add_app(E.st, txn, "web", &ep, "aaaaaaaaaaaa", 1, 1);
	tu_add_group(E.st, txn, "grp", "web", NULL, FD_SIDE_PRIMARY, 30);
	assert_int_equal(mdb_txn_commit(txn), 0);
	assert_int_equal(mdb_txn_begin(fd_store_env(E.st), NULL, MDB_RDONLY,
	    &E.txn), 0);
	return 0;
}

static int
teardown(void **state)
{
	if (R.p != NULL)
		ldns_pkt_free(R.p);
	mdb_txn_abort(E.txn);
	fd_store_close(E.st);
	tu_rmdir(E.dir);
	return 0;
}

/* A query for name/type, signed with key/secret/alg when key is given. */
static ldns_pkt *
query(const char *name, ldns_rr_type type, const char *key,
    const char *secret, const char *alg)
{
	ldns_pkt *q = NULL;

	assert_int_equal(ldns_pkt_query_new_frm_str(&q, name, type,
	    LDNS_RR_CLASS_IN, 0), LDNS_STATUS_OK);
	ldns_pkt_set_id(q, 4321);
	if (key != NULL)
		assert_int_equal(ldns_pkt_tsig_sign(q, key, secret, 300, alg,
		    NULL), LDNS_STATUS_OK);
	return q;
}

/* Answer q's wire form (as from peer, at now), parsed into R.p. */
static void
ask(ldns_pkt *q, bool tcp, const struct sockaddr *peer, uint64_t now)
{
	struct fd_client cl = {tcp, peer, now};
	uint8_t *wire = NULL;
	size_t len = 0;

	assert_int_equal(ldns_pkt2wire(&wire, q, &len), LDNS_STATUS_OK);
	if (R.p != NULL)
		ldns_pkt_free(R.p);
	R.p = NULL;
	R.len = fd_answer(&E.z, E.st, E.txn, wire, len, R.buf, sizeof(R.buf),
	    &cl, &R.info);
	free(wire);
	assert_true(R.len >= FD_HDR_LEN);
	assert_int_equal(ldns_wire2pkt(&R.p, R.buf, R.len), LDNS_STATUS_OK);
}

/* The answer's TSIG error field, or -1 without a TSIG. */
static int
tsig_error(void)
{
	ldns_rr *t = ldns_pkt_tsig(R.p);

	return t == NULL ? -1 : ldns_rdf2native_int16(ldns_rr_rdf(t, 5));
}

static bool
verifies(ldns_pkt *q, const char *key, const char *secret)
{
	ldns_rr *qt = ldns_pkt_tsig(q);

	return ldns_pkt_tsig_verify(R.p, R.buf, R.len, key, secret,
	    ldns_rr_rdf(qt, 3));
}

static void
test_good_signatures(void **state)
{
	static const struct {
		const char *key, *secret, *alg;
	} cases[] = {
		{K256, S256, "hmac-sha256."},
		{K512, S512, "hmac-sha512."},
	};
	uint64_t now = (uint64_t)time(NULL);

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ldns_pkt *q = query("grp." ORIGIN, LDNS_RR_TYPE_A,
		    cases[i].key, cases[i].secret, cases[i].alg);

		for (int tcp = 0; tcp < 2; tcp++) {
			ask(q, tcp, NULL, now);
			assert_int_equal(ldns_pkt_get_rcode(R.p),
			    LDNS_RCODE_NOERROR);
			assert_int_equal(ldns_pkt_ancount(R.p), 1);
			assert_int_equal(tsig_error(), 0);
			assert_true(verifies(q, cases[i].key,
			    cases[i].secret));
			/* a wrong secret does not verify our answer */
			assert_false(verifies(q, cases[i].key, OTHER));
		}
		ldns_pkt_free(q);
	}
}

/* RFC 8945 5.2: each failure is NOTAUTH with its TSIG error. */
static void
test_bad_signatures(void **state)
{
	uint64_t now = (uint64_t)time(NULL);
	ldns_pkt *q;

	/* an unknown key: BADKEY, unsigned (MAC size 0) */
	q = query("grp." ORIGIN, LDNS_RR_TYPE_A, "nokey.", S256,
	    "hmac-sha256.");
	ask(q, false, NULL, now);
	assert_int_equal(ldns_pkt_get_rcode(R.p), LDNS_RCODE_NOTAUTH);
	assert_int_equal(tsig_error(), FD_TSIG_BADKEY);
	assert_int_equal(ldns_rdf_size(ldns_rr_rdf(ldns_pkt_tsig(R.p), 3)), 2);
	assert_int_equal(ldns_pkt_ancount(R.p), 0);
	ldns_pkt_free(q);

	/* a known key name with another algorithm: BADKEY */
	q = query("grp." ORIGIN, LDNS_RR_TYPE_A, K256, S256, "hmac-sha512.");
	ask(q, false, NULL, now);
	assert_int_equal(ldns_pkt_get_rcode(R.p), LDNS_RCODE_NOTAUTH);
	assert_int_equal(tsig_error(), FD_TSIG_BADKEY);
	ldns_pkt_free(q);

	/* the wrong secret: BADSIG, unsigned */
	q = query("grp." ORIGIN, LDNS_RR_TYPE_A, K256, OTHER, "hmac-sha256.");
	ask(q, true, NULL, now);
	assert_int_equal(ldns_pkt_get_rcode(R.p), LDNS_RCODE_NOTAUTH);
	assert_int_equal(tsig_error(), FD_TSIG_BADSIG);
	assert_int_equal(ldns_pkt_ancount(R.p), 0);
	ldns_pkt_free(q);

	/* the clock 301 s off: BADTIME, signed, our time as other data */
	q = query("grp." ORIGIN, LDNS_RR_TYPE_A, K256, S256, "hmac-sha256.");
	ask(q, false, NULL, now + 301 + 5);
	assert_int_equal(ldns_pkt_get_rcode(R.p), LDNS_RCODE_NOTAUTH);
	assert_int_equal(tsig_error(), FD_TSIG_BADTIME);
	assert_int_equal(ldns_pkt_ancount(R.p), 0);
	assert_true(verifies(q, K256, S256));
	/* within the fudge is fine */
	ask(q, false, NULL, now + 200);
	assert_int_equal(ldns_pkt_get_rcode(R.p), LDNS_RCODE_NOERROR);
	ldns_pkt_free(q);
}

/* A TSIG that is not the last record, or cannot be read: FORMERR. */
static void
test_malformed(void **state)
{
	uint64_t now = (uint64_t)time(NULL);
	struct fd_client cl = {false, NULL, now};
	uint8_t *wire = NULL, pkt[1024];
	size_t len = 0;
	ldns_pkt *q = query("grp." ORIGIN, LDNS_RR_TYPE_A, K256, S256,
	    "hmac-sha256.");

	assert_int_equal(ldns_pkt2wire(&wire, q, &len), LDNS_STATUS_OK);
	assert_true(len + 11 < sizeof(pkt));
	/* an OPT after the TSIG */
	memcpy(pkt, wire, len);
	memcpy(pkt + len, "\x00\x00\x29\x04\xd0\x00\x00\x00\x00\x00\x00", 11);
	pkt[11]++;
	R.len = fd_answer(&E.z, E.st, E.txn, pkt, len + 11, R.buf,
	    sizeof(R.buf), &cl, &R.info);
	assert_int_equal(R.buf[3] & 0xf, FD_RCODE_FORMERR);
	assert_false(R.info.tsig.present);
	/* the MAC size past the RDATA */
	memcpy(pkt, wire, len);
	pkt[len - 6 - 32 - 2] = 0xff;
	R.len = fd_answer(&E.z, E.st, E.txn, pkt, len, R.buf, sizeof(R.buf),
	    &cl, &R.info);
	assert_int_equal(R.buf[3] & 0xf, FD_RCODE_FORMERR);
	/* one bit of the question changed: BADSIG */
	memcpy(pkt, wire, len);
	pkt[13] ^= 0x20;
	R.len = fd_answer(&E.z, E.st, E.txn, pkt, len, R.buf, sizeof(R.buf),
	    &cl, &R.info);
	assert_int_equal(R.buf[3] & 0xf, FD_RCODE_NOTAUTH);
	assert_int_equal(R.info.tsig.error, FD_TSIG_BADSIG);
	free(wire);
	ldns_pkt_free(q);
}

/* Unsigned queries are answered as before, with no TSIG. */
static void
test_unsigned(void **state)
{
	ldns_pkt *q = query("grp." ORIGIN, LDNS_RR_TYPE_A, NULL, NULL, NULL);

	ask(q, false, NULL, 0);
	assert_int_equal(ldns_pkt_get_rcode(R.p), LDNS_RCODE_NOERROR);
	assert_null(ldns_pkt_tsig(R.p));
	assert_false(R.info.tsig.present);
	ldns_pkt_free(q);
}

static void
peer4(struct sockaddr_in *sin, const char *ip)
{
	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	assert_int_equal(inet_pton(AF_INET, ip, &sin->sin_addr), 1);
}

/*
 * transfer.allow: 127/8 needs sec1, 10.0.0.1 needs no key.  Each case:
 * transport, peer, signing key, and the rcode, TSIG error and info->xfr
 * expected.
 */
static void
test_transfer_acl(void **state)
{
	static const struct {
		bool tcp;
		const char *peer, *key, *secret;
		ldns_rr_type type;
		int rcode, tsig_error;
		uint16_t xfr;
		enum fd_xfr_refusal refused;
	} cases[] = {
		/* let through: the placeholder is not signed, the stream is */
		{true, "127.0.0.1", K256, S256, LDNS_RR_TYPE_AXFR, 0, -1,
		    FD_T_AXFR, FD_XFR_OK},
		{true, "127.0.0.1", NULL, NULL, LDNS_RR_TYPE_AXFR,
		    LDNS_RCODE_NOTAUTH, -1, 0, FD_XFR_BY_KEY},
		{true, "127.0.0.1", K512, S512, LDNS_RR_TYPE_AXFR,
		    LDNS_RCODE_NOTAUTH, FD_TSIG_BADKEY, 0, FD_XFR_BY_KEY},
		{true, "127.0.0.1", K256, OTHER, LDNS_RR_TYPE_AXFR,
		    LDNS_RCODE_NOTAUTH, FD_TSIG_BADSIG, 0, FD_XFR_OK},
		{true, "10.0.0.1", NULL, NULL, LDNS_RR_TYPE_AXFR, 0, -1,
		    FD_T_AXFR, FD_XFR_OK},
		{true, "10.0.0.2", NULL, NULL, LDNS_RR_TYPE_AXFR,
		    LDNS_RCODE_REFUSED, -1, 0, FD_XFR_BY_ADDRESS},
		{true, "10.0.0.2", K256, S256, LDNS_RR_TYPE_AXFR,
		    LDNS_RCODE_REFUSED, 0, 0, FD_XFR_BY_ADDRESS},
		{false, "127.0.0.1", K256, S256, LDNS_RR_TYPE_AXFR,
		    LDNS_RCODE_REFUSED, 0, 0, FD_XFR_OK},
	};
	uint64_t now = (uint64_t)time(NULL);
	struct sockaddr_in sin;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ldns_pkt *q = query(ORIGIN, cases[i].type, cases[i].key,
		    cases[i].secret, "hmac-sha256.");

		if (cases[i].key != NULL && strcmp(cases[i].key, K512) == 0) {
			ldns_pkt_free(q);
			q = query(ORIGIN, cases[i].type, K512, S512,
			    "hmac-sha512.");
		}
		peer4(&sin, cases[i].peer);
		ask(q, cases[i].tcp, (struct sockaddr *)&sin, now);
		if ((int)ldns_pkt_get_rcode(R.p) != cases[i].rcode ||
		    tsig_error() != cases[i].tsig_error ||
		    R.info.xfr != cases[i].xfr ||
		    R.info.xfr_refused != cases[i].refused)
			fail_msg("case %zu: rcode %d tsig %d xfr %u refused %d",
			    i, ldns_pkt_get_rcode(R.p), tsig_error(),
			    R.info.xfr, R.info.xfr_refused);
		/* a refusal to a good signature is signed */
		if (cases[i].tsig_error == 0 && cases[i].xfr == 0)
			assert_true(verifies(q, cases[i].key, cases[i].secret));
		assert_int_equal(ldns_pkt_ancount(R.p), 0);
		ldns_pkt_free(q);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good_signatures),
		cmocka_unit_test(test_bad_signatures),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_unsigned),
		cmocka_unit_test(test_transfer_acl),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
