/*
 * xfr_out.h - zone transfers out on a worker's TCP connection (internal
 * to daemon/): the snapshot, the zone copy and the log line of one
 * transfer, around dns/xfr.h's messages.
 *
 * A transfer reads one LMDB snapshot of its own (never the worker's
 * reader, which is renewed per query), held from the first message to the
 * last: so every message is of one serial.  tcp.c asks for one message
 * per writable event, so the worker's other connections take their turns
 * in between, and a client that stops reading stops the transfer (the
 * connection's busy clock, tcp.query_timeout per message, then closes it).  At most FD_XFR_MAX run at
 * once in the whole daemon: each holds a snapshot (LMDB cannot reuse the
 * pages it sees) and a reader slot.
 */
#ifndef FLIPDNS_DAEMON_XFR_OUT_H
#define FLIPDNS_DAEMON_XFR_OUT_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "flipdns/dns/answer.h"
#include "flipdns/dns/zone.h"
#include "flipdns/db/store.h"

/*
 * Transfers at once: a fleet of secondaries refreshes one at a time in
 * practice (BIND's transfers-out default is 10); past this a request
 * gets SERVFAIL and the secondary retries.  Each also takes one LMDB
 * reader slot (daemon.c counts them).
 */
#define FD_XFR_MAX 8

struct fd_xfr_out;
struct fd_secondaries;

/*
 * Start the transfer fd_answer let through (info->xfr) for the request
 * q[0..qlen) from peer; zone is copied (a reload may replace it while
 * the transfer runs).  NULL when it cannot start (FD_XFR_MAX reached, no
 * snapshot, no memory; logged): the caller answers SERVFAIL.
 */
struct fd_xfr_out *fd_xfr_out_start(struct fd_store *st, atomic_uint *running,
    struct fd_secondaries *sec, const struct sockaddr *peer,
    const struct fd_zone *zone, const uint8_t *q, size_t qlen,
    const struct fd_query_info *info);

/* The next message into out (cap bytes); 0 when done or failed. */
size_t fd_xfr_out_next(struct fd_xfr_out *xo, uint8_t *out, size_t cap);
bool fd_xfr_out_done(const struct fd_xfr_out *xo);

/* Log it (complete, or cut short), end its snapshot, free it. */
void fd_xfr_out_end(struct fd_xfr_out *xo);

/* The request a transfer refused, logged (peer, zone, why). */
void fd_xfr_log_refusal(const struct sockaddr *peer,
    const struct fd_zone *zone, const struct fd_query_info *info);

#endif
