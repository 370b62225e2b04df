/*
 * records.c - the zone's names and RRsets at a store snapshot; see
 * records.h.  Where a name sits is decided from the static zone alone
 * (place_of); what it holds is then read from the store, by a lookup for
 * one name or by a walk over the tables, through the same builders.
 */
#include <string.h>

#include "flipdns/dns/dnswire.h"
#include "flipdns/dns/records.h"

/* The label under the origin that holds the status names. */
#define STATUS_LABEL "_status"
#define STATUS_LABEL_LEN (sizeof(STATUS_LABEL) - 1)

/* Where a name sits in the zone, before any store read. */
enum place {
	PLACE_OUTSIDE,
	PLACE_NONE,         /* in the zone, and nothing can be there */
	PLACE_APEX,
	PLACE_NS,           /* an in-zone nameserver's own name */
	PLACE_NS_ENT,       /* between the apex and an in-zone nameserver */
	PLACE_STATUS_ENT,   /* _status */
	PLACE_STATUS,       /* <label>._status */
	PLACE_GROUP,        /* <label> */
};

struct where {
	const struct fd_zone_ns *ns;    /* PLACE_NS */
	const uint8_t *label;           /* PLACE_STATUS, PLACE_GROUP: the
					   length-prefixed first label */
};

static bool
name_eq(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
	return alen == blen && memcmp(a, b, alen) == 0;
}

/* The first in-zone nameserver of this name (one that has addresses). */
static const struct fd_zone_ns *
ns_find(const struct fd_zone *z, const uint8_t *name, size_t len)
{
	for (int i = 0; i < z->n_ns; i++)
		if (z->ns[i].in_zone && z->ns[i].n4 + z->ns[i].n6 > 0 &&
		    name_eq(z->ns[i].name, z->ns[i].name_len, name, len))
			return &z->ns[i];
	return NULL;
}

/* An ancestor of an in-zone nameserver name exists, empty (RFC 8020). */
static bool
ns_ent(const struct fd_zone *z, const uint8_t *name, size_t len)
{
	for (int i = 0; i < z->n_ns; i++)
		if (z->ns[i].in_zone && z->ns[i].n4 + z->ns[i].n6 > 0 &&
		    z->ns[i].name_len > len &&
		    fd_name_at_or_below(z->ns[i].name, z->ns[i].name_len, name,
		    len))
			return true;
	return false;
}

/*
 * Place a well-formed lower-case name.  The static names come first, so
 * a nameserver's name is never a group's or a status name.
 */
static enum place
place_of(const struct fd_zone *z, const uint8_t *name, size_t len,
    struct where *w)
{
	uint8_t offs[FD_NAME_LABELS_MAX];
	int nl = fd_name_labels(name, len, offs);
	int rel = nl - z->origin_labels;   /* labels below the origin */
	const uint8_t *top;                /* the label just under the origin */
	size_t at;

	if (rel < 0)
		return PLACE_OUTSIDE;
	at = rel < nl ? offs[rel] : len - 1;
	if (!name_eq(name + at, len - at, z->origin, z->origin_len))
		return PLACE_OUTSIDE;
	if (rel == 0)
		return PLACE_APEX;
	if ((w->ns = ns_find(z, name, len)) != NULL)
		return PLACE_NS;
	if (ns_ent(z, name, len))
		return PLACE_NS_ENT;
	top = name + offs[rel - 1];
	if (top[0] == STATUS_LABEL_LEN &&
	    memcmp(top + 1, STATUS_LABEL, STATUS_LABEL_LEN) == 0) {
		if (rel == 1)
			return PLACE_STATUS_ENT;
		w->label = name + offs[0];
		return rel == 2 ? PLACE_STATUS : PLACE_NONE;
	}
	w->label = top;
	return rel == 1 ? PLACE_GROUP : PLACE_NONE;
}

/* ---- building a name's RRsets ------------------------------------------ */

