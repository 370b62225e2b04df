/*
 * tsig.c - TSIG (RFC 8945) over flat buffers; see tsig.h.  The HMAC is
 * OpenSSL's EVP_MAC: nothing cryptographic is written here, only what
 * RFC 8945 4.3 says goes into the digest, and the TSIG RR's framing.
 */
#include <pthread.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "flipdns/dns/tsig.h"

/* Per algorithm: its name on the wire, OpenSSL's digest, MAC length. */
static const struct {
	enum fd_tsig_alg alg;
	const uint8_t *name;
	uint8_t name_len;
	const char *digest;
	uint16_t mac_len;
} algs[] = {
	{FD_TSIG_HMAC_SHA256, (const uint8_t *)"\x0bhmac-sha256", 13,
	    "SHA256", 32},
	{FD_TSIG_HMAC_SHA512, (const uint8_t *)"\x0bhmac-sha512", 13,
	    "SHA512", 64},
};
#define NALGS (sizeof(algs) / sizeof(algs[0]))

/* RFC 8945 5.2.2.1: a MAC is never cut below 10 bytes nor half its size. */
#define MAC_MIN 10

static EVP_MAC *hmac;
static pthread_once_t hmac_once = PTHREAD_ONCE_INIT;

/* Fetched once: the lookup is not cheap, the handle is thread-safe. */
static void
hmac_fetch(void)
{
	hmac = EVP_MAC_fetch(NULL, "HMAC", NULL);
}

static int
alg_index(enum fd_tsig_alg alg)
{
	for (size_t i = 0; i < NALGS; i++)
		if (algs[i].alg == alg)
			return (int)i;
	return -1;
}

static uint16_t
get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint64_t
get48(const uint8_t *p)
{
	return (uint64_t)get16(p) << 32 | (uint64_t)get16(p + 2) << 16 |
	    get16(p + 4);
}

static void
put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

static void
put48(uint8_t *p, uint64_t v)
{
	put16(p, (uint16_t)(v >> 32));
	put16(p + 2, (uint16_t)(v >> 16));
	put16(p + 4, (uint16_t)v);
}

enum fd_err
fd_tsig_wkey_from_conf(const struct fd_tsig_key *k, struct fd_tsig_wkey *out)
{
	int n = fd_dname_from_text(k->name, out->name);

	if (n <= 0 || alg_index(k->alg) < 0 || k->secret_len >
	    sizeof(out->secret))
		return FD_ECONFIG;
	out->name_len = (uint8_t)n;
	out->alg = k->alg;
	memcpy(out->secret, k->secret, k->secret_len);
	out->secret_len = (uint16_t)k->secret_len;
	return FD_OK;
}

/* ---- the MAC ----------------------------------------------------------- */

struct mac {
	EVP_MAC_CTX *ctx;
	bool ok;
};

static void
mac_begin(struct mac *m, const struct fd_tsig_wkey *key)
{
	OSSL_PARAM params[2];
	int a = alg_index(key->alg);

	m->ctx = NULL;
	m->ok = false;
	pthread_once(&hmac_once, hmac_fetch);
	if (hmac == NULL || a < 0 || (m->ctx = EVP_MAC_CTX_new(hmac)) == NULL)
		return;
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
	    (char *)algs[a].digest, 0);
	params[1] = OSSL_PARAM_construct_end();
	m->ok = EVP_MAC_init(m->ctx, key->secret, key->secret_len, params) == 1;
}

static void
mac_add(struct mac *m, const void *p, size_t n)
{
	if (m->ok && n > 0)
		m->ok = EVP_MAC_update(m->ctx, p, n) == 1;
}

static void
mac_add16(struct mac *m, uint16_t v)
{
	uint8_t b[2];

	put16(b, v);
	mac_add(m, b, 2);
}

/* The MAC into out (FD_TSIG_MAC_MAX bytes); false when OpenSSL failed. */
static bool
mac_end(struct mac *m, uint8_t *out, size_t *len)
{
	bool ok = m->ok && EVP_MAC_final(m->ctx, out, len, FD_TSIG_MAC_MAX) ==
	    1;

	EVP_MAC_CTX_free(m->ctx);
	m->ctx = NULL;
	return ok;
}

/*
 * The TSIG variables (RFC 8945 4.3.3): all of them, or with timers_only
 * the time and fudge alone (later messages of a stream, 4.3.2).
 */
