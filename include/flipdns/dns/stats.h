/*
 * stats.h - counters of what the responder did, one block per thread.
 *
 * Each UDP thread and each worker's TCP loop owns a struct fd_stats and is
 * the only writer of it; the metrics scrape (and `flipctl stats`) sums
 * the blocks from another thread.  An increment is a relaxed atomic load
 * and store, which on x86-64 and arm64 is a plain load, add and store: no
 * lock, no locked instruction on the query path, and still no data race
 * for the reader (a sum may be a few queries behind, never torn).
 */
#ifndef FLIPDNS_DNS_STATS_H
#define FLIPDNS_DNS_STATS_H

#include <stdatomic.h>
#include <stdint.h>

#include "flipdns/dns/answer.h"

typedef _Atomic uint64_t fd_counter;

static inline void
fd_counter_add(fd_counter *c, uint64_t n)
{
	atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) +
	    n, memory_order_relaxed);
}

static inline uint64_t
fd_counter_get(const fd_counter *c)
{
	return atomic_load_explicit((fd_counter *)c, memory_order_relaxed);
}

enum fd_proto { FD_PROTO_UDP, FD_PROTO_TCP, FD_PROTO_COUNT };

/* The query types counted by name; the rest are "other". */
enum fd_stat_qtype { FD_SQT_A, FD_SQT_AAAA, FD_SQT_CNAME, FD_SQT_SOA,
    FD_SQT_NS, FD_SQT_TXT, FD_SQT_ANY, FD_SQT_AXFR, FD_SQT_IXFR,
    FD_SQT_OTHER, FD_SQT_COUNT };
/* Response codes counted by name; BADVERS and the rest are "other". */
enum fd_stat_rcode { FD_SRC_NOERROR, FD_SRC_FORMERR, FD_SRC_SERVFAIL,
    FD_SRC_NXDOMAIN, FD_SRC_NOTIMP, FD_SRC_REFUSED, FD_SRC_OTHER,
    FD_SRC_COUNT };

struct fd_stats {
	fd_counter queries[FD_PROTO_COUNT];   /* answered */
	fd_counter dropped[FD_PROTO_COUNT];   /* not answered: no header, QR=1 */
	fd_counter qtype[FD_SQT_COUNT];
	fd_counter rcode[FD_SRC_COUNT];
	fd_counter truncated;                 /* sent with TC=1 (not by RRL) */
	fd_counter rrl_dropped, rrl_slipped;
	fd_counter tcp_accepted;              /* connections */
	fd_counter tcp_refused;               /* cap reached, none idle */
	fd_counter tcp_evicted;               /* idle, closed for a newcomer */
};

/* One query's outcome (info as fd_answer filled it; 0 length: dropped). */
void fd_stats_query(struct fd_stats *s, enum fd_proto proto,
    const struct fd_query_info *info);

/* sum += s, counter by counter. */
void fd_stats_add(struct fd_stats *sum, const struct fd_stats *s);

/* Names for the labels: "udp", "A", "NOERROR", ... */
const char *fd_stats_proto_name(enum fd_proto p);
const char *fd_stats_qtype_name(enum fd_stat_qtype q);
const char *fd_stats_rcode_name(enum fd_stat_rcode r);

#endif
