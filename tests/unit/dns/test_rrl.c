/*
 * test_rrl.c - the rate-limit table with an injected clock: the rate per
 * prefix, independent prefixes, /24 and /64 grouping, the key (prefix,
 * kind of answer, name) as NSD and Knot have it, the slip pattern,
 * refill over time, bucket sharing and takeover, the counters; and the
 * slipped form of an answer, checked with ldns as an independent parser.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <ldns/ldns.h>

#include "flipdns/dns/rrl.h"
#include "testutil.h"

/* A fixed seed: which prefixes share a bucket is the same every run. */
static const uint64_t seed[2] = {UINT64_C(0x0123456789abcdef),
    UINT64_C(0xfedcba9876543210)};

/* The clock starts well above 0, as a monotonic clock does. */
#define T0 100000

static struct sockaddr_storage
addr(const char *text)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;

	memset(&ss, 0, sizeof(ss));
	if (inet_pton(AF_INET, text, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons(40000);
	} else {
		assert_int_equal(inet_pton(AF_INET6, text, &sin6->sin6_addr), 1);
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(40000);
	}
	return ss;
}

/*
 * The start of an answer as fd_rrl_check reads it: a header with rcode
 * and ANCOUNT, and the question (name as presentation labels without the
 * final dot, so "www.Example.test").  The records themselves are never
 * read.  Returns the length.
 */
static size_t
answer_to(uint8_t *p, const char *name, uint16_t qtype, uint8_t rcode,
    uint16_t ancount)
{
	const char *label = name, *dot;
	size_t n = 12, l;

	memset(p, 0, 12);
	p[2] = 0x84;                    /* QR, AA */
	p[3] = rcode;
	p[5] = 1;                       /* QDCOUNT */
	p[6] = (uint8_t)(ancount >> 8);
	p[7] = (uint8_t)ancount;
	while (*label != '\0') {
		dot = strchr(label, '.');
		l = dot != NULL ? (size_t)(dot - label) : strlen(label);
		p[n++] = (uint8_t)l;
		memcpy(p + n, label, l);
		n += l;
		label += l + (dot != NULL);
	}
	p[n++] = 0;
	p[n++] = (uint8_t)(qtype >> 8);
	p[n++] = (uint8_t)qtype;
	p[n++] = 0;
	p[n++] = 1;                     /* IN */
	return n;
}

/* One answer of a kind about a name to the source text, at now. */
static enum fd_rrl_verdict
check_answer(struct fd_rrl *r, const char *text, uint64_t now,
    const char *name, uint16_t qtype, uint8_t rcode, uint16_t ancount)
{
	struct sockaddr_storage ss = addr(text);
	uint8_t p[512];
	size_t len = answer_to(p, name, qtype, rcode, ancount);

	return fd_rrl_check(r, (struct sockaddr *)&ss, p, len, now);
}

/* The same positive answer (www.example.test A) every time. */
static enum fd_rrl_verdict
check(struct fd_rrl *r, const char *text, uint64_t now)
{
	return check_answer(r, text, now, "www.example.test", 1, 0, 1);
}

static struct fd_rrl *
table(uint32_t rate, uint32_t slip, size_t nbuckets)
{
	struct fd_rrl *r;

	assert_int_equal(fd_rrl_new(rate, slip, nbuckets, seed, &r), FD_OK);
	assert_non_null(r);
	return r;
}

/* n answers to text at now: how many were sent in full. */
static int
sent(struct fd_rrl *r, const char *text, uint64_t now, int n)
{
	int i, ok = 0;

	for (i = 0; i < n; i++)
		ok += check(r, text, now) == FD_RRL_SEND;
	return ok;
}

static void
test_new_args(void **state)
{
	struct fd_rrl *r = (struct fd_rrl *)1;
	struct fd_rrl_stats st;

	assert_int_equal(fd_rrl_new(0, 2, 0, NULL, &r), FD_EINVAL);
	assert_null(r);
	/* The random seed, the default size. */
	assert_int_equal(fd_rrl_new(1000, 2, 0, NULL, &r), FD_OK);
	assert_int_equal(sent(r, "192.0.2.1", T0, 1500), 1000);
	fd_rrl_stats(r, &st);
	assert_int_equal(st.limited, 500);
	assert_int_equal(st.dropped + st.slipped, 500);
	fd_rrl_free(r);
	fd_rrl_free(NULL);
}

