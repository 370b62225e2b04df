/*
 * xfr.c - the messages of a zone transfer; see xfr.h.
 *
 * AXFR (RFC 5936 2.2): the SOA, every record of the record model's walk
 * (records.h: the same names and RRsets the answers use), the SOA again.
 * IXFR (RFC 1995 4): the SOA, then per journal delta the SOA of its old
 * serial, the records it removed, the SOA of its new serial, the records
 * it added; the SOA again.  Messages are filled to the caller's size;
 * a record that does not fit starts the next one, so a name's RRset may
 * span two messages, which RFC 5936 2.2 allows.
 */
#include <string.h>

#include "flipdns/dns/answer.h"
#include "flipdns/dns/xfr.h"

/* What writing the body of a message came to. */
enum body { BODY_MORE, BODY_DONE, BODY_FULL, BODY_ERROR };

static const char *const kind_names[] = {
	[FD_XFR_KIND_AXFR] = "AXFR",
	[FD_XFR_KIND_IXFR] = "IXFR",
	[FD_XFR_KIND_UPTODATE] = "IXFR (up to date)",
	[FD_XFR_KIND_IXFR_AXFR] = "IXFR as AXFR",
};

const char *
fd_xfr_kind_name(enum fd_xfr_kind k)
{
	return (size_t)k < sizeof(kind_names) / sizeof(kind_names[0]) ?
	    kind_names[k] : "?";
}

/* RFC 1982: a is b or after it. */
static bool
serial_ge(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) >= 0;
}

static uint16_t
get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t
get32(const uint8_t *p)
{
	return (uint32_t)get16(p) << 16 | get16(p + 2);
}

enum fd_err
fd_xfr_begin(struct fd_xfr *x, const struct fd_zone *z,
    const struct fd_store *st, MDB_txn *txn, const uint8_t *q, size_t qlen,
    const struct fd_query_info *info)
{
	struct fd_question qq;
	struct fd_hdr h;
	size_t off = FD_HDR_LEN;
	enum fd_err err;

	memset(x, 0, offsetof(struct fd_xfr, kept));
	if (!fd_hdr_read(q, qlen, &h) || !fd_question_read(q, qlen, &off, &qq))
		return FD_EINVAL;
	x->z = z;
	x->st = st;
	x->txn = txn;
	x->id = h.id;
	x->qtype = qq.qtype;
	memcpy(x->qname, qq.spell, qq.name_len);
	x->qname_len = (uint8_t)qq.name_len;
	x->tsig = info->tsig;
	x->serial = fd_store_serial(st, txn);
	x->client_serial = info->ixfr_serial;
	x->kind = FD_XFR_KIND_AXFR;
	if (x->qtype == FD_T_IXFR) {
		/* RFC 1995 2: a client as new as we are gets the SOA alone */
		if (serial_ge(x->client_serial, x->serial))
			x->kind = FD_XFR_KIND_UPTODATE;
		else if ((err = fd_journal_find(st, txn, x->client_serial,
		    x->serial, &x->seq)) == FD_OK &&
		    (err = fd_journal_get(st, txn, x->seq, &x->delta)) == FD_OK)
			x->kind = FD_XFR_KIND_IXFR;
		else if (err == FD_ENOTFOUND || err == FD_EVERSION)
			x->kind = FD_XFR_KIND_IXFR_AXFR;   /* RFC 1995 4 */
		else
			return err;
	}
	fd_records_walk_begin(&x->walk);
	x->stage = XS_FIRST;
	return FD_OK;
}

bool
fd_xfr_done(const struct fd_xfr *x)
{
	return x->stage == XS_DONE;
}

/*
 * A copy of name that lives as long as the message does, for the
 * compression table to point at; name itself while the table is full
 * (it then takes no new entry).  keep_commit() after the write keeps
 * the slot if the table took it.
 */
static const uint8_t *
keep(struct fd_xfr *x, const struct fd_wbuf *w, const uint8_t *name,
    size_t len)
{
	if (w->nct >= FD_CTAB_SIZE || x->nkept >= FD_CTAB_SIZE)
		return name;
	memcpy(x->kept[x->nkept], name, len);
	return x->kept[x->nkept];
}

static void
keep_commit(struct fd_xfr *x, const struct fd_wbuf *w, int nct_before,
    const uint8_t *kept)
{
	if (x->nkept < FD_CTAB_SIZE && kept == x->kept[x->nkept] &&
	    w->nct > nct_before)
		x->nkept++;
}

