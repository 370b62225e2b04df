/*
 * answer.c - the responder: one query packet and a store snapshot in,
 * one answer packet out.  See answer.h.
 *
 * Per-query state is one struct on the stack (struct ctx): the parsed
 * question, the client's EDNS, the output buffer with its compression
 * table, and the CNAME targets followed.  No allocation, no locks.  What
 * a name holds is the record model's (records.h), which the export uses
 * too; this file only chooses among a name's RRsets and encodes them.
 */
#include <string.h>

#include "flipdns/dns/answer.h"
#include "flipdns/dns/dnswire.h"
#include "flipdns/dns/records.h"
#include "flipdns/dns/xfr.h"

/*
 * CNAMEs followed inside one answer.  Groups pointing at groups make
 * chains; a user can make a loop, and resolvers give up well before
 * 8 links anyway (BIND: 16 for the whole resolution, with restarts).
 */
#define CHAIN_MAX 8
/* RFC 1035 4.2.1: without EDNS a UDP answer is at most 512 octets. */
#define UDP_PLAIN_MAX 512
#define TCP_MAX 65535

/* What the lookup of one name decided. */
enum step {
	STEP_ANSWERED,   /* the final RRset is written */
	STEP_FOLLOW,     /* a CNAME is written; look up its target */
	STEP_NODATA,     /* the name exists, not with this type */
	STEP_NXDOMAIN,
	STEP_OUTSIDE,    /* not in our zone */
	STEP_FULL,       /* the answer does not fit: truncate */
	STEP_SERVFAIL,   /* the store failed or holds a bad record */
};

/* What the records after the question held besides the OPT. */
struct extra {
	bool tsig;           /* the last additional record is a TSIG */
	size_t tsig_off;     /* where it starts */
	struct fd_rr tsig_rr;
	bool soa;            /* IXFR: the client's SOA in authority */
	uint32_t soa_serial;
};

struct ctx {
	const struct fd_zone *z;
	const struct fd_client *cl;
	struct fd_query_info *info;
	struct extra ex;
	const struct fd_store *st;
	MDB_txn *txn;
	struct fd_wbuf w;
	struct fd_question q;
	struct fd_edns edns;
	uint16_t an, ns, ar;
	bool full;           /* out of room: the answer goes out with TC=1 */
	/* CNAME targets, lower-case; the compression table points here. */
	int nchain;
	uint8_t chain[CHAIN_MAX][FD_DNAME_WIRE_MAX];
	size_t chain_len[CHAIN_MAX];
};

/* Wire names; sizeof counts the string's NUL, which is the root label. */
static const uint8_t chaos_version_bind[] = "\x07version\x04" "bind";
static const uint8_t chaos_id_server[] = "\x02id\x06server";

static bool
name_eq(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
	return alen == blen && memcmp(a, b, alen) == 0;
}


/* Every record of an RRset, owned by owner, into the counted section. */
static bool
put_rrset(struct ctx *c, const uint8_t *owner, size_t olen,
    const struct fd_rrset *rs, uint32_t ttl, uint16_t *count)
{
	size_t mark;

	for (int i = 0; i < rs->count; i++) {
		if (!fd_rr_begin(&c->w, owner, olen, rs->type, FD_C_IN, ttl,
		    &mark) || !fd_rrset_put_rdata(&c->w, rs, i))
			return false;
		fd_rr_end(&c->w, mark);
		(*count)++;
	}
	return true;
}

/* The model's RRset of this type at the name, or NULL. */
static const struct fd_rrset *
rrset_of(const struct fd_name_records *rec, uint16_t type)
{
	for (int i = 0; i < rec->n; i++)
		if (rec->set[i].type == type)
			return &rec->set[i];
	return NULL;
}

/*
 * Glue for an NS answer: the addresses of the in-zone nameservers, which
 * resolvers need to reach them, as the model holds them at their names.
 */
static bool
put_glue(struct ctx *c, const struct fd_rrset *ns)
{
	struct fd_name_records rec;
	uint8_t unused[FD_DNAME_WIRE_MAX];

	for (int i = 0; i < ns->count; i++) {
		const struct fd_zone_ns *n = &ns->rd.ns[i];

		if (!n->in_zone || fd_records_lookup(c->z, c->st, c->txn,
		    n->name, n->name_len, unused, &rec) != FD_OK)
			continue;
		for (int s = 0; s < rec.n; s++)
			if ((rec.set[s].type == FD_T_A ||
			    rec.set[s].type == FD_T_AAAA) &&
			    !put_rrset(c, n->name, n->name_len, &rec.set[s],
			    rec.set[s].ttl, &c->ar))
				return false;
	}
	return true;
}