static void
test_rate_per_prefix(void **state)
{
	struct fd_rrl *r = table(20, 0, 0);

	/* A fresh prefix gets one second's worth at once, then nothing. */
	assert_int_equal(sent(r, "192.0.2.1", T0, 100), 20);
	assert_int_equal(check(r, "192.0.2.1", T0), FD_RRL_DROP);
	/* Another network is not affected... */
	assert_int_equal(sent(r, "198.51.100.7", T0, 100), 20);
	assert_int_equal(sent(r, "2001:db8:1::1", T0, 100), 20);
	/* ...and does not affect the first. */
	assert_int_equal(sent(r, "192.0.2.1", T0, 100), 0);
	fd_rrl_free(r);
}

static void
test_v4_prefix_24(void **state)
{
	struct fd_rrl *r = table(10, 0, 0);

	/* One /24 shares the budget, whatever the last byte. */
	assert_int_equal(sent(r, "192.0.2.1", T0, 4), 4);
	assert_int_equal(sent(r, "192.0.2.200", T0, 4), 4);
	assert_int_equal(sent(r, "192.0.2.255", T0, 4), 2);
	assert_int_equal(sent(r, "192.0.2.0", T0, 1), 0);
	/* The neighbouring /24s are separate. */
	assert_int_equal(sent(r, "192.0.3.1", T0, 20), 10);
	assert_int_equal(sent(r, "192.0.1.255", T0, 20), 10);
	/* An IPv4-mapped IPv6 source is its IPv4 address. */
	assert_int_equal(sent(r, "::ffff:192.0.2.9", T0, 1), 0);
	assert_int_equal(sent(r, "::ffff:203.0.113.9", T0, 20), 10);
	assert_int_equal(sent(r, "203.0.113.10", T0, 1), 0);
	fd_rrl_free(r);
}

static void
test_v6_prefix_64(void **state)
{
	struct fd_rrl *r = table(10, 0, 0);

	/* 2001:db8:0:ab00::/64 is one network. */
	assert_int_equal(sent(r, "2001:db8:0:ab00::1", T0, 5), 5);
	assert_int_equal(sent(r, "2001:db8:0:ab00:ffff:ffff:ffff:ffff", T0,
	    5), 5);
	assert_int_equal(sent(r, "2001:db8:0:ab00:12::", T0, 1), 0);
	/* The next /64 and another /48 are not. */
	assert_int_equal(sent(r, "2001:db8:0:ab01::1", T0, 20), 10);
	assert_int_equal(sent(r, "2001:db8:1:ab00::1", T0, 20), 10);
	/* IPv4 and IPv6 keys never meet, even with equal bytes. */
	assert_int_equal(sent(r, "32.1.13.1", T0, 20), 10);
	fd_rrl_free(r);
}

/*
 * Positive answers count per name: a resolver asking for many names from
 * one /24 gets each at the rate, not all of them together; the letter
 * case of the question does not make a new name.
 */
static void
test_positive_keyed_by_name(void **state)
{
	struct fd_rrl *r = table(2, 0, 0);
	char name[64];
	int i, ok = 0;

	for (i = 0; i < 100; i++) {
		snprintf(name, sizeof(name), "g%d.example.test", i);
		ok += check_answer(r, "192.0.2.1", T0, name, 1, 0, 1) ==
		    FD_RRL_SEND;
		ok += check_answer(r, "192.0.2.77", T0, name, 28, 0, 1) ==
		    FD_RRL_SEND;
		/* the third of that name, whatever its case: over */
		name[0] = 'G';
		assert_int_equal(check_answer(r, "192.0.2.1", T0, name, 1, 0,
		    1), FD_RRL_DROP);
	}
	assert_int_equal(ok, 200);
	/* ANY is counted apart from the name's other answers. */
	assert_int_equal(check_answer(r, "192.0.2.1", T0, "g1.example.test",
	    255, 0, 1), FD_RRL_SEND);
	fd_rrl_free(r);
}

/*
 * Negative answers and errors count per zone: random names cannot spread
 * a flood of NXDOMAIN over many buckets.  Each kind has its own limit.
 */
