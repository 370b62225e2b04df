/*
 * rrl.h - response rate limiting for UDP (as NSD and Knot DNS do it).
 *
 * Why: a UDP query's source address can be forged, so an authoritative
 * server can be used to reflect and amplify traffic at a victim (our
 * largest answer, 64 AAAA records, is ~35 times its query).  RRL caps the
 * identical answers any one network (a /24 for IPv4, a /64 for IPv6, as
 * NSD) gets per second.  Over the cap, answers are dropped, except every
 * slip-th, which is sent truncated (TC=1, no records): a real client
 * behind that network retries over TCP, which cannot be forged and is
 * never limited, while a victim receives only small packets, fewer than
 * it was sent.
 *
 * What is counted together, as NSD and Knot do: the source prefix, the
 * kind of answer, and the name it is about.  A positive answer (and ANY)
 * is about its query name; NXDOMAIN, NODATA and errors are about the
 * zone (flipdns serves one, so no name), so random names cannot spread a
 * flood of negative answers over many buckets.  A resolver asking for
 * many different names from one /24 is therefore limited per name, not
 * as a whole: a busy but honest resolver is not slipped like a flood.
 * The kind and the name are read from the answer itself (its header and
 * question), so this module needs nothing from the query logic.
 *
 * The table: a fixed number of buckets, allocated once, each a token
 * bucket holding up to one second of answers (rate), refilled at rate per
 * second with millisecond precision.  The key (prefix, kind, name) picks
 * its bucket through SipHash keyed with a random seed drawn at creation,
 * so an attacker cannot choose keys that land in a victim's bucket.  A
 * bucket remembers its key's hash; another key hashing there takes it
 * over once it has refilled completely (an idle bucket is
 * indistinguishable from a fresh one), and until then the two share one
 * limit: a rare, unaimable collision makes the limit stricter, never
 * looser.
 *
 * Threads: a table belongs to one thread (each UDP thread, one per worker
 * and listen address, has its own, so nothing is locked or shared on the
 * query path).  The effective limit is therefore per UDP socket:
 * SO_REUSEPORT sends all datagrams of one 4-tuple (source address and
 * port) to one worker's socket, so a client using one socket sees exactly
 * rrl.rate; a flood from many source ports of one network spreads over the
 * workers and may get up to workers * rate answers per second (per listen
 * address it reaches).  The counters (fd_rrl_stats) may be read from any thread.
 *
 * Nothing here allocates after fd_rrl_new(), and nothing blocks.
 */
#ifndef FLIPDNS_RRL_H
#define FLIPDNS_RRL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "flipdns/util/error.h"

/*
 * Buckets per table (per UDP thread).  A bucket is busy only while its key
 * was answered more than its rate within the last second; 65536 of them
 * (1.5 MiB, touched only as used) hold more concurrently active keys than
 * one worker can answer, so collisions stay rare even under a spoofed
 * flood.
 */
#define FD_RRL_BUCKETS 65536

/*
 * Source prefixes counted as one network, NSD's defaults: a /24 is the
 * smallest IPv4 block routed on the internet, a /64 one IPv6 subnet.
 */
#define FD_RRL_V4_PREFIX 24
#define FD_RRL_V6_PREFIX 64

enum fd_rrl_verdict {
	FD_RRL_SEND,    /* within the limit: send the answer as built */
	FD_RRL_DROP,    /* limited: send nothing */
	FD_RRL_SLIP,    /* limited: send it truncated (fd_rrl_slip) */
};

/* Answers over the limit since creation; limited = dropped + slipped. */
struct fd_rrl_stats {
	uint64_t limited;
	uint64_t dropped;
	uint64_t slipped;
};

struct fd_rrl;

/*
 * A table limiting each prefix to rate answers per second (rate >= 1),
 * slipping every slip-th limited answer (0: never, 1: every one).
 * nbuckets is rounded up to a power of two (0: FD_RRL_BUCKETS).  seed
 * keys the hash; NULL draws it from getrandom(2) (tests pass a fixed one).
 * Errors: FD_EINVAL (rate 0), FD_ENOMEM, FD_ESYS (getrandom failed).
 * On success *out is owned by the caller: fd_rrl_free().
 */
enum fd_err fd_rrl_new(uint32_t rate, uint32_t slip, size_t nbuckets,
    const uint64_t seed[2], struct fd_rrl **out);

/* NULL is a no-op. */
void fd_rrl_free(struct fd_rrl *r);

/*
 * New limits for a live table (a reload): rate >= 1.  Every bucket starts
 * over, full, so no prefix is judged by a rate that no longer holds.
 */
void fd_rrl_set_limits(struct fd_rrl *r, uint32_t rate, uint32_t slip);

/*
 * Account answer ans[0..len) (a complete response, as fd_answer() built
 * it) to peer (AF_INET or AF_INET6; an IPv4-mapped IPv6 address counts
 * as its IPv4 address; another family is never limited) at time now_ms,
 * a monotonic clock in milliseconds (fd_rrl_now() in the daemon; tests
 * pass their own).  The kind and name come from the answer's header and
 * question; an answer that does not parse counts as an error answer.
 * Time going backwards refills nothing.  Only the owning thread may call
 * it.
 */
enum fd_rrl_verdict fd_rrl_check(struct fd_rrl *r,
    const struct sockaddr *peer, const uint8_t *ans, size_t len,
    uint64_t now_ms);

/* CLOCK_MONOTONIC_COARSE in milliseconds: cheap enough per batch. */
uint64_t fd_rrl_now(void);

/*
 * Turn a complete DNS response pkt[0..len) in place into its slipped
 * form: TC=1, the header's rcode and id kept, the question kept, the
 * answer, authority and additional sections removed except the OPT record
 * (so the client still learns our EDNS size), ANCOUNT = NSCOUNT = 0,
 * ARCOUNT = 1 with an OPT, else 0.  The same shape fd_answer() gives an
 * answer too large for UDP.  Returns the new length (<= len), or 0 when
 * pkt does not parse (then drop it).
 */
size_t fd_rrl_slip(uint8_t *pkt, size_t len);

/* The counters so far; any thread may call it while the owner runs. */
void fd_rrl_stats(const struct fd_rrl *r, struct fd_rrl_stats *out);

#endif