/*
 * Look up one lower-case name: the question's, or a CNAME target.
 * Writes answer records; a CNAME's target goes to *next.
 */
static enum step
lookup(struct ctx *c, const uint8_t *name, size_t len, const uint8_t **next,
    size_t *next_len)
{
	struct fd_name_records rec;
	const struct fd_rrset *rs;
	uint16_t qt = c->q.qtype;

	/* answer_in stops following before the chain buffers run out. */
	if (fd_records_lookup(c->z, c->st, c->txn, name, len,
	    c->chain[c->nchain], &rec) != FD_OK)
		return STEP_SERVFAIL;
	switch (rec.kind) {
	case FD_NAME_OUTSIDE:
		return STEP_OUTSIDE;
	case FD_NAME_NXDOMAIN:
		return STEP_NXDOMAIN;
	case FD_NAME_EMPTY:
		return STEP_NODATA;
	case FD_NAME_RRSETS:
		break;
	}
	rs = &rec.set[0];
	if (rs->type == FD_T_CNAME) {
		/*
		 * A CNAME is alone at its name and answers every type, SOA
		 * and NS included (RFC 1034 3.6.2, 4.3.2 step 3a).
		 */
		if (!put_rrset(c, name, len, rs, rs->ttl, &c->an))
			return STEP_FULL;
		c->chain_len[c->nchain++] = rs->target_len;
		if (qt == FD_T_CNAME || qt == FD_T_ANY)
			return STEP_ANSWERED;
		*next = rs->rd.target;
		*next_len = rs->target_len;
		return STEP_FOLLOW;
	}
	/* ANY: one RRset, the model's first (RFC 8482). */
	if (qt != FD_T_ANY && (rs = rrset_of(&rec, qt)) == NULL)
		return STEP_NODATA;
	if (!put_rrset(c, name, len, rs, rs->ttl, &c->an) ||
	    (rs->type == FD_T_NS && !put_glue(c, rs)))
		return STEP_FULL;
	return STEP_ANSWERED;
}

/* The SOA in the authority section of a negative answer. */
static bool
put_negative_soa(struct ctx *c)
{
	const struct fd_zone *z = c->z;
	struct fd_rrset soa;
	/* RFC 2308 5: negative answers live for min(SOA TTL, minimum). */
	uint32_t ttl = z->soa_ttl < z->minimum ? z->soa_ttl : z->minimum;

	fd_records_soa(z, c->st, c->txn, &soa);
	return put_rrset(c, z->origin, z->origin_len, &soa, ttl, &c->ns);
}

/*
 * A target already on the chain is a loop: the answer so far shows it,
 * and repeating the same CNAMEs would only fill the packet.
 */
static bool
chain_seen(const struct ctx *c, const uint8_t *name, size_t len)
{
	if (name_eq(c->q.name, c->q.name_len, name, len))
		return true;
	/* The last entry is name itself. */
	for (int i = 0; i + 1 < c->nchain; i++)
		if (name_eq(c->chain[i], c->chain_len[i], name, len))
			return true;
	return false;
}

/*
 * AXFR or IXFR of our zone (RFC 5936 2.2.1, RFC 1995).  The transfer
 * itself is streamed by the caller (xfr.h); here it is only refused, or
 * let through with info->xfr set.
 */
static uint8_t
answer_xfr(struct ctx *c, bool *aa)
{
	struct fd_rrset soa;

	if (!name_eq(c->q.name, c->q.name_len, c->z->origin,
	    c->z->origin_len))
		return FD_RCODE_REFUSED;     /* not a zone we serve */
	/* RFC 1995 3: an IXFR carries the client's SOA in authority */
	if (c->q.qtype == FD_T_IXFR && !c->ex.soa)
		return FD_RCODE_FORMERR;
	if (!c->cl->tcp) {
		if (c->q.qtype == FD_T_AXFR)
			return FD_RCODE_REFUSED;   /* RFC 5936 4.2: TCP only */
		/* RFC 1995 2: the SOA alone tells the client to use TCP */
		*aa = true;
		fd_records_soa(c->z, c->st, c->txn, &soa);
		if (!put_rrset(c, c->z->origin, c->z->origin_len, &soa,
		    soa.ttl, &c->an))
			c->full = true;
		return FD_RCODE_NOERROR;
	}
	switch (fd_xfr_acl(c->z, c->cl->peer, &c->info->tsig)) {
	case FD_XFR_ALLOW:
		c->info->xfr = c->q.qtype;
		c->info->ixfr_serial = c->ex.soa_serial;
		*aa = true;
		return FD_RCODE_NOERROR;
	case FD_XFR_REFUSE_KEY:
		c->info->xfr_refused = FD_XFR_BY_KEY;
		/* signed by a key we know, but not this entry's (5.2) */
		if (c->info->tsig.present)
			c->info->tsig.error = FD_TSIG_BADKEY;
		return FD_RCODE_NOTAUTH;
	case FD_XFR_REFUSE_ADDR:
	default:
		c->info->xfr_refused = FD_XFR_BY_ADDRESS;
		return FD_RCODE_REFUSED;
	}
}