static void
test_negative_keyed_by_zone(void **state)
{
	static const struct {
		uint16_t qtype;
		uint8_t rcode;
		uint16_t ancount;
	} kinds[] = {
		{1, 3, 0},      /* NXDOMAIN */
		{28, 0, 0},     /* NODATA */
		{1, 5, 0},      /* REFUSED */
		{1, 1, 0},      /* FORMERR: an error like REFUSED */
	};
	struct fd_rrl *r = table(5, 0, 0);
	char name[64];
	size_t k;
	int i, ok;

	for (k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
		for (i = ok = 0; i < 50; i++) {
			snprintf(name, sizeof(name), "nx%d-%zu.example.test", i,
			    k);
			ok += check_answer(r, "198.51.100.3", T0, name,
			    kinds[k].qtype, kinds[k].rcode, kinds[k].ancount) ==
			    FD_RRL_SEND;
		}
		/* REFUSED and FORMERR share the error limit */
		assert_int_equal(ok, k < 3 ? 5 : 0);
	}
	/* Positive answers to that network are untouched by all that. */
	assert_int_equal(sent(r, "198.51.100.3", T0, 10), 5);
	fd_rrl_free(r);
}

/* A TC=1 answer with no records yet is a positive one (it had records). */
static void
test_truncated_counts_as_positive(void **state)
{
	struct fd_rrl *r = table(1, 0, 0);
	struct sockaddr_storage ss = addr("192.0.2.1");
	uint8_t p[512];
	size_t len = answer_to(p, "big.example.test", 28, 0, 0);

	p[2] |= 0x02;
	assert_int_equal(fd_rrl_check(r, (struct sockaddr *)&ss, p, len, T0),
	    FD_RRL_SEND);
	/* the same name's full answer shares its bucket */
	assert_int_equal(check_answer(r, "192.0.2.1", T0, "big.example.test",
	    28, 0, 3), FD_RRL_DROP);
	/* a NODATA for it does not */
	p[2] &= (uint8_t)~0x02;
	assert_int_equal(fd_rrl_check(r, (struct sockaddr *)&ss, p, len, T0),
	    FD_RRL_SEND);
	/* an answer that does not parse counts as an error, never crashes */
	assert_int_equal(fd_rrl_check(r, (struct sockaddr *)&ss, p, 5, T0),
	    FD_RRL_SEND);
	assert_int_equal(fd_rrl_check(r, (struct sockaddr *)&ss, p, 20, T0),
	    FD_RRL_DROP);
	fd_rrl_free(r);
}

static void
test_other_family_not_limited(void **state)
{
	struct fd_rrl *r = table(1, 0, 0);
	struct sockaddr_storage ss;
	int i;

	uint8_t p[512];
	size_t len = answer_to(p, "www.example.test", 1, 0, 1);

	memset(&ss, 0, sizeof(ss));
	ss.ss_family = AF_UNIX;
	for (i = 0; i < 10; i++)
		assert_int_equal(fd_rrl_check(r, (struct sockaddr *)&ss, p, len,
		    T0), FD_RRL_SEND);
	fd_rrl_free(r);
}

/* The verdicts after the rate is used up, as a string of S D T. */
static void
pattern(uint32_t slip, const char *want)
{
	struct fd_rrl *r = table(3, slip, 0);
	char got[32];
	size_t i, n = strlen(want);
	enum fd_rrl_verdict v;

	assert_int_equal(sent(r, "192.0.2.1", T0, 3), 3);
	for (i = 0; i < n; i++) {
		v = check(r, "192.0.2.1", T0);
		got[i] = v == FD_RRL_SEND ? 'S' : v == FD_RRL_DROP ? 'D' : 'T';
	}
	got[n] = '\0';
	assert_string_equal(got, want);
	fd_rrl_free(r);
}

static void
test_slip_pattern(void **state)
{
	pattern(0, "DDDDDDDD");
	pattern(1, "TTTTTTTT");
	pattern(2, "DTDTDTDT");
	pattern(3, "DDTDDTDD");
	pattern(10, "DDDDDDDDDTDD");
}

static void
test_counters(void **state)
{
	struct fd_rrl *r = table(5, 2, 0);
	struct fd_rrl_stats st;

	fd_rrl_stats(r, &st);
	assert_true(st.limited == 0 && st.dropped == 0 && st.slipped == 0);
	assert_int_equal(sent(r, "192.0.2.1", T0, 15), 5);
	assert_int_equal(sent(r, "2001:db8::1", T0, 6), 5);
	fd_rrl_stats(r, &st);
	/* 10 limited in 192.0.2/24 (5 slipped), 1 in the /64 (dropped). */
	assert_int_equal(st.limited, 11);
	assert_int_equal(st.slipped, 5);
	assert_int_equal(st.dropped, 6);
	fd_rrl_free(r);
}