/* Record i of rs owned by owner; false (nothing written) if it is full. */
static bool
put_rr(struct fd_xfr *x, struct fd_wbuf *w, const uint8_t *owner,
    size_t owner_len, const struct fd_rrset *rs, int i, uint16_t *an)
{
	struct fd_rrset copy = *rs;
	const uint8_t *o, *t = NULL;
	size_t start = w->len, mark;
	int nct;

	/*
	 * Each kept slot holds a name the table took, so the slots run out
	 * only with the table; a record that does not fit ends the message
	 * (with it the table and the slots), so a rewind never leaves a
	 * slot without its entries for long.
	 */
	nct = w->nct;
	o = keep(x, w, owner, owner_len);
	if (!fd_rr_begin(w, o, owner_len, rs->type, FD_C_IN, rs->ttl, &mark))
		goto full;
	keep_commit(x, w, nct, o);
	if (rs->type == FD_T_CNAME) {
		nct = w->nct;
		t = keep(x, w, rs->rd.target, rs->target_len);
		copy.rd.target = t;
	}
	if (!fd_rrset_put_rdata(w, &copy, i))
		goto full;
	if (t != NULL)
		keep_commit(x, w, nct, t);
	fd_rr_end(w, mark);
	(*an)++;
	return true;
full:
	fd_wbuf_rewind(w, start);
	return false;
}

/* The zone's SOA with the given serial (the snapshot's, or a delta's). */
static bool
put_soa(struct fd_xfr *x, struct fd_wbuf *w, uint32_t serial, uint16_t *an)
{
	struct fd_rrset soa;

	fd_records_soa(x->z, x->st, x->txn, &soa);
	soa.serial = serial;
	return put_rr(x, w, x->z->origin, x->z->origin_len, &soa, 0, an);
}

/* AXFR: the names of the walk, SOA left out (it frames the transfer). */
static enum body
axfr_body(struct fd_xfr *x, struct fd_wbuf *w, uint16_t *an)
{
	const struct fd_rrset *rs;
	enum fd_err err;

	for (;;) {
		if (!x->have) {
			err = fd_records_walk_next(&x->walk, x->z, x->st,
			    x->txn, x->owner, &x->owner_len, x->target,
			    &x->rec);
			if (err == FD_ENOTFOUND)
				return BODY_DONE;
			if (err != FD_OK)
				return BODY_ERROR;
			if (x->rec.kind != FD_NAME_RRSETS)
				continue;
			x->have = true;
			x->set = x->rr = 0;
		}
		for (; x->set < x->rec.n; x->set++, x->rr = 0) {
			rs = &x->rec.set[x->set];
			if (rs->type == FD_T_SOA)
				continue;
			for (; x->rr < rs->count; x->rr++)
				if (!put_rr(x, w, x->owner, x->owner_len, rs,
				    x->rr, an))
					return BODY_FULL;
		}
		x->have = false;
	}
}

/*
 * One stored record of a delta at *pos of part[0..len): copied, its owner
 * compressed (the owner points into the snapshot: it outlives the
 * message).  BODY_MORE written, BODY_FULL no room, BODY_ERROR damaged.
 */
static enum body
put_stored(struct fd_wbuf *w, const uint8_t *part, size_t len, size_t *pos,
    uint16_t *an)
{
	uint8_t lc[FD_DNAME_WIRE_MAX];
	size_t off = *pos, start = w->len, owner = *pos, olen, mark;
	uint16_t type, rclass, rdlen;
	uint32_t ttl;

	if ((olen = fd_name_read(part, len, &off, lc, NULL)) == 0 ||
	    off - owner != olen || len - off < 10)
		return BODY_ERROR;
	type = get16(part + off);
	rclass = get16(part + off + 2);
	ttl = get32(part + off + 4);
	rdlen = get16(part + off + 8);
	off += 10;
	if (len - off < rdlen)
		return BODY_ERROR;
	if (!fd_rr_begin(w, part + owner, olen, type, rclass, ttl, &mark) ||
	    !fd_put_bytes(w, part + off, rdlen)) {
		fd_wbuf_rewind(w, start);
		return BODY_FULL;
	}
	fd_rr_end(w, mark);
	(*an)++;
	*pos = off + rdlen;
	return BODY_MORE;
}

