/*
 * tsig.h - TSIG (RFC 8945): verifying signed requests and signing their
 * answers, one message or a stream of them (a zone transfer, 5.3.1),
 * with hmac-sha256 and hmac-sha512.  The HMAC is OpenSSL's.
 *
 * Only signed messages come here: the responder looks at the type of
 * each additional record it walks anyway and calls fd_tsig_verify() when
 * the last one is a TSIG, so unsigned queries cost nothing more.  A MAC
 * takes one OpenSSL context, made and freed per MAC: an allocation per
 * signed message, never per unsigned one.
 *
 * Keys live in the zone (zone.h), built from the key file at start and
 * reload.  Secrets are compared in constant time (CRYPTO_memcmp).
 */
#ifndef FLIPDNS_DNS_TSIG_H
#define FLIPDNS_DNS_TSIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "flipdns/conf/config.h"
#include "flipdns/dns/dnswire.h"

#define FD_T_TSIG         250
#define FD_C_ANY          255
#define FD_RCODE_NOTAUTH  9
/* TSIG error field values (RFC 8945 3, 5.2). */
#define FD_TSIG_BADSIG    16
#define FD_TSIG_BADKEY    17
#define FD_TSIG_BADTIME   18
#define FD_TSIG_BADTRUNC  22
/* Seconds of clock skew allowed both ways: RFC 8945 10 recommends 300. */
#define FD_TSIG_FUDGE     300
/* The longest MAC: SHA-512's 64 bytes. */
#define FD_TSIG_MAC_MAX   64
/*
 * Our TSIG RR at most: owner (a key name), 10 bytes of RR header, the
 * algorithm name (13 bytes: hmac-sha512.), 16 bytes of fixed fields, the
 * MAC, and 6 bytes of other data (our time, on BADTIME).
 */
#define FD_TSIG_RR_MAX (FD_DNAME_WIRE_MAX + 10 + 13 + 16 + FD_TSIG_MAC_MAX + 6)

/* One key, as the wire needs it (zone.h holds them). */
struct fd_tsig_wkey {
	uint8_t name[FD_DNAME_WIRE_MAX];   /* lower case */
	uint8_t name_len;
	enum fd_tsig_alg alg;
	uint8_t secret[FD_TSIG_SECRET_MAX];
	uint16_t secret_len;
};

/* The keys from config; FD_ECONFIG when a name does not convert. */
enum fd_err fd_tsig_wkey_from_conf(const struct fd_tsig_key *k,
    struct fd_tsig_wkey *out);

/*
 * What a request's TSIG said, and what signing the answers needs.  Kept
 * by a transfer for its whole stream (mac is then the prior MAC).
 */
struct fd_tsig {
	bool present;           /* the request had a TSIG RR */
	int key;                /* index of the key in the ring; -1: none */
	uint16_t error;         /* TSIG error for the answer (0, BAD*) */
	uint64_t time_signed;   /* the request's */
	uint16_t fudge;
	uint8_t mac[FD_TSIG_MAC_MAX];  /* request MAC, then the last we sent */
	uint16_t mac_len;
	/* the key and algorithm names as sent: an unknown key is answered
	 * with them (RFC 8945 5.2) */
	uint8_t key_name[FD_DNAME_WIRE_MAX];
	uint8_t key_name_len;
	uint8_t alg_name[FD_DNAME_WIRE_MAX];
	uint8_t alg_name_len;
};

/*
 * Verify the TSIG RR rr that starts at offset rr_off of the request
 * pkt[0..len) (it is the last record; the header's ARCOUNT counts it),
 * against keys[0..nkeys) at time now.  Fills t.  Returns the rcode to
 * answer: NOERROR when the request is good (t->key set), FORMERR when
 * the TSIG is malformed, NOTAUTH with t->error BADKEY (unknown key or
 * algorithm), BADSIG (wrong MAC), BADTRUNC (a MAC cut shorter than we
 * accept) or BADTIME (more than the fudge away from now; t->key set, as
 * that answer is signed).
 */
uint8_t fd_tsig_verify(const struct fd_tsig_wkey *keys, int nkeys,
    const uint8_t *pkt, size_t len, size_t rr_off, const struct fd_rr *rr,
    uint64_t now, struct fd_tsig *t);

/* Bytes the TSIG RR for t will take (for reserving room). */
size_t fd_tsig_rr_len(const struct fd_tsig_wkey *keys, const struct fd_tsig *t);

/*
 * Append the TSIG RR to the message in w (w->p[0..w->len) is the whole
 * message, its header's ARCOUNT not yet counting the TSIG), and count it
 * in ARCOUNT.  The first answer to a request is signed over the request
 * MAC, the message and all TSIG variables; with next true (a later
 * message of a stream, RFC 8945 5.3.1) over the prior MAC, the message
 * and the timers only.  Unsigned (MAC size 0) when t->error is BADKEY,
 * BADSIG or BADTRUNC.  t->mac becomes the MAC sent.  false when the RR
 * does not fit (w unchanged) or OpenSSL fails.
 */
bool fd_tsig_sign(struct fd_wbuf *w, const struct fd_tsig_wkey *keys,
    struct fd_tsig *t, uint64_t now, bool next);

/*
 * Sign a request we send (a NOTIFY) with key: w holds the whole message.
 * t receives the request MAC, to check the answer with
 * fd_tsig_check_answer().
 */
bool fd_tsig_sign_request(struct fd_wbuf *w, const struct fd_tsig_wkey *key,
    uint64_t now, struct fd_tsig *t);

/*
 * Check the signed answer pkt[0..len) to a request we signed (t from
 * fd_tsig_sign_request): true when its last record is a TSIG by the
 * same key whose MAC verifies and whose time is within the fudge.
 */
bool fd_tsig_check_answer(const struct fd_tsig_wkey *key,
    const struct fd_tsig *t, const uint8_t *pkt, size_t len, uint64_t now);

#endif