static void
mac_variables(struct mac *m, const struct fd_tsig_wkey *key,
    uint64_t time_signed, uint16_t fudge, uint16_t error,
    const uint8_t *other, uint16_t other_len, bool timers_only)
{
	int a = alg_index(key->alg);
	uint8_t b[10];

	if (!timers_only) {
		mac_add(m, key->name, key->name_len);
		mac_add16(m, FD_C_ANY);
		memset(b, 0, 4);           /* TTL 0 */
		mac_add(m, b, 4);
		mac_add(m, algs[a].name, algs[a].name_len);
	}
	put48(b, time_signed);
	put16(b + 6, fudge);
	mac_add(m, b, 8);
	if (!timers_only) {
		mac_add16(m, error);
		mac_add16(m, other_len);
		mac_add(m, other, other_len);
	}
}

/* ---- verifying a request ----------------------------------------------- */

/* The key of this name and algorithm, or -1. */
static int
key_find(const struct fd_tsig_wkey *keys, int nkeys, const uint8_t *name,
    size_t name_len, const uint8_t *alg, size_t alg_len)
{
	for (int i = 0; i < nkeys; i++) {
		int a = alg_index(keys[i].alg);

		if (keys[i].name_len == name_len &&
		    memcmp(keys[i].name, name, name_len) == 0 &&
		    algs[a].name_len == alg_len &&
		    memcmp(algs[a].name, alg, alg_len) == 0)
			return i;
	}
	return -1;
}

uint8_t
fd_tsig_verify(const struct fd_tsig_wkey *keys, int nkeys, const uint8_t *pkt,
    size_t len, size_t rr_off, const struct fd_rr *rr, uint64_t now,
    struct fd_tsig *t)
{
	uint8_t hdr[FD_HDR_LEN], mac[FD_TSIG_MAC_MAX];
	const uint8_t *p, *rmac, *other;
	size_t off = rr_off, end, mac_len = 0, full;
	uint16_t rmac_len, other_len, error;
	struct mac m;
	int a;

	memset(t, 0, offsetof(struct fd_tsig, mac));
	t->present = true;
	t->key = -1;
	t->mac_len = 0;
	/* the owner, the key's name, lower-cased (RFC 8945 4.3.3) */
	t->key_name_len = (uint8_t)fd_name_read(pkt, len, &off, t->key_name,
	    NULL);
	off = rr->rdata;
	end = rr->rdata + rr->rdlen;
	if (t->key_name_len == 0 || rr->rclass != FD_C_ANY || rr->ttl != 0)
		return FD_RCODE_FORMERR;
	t->alg_name_len = (uint8_t)fd_name_read(pkt, end, &off, t->alg_name,
	    NULL);
	/* time 6, fudge 2, MAC size 2 */
	if (t->alg_name_len == 0 || end - off < 10)
		return FD_RCODE_FORMERR;
	p = pkt + off;
	t->time_signed = get48(p);
	t->fudge = get16(p + 6);
	rmac_len = get16(p + 8);
	off += 10;
	/* MAC, original ID 2, error 2, other length 2 */
	if (end - off < (size_t)rmac_len + 6)
		return FD_RCODE_FORMERR;
	rmac = pkt + off;
	off += rmac_len;
	error = get16(pkt + off + 2);
	other_len = get16(pkt + off + 4);
	other = pkt + off + 6;
	if (end - off - 6 != other_len)
		return FD_RCODE_FORMERR;
	(void)error;

	if ((t->key = key_find(keys, nkeys, t->key_name, t->key_name_len,
	    t->alg_name, t->alg_name_len)) < 0) {
		t->error = FD_TSIG_BADKEY;
		return FD_RCODE_NOTAUTH;
	}
	a = alg_index(keys[t->key].alg);
	full = algs[a].mac_len;
	if (rmac_len > full || rmac_len < MAC_MIN || rmac_len < full / 2) {
		t->key = -1;
		return FD_RCODE_FORMERR;
	}

	/* The request as it was before the TSIG: ARCOUNT one less, its ID
	 * the original (RFC 8945 4.3.1, 4.3.2). */
	memcpy(hdr, pkt, FD_HDR_LEN);
	memcpy(hdr, pkt + off, 2);
	put16(hdr + 10, (uint16_t)(get16(pkt + 10) - 1));
	mac_begin(&m, &keys[t->key]);
	mac_add(&m, hdr, FD_HDR_LEN);
	mac_add(&m, pkt + FD_HDR_LEN, rr_off - FD_HDR_LEN);
	mac_variables(&m, &keys[t->key], t->time_signed, t->fudge,
	    get16(pkt + off + 2), other, other_len, false);
	if (!mac_end(&m, mac, &mac_len) || mac_len != full ||
	    CRYPTO_memcmp(mac, rmac, rmac_len) != 0) {
		t->key = -1;
		t->error = FD_TSIG_BADSIG;
		return FD_RCODE_NOTAUTH;
	}
	/* We sign only with full MACs, and accept only them (5.2.2.1). */
	if (rmac_len < full) {
		t->key = -1;
		t->error = FD_TSIG_BADTRUNC;
		return FD_RCODE_NOTAUTH;
	}
	memcpy(t->mac, rmac, rmac_len);
	t->mac_len = rmac_len;
	/* Time last: a forged request must not learn our clock (5.2.3). */
	if ((now > t->time_signed ? now - t->time_signed :
	    t->time_signed - now) > t->fudge) {
		t->error = FD_TSIG_BADTIME;
		return FD_RCODE_NOTAUTH;
	}
	return FD_RCODE_NOERROR;
}