/*
 * Answer an IN query: returns the rcode, sets *aa when we speak for the
 * name, and c->full when the records did not fit.
 */
static uint8_t
answer_in(struct ctx *c, bool *aa)
{
	const uint8_t *cur = c->q.name, *next = NULL;
	size_t cur_len = c->q.name_len, next_len = 0;
	enum step s;

	if (c->q.qtype == FD_T_AXFR || c->q.qtype == FD_T_IXFR)
		return answer_xfr(c, aa);
	*aa = true;
	for (;;) {
		switch ((s = lookup(c, cur, cur_len, &next, &next_len))) {
		case STEP_ANSWERED:
			return FD_RCODE_NOERROR;
		case STEP_FOLLOW:
			if (c->nchain >= CHAIN_MAX ||
			    chain_seen(c, next, next_len))
				return FD_RCODE_NOERROR;
			cur = next;
			cur_len = next_len;
			continue;
		case STEP_NODATA:
		case STEP_NXDOMAIN:
			if (!put_negative_soa(c))
				c->full = true;
			return s == STEP_NXDOMAIN ? FD_RCODE_NXDOMAIN :
			    FD_RCODE_NOERROR;
		case STEP_OUTSIDE:
			/* A chain may leave the zone: the resolver goes on. */
			if (c->nchain > 0)
				return FD_RCODE_NOERROR;
			*aa = false;
			return FD_RCODE_REFUSED;
		case STEP_FULL:
			c->full = true;
			return FD_RCODE_NOERROR;
		case STEP_SERVFAIL:
		default:
			*aa = false;
			return FD_RCODE_SERVFAIL;
		}
	}
}

/* CHAOS TXT version.bind / id.server (RFC 4892), when enabled. */
static uint8_t
answer_chaos(struct ctx *c, bool *aa)
{
	const char *text;
	size_t mark;

	if (!c->z->chaos ||
	    (c->q.qtype != FD_T_TXT && c->q.qtype != FD_T_ANY))
		return FD_RCODE_REFUSED;
	if (name_eq(c->q.name, c->q.name_len, chaos_version_bind,
	    sizeof(chaos_version_bind)))
		text = c->z->chaos_version;
	else if (name_eq(c->q.name, c->q.name_len, chaos_id_server,
	    sizeof(chaos_id_server)))
		text = c->z->chaos_id;
	else
		return FD_RCODE_REFUSED;
	*aa = true;
	if (!fd_rr_begin(&c->w, c->q.name, c->q.name_len, FD_T_TXT, FD_C_CH, 0,
	    &mark) || !fd_put_string(&c->w, text))
		c->full = true;
	else {
		fd_rr_end(&c->w, mark);
		c->an++;
	}
	return FD_RCODE_NOERROR;
}

/*
 * The serial of an SOA record in authority (an IXFR's), when its owner is
 * the question's name and its RDATA is two names and five numbers.
 */
static bool
authority_soa(const uint8_t *q, size_t qlen, size_t start,
    const struct fd_rr *rr, const struct fd_question *qq, uint32_t *serial)
{
	uint8_t name[FD_DNAME_WIRE_MAX];
	size_t off = start, end = rr->rdata + rr->rdlen;
	size_t n = fd_name_read(q, qlen, &off, name, NULL);

	if (n != qq->name_len || memcmp(name, qq->name, n) != 0)
		return false;
	off = rr->rdata;
	if (fd_name_read(q, end, &off, name, NULL) == 0 ||
	    fd_name_read(q, end, &off, name, NULL) == 0 || end - off != 20)
		return false;
	*serial = (uint32_t)q[off] << 24 | (uint32_t)q[off + 1] << 16 |
	    (uint32_t)q[off + 2] << 8 | q[off + 3];
	return true;
}