static struct fd_rrset *
add_set(struct fd_name_records *out, uint16_t type, unsigned count,
    uint32_t ttl)
{
	struct fd_rrset *rs = &out->set[out->n++];

	rs->type = type;
	rs->count = (uint16_t)count;
	rs->ttl = ttl;
	return rs;
}

void
fd_records_soa(const struct fd_zone *z, const struct fd_store *st,
    MDB_txn *txn, struct fd_rrset *out)
{
	out->type = FD_T_SOA;
	out->count = 1;
	out->ttl = z->soa_ttl;
	out->rd.soa = z;
	out->serial = fd_store_serial(st, txn);
}

/* A nameserver's addresses: A, then AAAA. */
static void
ns_records(const struct fd_zone_ns *ns, uint32_t ttl,
    struct fd_name_records *out)
{
	if (ns->n4 > 0)
		add_set(out, FD_T_A, ns->n4, ttl)->rd.addrs = ns->a4[0];
	if (ns->n6 > 0)
		add_set(out, FD_T_AAAA, ns->n6, ttl)->rd.addrs = ns->a6[0];
}

static void
apex_records(const struct fd_zone *z, const struct fd_store *st,
    MDB_txn *txn, struct fd_name_records *out)
{
	const struct fd_zone_ns *self;

	fd_records_soa(z, st, txn, &out->set[out->n++]);
	add_set(out, FD_T_NS, (unsigned)z->n_ns, z->ns_ttl)->rd.ns = z->ns;
	if ((self = ns_find(z, z->origin, z->origin_len)) != NULL)
		ns_records(self, z->ns_ttl, out);
}

/*
 * A group: its active app's CNAME or addresses, with the group's TTL.
 * A reserved group (no app on the active side) gets no RRset at all.
 */
static enum fd_err
group_records(const struct fd_store *st, MDB_txn *txn,
    const struct fd_group_view *g, uint8_t *target,
    struct fd_name_records *out)
{
	struct fd_app_view app;
	enum fd_err err;
	size_t tlen;

	err = fd_store_active_app(st, txn, g, &app);
	if (err == FD_ENOTFOUND)
		return FD_OK;             /* reserved */
	if (err != FD_OK)
		return err;
	if (app.kind == FD_APP_CNAME) {
		/* The store keeps it lower case; answers must not trust that. */
		if ((tlen = fd_name_copy(app.cname_wire, app.cname_len,
		    target)) == 0)
			return FD_EVERSION;
		add_set(out, FD_T_CNAME, 1, g->ttl)->rd.target = target;
		out->set[out->n - 1].target_len = (uint16_t)tlen;
		return FD_OK;
	}
	if (app.n4 > 0)
		add_set(out, FD_T_A, app.n4, g->ttl)->rd.addrs = app.a4;
	if (app.n6 > 0)
		add_set(out, FD_T_AAAA, app.n6, g->ttl)->rd.addrs = app.a6;
	return FD_OK;
}

/* A status name: the app's failover status, read fresh like a group. */
static void
status_records(const struct fd_zone *z, const struct fd_app_view *app,
    struct fd_name_records *out)
{
	add_set(out, FD_T_TXT, 1, z->default_ttl)->rd.text =
	    fd_app_status_name(fd_app_status_of(app));
}

/* ---- one name ---------------------------------------------------------- */

enum fd_err
fd_records_lookup(const struct fd_zone *z, const struct fd_store *st,
    MDB_txn *txn, const uint8_t *name, size_t len, uint8_t *target,
    struct fd_name_records *out)
{
	struct fd_group_view g;
	struct fd_app_view app;
	struct where w;
	enum fd_err err = FD_OK;

