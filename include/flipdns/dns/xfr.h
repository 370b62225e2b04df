/*
 * xfr.h - zone transfers out (AXFR, RFC 5936; IXFR, RFC 1995) without
 * sockets: who may transfer, and the messages of a transfer, built one at
 * a time from one store snapshot.
 */
#ifndef FLIPDNS_DNS_XFR_H
#define FLIPDNS_DNS_XFR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include <lmdb.h>

#include "flipdns/db/store.h"
#include "flipdns/db/journal.h"
#include "flipdns/dns/records.h"
#include "flipdns/dns/tsig.h"
#include "flipdns/dns/zone.h"

/* What transfer.allow says of a request. */
enum fd_xfr_acl {
	FD_XFR_ALLOW,
	FD_XFR_REFUSE_ADDR,   /* the peer is in no entry: REFUSED */
	FD_XFR_REFUSE_KEY,    /* in one, but without its key: NOTAUTH */
};

/*
 * The first entry that lets peer transfer with the request's TSIG t
 * (verified: t->error 0) wins; with none, REFUSE_KEY if the peer is in
 * some entry's prefix, else REFUSE_ADDR.  An IPv4-mapped IPv6 peer is
 * matched as IPv4.  peer NULL: REFUSE_ADDR.
 */
enum fd_xfr_acl fd_xfr_acl(const struct fd_zone *z,
    const struct sockaddr *peer, const struct fd_tsig *t);

/* What a transfer sends (the log names it). */
enum fd_xfr_kind {
	FD_XFR_KIND_AXFR,       /* the whole zone: SOA, every name, SOA */
	FD_XFR_KIND_IXFR,       /* deltas from the journal (RFC 1995 4) */
	FD_XFR_KIND_UPTODATE,   /* IXFR of a client at our serial: the SOA */
	FD_XFR_KIND_IXFR_AXFR,  /* IXFR the journal cannot serve: a whole zone */
};
const char *fd_xfr_kind_name(enum fd_xfr_kind k);

/*
 * One transfer, built a message at a time (fd_xfr_next) from the
 * snapshot txn, which the caller keeps open from fd_xfr_begin to the last
 * message: every message is of the one serial fd_xfr_begin saw.  The
 * zone too must stay as it was (the caller keeps a copy).  No allocation:
 * the state is this struct (the caller's, about 20 KiB).
 */
struct fd_xfr {
	const struct fd_zone *z;
	const struct fd_store *st;
	MDB_txn *txn;
	enum fd_xfr_kind kind;
	uint16_t id, qtype;
	uint8_t qname[FD_DNAME_WIRE_MAX];   /* as the client spelt it */
	uint8_t qname_len;
	struct fd_tsig tsig;
	uint32_t serial;                    /* the snapshot's */
	uint32_t client_serial;             /* IXFR */

	enum { XS_FIRST, XS_BODY, XS_LAST, XS_DONE } stage;
	/* AXFR: the record walk, and the name being written */
	struct fd_records_walk walk;
	bool have;                          /* rec holds a name to write */
	uint8_t owner[FD_DNAME_WIRE_MAX], target[FD_DNAME_WIRE_MAX];
	size_t owner_len;
	struct fd_name_records rec;
	int set, rr;                        /* the next record of rec */
	/* IXFR: the delta being written and where in it */
	uint64_t seq;
	int part;                           /* 0 old SOA, 1 removed, 2 new SOA,
					       3 added */
	size_t pos;                         /* in the part's records */
	struct fd_journal_delta delta;

	uint64_t messages, records;
	/* Names the compression table points at must outlive each write. */
	int nkept;
	uint8_t kept[FD_CTAB_SIZE][FD_DNAME_WIRE_MAX];
};

struct fd_query_info;

/*
 * Set x up for the request q[0..qlen) that fd_answer let through
 * (info->xfr): its ID, question, TSIG and (IXFR) client serial.  For an
 * IXFR, the journal in txn decides the kind.  FD_EINVAL when q has no
 * question (cannot happen after fd_answer), FD_ESTORE when the journal
 * cannot be read.
 */
enum fd_err fd_xfr_begin(struct fd_xfr *x, const struct fd_zone *z,
    const struct fd_store *st, MDB_txn *txn, const uint8_t *q, size_t qlen,
    const struct fd_query_info *info);

/*
 * The next message into out[0..cap) (cap at most 65535), signed when the
 * request was (every message: RFC 8945 5.3.1 allows it, and a client then
 * checks each).  Returns its length; 0 when the transfer is done (or
 * *err says why it cannot go on: the store failed, or signing did).
 */
size_t fd_xfr_next(struct fd_xfr *x, uint64_t now, uint8_t *out,
    size_t cap, enum fd_err *err);

bool fd_xfr_done(const struct fd_xfr *x);

/*
 * A message of records each of the zone or a delta, for the journal:
 * the RRs of one name at a snapshot (SOA left out), uncompressed, into
 * w (w->plain set by the caller).  *n counts them.  false: no room.
 */
bool fd_xfr_put_name_plain(struct fd_wbuf *w, const uint8_t *owner,
    size_t owner_len, const struct fd_name_records *rec, uint32_t *n);

#endif
