/*
 * answer.h - answering one DNS query: packet in, store snapshot -> packet out.
 *
 * A pure function: no sockets, no allocation, no locks.  The caller owns
 * the read transaction (a worker renews one per batch) and the output
 * buffer.  Unit tests and the fuzzer drive it with crafted packets.
 */
#ifndef FLIPDNS_ANSWER_H
#define FLIPDNS_ANSWER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <lmdb.h>

#include <sys/socket.h>

#include "flipdns/db/store.h"
#include "flipdns/dns/tsig.h"
#include "flipdns/dns/zone.h"

/* Where a query came from, and when. */
struct fd_client {
	bool tcp;
	/* for transfer.allow; NULL: no transfer is allowed */
	const struct sockaddr *peer;
	uint64_t now;         /* unix seconds: TSIG's clock */
};

/* Why a transfer was refused, for the log. */
enum fd_xfr_refusal { FD_XFR_OK = 0, FD_XFR_BY_ADDRESS, FD_XFR_BY_KEY };

/* What happened, for logging, metrics and rate limiting.  Always filled. */
struct fd_query_info {
	uint16_t qtype, qclass;  /* 0 when the question did not parse */
	uint8_t rcode;        /* full 12-bit value: BADVERS is 16 */
	bool edns;            /* the query had one well-formed OPT record */
	bool truncated;       /* TC was set on the answer */
	uint16_t answer_len;  /* 0: dropped */
	/*
	 * Filled only when zone->log_queries: lower case, trailing dot,
	 * bytes other than printable ASCII (and '.', '\\') as \DDD, so
	 * safe to log as is; cut short if the escapes do not fit.
	 */
	char qname[FD_DNAME_TEXT_MAX];
	/*
	 * A zone transfer the caller is to stream (TCP, allowed):
	 * FD_T_AXFR or FD_T_IXFR, and for IXFR the client's serial; the
	 * answer returned is then only a placeholder.  0 otherwise.
	 */
	uint16_t xfr;
	uint32_t ixfr_serial;
	enum fd_xfr_refusal xfr_refused;   /* a transfer refused, and why */
	/* The request's TSIG (tsig.present false when unsigned); for a
	 * transfer, what its messages are signed with. */
	struct fd_tsig tsig;
};

/*
 * Answer the query in q[0..qlen) into out.  maxlen bounds the response:
 * for UDP the caller passes 65535 and the function itself applies the
 * client's limit (512 without EDNS, else min(client's size, our
 * edns_udp_size), at least 512), truncating with TC=1; for TCP (cl->tcp)
 * the limit is 65535.  out must hold maxlen bytes.
 * A request with a TSIG RR is verified first (tsig.h): a bad one is
 * answered NOTAUTH (or FORMERR), a good one is answered signed.  AXFR and
 * IXFR: over UDP, AXFR is REFUSED and IXFR gets the current SOA alone
 * (RFC 1995 2: "use TCP"); over TCP, transfer.allow decides (REFUSED,
 * NOTAUTH, or info->xfr for the caller to stream).
 * txn is a live read transaction on st.
 * Returns the response length, or 0 when the packet is to be dropped
 * (no readable header, QR=1, or maxlen below 12).
 * Never reads q past qlen nor writes out past maxlen, whatever q holds.
 */
size_t fd_answer(const struct fd_zone *z, const struct fd_store *st,
    MDB_txn *txn, const uint8_t *q, size_t qlen, uint8_t *out, size_t maxlen,
    const struct fd_client *cl, struct fd_query_info *info);

#endif