	out->kind = FD_NAME_NXDOMAIN;
	out->n = 0;
	switch (place_of(z, name, len, &w)) {
	case PLACE_OUTSIDE:
		out->kind = FD_NAME_OUTSIDE;
		return FD_OK;
	case PLACE_NONE:
		return FD_OK;
	case PLACE_APEX:
		apex_records(z, st, txn, out);
		break;
	case PLACE_NS:
		ns_records(w.ns, z->ns_ttl, out);
		break;
	case PLACE_NS_ENT:
		out->kind = FD_NAME_EMPTY;
		return FD_OK;
	case PLACE_STATUS_ENT:
		/* It exists while a status name is below it. */
		if (fd_store_count(st, txn, FD_DB_STATUS) > 0)
			out->kind = FD_NAME_EMPTY;
		return FD_OK;
	case PLACE_STATUS:
		err = fd_store_get_app_by_status(st, txn,
		    (const char *)w.label + 1, w.label[0], &app);
		if (err == FD_OK)
			status_records(z, &app, out);
		break;
	case PLACE_GROUP:
		/* Unknown and tombstoned labels alike: no record. */
		err = fd_store_get_group(st, txn, (const char *)w.label + 1,
		    w.label[0], &g);
		if (err == FD_OK)
			err = group_records(st, txn, &g, target, out);
		break;
	}
	if (err == FD_ENOTFOUND)
		err = FD_OK;
	if (err != FD_OK) {
		out->n = 0;
		return err;
	}
	if (out->n > 0)
		out->kind = FD_NAME_RRSETS;
	return FD_OK;
}

/* ---- every name -------------------------------------------------------- */

void
fd_records_walk_begin(struct fd_records_walk *w)
{
	memset(w, 0, sizeof(*w));
	w->phase = FD_WALK_APEX;
}

bool
fd_records_walk_done(const struct fd_records_walk *w)
{
	return w->phase == FD_WALK_DONE;
}

void
fd_records_walk_pause(struct fd_records_walk *w)
{
	if (w->cur_open)
		fd_cursor_close(&w->cur);
	w->cur_open = false;
}

static void
walk_phase_end(struct fd_records_walk *w)
{
	fd_records_walk_pause(w);
	w->phase++;
	w->ns = 0;
	w->resume = false;
	w->key_len = 0;
}

/* The next entry of the phase's table, after the last key walked. */
static enum fd_err
walk_table(struct fd_records_walk *w, const struct fd_store *st,
    MDB_txn *txn, enum fd_store_db db, struct fd_kv *kv)
{
	enum fd_err err;

	if (w->cur_open) {
		err = fd_cursor_next(&w->cur, kv);
	} else {
		if ((err = fd_cursor_open(st, txn, db, &w->cur)) != FD_OK)
			return err;
		w->cur_open = true;
		err = fd_cursor_seek(&w->cur, w->resume ? w->key : NULL,
		    w->key_len, true, kv);
	}
	if (err != FD_OK)
		return err;
	/* LMDB keys are at most 511 bytes: the key always fits. */
	if (kv->key_len > sizeof(w->key))
		return FD_EVERSION;
	memcpy(w->key, kv->key, kv->key_len);
	w->key_len = kv->key_len;
	w->resume = true;
	return FD_OK;
}

/*
 * label + suffix as an owner name, when label is one the lookup can find
 * (lower case: questions are looked up lower-cased).  0 when it is not.
 */
static size_t
owner_name(const char *label, size_t llen, const uint8_t *suffix,
    size_t slen, uint8_t *owner)
{
	if (llen == 0 || llen > FD_LABEL_MAX || 1 + llen + slen >
	    FD_DNAME_WIRE_MAX)
		return 0;
	for (size_t i = 0; i < llen; i++)
		if (label[i] >= 'A' && label[i] <= 'Z')
			return 0;
	owner[0] = (uint8_t)llen;
	memcpy(owner + 1, label, llen);
	memcpy(owner + 1 + llen, suffix, slen);
	return 1 + llen + slen;
}

