/*
 * rrl.c - response rate limiting: a token bucket per source prefix.
 *
 * See rrl.h for the design.  Tokens are counted in thousandths of an
 * answer so that a refill of rate/1000 per millisecond is exact in
 * integers: a bucket holds at most rate * 1000 of them (at most 10^6,
 * since rrl.rate <= 1000 in config; any uint32 rate up to 4 * 10^6 fits).
 */
#include <netinet/in.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "flipdns/dns/dnswire.h"
#include "flipdns/dns/rrl.h"
#include "flipdns/util/siphash.h"

/* One answer, in tokens. */
#define TOKEN 1000u
/* The bucket is full after this long idle: one second of answers. */
#define REFILL_MS 1000u
/* rate * TOKEN must fit the bucket's uint32 count. */
#define RATE_MAX (UINT32_MAX / TOKEN)

/*
 * The kinds of answer counted apart (NSD's classes, less those flipdns
 * never gives: referral, wildcard, DNSSEC).  Values are part of the
 * hashed key only.
 */
enum kind {
	KIND_POSITIVE = 1,  /* records for the query name: keyed by it */
	KIND_ANY,           /* ANY (RFC 8482 answer): keyed by the name */
	KIND_NODATA,        /* the name has no such type: the zone */
	KIND_NXDOMAIN,      /* no such name: the zone, so random names meet */
	KIND_ERROR,         /* REFUSED, FORMERR, NOTIMP...: the zone */
};

/* Family tags starting the hashed key, so v4 and v6 never meet. */
#define TAG_V4 4
#define TAG_V6 6

/* The hashed key: tag, prefix (up to 8 bytes), kind, name (wire). */
#define KEY_MAX (1 + 8 + 1 + FD_DNAME_WIRE_MAX)

struct bucket {
	uint64_t key;       /* hash of the key it counts for; 0: never used */
	uint64_t stamp;     /* ms of the last refill */
	uint32_t tokens;    /* thousandths of an answer */
	uint32_t limited;   /* limited answers since the last slip */
};

/*
 * Written by the owning thread only, read by anyone: relaxed atomic loads
 * and stores (no read-modify-write, so no locked instruction per packet)
 * keep the values whole on every platform.
 */
struct counters {
	_Atomic uint64_t dropped;
	_Atomic uint64_t slipped;
};

struct fd_rrl {
	uint32_t rate;
	uint32_t full;      /* rate * TOKEN */
	uint32_t slip;
	uint64_t k0, k1;    /* SipHash key */
	size_t mask;        /* nbuckets - 1 */
	struct counters n;
	struct bucket b[];
};

enum fd_err
fd_rrl_new(uint32_t rate, uint32_t slip, size_t nbuckets,
    const uint64_t seed[2], struct fd_rrl **out)
{
	struct fd_rrl *r;
	uint64_t key[2];
	size_t n = 1;
	enum fd_err err;

	*out = NULL;
	if (rate == 0 || rate > RATE_MAX)
		return FD_EINVAL;
	if (nbuckets == 0)
		nbuckets = FD_RRL_BUCKETS;
	if (nbuckets > ((size_t)1 << 30))
		return FD_EINVAL;
	while (n < nbuckets)
		n <<= 1;
	if (seed != NULL)
		memcpy(key, seed, sizeof(key));
	else if ((err = fd_siphash_key(key)) != FD_OK)
		return err;

	/* calloc: every bucket unused (key 0); pages are touched as used. */
	if ((r = calloc(1, sizeof(*r) + n * sizeof(r->b[0]))) == NULL)
		return FD_ENOMEM;
	r->rate = rate;
	r->full = rate * TOKEN;
	r->slip = slip;
	r->k0 = key[0];
	r->k1 = key[1];
	r->mask = n - 1;
	atomic_init(&r->n.dropped, 0);
	atomic_init(&r->n.slipped, 0);
	*out = r;
	return FD_OK;
}

void
fd_rrl_free(struct fd_rrl *r)
{
	free(r);
}

void
fd_rrl_set_limits(struct fd_rrl *r, uint32_t rate, uint32_t slip)
{
	if (rate == 0 || rate > RATE_MAX)
		return;
	r->rate = rate;
	r->full = rate * TOKEN;
	r->slip = slip;
	memset(r->b, 0, (r->mask + 1) * sizeof(r->b[0]));
}

/*
 * The source's family tag and prefix into m; the bytes written, or 0
 * when the source is not limited (not IP).
 */
static size_t
put_prefix(const struct sockaddr *peer, uint8_t *m)
{
	const struct sockaddr_in *sin = (const struct sockaddr_in *)peer;
	const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)peer;
	const uint8_t *a;

	if (peer->sa_family == AF_INET) {
		a = (const uint8_t *)&sin->sin_addr;
	} else if (peer->sa_family == AF_INET6) {
		a = sin6->sin6_addr.s6_addr;
		if (!IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr)) {
			m[0] = TAG_V6;
			memcpy(m + 1, a, FD_RRL_V6_PREFIX / 8);
			return 1 + FD_RRL_V6_PREFIX / 8;
		}
		a += 12;
	} else
		return 0;
	m[0] = TAG_V4;
	memcpy(m + 1, a, FD_RRL_V4_PREFIX / 8);
	return 1 + FD_RRL_V4_PREFIX / 8;
}

/*
 * The kind of answer ans is, as NSD classifies; the query name, lower
 * case, into name (*name_len bytes) when the kind is keyed by it, else
 * *name_len = 0.  A truncated answer was going to carry records.
 */
