/* xfr_out.c - one zone transfer on a TCP connection; see xfr_out.h. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "flipdns/db/txn.h"
#include "flipdns/dns/xfr.h"
#include "flipdns/util/log.h"
#include "secondaries.h"
#include "xfr_out.h"

struct fd_xfr_out {
	struct fd_xfr x;
	struct fd_zone zone;          /* the transfer's own copy */
	MDB_txn *txn;                 /* its snapshot */
	atomic_uint *running;
	struct fd_secondaries *sec;
	struct sockaddr_storage peer;
	char peer_text[64];
	struct timespec started;
	enum fd_err err;
};

/* "ADDR#PORT", as NSD and BIND log peers. */
static void
peer_text(const struct sockaddr *sa, char *out, size_t len)
{
	char addr[INET6_ADDRSTRLEN] = "?";
	unsigned port = 0;

	if (sa->sa_family == AF_INET) {
		inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr,
		    addr, sizeof(addr));
		port = ntohs(((const struct sockaddr_in *)sa)->sin_port);
	} else if (sa->sa_family == AF_INET6) {
		inet_ntop(AF_INET6,
		    &((const struct sockaddr_in6 *)sa)->sin6_addr, addr,
		    sizeof(addr));
		port = ntohs(((const struct sockaddr_in6 *)sa)->sin6_port);
	}
	snprintf(out, len, "%s#%u", addr, port);
}

static const char *
qtype_name(uint16_t t)
{
	return t == FD_T_IXFR ? "IXFR" : "AXFR";
}

/*
 * Refusals logged per second, per worker thread: enough to see who is
 * knocking; a flood of refused requests (each a TCP connection, so not
 * spoofed, but cheap to repeat) must not become a flood of log lines.
 * The rest are counted and said in one line.
 */
#define REFUSALS_LOGGED_PER_SECOND 10

static _Thread_local time_t refusal_second;
static _Thread_local unsigned refusals, refusals_unlogged;

/* Whether this refusal gets its line; says how many did not. */
static bool
refusal_logged(void)
{
	time_t now = time(NULL);

	if (now != refusal_second) {
		if (refusals_unlogged > 0)
			log_info("xfr: %u more refused transfer requests not "
			    "logged", refusals_unlogged);
		refusal_second = now;
		refusals = refusals_unlogged = 0;
	}
	if (refusals++ < REFUSALS_LOGGED_PER_SECOND)
		return true;
	refusals_unlogged++;
	return false;
}

void
fd_xfr_log_refusal(const struct sockaddr *peer, const struct fd_zone *zone,
    const struct fd_query_info *info)
{
	char who[64], origin[FD_DNAME_TEXT_MAX];
	const char *why;

	if (!refusal_logged())
		return;
	peer_text(peer, who, sizeof(who));
	fd_name_to_text(zone->origin, zone->origin_len, origin,
	    sizeof(origin));
	if (info->xfr_refused == FD_XFR_BY_ADDRESS)
		why = "address not in transfer.allow";
	else if (info->xfr_refused == FD_XFR_BY_KEY)
		why = info->tsig.present ? "signed with a key transfer.allow "
		    "does not name" : "unsigned, transfer.allow asks for a key";
	else if (info->tsig.present && info->tsig.error == FD_TSIG_BADKEY)
		why = "TSIG: unknown key (BADKEY)";
	else if (info->tsig.present && info->tsig.error == FD_TSIG_BADSIG)
		why = "TSIG: wrong signature (BADSIG)";
	else if (info->tsig.present && info->tsig.error == FD_TSIG_BADTIME)
		why = "TSIG: clock skew (BADTIME)";
	else if (info->tsig.present && info->tsig.error == FD_TSIG_BADTRUNC)
		why = "TSIG: truncated MAC (BADTRUNC)";
	else
		why = "malformed or not our zone";
	log_info("xfr: %s from %s for %s refused (rcode %u): %s",
	    qtype_name(info->qtype), who, origin, info->rcode, why);
}

