/*
 * rrl.c - response rate limiting: a token bucket per source prefix.
 *
 * See rrl.h for the design.  Tokens are counted in thousandths of an
 * answer so that a refill of rate/1000 per millisecond is exact in
 * integers: a bucket holds at most rate * 1000 of them (at most 10^6,
 * since rrl.rate <= 1000 in config; any uint32 rate up to 4 * 10^6 fits).
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "flipdns/dns/dnswire.h"
#include "flipdns/dns/rrl.h"

/* One answer, in tokens. */
#define TOKEN 1000u
/* The bucket is full after this long idle: one second of answers. */
#define REFILL_MS 1000u
/* rate * TOKEN must fit the bucket's uint32 count. */
#define RATE_MAX (UINT32_MAX / TOKEN)

/* Key tags in the top byte, so no prefix key is 0 (an unused bucket). */
#define KEY_V4 (UINT64_C(4) << 56)
#define KEY_V6 (UINT64_C(6) << 56)

struct bucket {
	uint64_t key;       /* the prefix it counts for; 0: never used */
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

/*
 * SipHash-2-4 (Aumasson, Bernstein) of one 8-byte message, the key as
 * two 64-bit words.  A keyed PRF: without the key, which prefixes share
 * a bucket cannot be predicted from outside.
 */
#define ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))
#define SIPROUND                                                          \
	do {                                                              \
		v0 += v1; v1 = ROTL(v1, 13); v1 ^= v0; v0 = ROTL(v0, 32);  \
		v2 += v3; v3 = ROTL(v3, 16); v3 ^= v2;                     \
		v0 += v3; v3 = ROTL(v3, 21); v3 ^= v0;                     \
		v2 += v1; v1 = ROTL(v1, 17); v1 ^= v2; v2 = ROTL(v2, 32);  \
	} while (0)

static uint64_t
siphash_u64(uint64_t k0, uint64_t k1, uint64_t m)
{
	uint64_t v0 = k0 ^ UINT64_C(0x736f6d6570736575);
	uint64_t v1 = k1 ^ UINT64_C(0x646f72616e646f6d);
	uint64_t v2 = k0 ^ UINT64_C(0x6c7967656e657261);
	uint64_t v3 = k1 ^ UINT64_C(0x7465646279746573);
	uint64_t last = UINT64_C(8) << 56;  /* message length, no tail */

	v3 ^= m;
	SIPROUND;
	SIPROUND;
	v0 ^= m;
	v3 ^= last;
	SIPROUND;
	SIPROUND;
	v0 ^= last;
	v2 ^= 0xff;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	return v0 ^ v1 ^ v2 ^ v3;
}

static enum fd_err
random_seed(uint64_t seed[2])
{
	uint8_t *p = (uint8_t *)seed;
	size_t got = 0;
	ssize_t n;

	while (got < 2 * sizeof(uint64_t)) {
		n = getrandom(p + got, 2 * sizeof(uint64_t) - got, 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return FD_ESYS;
		}
		got += (size_t)n;
	}
	return FD_OK;
}

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
	else if ((err = random_seed(key)) != FD_OK)
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

/* The source's prefix as a nonzero key, or 0 when it is not limited. */
static uint64_t
prefix_key(const struct sockaddr *peer)
{
	const struct sockaddr_in *sin = (const struct sockaddr_in *)peer;
	const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)peer;
	const uint8_t *a;
	uint64_t k = 0;
	int i;

	if (peer->sa_family == AF_INET) {
		a = (const uint8_t *)&sin->sin_addr;
	} else if (peer->sa_family == AF_INET6) {
		a = sin6->sin6_addr.s6_addr;
		if (!IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr)) {
			for (i = 0; i < FD_RRL_V6_PREFIX / 8; i++)
				k = k << 8 | a[i];
			return KEY_V6 | k;
		}
		a += 12;
	} else
		return 0;
	for (i = 0; i < FD_RRL_V4_PREFIX / 8; i++)
		k = k << 8 | a[i];
	return KEY_V4 | k;
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
fd_rrl_check(struct fd_rrl *r, const struct sockaddr *peer, uint64_t now_ms)
{
	uint64_t key = prefix_key(peer);
	struct bucket *b;

	if (key == 0)
		return FD_RRL_SEND;
	b = &r->b[siphash_u64(r->k0, r->k1, key) & r->mask];
	if (b->key != key) {
		/* Unused, or another prefix's: take it once it is idle. */
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