static enum kind
classify(const uint8_t *ans, size_t len, uint8_t *name, size_t *name_len)
{
	struct fd_hdr h;
	size_t off = FD_HDR_LEN, n;
	uint16_t qtype;

	*name_len = 0;
	if (!fd_hdr_read(ans, len, &h))
		return KIND_ERROR;
	switch (h.flags & 0xf) {
	case FD_RCODE_NOERROR:
		break;
	case FD_RCODE_NXDOMAIN:
		return KIND_NXDOMAIN;
	default:
		return KIND_ERROR;
	}
	if (h.qdcount != 1 || (n = fd_name_read(ans, len, &off, name,
	    NULL)) == 0 || len - off < 4)
		return KIND_ERROR;
	if (h.ancount == 0 && !(h.flags & FD_F_TC))
		return KIND_NODATA;
	qtype = (uint16_t)(ans[off] << 8 | ans[off + 1]);
	*name_len = n;
	return qtype == FD_T_ANY ? KIND_ANY : KIND_POSITIVE;
}

/* The hash of (prefix, kind, name) as a nonzero key; 0: not limited. */
static uint64_t
answer_key(const struct fd_rrl *r, const struct sockaddr *peer,
    const uint8_t *ans, size_t len)
{
	uint8_t m[KEY_MAX];
	size_t n, name_len;
	uint64_t h;

	if ((n = put_prefix(peer, m)) == 0)
		return 0;
	m[n] = (uint8_t)classify(ans, len, m + n + 1, &name_len);
	h = fd_siphash(r->k0, r->k1, m, n + 1 + name_len);
	return h != 0 ? h : 1;
}

/* Add what accrued since the last refill, up to one second's worth. */
static void
refill(const struct fd_rrl *r, struct bucket *b, uint64_t now_ms)
{
	uint64_t elapsed;

	if (now_ms <= b->stamp)
		return;             /* same millisecond, or the clock went back */
	elapsed = now_ms - b->stamp;
	b->stamp = now_ms;
	if (elapsed >= REFILL_MS || r->full - b->tokens <= elapsed * r->rate)
		b->tokens = r->full;
	else
		b->tokens += (uint32_t)(elapsed * r->rate);
}

static void
bump(_Atomic uint64_t *c)
{
	atomic_store_explicit(c,
	    atomic_load_explicit(c, memory_order_relaxed) + 1,
	    memory_order_relaxed);
}

enum fd_rrl_verdict
fd_rrl_check(struct fd_rrl *r, const struct sockaddr *peer,
    const uint8_t *ans, size_t len, uint64_t now_ms)
{
	uint64_t key = answer_key(r, peer, ans, len);
	struct bucket *b;

	if (key == 0)
		return FD_RRL_SEND;
	b = &r->b[key & r->mask];
	if (b->key != key) {
		/* Unused, or another key's: take it once it is idle. */
		if (b->key != 0)
			refill(r, b, now_ms);
		if (b->key == 0 || b->tokens == r->full) {
			b->key = key;
			b->stamp = now_ms;
			b->tokens = r->full;
			b->limited = 0;
		}
	} else
		refill(r, b, now_ms);

	if (b->tokens >= TOKEN) {
		b->tokens -= TOKEN;
		return FD_RRL_SEND;
	}
	if (r->slip != 0 && ++b->limited >= r->slip) {
		b->limited = 0;
		bump(&r->n.slipped);
		return FD_RRL_SLIP;
	}
	bump(&r->n.dropped);
	return FD_RRL_DROP;
}

uint64_t
fd_rrl_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

size_t
fd_rrl_slip(uint8_t *pkt, size_t len)
{
	uint8_t name[FD_DNAME_WIRE_MAX];
	struct fd_hdr h;
	struct fd_rr rr;
	size_t off = FD_HDR_LEN, qend, start, opt = 0, optlen = 0;
	unsigned i, skip;

	if (!fd_hdr_read(pkt, len, &h))
		return 0;
	for (i = 0; i < h.qdcount; i++) {
		if (fd_name_read(pkt, len, &off, name, NULL) == 0 ||
		    len - off < 4)
			return 0;
		off += 4;
	}
	qend = off;
	skip = (unsigned)h.ancount + h.nscount;
	for (i = 0; i < skip; i++)
		if (!fd_rr_read(pkt, len, &off, &rr))
			return 0;
	for (i = 0; i < h.arcount; i++) {
		start = off;
		if (!fd_rr_read(pkt, len, &off, &rr))
			return 0;
		if (rr.type == FD_T_OPT && optlen == 0) {
			opt = start;
			optlen = off - start;
		}
	}
	/* The OPT's owner is the root, never a pointer: it moves as is. */
	if (optlen != 0)
		memmove(pkt + qend, pkt + opt, optlen);
	h.flags |= FD_F_TC;
	h.ancount = h.nscount = 0;
	h.arcount = optlen != 0 ? 1 : 0;
	fd_hdr_write(pkt, &h);
	return qend + optlen;
}

void
fd_rrl_stats(const struct fd_rrl *r, struct fd_rrl_stats *out)
{
	out->dropped = atomic_load_explicit(&r->n.dropped,
	    memory_order_relaxed);
	out->slipped = atomic_load_explicit(&r->n.slipped,
	    memory_order_relaxed);
	out->limited = out->dropped + out->slipped;
}