/*
 * Walk the records after the question: skip answer and authority (a
 * query should have none, but they must parse to reach the additional
 * section; an IXFR's SOA is noted), and find at most one OPT, owned by
 * the root (RFC 6891 6.1.1), and a TSIG, which must come last (RFC 8945
 * 5.1).  An OPT anywhere but the additional section is a malformed
 * message (RFC 6891 6.1.1: it "MUST only be" there): FORMERR, as NSD
 * and Knot answer, rather than a quiet skip.
 */
static bool
read_records(const uint8_t *q, size_t qlen, size_t off,
    const struct fd_hdr *h, const struct fd_question *qq, struct fd_edns *e,
    struct extra *ex)
{
	unsigned skip = (unsigned)h->ancount + h->nscount;
	struct fd_rr rr;
	size_t start;

	for (unsigned i = 0; i < skip; i++) {
		start = off;
		if (!fd_rr_read(q, qlen, &off, &rr) || rr.type == FD_T_OPT)
			return false;
		if (qq->qtype == FD_T_IXFR && i == h->ancount &&
		    rr.type == FD_T_SOA)
			ex->soa = authority_soa(q, qlen, start, &rr, qq,
			    &ex->soa_serial);
	}
	for (unsigned i = 0; i < h->arcount; i++) {
		start = off;
		if (!fd_rr_read(q, qlen, &off, &rr))
			return false;
		if (rr.type == FD_T_TSIG) {
			if (i + 1 != h->arcount)
				return false;
			ex->tsig = true;
			ex->tsig_off = start;
			ex->tsig_rr = rr;
			continue;
		}
		if (rr.type != FD_T_OPT)
			continue;
		if (e->present || !fd_opt_parse(q, &rr, e))
			return false;
	}
	return true;
}

/* The most we may send back (RFC 6891 6.2.3-6.2.5). */
static size_t
answer_limit(const struct ctx *c, size_t maxlen, bool tcp)
{
	size_t limit = UDP_PLAIN_MAX;

	if (tcp)
		limit = TCP_MAX;
	else if (c->edns.present) {
		limit = c->edns.udp_size < c->z->edns_udp_size ?
		    c->edns.udp_size : c->z->edns_udp_size;
		if (limit < UDP_PLAIN_MAX)
			limit = UDP_PLAIN_MAX;
	}
	return limit < maxlen ? limit : maxlen;
}