struct fd_xfr_out *
fd_xfr_out_start(struct fd_store *st, atomic_uint *running,
    struct fd_secondaries *sec, const struct sockaddr *peer,
    const struct fd_zone *zone, const uint8_t *q, size_t qlen,
    const struct fd_query_info *info)
{
	struct fd_xfr_out *xo;
	char who[64];
	enum fd_err err;

	peer_text(peer, who, sizeof(who));
	if (atomic_fetch_add(running, 1) >= FD_XFR_MAX) {
		atomic_fetch_sub(running, 1);
		log_warnx("xfr: %s from %s: %d transfers already running, "
		    "answered SERVFAIL", qtype_name(info->xfr), who,
		    FD_XFR_MAX);
		return NULL;
	}
	/* once per transfer, not per query: the state is ~90 KiB */
	if ((xo = malloc(sizeof(*xo))) == NULL) {
		log_warnx("xfr: %s from %s: out of memory", qtype_name(info->xfr),
		    who);
		goto bad;
	}
	xo->zone = *zone;
	xo->running = running;
	xo->sec = sec;
	xo->err = FD_OK;
	memset(&xo->peer, 0, sizeof(xo->peer));
	memcpy(&xo->peer, peer, peer->sa_family == AF_INET6 ?
	    sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in));
	snprintf(xo->peer_text, sizeof(xo->peer_text), "%s", who);
	clock_gettime(CLOCK_MONOTONIC, &xo->started);
	if ((err = fd_txn_begin_read(st, &xo->txn)) != FD_OK) {
		log_warnx("xfr: %s from %s: no snapshot: %s",
		    qtype_name(info->xfr), who, fd_strerror(err));
		free(xo);
		goto bad;
	}
	if ((err = fd_xfr_begin(&xo->x, &xo->zone, st, xo->txn, q, qlen,
	    info)) != FD_OK) {
		log_warnx("xfr: %s from %s: %s", qtype_name(info->xfr), who,
		    fd_strerror(err));
		fd_txn_abort(xo->txn);
		free(xo);
		goto bad;
	}
	return xo;
bad:
	atomic_fetch_sub(running, 1);
	return NULL;
}

size_t
fd_xfr_out_next(struct fd_xfr_out *xo, uint8_t *out, size_t cap)
{
	size_t n = fd_xfr_next(&xo->x, (uint64_t)time(NULL), out, cap,
	    &xo->err);

	return xo->err == FD_OK ? n : 0;
}

bool
fd_xfr_out_done(const struct fd_xfr_out *xo)
{
	return fd_xfr_done(&xo->x);
}

void
fd_xfr_out_end(struct fd_xfr_out *xo)
{
	struct timespec now;
	char origin[FD_DNAME_TEXT_MAX];
	double ms;
	bool done;

	if (xo == NULL)
		return;
	clock_gettime(CLOCK_MONOTONIC, &now);
	ms = (double)(now.tv_sec - xo->started.tv_sec) * 1e3 +
	    (double)(now.tv_nsec - xo->started.tv_nsec) / 1e6;
	done = fd_xfr_done(&xo->x);
	fd_name_to_text(xo->zone.origin, xo->zone.origin_len, origin,
	    sizeof(origin));
	/* the transfer log: peer, zone, serial, kind, records, time */
	log_info("xfr: %s to %s for %s serial %u%s: %llu records in %llu "
	    "messages, %.1f ms%s%s", fd_xfr_kind_name(xo->x.kind),
	    xo->peer_text, origin, xo->x.serial,
	    xo->x.kind == FD_XFR_KIND_IXFR ? " (from the journal)" : "",
	    (unsigned long long)xo->x.records,
	    (unsigned long long)xo->x.messages, ms,
	    done ? "" : ", cut short: ",
	    done ? "" : (xo->err != FD_OK ? fd_strerror(xo->err) :
	    "connection closed"));
	if (done)
		fd_secondaries_transferred(xo->sec,
		    (struct sockaddr *)&xo->peer, fd_xfr_kind_name(xo->x.kind),
		    xo->x.serial);
	fd_txn_abort(xo->txn);
	atomic_fetch_sub(xo->running, 1);
	free(xo);
}
