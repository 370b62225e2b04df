/*
 * answer.c - the responder: one query packet and a store snapshot in,
 * one answer packet out.  See answer.h.
 *
 * Per-query state is one struct on the stack (struct ctx): the parsed
 * question, the client's EDNS, the output buffer with its compression
 * table, and the CNAME targets followed.  No allocation, no locks; the
 * store's read side hands out views into the caller's LMDB snapshot.
 *
 * The zone, below its origin:
 *   @                     SOA, NS (+ glue for in-zone nameservers)
 *   <ns>                  A/AAAA of an in-zone nameserver
 *   <group>               CNAME or A/AAAA of the group's active app
 *   _status               empty non-terminal
 *   <status>._status      TXT "online" / "offline" / "none"
 * Everything else in the zone is NXDOMAIN.
 */
#include <string.h>
#include <sys/socket.h>

#include "flipdns/dns/answer.h"
#include "flipdns/dns/dnswire.h"

/*
 * CNAMEs followed inside one answer.  Groups pointing at groups make
 * chains; a user can make a loop, and resolvers give up well before
 * 8 links anyway (BIND: 16 for the whole resolution, with restarts).
 */
#define CHAIN_MAX 8
/* RFC 1035 4.2.1: without EDNS a UDP answer is at most 512 octets. */
#define UDP_PLAIN_MAX 512
#define TCP_MAX 65535
/* The label under the origin that holds the status names. */
#define STATUS_LABEL "_status"

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