/* ---- signing ----------------------------------------------------------- */

/* The names our TSIG RR carries: the key's, or the request's if unknown. */
static void
rr_names(const struct fd_tsig_wkey *keys, const struct fd_tsig *t,
    const uint8_t **kn, size_t *knl, const uint8_t **an, size_t *anl)
{
	if (t->key >= 0) {
		int a = alg_index(keys[t->key].alg);

		*kn = keys[t->key].name;
		*knl = keys[t->key].name_len;
		*an = algs[a].name;
		*anl = algs[a].name_len;
	} else {
		*kn = t->key_name;
		*knl = t->key_name_len;
		*an = t->alg_name;
		*anl = t->alg_name_len;
	}
}

static bool
signs(const struct fd_tsig *t)
{
	return t->key >= 0 && t->error != FD_TSIG_BADKEY &&
	    t->error != FD_TSIG_BADSIG && t->error != FD_TSIG_BADTRUNC;
}

size_t
fd_tsig_rr_len(const struct fd_tsig_wkey *keys, const struct fd_tsig *t)
{
	const uint8_t *kn, *an;
	size_t knl, anl, mac = 0;

	rr_names(keys, t, &kn, &knl, &an, &anl);
	if (signs(t))
		mac = algs[alg_index(keys[t->key].alg)].mac_len;
	return knl + 10 + anl + 16 + mac + (t->error == FD_TSIG_BADTIME ? 6 :
	    0);
}

/* The TSIG RR itself, after the MAC is known. */
static bool
put_rr(struct fd_wbuf *w, const uint8_t *kn, size_t knl, const uint8_t *an,
    size_t anl, uint64_t time_signed, uint16_t id, uint16_t error,
    const uint8_t *mac, size_t mac_len, const uint8_t *other,
    uint16_t other_len)
{
	uint8_t b[10];
	size_t start = w->len;

	/* uncompressed: the owner and algorithm are digested as sent */
	if (!fd_put_bytes(w, kn, knl) || !fd_put_u16(w, FD_T_TSIG) ||
	    !fd_put_u16(w, FD_C_ANY) || !fd_put_u32(w, 0) ||
	    !fd_put_u16(w, (uint16_t)(anl + 16 + mac_len + other_len)) ||
	    !fd_put_bytes(w, an, anl))
		goto full;
	put48(b, time_signed);
	put16(b + 6, FD_TSIG_FUDGE);
	put16(b + 8, (uint16_t)mac_len);
	if (!fd_put_bytes(w, b, 10) ||
	    (mac_len > 0 && !fd_put_bytes(w, mac, mac_len)) ||
	    !fd_put_u16(w, id) || !fd_put_u16(w, error) ||
	    !fd_put_u16(w, other_len) ||
	    (other_len > 0 && !fd_put_bytes(w, other, other_len)))
		goto full;
	put16(w->p + 10, (uint16_t)(get16(w->p + 10) + 1));
	return true;
full:
	fd_wbuf_rewind(w, start);
	return false;
}

bool
fd_tsig_sign(struct fd_wbuf *w, const struct fd_tsig_wkey *keys,
    struct fd_tsig *t, uint64_t now, bool next)
{
	const uint8_t *kn, *an;
	uint8_t mac[FD_TSIG_MAC_MAX], other[6];
	size_t knl, anl, mac_len = 0;
	uint16_t other_len = 0;
	uint64_t signed_at = now;
	struct mac m;