static void
test_refill(void **state)
{
	struct fd_rrl *r = table(10, 0, 0);

	assert_int_equal(sent(r, "192.0.2.1", T0, 50), 10);
	/* 10 per second: one answer accrues every 100 ms, exactly. */
	assert_int_equal(sent(r, "192.0.2.1", T0 + 50, 5), 0);
	assert_int_equal(sent(r, "192.0.2.1", T0 + 99, 5), 0);
	assert_int_equal(sent(r, "192.0.2.1", T0 + 100, 5), 1);
	assert_int_equal(sent(r, "192.0.2.1", T0 + 350, 5), 2);
	/* Fractions carry over: the 50 ms left at 350 and 50 more make one. */
	assert_int_equal(sent(r, "192.0.2.1", T0 + 399, 5), 0);
	assert_int_equal(sent(r, "192.0.2.1", T0 + 400, 5), 1);
	/* Idle for long: a full second's worth, never more. */
	assert_int_equal(sent(r, "192.0.2.1", T0 + 5000, 50), 10);
	assert_int_equal(sent(r, "192.0.2.1", T0 + 7500, 50), 10);
	/* A clock going backwards refills nothing. */
	assert_int_equal(sent(r, "192.0.2.1", T0 + 6000, 5), 0);
	fd_rrl_free(r);
}

static void
test_steady_flood(void **state)
{
	struct fd_rrl *r = table(20, 2, 0);
	uint64_t t;
	int ok = 0;

	/*
	 * 3000 qps for 2 s (T0 .. T0 + 1999 ms): 20 at once, then one every
	 * 50 ms, the 1950 ms mark the last.
	 */
	for (t = 0; t < 6000; t++)
		ok += check(r, "192.0.2.1", T0 + t / 3) == FD_RRL_SEND;
	assert_int_equal(ok, 20 + 39);
	fd_rrl_free(r);
}

static void
test_shared_bucket(void **state)
{
	/* One bucket: every prefix collides. */
	struct fd_rrl *r = table(10, 0, 1);

	assert_int_equal(sent(r, "192.0.2.1", T0, 6), 6);
	/* A colliding prefix shares the limit while the owner is active. */
	assert_int_equal(sent(r, "198.51.100.1", T0, 10), 4);
	assert_int_equal(sent(r, "192.0.2.1", T0 + 500, 10), 5);
	/* Once the bucket has refilled, the newcomer takes it over. */
	assert_int_equal(sent(r, "198.51.100.1", T0 + 1500, 20), 10);
	assert_int_equal(sent(r, "192.0.2.1", T0 + 1500, 5), 0);
	fd_rrl_free(r);
}

/* ---- fd_rrl_slip --------------------------------------------------- */

static const uint8_t qname[] = "\3www\7example\4test";   /* + root */

/* A response: question, one A answer, one NS authority, A glue, OPT. */
static size_t
build_answer(uint8_t *p, bool opt, uint16_t rcode)
{
	size_t n = 0;
	static const uint8_t rr_a[] = {0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 30,
	    0, 4, 192, 0, 2, 1};
	static const uint8_t rr_ns[] = {0xc0, 0x10, 0, 2, 0, 1, 0, 0, 0x0e,
	    0x10, 0, 6, 3, 'n', 's', '1', 0xc0, 0x10};
	static const uint8_t rr_glue[] = {0xc0, 0x3e, 0, 1, 0, 1, 0, 0, 0x0e,
	    0x10, 0, 4, 192, 0, 2, 53};
	static const uint8_t rr_opt[] = {0, 0, 41, 0x04, 0xd0, 0, 0, 0x80, 0,
	    0, 0};
	uint8_t hdr[12] = {0xbe, 0xef, 0x85, 0x00, 0, 1, 0, 1, 0, 1, 0, 1};

	hdr[3] = (uint8_t)rcode;
	if (opt)
		hdr[11] = 2;
	memcpy(p, hdr, 12);
	n = 12;
	memcpy(p + n, qname, sizeof(qname));   /* with the root label */
	n += sizeof(qname);
	memcpy(p + n, "\0\1\0\1", 4);
	n += 4;
	memcpy(p + n, rr_a, sizeof(rr_a));
	n += sizeof(rr_a);
	/* The NS owner points at "example.test" (offset 16). */
	memcpy(p + n, rr_ns, sizeof(rr_ns));
	n += sizeof(rr_ns);
	/* The glue owner points at "ns1..." just written (offset 62). */
	assert_int_equal(n - 6, 62);
	memcpy(p + n, rr_glue, sizeof(rr_glue));
	n += sizeof(rr_glue);
	if (opt) {
		memcpy(p + n, rr_opt, sizeof(rr_opt));
		n += sizeof(rr_opt);
	}
	return n;
}