struct ctx {
	const struct fd_zone *z;
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

static const struct fd_zone_ns *
ns_find(const struct fd_zone *z, const uint8_t *name, size_t len)
{
	for (int i = 0; i < z->n_ns; i++)
		if (z->ns[i].in_zone &&
		    name_eq(z->ns[i].name, z->ns[i].name_len, name, len))
			return &z->ns[i];
	return NULL;
}

/* An ancestor of an in-zone nameserver name exists, empty (RFC 8020). */
static bool
ns_ent(const struct fd_zone *z, const uint8_t *name, size_t len)
{
	for (int i = 0; i < z->n_ns; i++)
		if (z->ns[i].in_zone && z->ns[i].name_len > len &&
		    fd_name_at_or_below(z->ns[i].name, z->ns[i].name_len, name,
		    len))
			return true;
	return false;
}

static bool
put_soa(struct ctx *c, uint16_t *count, uint32_t ttl)
{
	const struct fd_zone *z = c->z;
	size_t mark;

	if (!fd_rr_begin(&c->w, z->origin, z->origin_len, FD_T_SOA, FD_C_IN,
	    ttl, &mark) ||
	    !fd_put_name(&c->w, z->soa_mname, z->soa_mname_len, NULL) ||
	    !fd_put_name(&c->w, z->soa_rname, z->soa_rname_len, NULL) ||
	    !fd_put_u32(&c->w, fd_store_serial(c->st, c->txn)) ||
	    !fd_put_u32(&c->w, z->refresh) || !fd_put_u32(&c->w, z->retry) ||
	    !fd_put_u32(&c->w, z->expire) || !fd_put_u32(&c->w, z->minimum))
		return false;
	fd_rr_end(&c->w, mark);
	(*count)++;
	return true;
}

/* n addresses of size sz (4: A, 16: AAAA), packed. */
static bool
put_addrs(struct ctx *c, const uint8_t *owner, size_t olen, uint32_t ttl,
    const uint8_t *addrs, int n, size_t sz)
{
	uint16_t type = sz == 4 ? FD_T_A : FD_T_AAAA;
	size_t mark;

	for (int i = 0; i < n; i++) {
		if (!fd_rr_begin(&c->w, owner, olen, type, FD_C_IN, ttl, &mark) ||
		    !fd_put_bytes(&c->w, addrs + (size_t)i * sz, sz))
			return false;
		fd_rr_end(&c->w, mark);
		c->an++;
	}
	return true;
}

/* A nameserver's addresses of one family, into the given section. */
static bool
put_ns_addrs(struct ctx *c, uint16_t *count, const struct fd_zone_ns *ns,
    int family)
{
	size_t sz = family == AF_INET ? 4 : 16, mark;

	for (int i = 0; i < ns->naddrs; i++) {
		if (ns->addrs[i].family != family)
			continue;
		if (!fd_rr_begin(&c->w, ns->name, ns->name_len,
		    sz == 4 ? FD_T_A : FD_T_AAAA, FD_C_IN, c->z->ns_ttl, &mark) ||
		    !fd_put_bytes(&c->w, ns->addrs[i].bytes, sz))
			return false;
		fd_rr_end(&c->w, mark);
		(*count)++;
	}
	return true;
}

static int
ns_family_count(const struct fd_zone_ns *ns, int family)
{
	int n = 0;

	for (int i = 0; i < ns->naddrs; i++)
		if (ns->addrs[i].family == family)
			n++;
	return n;
}

static bool
put_txt(struct ctx *c, const uint8_t *owner, size_t olen, uint16_t rclass,
    uint32_t ttl, const char *text)
{
	size_t n = strlen(text), mark;
	uint8_t sl;

	/* One character-string holds 255 octets. */
	if (n > 255)
		n = 255;
	sl = (uint8_t)n;
	if (!fd_rr_begin(&c->w, owner, olen, FD_T_TXT, rclass, ttl, &mark) ||
	    !fd_put_bytes(&c->w, &sl, 1) || !fd_put_bytes(&c->w, text, n))
		return false;
	fd_rr_end(&c->w, mark);
	c->an++;
	return true;
}

/* The apex: SOA and NS; addresses only if the origin is a nameserver. */
static enum step
lookup_apex(struct ctx *c, const struct fd_zone_ns *ns)
{
	const struct fd_zone *z = c->z;
	size_t mark;

	switch (c->q.qtype) {
	case FD_T_SOA:
	case FD_T_ANY:      /* RFC 8482: one RRset; the SOA is always there */
		return put_soa(c, &c->an, z->soa_ttl) ? STEP_ANSWERED :
		    STEP_FULL;
	case FD_T_NS:
		for (int i = 0; i < z->n_ns; i++) {
			if (!fd_rr_begin(&c->w, z->origin, z->origin_len,
			    FD_T_NS, FD_C_IN, z->ns_ttl, &mark) ||
			    !fd_put_name(&c->w, z->ns[i].name, z->ns[i].name_len,
			    NULL))
				return STEP_FULL;
			fd_rr_end(&c->w, mark);
			c->an++;
		}
		/* Glue: resolvers need it to reach in-zone nameservers. */
		for (int i = 0; i < z->n_ns; i++) {
			if (!z->ns[i].in_zone)
				continue;
			if (!put_ns_addrs(c, &c->ar, &z->ns[i], AF_INET) ||
			    !put_ns_addrs(c, &c->ar, &z->ns[i], AF_INET6))
				return STEP_FULL;
		}
		return STEP_ANSWERED;
	case FD_T_A:
		if (ns != NULL && ns_family_count(ns, AF_INET) > 0)
			return put_ns_addrs(c, &c->an, ns, AF_INET) ?
			    STEP_ANSWERED : STEP_FULL;
		return STEP_NODATA;
	case FD_T_AAAA:
		if (ns != NULL && ns_family_count(ns, AF_INET6) > 0)
			return put_ns_addrs(c, &c->an, ns, AF_INET6) ?
			    STEP_ANSWERED : STEP_FULL;
		return STEP_NODATA;
	default:
		return STEP_NODATA;
	}
}

/* An in-zone nameserver's own name: its addresses, nothing else. */
static enum step
lookup_ns(struct ctx *c, const struct fd_zone_ns *ns)
{
	int family;

	switch (c->q.qtype) {
	case FD_T_A:
		family = AF_INET;
		break;
	case FD_T_AAAA:
		family = AF_INET6;
		break;
	case FD_T_ANY:
		family = ns_family_count(ns, AF_INET) > 0 ? AF_INET : AF_INET6;
		break;
	default:
		return STEP_NODATA;
	}
	if (ns_family_count(ns, family) == 0)
		return STEP_NODATA;
	return put_ns_addrs(c, &c->an, ns, family) ? STEP_ANSWERED : STEP_FULL;
}

static enum step
store_fail(enum fd_err err)
{
	return err == FD_ENOTFOUND ? STEP_NXDOMAIN : STEP_SERVFAIL;
}

/* <status>._status.<origin>: the app's failover status as TXT. */
static enum step
lookup_status(struct ctx *c, const uint8_t *name, size_t len,
    const uint8_t *label)
{
	struct fd_app_view app;
	enum fd_err err;

	err = fd_store_get_app_by_status(c->st, c->txn,
	    (const char *)label + 1, label[0], &app);
	if (err != FD_OK)
		return store_fail(err);
	if (c->q.qtype != FD_T_TXT && c->q.qtype != FD_T_ANY)
		return STEP_NODATA;
	/* Status is meant to be read fresh, like a group answer. */
	return put_txt(c, name, len, FD_C_IN, c->z->default_ttl,
	    fd_app_status_name(fd_app_status_of(&app))) ? STEP_ANSWERED :
	    STEP_FULL;
}

/* <group>.<origin>: the active app's CNAME or addresses. */
static enum step
lookup_group(struct ctx *c, const uint8_t *name, size_t len,
    const uint8_t *label, const uint8_t **next, size_t *next_len)
{
	struct fd_group_view g;
	struct fd_app_view app;
	uint16_t qt = c->q.qtype;
	enum fd_err err;
	size_t mark, tlen;
	uint8_t *target;

	err = fd_store_get_group(c->st, c->txn, (const char *)label + 1,
	    label[0], &g);
	if (err != FD_OK)
		return store_fail(err);   /* unknown and tombstoned alike */
	err = fd_store_active_app(c->st, c->txn, &g, &app);
	if (err == FD_ENOTFOUND)
		return STEP_NODATA;       /* reserved: no app on that side */
	if (err != FD_OK)
		return STEP_SERVFAIL;

	if (app.kind == FD_APP_CNAME) {
		/* The apex-only types stay NODATA rather than a CNAME. */
		if (qt == FD_T_SOA || qt == FD_T_NS)
			return STEP_NODATA;
		if (c->nchain >= CHAIN_MAX)
			return STEP_ANSWERED;
		target = c->chain[c->nchain];
		tlen = fd_name_copy(app.cname_wire, app.cname_len, target);
		if (tlen == 0)
			return STEP_SERVFAIL;
		if (!fd_rr_begin(&c->w, name, len, FD_T_CNAME, FD_C_IN, g.ttl,
		    &mark) || !fd_put_name(&c->w, target, tlen, NULL))
			return STEP_FULL;
		fd_rr_end(&c->w, mark);
		c->an++;
		c->chain_len[c->nchain++] = tlen;
		if (qt == FD_T_CNAME || qt == FD_T_ANY)
			return STEP_ANSWERED;
		*next = target;
		*next_len = tlen;
		return STEP_FOLLOW;
	}

	if (qt == FD_T_ANY)
		qt = app.n4 > 0 ? FD_T_A : FD_T_AAAA;
	if (qt == FD_T_A && app.n4 > 0)
		return put_addrs(c, name, len, g.ttl, app.a4, app.n4, 4) ?
		    STEP_ANSWERED : STEP_FULL;
	if (qt == FD_T_AAAA && app.n6 > 0)
		return put_addrs(c, name, len, g.ttl, app.a6, app.n6, 16) ?
		    STEP_ANSWERED : STEP_FULL;
	return STEP_NODATA;
}

/*
 * Look up one lower-case name: the question's, or a CNAME target.
 * Writes answer records; a CNAME's target goes to *next.
 */
static enum step
lookup(struct ctx *c, const uint8_t *name, size_t len, const uint8_t **next,
    size_t *next_len)
{
	const struct fd_zone *z = c->z;
	const struct fd_zone_ns *ns;
	uint8_t offs[FD_NAME_LABELS_MAX];
	int nl = fd_name_labels(name, len, offs);
	int rel = nl - z->origin_labels;   /* labels below the origin */
	const uint8_t *top;                /* the label just under the origin */

	if (rel < 0 ||
	    !name_eq(name + (rel < nl ? offs[rel] : len - 1),
	    len - (rel < nl ? offs[rel] : len - 1), z->origin, z->origin_len))
		return STEP_OUTSIDE;
	ns = ns_find(z, name, len);
	if (rel == 0)
		return lookup_apex(c, ns);
	if (ns != NULL)
		return lookup_ns(c, ns);
	if (ns_ent(z, name, len))
		return STEP_NODATA;
	top = name + offs[rel - 1];
	if (top[0] == sizeof(STATUS_LABEL) - 1 &&
	    memcmp(top + 1, STATUS_LABEL, sizeof(STATUS_LABEL) - 1) == 0) {
		if (rel == 1)
			return STEP_NODATA;   /* _status: empty non-terminal */
		if (rel == 2)
			return lookup_status(c, name, len, name + offs[0]);
		return STEP_NXDOMAIN;
	}
	if (rel == 1)
		return lookup_group(c, name, len, top, next, next_len);
	return STEP_NXDOMAIN;         /* below a group, or nothing there */
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
 * Answer an IN query: returns the rcode, sets *aa when we speak for the
 * name, and c->full when the records did not fit.
 */
static uint8_t
answer_in(struct ctx *c, bool *aa)
{
	const uint8_t *cur = c->q.name, *next = NULL;
	size_t cur_len = c->q.name_len, next_len = 0;
	/* RFC 2308 5: negative answers live for min(SOA TTL, minimum). */
	uint32_t neg_ttl = c->z->soa_ttl < c->z->minimum ? c->z->soa_ttl :
	    c->z->minimum;
	enum step s;

	/* No zone transfers: the table is the source of truth. */
	if (c->q.qtype == FD_T_AXFR || c->q.qtype == FD_T_IXFR)
		return FD_RCODE_REFUSED;
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
			if (!put_soa(c, &c->ns, neg_ttl))
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
	if (!put_txt(c, c->q.name, c->q.name_len, FD_C_CH, 0, text))
		c->full = true;
	return FD_RCODE_NOERROR;
}

/*
 * Walk the records after the question: skip answer and authority (a
 * query should have none, but they must parse to reach the additional
 * section), and find at most one OPT, owned by the root (RFC 6891 6.1.1).
 */
static bool
read_records(const uint8_t *q, size_t qlen, size_t off,
    const struct fd_hdr *h, struct fd_edns *e)
{
	unsigned skip = (unsigned)h->ancount + h->nscount;
	struct fd_rr rr;

	for (unsigned i = 0; i < skip; i++)
		if (!fd_rr_read(q, qlen, &off, &rr))
			return false;
	for (unsigned i = 0; i < h->arcount; i++) {
		if (!fd_rr_read(q, qlen, &off, &rr))
			return false;
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
    const uint8_t *q, size_t qlen, uint8_t *out, size_t maxlen, bool tcp,
    struct fd_query_info *info)
{
	struct ctx c;
	struct fd_hdr qh, rh;
	size_t off = FD_HDR_LEN, limit, qend;
	bool have_q, records_ok = false, aa = false;
	uint8_t rcode;

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
	c.st = st;
	c.txn = txn;
	c.an = c.ns = c.ar = 0;
	c.nchain = 0;
	c.full = false;
	memset(&c.edns, 0, sizeof(c.edns));

	have_q = qh.qdcount == 1 && fd_question_read(q, qlen, &off, &c.q);
	if (have_q) {
		records_ok = read_records(q, qlen, off, &qh, &c.edns);
		info->qtype = c.q.qtype;
		info->qclass = c.q.qclass;
		if (z->log_queries)
			fd_name_to_text(c.q.name, c.q.name_len, info->qname,
			    sizeof(info->qname));
	}
	/* An OPT we could not trust is not answered with one. */
	if (!records_ok)
		memset(&c.edns, 0, sizeof(c.edns));
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

	if (c.full)
		rcode = FD_RCODE_NOERROR;   /* header alone, TC=1 */
	else if (FD_OPCODE(qh.flags) != FD_OPCODE_QUERY)
		rcode = FD_RCODE_NOTIMP;
	else if (!have_q || !records_ok)
		rcode = FD_RCODE_FORMERR;
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
	c.w.cap = limit;
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

	info->rcode = rcode;
	info->truncated = c.full;
	info->answer_len = (uint16_t)c.w.len;
	return c.w.len;
}