	if (w->len < FD_HDR_LEN)
		return false;
	rr_names(keys, t, &kn, &knl, &an, &anl);
	if (t->error == FD_TSIG_BADTIME) {
		/* the request's time, and ours as other data (5.2.3) */
		signed_at = t->time_signed;
		put48(other, now);
		other_len = 6;
	}
	if (signs(t)) {
		mac_begin(&m, &keys[t->key]);
		mac_add16(&m, t->mac_len);
		mac_add(&m, t->mac, t->mac_len);
		mac_add(&m, w->p, w->len);
		mac_variables(&m, &keys[t->key], signed_at, FD_TSIG_FUDGE,
		    t->error, other, other_len, next);
		if (!mac_end(&m, mac, &mac_len))
			return false;
	}
	if (!put_rr(w, kn, knl, an, anl, signed_at, get16(w->p), t->error, mac,
	    mac_len, other, other_len))
		return false;
	memcpy(t->mac, mac, mac_len);
	t->mac_len = (uint16_t)mac_len;
	return true;
}

bool
fd_tsig_sign_request(struct fd_wbuf *w, const struct fd_tsig_wkey *key,
    uint64_t now, struct fd_tsig *t)
{
	uint8_t mac[FD_TSIG_MAC_MAX];
	size_t mac_len = 0;
	int a = alg_index(key->alg);
	struct mac m;

	memset(t, 0, sizeof(*t));
	t->present = true;
	t->key = 0;
	t->time_signed = now;
	mac_begin(&m, key);
	mac_add(&m, w->p, w->len);
	mac_variables(&m, key, now, FD_TSIG_FUDGE, 0, NULL, 0, false);
	if (a < 0 || !mac_end(&m, mac, &mac_len) ||
	    !put_rr(w, key->name, key->name_len, algs[a].name,
	    algs[a].name_len, now, get16(w->p), 0, mac, mac_len, NULL, 0))
		return false;
	memcpy(t->mac, mac, mac_len);
	t->mac_len = (uint16_t)mac_len;
	return true;
}

bool
fd_tsig_check_answer(const struct fd_tsig_wkey *key, const struct fd_tsig *t,
    const uint8_t *pkt, size_t len, uint64_t now)
{
	uint8_t name[FD_DNAME_WIRE_MAX], hdr[FD_HDR_LEN], mac[FD_TSIG_MAC_MAX];
	const uint8_t *f;
	struct fd_hdr h;
	struct fd_rr rr;
	size_t off = FD_HDR_LEN, last = 0, mac_len = 0, nl, end;
	uint64_t signed_at;
	uint16_t other_len;
	int a = alg_index(key->alg);
	unsigned n;
	struct mac m;

	if (a < 0 || !fd_hdr_read(pkt, len, &h) || h.arcount == 0)
		return false;
	for (unsigned i = 0; i < h.qdcount; i++)
		if (fd_name_read(pkt, len, &off, name, NULL) == 0 ||
		    (off += 4) > len)
			return false;
	n = (unsigned)h.ancount + h.nscount + h.arcount;
	for (unsigned i = 0; i < n; i++) {
		last = off;
		if (!fd_rr_read(pkt, len, &off, &rr))
			return false;
	}
	if (rr.type != FD_T_TSIG || off != len)
		return false;
	/* by our key: its name and algorithm, the MAC of its size */
	off = last;
	nl = fd_name_read(pkt, len, &off, name, NULL);
	if (nl != key->name_len || memcmp(name, key->name, nl) != 0)
		return false;
	off = rr.rdata;
	end = rr.rdata + rr.rdlen;
	nl = fd_name_read(pkt, end, &off, name, NULL);
	if (nl != algs[a].name_len || memcmp(name, algs[a].name, nl) != 0 ||
	    end - off < 10u + t->mac_len + 6)
		return false;
	f = pkt + off;
	signed_at = get48(f);
	if (get16(f + 8) != t->mac_len)
		return false;
	other_len = get16(f + 10 + t->mac_len + 4);
	if (end - off != 10u + t->mac_len + 6 + other_len)
		return false;
	/* an answer is digested over the request MAC first (4.3.3) */
	memcpy(hdr, pkt, FD_HDR_LEN);
	memcpy(hdr, f + 10 + t->mac_len, 2);
	put16(hdr + 10, (uint16_t)(h.arcount - 1));
	mac_begin(&m, key);
	mac_add16(&m, t->mac_len);
	mac_add(&m, t->mac, t->mac_len);
	mac_add(&m, hdr, FD_HDR_LEN);
	mac_add(&m, pkt + FD_HDR_LEN, last - FD_HDR_LEN);
	mac_variables(&m, key, signed_at, get16(f + 6),
	    get16(f + 10 + t->mac_len + 2), f + 10 + t->mac_len + 6,
	    other_len, false);
	if (!mac_end(&m, mac, &mac_len) || mac_len != t->mac_len ||
	    CRYPTO_memcmp(mac, f + 10, mac_len) != 0)
		return false;
	return (now > signed_at ? now - signed_at : signed_at - now) <=
	    FD_TSIG_FUDGE;
}