size_t
fd_answer(const struct fd_zone *z, const struct fd_store *st, MDB_txn *txn,
    const uint8_t *q, size_t qlen, uint8_t *out, size_t maxlen,
    const struct fd_client *cl, struct fd_query_info *info)
{
	struct ctx c;
	struct fd_hdr qh, rh;
	size_t off = FD_HDR_LEN, limit, qend, tsig_room = 0;
	bool have_q, records_ok = false, aa = false, tcp = cl->tcp;
	uint8_t rcode, tsig_rcode = FD_RCODE_NOERROR;

	info->xfr = 0;
	info->ixfr_serial = 0;
	info->xfr_refused = FD_XFR_OK;
	info->tsig.present = false;
	info->qtype = info->qclass = 0;
	info->rcode = 0;
	info->edns = info->truncated = false;
	info->answer_len = 0;
	info->qname[0] = '\0';
	/* No header to answer with, or an answer sent to us: drop. */
	if (!fd_hdr_read(q, qlen, &qh) || (qh.flags & FD_F_QR) ||
	    maxlen < FD_HDR_LEN)
		return 0;

	c.z = z;
	c.cl = cl;
	c.info = info;
	memset(&c.ex, 0, sizeof(c.ex));
	c.st = st;
	c.txn = txn;
	c.an = c.ns = c.ar = 0;
	c.nchain = 0;
	c.full = false;
	memset(&c.edns, 0, sizeof(c.edns));

	have_q = qh.qdcount == 1 && fd_question_read(q, qlen, &off, &c.q);
	if (have_q) {
		records_ok = read_records(q, qlen, off, &qh, &c.q, &c.edns,
		    &c.ex);
		info->qtype = c.q.qtype;
		info->qclass = c.q.qclass;
		if (z->log_queries)
			fd_name_to_text(c.q.name, c.q.name_len, info->qname,
			    sizeof(info->qname));
	}
	/* An OPT we could not trust is not answered with one. */
	if (!records_ok)
		memset(&c.edns, 0, sizeof(c.edns));
	/* Signed: verified before anything else is looked at (RFC 8945 5.2). */
	if (records_ok && c.ex.tsig) {
		tsig_rcode = fd_tsig_verify(z->keys, z->n_keys, q, qlen,
		    c.ex.tsig_off, &c.ex.tsig_rr, cl->now, &info->tsig);
		/* a TSIG we cannot read gets FORMERR, unsigned */
		if (tsig_rcode == FD_RCODE_FORMERR)
			info->tsig.present = false;
	}
	info->edns = c.edns.present;

	limit = answer_limit(&c, maxlen, tcp);
	fd_wbuf_init(&c.w, out, limit);
	c.w.len = FD_HDR_LEN;
	if (have_q && (!fd_put_name(&c.w, c.q.name, c.q.name_len, c.q.spell) ||
	    !fd_put_u16(&c.w, c.q.qtype) || !fd_put_u16(&c.w, c.q.qclass))) {
		/* Only a caller buffer below 512 bytes gets here. */
		fd_wbuf_rewind(&c.w, FD_HDR_LEN);
		have_q = false;
		c.full = true;
	}
	qend = c.w.len;
	/* Keep room for the OPT, which even a truncated answer carries. */
	if (c.edns.present) {
		if (c.w.cap - c.w.len >= FD_OPT_LEN)
			c.w.cap -= FD_OPT_LEN;
		else
			c.edns.present = false;
	}
	/* And for the TSIG, after it: the BADTIME one is the longest. */
	if (info->tsig.present) {
		tsig_room = fd_tsig_rr_len(z->keys, &info->tsig) + 6;
		if (c.w.cap - c.w.len >= tsig_room)
			c.w.cap -= tsig_room;
		else
			c.full = true;
	}

	if (c.full)
		rcode = FD_RCODE_NOERROR;   /* header alone, TC=1 */
	else if (FD_OPCODE(qh.flags) != FD_OPCODE_QUERY)
		rcode = FD_RCODE_NOTIMP;
	else if (!have_q || !records_ok)
		rcode = FD_RCODE_FORMERR;
	else if (tsig_rcode != FD_RCODE_NOERROR)
		rcode = tsig_rcode;
	else if (c.edns.present && c.edns.version > 0)
		rcode = FD_RCODE_BADVERS;
	else if (c.q.qclass == FD_C_IN)
		rcode = answer_in(&c, &aa);
	else if (c.q.qclass == FD_C_CH)
		rcode = answer_chaos(&c, &aa);
	else
		rcode = FD_RCODE_REFUSED;

	/* Error answers carry the question and nothing else. */
	if (c.full || (rcode != FD_RCODE_NOERROR && rcode != FD_RCODE_NXDOMAIN)) {
		fd_wbuf_rewind(&c.w, qend);
		c.an = c.ns = c.ar = 0;
	}
	c.w.cap = limit - tsig_room;
	if (c.edns.present) {
		/* RFC 6891 6.1.3: the upper 8 of 12 rcode bits go here. */
		fd_put_opt(&c.w, z->edns_udp_size, rcode >> 4,
		    c.edns.dnssec_ok);
		c.ar++;
	}

	rh.id = qh.id;
	rh.flags = FD_F_QR | (qh.flags & (0xf << 11)) | (qh.flags & FD_F_RD) |
	    (aa ? FD_F_AA : 0) | (c.full ? FD_F_TC : 0) | (rcode & 0xf);
	rh.qdcount = have_q ? 1 : 0;
	rh.ancount = c.an;
	rh.nscount = c.ns;
	rh.arcount = c.ar;
	fd_hdr_write(out, &rh);
	/* Signed last, over the whole answer (a transfer signs its own). */
	c.w.cap = limit;
	if (info->tsig.present && info->xfr == 0 &&
	    !fd_tsig_sign(&c.w, z->keys, &info->tsig, cl->now, false)) {
		/* OpenSSL failed: the answer cannot be vouched for */
		fd_wbuf_rewind(&c.w, qend);
		rh.flags = (uint16_t)((rh.flags & ~0xf) | FD_RCODE_SERVFAIL);
		rh.ancount = rh.nscount = rh.arcount = 0;
		fd_hdr_write(out, &rh);
		rcode = FD_RCODE_SERVFAIL;
	}

	info->rcode = rcode;
	info->truncated = c.full;
	info->answer_len = (uint16_t)c.w.len;
	return c.w.len;
}