/* IXFR: each delta as old SOA, removed, new SOA, added (RFC 1995 4). */
static enum body
ixfr_body(struct fd_xfr *x, struct fd_wbuf *w, uint16_t *an)
{
	const struct fd_journal_delta *d = &x->delta;
	enum fd_err err;
	enum body b;
	uint32_t prev;

	for (;;) {
		switch (x->part) {
		case 0:
		case 2:
			if (!put_soa(x, w, x->part == 0 ? d->from : d->to, an))
				return BODY_FULL;
			x->part++;
			x->pos = 0;
			break;
		case 1:
		case 3:
			if (x->pos >= (x->part == 1 ? d->removed_len :
			    d->added_len)) {
				x->part = (x->part + 1) % 4;
				if (x->part != 0)
					break;
				/* the next delta, up to the snapshot's */
				if ((prev = d->to) == x->serial)
					return BODY_DONE;
				err = fd_journal_get(x->st, x->txn, ++x->seq,
				    &x->delta);
				if (err != FD_OK || x->delta.from != prev)
					return BODY_ERROR;
				break;
			}
			b = x->part == 1 ?
			    put_stored(w, d->removed, d->removed_len, &x->pos,
			    an) :
			    put_stored(w, d->added, d->added_len, &x->pos, an);
			if (b != BODY_MORE)
				return b;
			break;
		}
	}
}

size_t
fd_xfr_next(struct fd_xfr *x, uint64_t now, uint8_t *out, size_t cap,
    enum fd_err *err)
{
	struct fd_wbuf w;
	struct fd_hdr h;
	uint8_t lc[FD_DNAME_WIRE_MAX];
	size_t room = x->tsig.present ? fd_tsig_rr_len(x->z->keys, &x->tsig) :
	    0, n;
	uint16_t an = 0;
	enum body b;

	*err = FD_OK;
	if (x->stage == XS_DONE || cap < FD_HDR_LEN + room + 512)
		return 0;
	fd_wbuf_init(&w, out, cap - room);
	w.len = FD_HDR_LEN;
	x->nkept = 0;
	/* the question in the first message only (RFC 5936 2.2.1) */
	if (x->messages == 0) {
		n = fd_name_copy(x->qname, x->qname_len, lc);
		memcpy(x->kept[0], lc, n);
		x->nkept = 1;
		if (!fd_put_name(&w, x->kept[0], n, x->qname) ||
		    !fd_put_u16(&w, x->qtype) || !fd_put_u16(&w, FD_C_IN))
			return 0;
	}
	while (x->stage != XS_DONE) {
		if (x->stage == XS_FIRST || x->stage == XS_LAST) {
			if (!put_soa(x, &w, x->serial, &an))
				break;
			if (x->stage == XS_LAST ||
			    x->kind == FD_XFR_KIND_UPTODATE)
				x->stage = XS_DONE;
			else
				x->stage = XS_BODY;
			continue;
		}
		b = x->kind == FD_XFR_KIND_IXFR ? ixfr_body(x, &w, &an) :
		    axfr_body(x, &w, &an);
		if (b == BODY_ERROR) {
			fd_records_walk_pause(&x->walk);
			*err = FD_ESTORE;
			return 0;
		}
		if (b == BODY_FULL)
			break;
		x->stage = XS_LAST;
	}
	/* the cursor is the step's: the caller's loop runs in between */
	fd_records_walk_pause(&x->walk);
	if (an == 0) {
		*err = FD_ENOMEM;        /* one record larger than a message */
		return 0;
	}
	memset(&h, 0, sizeof(h));
	h.id = x->id;
	h.flags = FD_F_QR | FD_F_AA;
	h.qdcount = x->messages == 0 ? 1 : 0;
	h.ancount = an;
	fd_hdr_write(out, &h);
	w.cap = cap;
	if (x->tsig.present && !fd_tsig_sign(&w, x->z->keys, &x->tsig, now,
	    x->messages > 0)) {
		*err = FD_ENOMEM;
		return 0;
	}
	x->messages++;
	x->records += an;
	return w.len;
}

bool
fd_xfr_put_name_plain(struct fd_wbuf *w, const uint8_t *owner,
    size_t owner_len, const struct fd_name_records *rec, uint32_t *n)
{
	size_t mark;

	for (int s = 0; s < rec->n; s++) {
		const struct fd_rrset *rs = &rec->set[s];

		if (rs->type == FD_T_SOA)
			continue;
		for (int i = 0; i < rs->count; i++) {
			if (!fd_rr_begin(w, owner, owner_len, rs->type, FD_C_IN,
			    rs->ttl, &mark) || !fd_rrset_put_rdata(w, rs, i))
				return false;
			fd_rr_end(w, mark);
			(*n)++;
		}
	}
	return true;
}