/* One group entry of the walk; out->n stays 0 when it has nothing. */
static void
walk_group(const struct fd_zone *z, const struct fd_store *st, MDB_txn *txn,
    const struct fd_kv *kv, uint8_t *owner, size_t *owner_len,
    uint8_t *target, struct fd_name_records *out)
{
	struct fd_group_view g;
	struct where w;

	*owner_len = owner_name(kv->key, kv->key_len, z->origin,
	    z->origin_len, owner);
	if (*owner_len == 0 ||
	    place_of(z, owner, *owner_len, &w) != PLACE_GROUP ||
	    fd_group_decode(kv->val, kv->val_len, &g) != FD_OK)
		return;
	g.label = kv->key;
	g.label_len = kv->key_len;
	if (group_records(st, txn, &g, target, out) != FD_OK)
		out->n = 0;   /* damaged: SERVFAIL to a query, absent here */
}

/* One app entry of the walk: its status name. */
static void
walk_status(const struct fd_zone *z, const struct fd_kv *kv, uint8_t *owner,
    size_t *owner_len, struct fd_name_records *out)
{
	uint8_t suffix[FD_DNAME_WIRE_MAX];
	struct fd_app_view app;
	struct where w;
	size_t slen = 1 + STATUS_LABEL_LEN + z->origin_len;

	if (fd_app_decode(kv->val, kv->val_len, &app) != FD_OK ||
	    slen > sizeof(suffix))
		return;
	suffix[0] = STATUS_LABEL_LEN;
	memcpy(suffix + 1, STATUS_LABEL, STATUS_LABEL_LEN);
	memcpy(suffix + 1 + STATUS_LABEL_LEN, z->origin, z->origin_len);
	*owner_len = owner_name(app.status_label, strlen(app.status_label),
	    suffix, slen, owner);
	if (*owner_len == 0 ||
	    place_of(z, owner, *owner_len, &w) != PLACE_STATUS)
		return;
	status_records(z, &app, out);
}

enum fd_err
fd_records_walk_next(struct fd_records_walk *w, const struct fd_zone *z,
    const struct fd_store *st, MDB_txn *txn, uint8_t *owner,
    size_t *owner_len, uint8_t *target, struct fd_name_records *out)
{
	const struct fd_zone_ns *ns;
	struct where wh;
	struct fd_kv kv;
	enum fd_err err;

	for (;;) {
		out->kind = FD_NAME_NXDOMAIN;
		out->n = 0;
		*owner_len = 0;
		switch (w->phase) {
		case FD_WALK_APEX:
			apex_records(z, st, txn, out);
			memcpy(owner, z->origin, z->origin_len);
			*owner_len = z->origin_len;
			walk_phase_end(w);
			break;
		case FD_WALK_NS:
			if (w->ns >= z->n_ns) {
				walk_phase_end(w);
				continue;
			}
			ns = &z->ns[w->ns++];
			/* Once per name, and not the apex (written there). */
			if (!ns->in_zone || place_of(z, ns->name, ns->name_len,
			    &wh) != PLACE_NS || wh.ns != ns)
				continue;
			ns_records(ns, z->ns_ttl, out);
			memcpy(owner, ns->name, ns->name_len);
			*owner_len = ns->name_len;
			break;
		case FD_WALK_GROUPS:
		case FD_WALK_STATUS:
			err = walk_table(w, st, txn, w->phase == FD_WALK_GROUPS ?
			    FD_DB_GROUPS : FD_DB_APPS, &kv);
			if (err == FD_ENOTFOUND) {
				walk_phase_end(w);
				continue;
			}
			if (err != FD_OK) {
				fd_records_walk_pause(w);
				return err;
			}
			if (w->phase == FD_WALK_GROUPS)
				walk_group(z, st, txn, &kv, owner, owner_len,
				    target, out);
			else
				walk_status(z, &kv, owner, owner_len, out);
			break;
		case FD_WALK_DONE:
		default:
			return FD_ENOTFOUND;
		}
		if (out->n > 0)
			out->kind = FD_NAME_RRSETS;
		return FD_OK;
	}
}