static ldns_pkt *
parse(const uint8_t *p, size_t len)
{
	ldns_pkt *pkt = NULL;

	assert_int_equal(ldns_wire2pkt(&pkt, p, len), LDNS_STATUS_OK);
	return pkt;
}

static void
test_slip_form(void **state)
{
	uint8_t p[512];
	size_t len, qend = 12 + sizeof(qname) + 4;
	ldns_pkt *pkt;

	/* With EDNS: header, question, OPT. */
	len = build_answer(p, true, 0);
	pkt = parse(p, len);   /* the input is well-formed */
	assert_int_equal(ldns_pkt_ancount(pkt), 1);
	ldns_pkt_free(pkt);
	len = fd_rrl_slip(p, len);
	assert_int_equal(len, qend + 11);
	pkt = parse(p, len);
	assert_int_equal(ldns_pkt_id(pkt), 0xbeef);
	assert_true(ldns_pkt_qr(pkt) && ldns_pkt_aa(pkt) && ldns_pkt_rd(pkt));
	assert_true(ldns_pkt_tc(pkt));
	assert_int_equal(ldns_pkt_get_rcode(pkt), LDNS_RCODE_NOERROR);
	assert_int_equal(ldns_pkt_qdcount(pkt), 1);
	assert_int_equal(ldns_pkt_ancount(pkt), 0);
	assert_int_equal(ldns_pkt_nscount(pkt), 0);
	assert_true(ldns_pkt_edns(pkt));
	assert_int_equal(ldns_pkt_edns_udp_size(pkt), 1232);
	assert_true(ldns_pkt_edns_do(pkt));
	assert_memory_equal(p + 12, qname, sizeof(qname));
	ldns_pkt_free(pkt);

	/* Without: header and question; the rcode stays. */
	len = build_answer(p, false, 3);
	len = fd_rrl_slip(p, len);
	assert_int_equal(len, qend);
	pkt = parse(p, len);
	assert_true(ldns_pkt_tc(pkt));
	assert_int_equal(ldns_pkt_get_rcode(pkt), LDNS_RCODE_NXDOMAIN);
	assert_int_equal(ldns_pkt_arcount(pkt), 0);
	assert_false(ldns_pkt_edns(pkt));
	ldns_pkt_free(pkt);

	/* Slipping a slipped answer changes nothing. */
	assert_int_equal(fd_rrl_slip(p, len), qend);
	assert_int_equal(p[2] & 0x02, 0x02);
}

static void
test_slip_malformed(void **state)
{
	uint8_t p[512];
	size_t len = build_answer(p, true, 0), cut;

	/* A header alone (a truncated answer with no question) is fine. */
	memset(p + 4, 0, 8);
	assert_int_equal(fd_rrl_slip(p, 12), 12);
	assert_int_equal(fd_rrl_slip(p, 11), 0);
	/* Cut anywhere inside a record: refused, never read past len. */
	for (cut = 12; cut < len; cut++) {
		uint8_t *copy = malloc(cut);

		build_answer(p, true, 0);
		memcpy(copy, p, cut);
		assert_int_equal(fd_rrl_slip(copy, cut), 0);
		free(copy);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_new_args),
		cmocka_unit_test(test_rate_per_prefix),
		cmocka_unit_test(test_v4_prefix_24),
		cmocka_unit_test(test_v6_prefix_64),
		cmocka_unit_test(test_positive_keyed_by_name),
		cmocka_unit_test(test_negative_keyed_by_zone),
		cmocka_unit_test(test_truncated_counts_as_positive),
		cmocka_unit_test(test_other_family_not_limited),
		cmocka_unit_test(test_slip_pattern),
		cmocka_unit_test(test_counters),
		cmocka_unit_test(test_refill),
		cmocka_unit_test(test_steady_flood),
		cmocka_unit_test(test_shared_bucket),
		cmocka_unit_test(test_slip_form),
		cmocka_unit_test(test_slip_malformed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
