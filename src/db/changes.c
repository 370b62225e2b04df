/*
 * changes.c - the write side: each change with its rules, its app
 * counters, the zone serial and one history row; see changes.h.
 *
 * Views from mdb_get point into pages a later mdb_put in the same write
 * transaction may move, so everything read is first copied into the owned
 * structs below before anything is written.
 */
#include <stdio.h>
#include <string.h>

#include "flipdns/db/appindex.h"
#include "flipdns/db/changes.h"
#include "flipdns/db/health.h"
#include "flipdns/db/history.h"
#include "flipdns/db/render.h"
#include "change_int.h"
#include "cnames.h"
#include "effects.h"

struct group_state {
	char label[FD_LABEL_MAX + 1];
	char primary[FD_APP_NAME_MAX + 1];   /* "" = none */
	char backup[FD_APP_NAME_MAX + 1];
	enum fd_side active;
	uint32_t ttl;
	uint64_t created, updated;
};

struct app_state {
	char name[FD_APP_NAME_MAX + 1];
	struct fd_endpoints ep;
	uint32_t ref_count, active_count;
	char status_label[FD_STATUS_LABEL_LEN + 1];
	uint64_t created, updated;
};

/* Large enough for a 64-address app record; see record.c. */
#define REC_BUF 2048

#define FAIL(c, e, ...) do {                                         \
	snprintf((c)->msg, sizeof((c)->msg), __VA_ARGS__);           \
	return (e);                                                  \
} while (0)

static enum fd_err
app_load(struct fd_change *c, const char *name, struct app_state *out)
{
	struct fd_app_view v;
	enum fd_err err;

	err = fd_store_get_app(c->st, c->txn, name, strlen(name), &v);
	if (err == FD_ENOTFOUND)
		FAIL(c, err, "app %s not found", name);
	if (err != FD_OK)
		FAIL(c, err, "app %s: %s", name, fd_strerror(err));
	memset(out, 0, sizeof(*out));
	snprintf(out->name, sizeof(out->name), "%s", name);
	fd_endpoints_of(&v, &out->ep);
	out->ref_count = v.ref_count;
	out->active_count = v.active_count;
	memcpy(out->status_label, v.status_label, sizeof(out->status_label));
	out->created = v.created;
	out->updated = v.updated;
	return FD_OK;
}

static enum fd_err
app_store(struct fd_change *c, const struct app_state *a)
{
	uint8_t buf[REC_BUF];
	MDB_val k = {strlen(a->name), (void *)a->name}, v;
	size_t len;

	len = fd_app_encode(buf, sizeof(buf), &a->ep, a->ref_count,
	    a->active_count, a->status_label, a->created, a->updated);
	if (len == 0)
		FAIL(c, FD_EINVAL, "app %s: record too large", a->name);
	v.mv_size = len;
	v.mv_data = buf;
	return fd_store_err(mdb_put(c->txn,
	    fd_store_dbi(c->st, FD_DB_APPS), &k, &v, 0));
}

/* The JSON of an app as stored now in this transaction. */
json_t *
fd_change_app_json(struct fd_change *c, const char *name)
{
	struct fd_app_view v;

	if (c->bulk ||
	    fd_store_get_app(c->st, c->txn, name, strlen(name), &v) != FD_OK)
		return NULL;
	return fd_json_app_full(c->st, c->txn, &v, c->origin);
}

static enum fd_err
group_load(struct fd_change *c, const char *label, struct group_state *out)
{
	struct fd_group_view v;
	enum fd_err err;

	err = fd_store_get_group(c->st, c->txn, label, strlen(label), &v);
	if (err == FD_ENOTFOUND)
		FAIL(c, err, "group %s.%s not found", label, c->origin);
	if (err != FD_OK)
		FAIL(c, err, "group %s: %s", label, fd_strerror(err));
	memset(out, 0, sizeof(*out));
	snprintf(out->label, sizeof(out->label), "%s", label);
	if (v.primary)
		memcpy(out->primary, v.primary, v.primary_len);
	if (v.backup)
		memcpy(out->backup, v.backup, v.backup_len);
	out->active = v.active;
	out->ttl = v.ttl;
	out->created = v.created;
	out->updated = v.updated;
	return FD_OK;
}

static enum fd_err
group_store(struct fd_change *c, const struct group_state *g)
{
	uint8_t buf[REC_BUF];
	MDB_val k = {strlen(g->label), (void *)g->label}, v;

	v.mv_size = fd_group_encode(buf, sizeof(buf), g->active, g->ttl,
	    g->primary[0] ? g->primary : NULL, g->backup[0] ? g->backup : NULL,
	    g->created, g->updated);
	v.mv_data = buf;
	return fd_store_err(mdb_put(c->txn,
	    fd_store_dbi(c->st, FD_DB_GROUPS), &k, &v, 0));
}

static json_t *
group_json(struct fd_change *c, const char *label)
{
	struct fd_group_view v;

	if (c->bulk ||
	    fd_store_get_group(c->st, c->txn, label, strlen(label), &v) != FD_OK)
		return NULL;
	return fd_json_group_full(c->st, c->txn, &v, c->origin);
}

static const char *
group_active_app(const struct group_state *g)
{
	size_t len;

	return fd_side_app(g->active, g->primary, strlen(g->primary),
	    g->backup, strlen(g->backup), &len);
}

/* Add delta to an app's ref or active counter. */
static enum fd_err
app_count(struct fd_change *c, const char *name, int dref, int dactive)
{
	struct app_state a;
	enum fd_err err;

	if (name == NULL || name[0] == '\0')
		return FD_OK;
	if ((err = app_load(c, name, &a)) != FD_OK)
		return err;
	a.ref_count = (uint32_t)((int64_t)a.ref_count + dref);
	a.active_count = (uint32_t)((int64_t)a.active_count + dactive);
	return app_store(c, &a);
}

/*
 * The index entries of a group, from old's apps to new's: what no longer
 * holds goes first, then what is new; an entry that stays is not
 * rewritten (a switch writes none).  An entry already missing on delete
 * is where it should end anyway.
 */
static enum fd_err
group_reindex(struct fd_change *c, const struct group_state *old,
    const struct group_state *new)
{
	const char *label = old != NULL ? old->label : new->label;
	const char *was[2] = {old ? old->primary : "", old ? old->backup : ""};
	const char *now[2] = {new ? new->primary : "", new ? new->backup : ""};
	enum fd_err err;

	for (int r = FD_SIDE_PRIMARY; r <= FD_SIDE_BACKUP; r++)
		if (was[r][0] && strcmp(was[r], now[r]) != 0 &&
		    (err = fd_appindex_del(c->st, c->txn, was[r], label)) !=
		    FD_OK && err != FD_ENOTFOUND)
			return err;
	for (int r = FD_SIDE_PRIMARY; r <= FD_SIDE_BACKUP; r++)
		if (now[r][0] && strcmp(was[r], now[r]) != 0 &&
		    (err = fd_appindex_put(c->st, c->txn, now[r], label,
		    (enum fd_side)r)) != FD_OK)
			return err;
	return FD_OK;
}

/*
 * Move a group from old (NULL: new group) to new (NULL: deleted),
 * keeping everything derived from its apps exact: every app's ref_count
 * and active_count, and the app-to-groups index.  The apps' statuses are
 * noted in fx first, for the history row and touched.
 */
static enum fd_err
group_relink(struct fd_change *c, const struct group_state *old,
    const struct group_state *new, struct fd_effects *fx)
{
	enum fd_err err = FD_OK;

	for (int i = 0; i < 2; i++) {
		const struct group_state *g = i == 0 ? old : new;

		if (g != NULL) {
			fd_effects_app(fx, g->primary);
			fd_effects_app(fx, g->backup);
		}
	}
	if (old != NULL) {
		if ((err = app_count(c, old->primary, -1, 0)) != FD_OK ||
		    (err = app_count(c, old->backup, -1, 0)) != FD_OK ||
		    (err = app_count(c, group_active_app(old), 0, -1)) != FD_OK)
			return err;
	}
	if (new != NULL) {
		if ((err = app_count(c, new->primary, 1, 0)) != FD_OK ||
		    (err = app_count(c, new->backup, 1, 0)) != FD_OK ||
		    (err = app_count(c, group_active_app(new), 0, 1)) != FD_OK)
			return err;
	}
	return group_reindex(c, old, new);
}

/*
 * Bump the serial, append the history row with what the change moved, and
 * hand out its touched names; the end of every change.  Takes before and
 * after, and frees fx.  Part of an import (bulk), it does none of that:
 * the import does it once.
 */
enum fd_err
fd_change_record(struct fd_change *c, const char *op, const char *subject,
    json_t *before, json_t *after, struct fd_effects *fx)
{
	json_t *members = NULL, *touched = NULL;
	enum fd_err err = FD_OK;

	c->changed = true;
	if (!c->bulk)
		err = fd_effects_finish(fx, &members, &touched);
	/* why a source inside the daemon made it (health: the checks) */
	if (!c->bulk && err == FD_OK && c->evidence != NULL &&
	    json_object_set(members, "evidence", c->evidence) != 0)
		err = FD_ENOMEM;
	if (!c->bulk && err == FD_OK) {
		err = fd_history_append(c->st, c->txn, c->now, &c->actor, op,
		    subject, before, after, members, &c->serial);
		before = after = NULL;
	}
	json_decref(before);
	json_decref(after);
	fd_effects_free(fx);
	if (err == FD_OK)
		fd_touched_add(&c->touched, touched);
	else
		json_decref(touched);
	if (err != FD_OK)
		snprintf(c->msg, sizeof(c->msg), "%s", fd_strerror(err));
	return err;
}

/* Gathering what a change moved; an import's parts leave it to the import. */
void
fd_change_effects_begin(struct fd_change *c, struct fd_effects *fx)
{
	fd_effects_init(fx, c->st, c->txn, !c->bulk);
}

static enum fd_err
check_app_exists(struct fd_change *c, const char *name, const char *role)
{
	struct fd_app_view v;
	enum fd_err err;

	if (name == NULL)
		return FD_OK;
	if (!fd_app_name_valid(name))
		FAIL(c, FD_EINVAL, "%s: '%s' is not a valid app name", role, name);
	err = fd_store_get_app(c->st, c->txn, name, strlen(name), &v);
	if (err == FD_ENOTFOUND)
		FAIL(c, err, "%s app %s not found", role, name);
	return err;
}

/*
 * A TTL given for a group (a default from zone.ttl passed its own check).
 * 0 is checked only when given, so a group made with 0 while it was
 * allowed can still be changed in other ways once it no longer is.
 */
static enum fd_err
check_ttl(struct fd_change *c, uint32_t ttl)
{
	if (ttl > FD_TTL_MAX)
		FAIL(c, FD_EINVAL, "ttl %u is out of range 0..%u", ttl,
		    FD_TTL_MAX);
	if (ttl == 0 && !c->allow_zero_ttl)
		FAIL(c, FD_EINVAL, "ttl 0 is refused: caches would keep "
		    "nothing and every query would come here; the smallest "
		    "TTL is 1 unless zone.allow_zero_ttl is true");
	return FD_OK;
}

/* The group rules that hold for any new state of a group. */
static enum fd_err
check_group_shape(struct fd_change *c, struct group_state *g)
{
	if (g->backup[0] && !g->primary[0])
		FAIL(c, FD_EREFUSED, "a backup app needs a primary app");
	if (g->backup[0] && strcmp(g->primary, g->backup) == 0)
		FAIL(c, FD_EREFUSED, "primary and backup must be different apps "
		    "(both are %s)", g->primary);
	if (g->ttl > FD_TTL_MAX)
		FAIL(c, FD_EINVAL, "ttl %u is out of range 0..%u", g->ttl,
		    FD_TTL_MAX);
	/* an emptied active side falls back to primary */
	if (group_active_app(g) == NULL)
		g->active = FD_SIDE_PRIMARY;
	return FD_OK;
}

/*
 * The groups an app set moves: those where the app is the active side,
 * in label order, from the index.  active_count says how many there are;
 * past FD_TOUCHED_MAX (touched is the whole zone then) only the first
 * FD_HISTORY_LIST_MAX are read for the row and the rest are counted, so
 * one app set does not read a million groups for names nobody needs.
 */
static enum fd_err
app_moved(struct fd_change *c, const struct app_state *a,
    struct fd_effects *fx)
{
	char label[FD_LABEL_MAX + 1];
	size_t found = 0, want = a->active_count;
	size_t read_max = want > FD_TOUCHED_MAX ? FD_HISTORY_LIST_MAX : want;
	struct fd_followers w;
	struct fd_follower f;
	struct fd_group_view g;
	enum fd_err err;

	if (!fx->on || want == 0)
		return FD_OK;
	for (err = fd_followers_first(c->st, c->txn, a->name, NULL, &w, &f);
	    err == FD_OK && found < read_max;
	    err = fd_followers_next(&w, &f)) {
		err = fd_store_get_group(c->st, c->txn, f.label, f.label_len, &g);
		if (err != FD_OK)
			break;
		if (g.active != f.role)
			continue;
		memcpy(label, f.label, f.label_len);
		label[f.label_len] = '\0';
		fd_effects_moved(fx, label);
		found++;
	}
	fd_followers_close(&w);
	if (err != FD_OK && err != FD_ENOTFOUND)
		FAIL(c, err, "app %s: %s", a->name, fd_strerror(err));
	fd_effects_moved_unnamed(fx, want - found);
	return FD_OK;
}

static enum fd_err
app_write(struct fd_change *c, const char *name, const struct fd_endpoints *ep,
    bool create)
{
	struct app_state a;
	struct fd_effects fx;
	json_t *before = NULL;
	enum fd_err err;
	MDB_val k, v;
	int rc;

	if (!fd_app_name_valid(name))
		FAIL(c, FD_EINVAL, "'%s' is not a valid app name "
		    "([a-z0-9][a-z0-9-]{0,62})", name);
	if (ep->kind == FD_APP_ADDRS && ep->n4 + ep->n6 == 0)
		FAIL(c, FD_EINVAL, "app %s needs a --cname or at least one --addr",
		    name);
	if ((err = fd_cname_target_exists(c, name, ep)) != FD_OK)
		return err;
	if (create) {
		struct fd_app_view old;

		if (fd_store_get_app(c->st, c->txn, name, strlen(name), &old) ==
		    FD_OK)
			FAIL(c, FD_EEXISTS, "app %s already exists", name);
		fd_change_effects_begin(c, &fx);
		fd_effects_app(&fx, name);    /* added: its status name appears */
		memset(&a, 0, sizeof(a));
		snprintf(a.name, sizeof(a.name), "%s", name);
		a.created = c->now;
		/* a fresh status label, unique among apps */
		for (int tries = 0;; tries++) {
			if (tries == 16 || fd_label_random(a.status_label) != FD_OK) {
				fd_effects_free(&fx);
				FAIL(c, FD_ESYS, "cannot draw a random label");
			}
			k.mv_size = FD_STATUS_LABEL_LEN;
			k.mv_data = a.status_label;
			if (mdb_get(c->txn, fd_store_dbi(c->st, FD_DB_STATUS),
			    &k, &v) == MDB_NOTFOUND)
				break;
		}
		v.mv_size = strlen(name);
		v.mv_data = (void *)name;
		rc = mdb_put(c->txn, fd_store_dbi(c->st, FD_DB_STATUS), &k, &v, 0);
		if (rc != 0) {
			fd_effects_free(&fx);
			FAIL(c, fd_store_err(rc), "%s", fd_strerror(fd_store_err(rc)));
		}
	} else {
		if ((err = app_load(c, name, &a)) != FD_OK)
			return err;
		if (fd_endpoints_equal(&a.ep, ep))
			return FD_OK;    /* same endpoints: no new serial */
		fd_change_effects_begin(c, &fx);
		if ((err = app_moved(c, &a, &fx)) != FD_OK) {
			fd_effects_free(&fx);
			return err;
		}
		before = fd_change_app_json(c, name);
	}
	a.ep = *ep;
	a.updated = c->now;
	if ((err = app_store(c, &a)) != FD_OK) {
		json_decref(before);
		fd_effects_free(&fx);
		FAIL(c, err, "%s", fd_strerror(err));
	}
	if ((err = fd_cname_loop_from_app(c, name)) != FD_OK) {
		json_decref(before);
		fd_effects_free(&fx);
		return err;
	}
	return fd_change_record(c, create ? "app.add" : "app.set", name, before,
	    fd_change_app_json(c, name), &fx);
}

enum fd_err
fd_change_app_add(struct fd_change *c, const char *name,
    const struct fd_endpoints *ep)
{
	return app_write(c, name, ep, true);
}

enum fd_err
fd_change_app_set(struct fd_change *c, const char *name,
    const struct fd_endpoints *ep)
{
	return app_write(c, name, ep, false);
}

/*
 * Groups named in a refusal: enough to find the rest with
 * `flipctl app show`, few enough to read in one line.
 */
#define REFUSAL_NAMES 5

/* "a, b, c, d, e and 7 more": the first groups that follow the app. */
static void
followers_text(struct fd_change *c, const struct app_state *a, char *buf,
    size_t len)
{
	struct fd_followers w;
	struct fd_follower f;
	size_t off = 0, shown = 0;
	enum fd_err err;

	buf[0] = '\0';
	for (err = fd_followers_first(c->st, c->txn, a->name, NULL, &w, &f);
	    err == FD_OK && shown < REFUSAL_NAMES && off < len;
	    err = fd_followers_next(&w, &f), shown++)
		off += (size_t)snprintf(buf + off, len - off, "%s%.*s",
		    shown ? ", " : "", (int)f.label_len, f.label);
	fd_followers_close(&w);
	if (a->ref_count > shown && off < len)
		snprintf(buf + off, len - off, " and %zu more",
		    (size_t)a->ref_count - shown);
}

enum fd_err
fd_change_app_remove(struct fd_change *c, const char *name)
{
	char groups[REFUSAL_NAMES * (FD_LABEL_MAX + 2) + 32];
	struct app_state a;
	struct fd_effects fx;
	json_t *before;
	enum fd_err err;
	MDB_val k;
	int rc;

	if (!fd_app_name_valid(name))
		FAIL(c, FD_EINVAL, "'%s' is not a valid app name", name);
	if ((err = app_load(c, name, &a)) != FD_OK)
		return err;
	if (a.ref_count > 0) {
		followers_text(c, &a, groups, sizeof(groups));
		FAIL(c, FD_EREFUSED, "app %s is used by %u group%s (%s); point "
		    "%s elsewhere first", name, a.ref_count,
		    a.ref_count == 1 ? "" : "s", groups,
		    a.ref_count == 1 ? "it" : "them");
	}
	fd_change_effects_begin(c, &fx);
	fd_effects_app(&fx, name);    /* removed: its status name goes */
	before = fd_change_app_json(c, name);
	k.mv_size = strlen(name);
	k.mv_data = (void *)name;
	rc = mdb_del(c->txn, fd_store_dbi(c->st, FD_DB_APPS), &k, NULL);
	if (rc == 0) {
		k.mv_size = FD_STATUS_LABEL_LEN;
		k.mv_data = a.status_label;
		rc = mdb_del(c->txn, fd_store_dbi(c->st, FD_DB_STATUS), &k, NULL);
	}
	err = fd_store_err(rc);
	/* its check and health go with it */
	if (err == FD_OK)
		err = fd_change_app_forget_health(c, name);
	if (err != FD_OK) {
		json_decref(before);
		fd_effects_free(&fx);
		FAIL(c, err, "%s", fd_strerror(err));
	}
	return fd_change_record(c, "app.remove", name, before, NULL, &fx);
}

bool
fd_change_label_reserved(const struct fd_change *c, const char *label)
{
	for (int i = 0; i < c->n_reserved; i++)
		if (strcmp(c->reserved[i], label) == 0)
			return true;
	return false;
}

/* Is the label free: not a live group, not tombstoned, not reserved? */
static bool
label_free(struct fd_change *c, const char *label)
{
	struct fd_group_view g;

	return !fd_change_label_reserved(c, label) &&
	    !fd_store_is_tombstoned(c->st, c->txn, label, strlen(label)) &&
	    fd_store_get_group(c->st, c->txn, label, strlen(label), &g) ==
	    FD_ENOTFOUND;
}

enum fd_err
fd_change_group_create(struct fd_change *c, const char *label,
    const char *primary, const char *backup, bool ttl_given, uint32_t ttl,
    uint32_t default_ttl, char *label_out)
{
	struct group_state g;
	struct fd_effects fx;
	enum fd_err err;

	memset(&g, 0, sizeof(g));
	if (label != NULL) {
		if (!fd_group_label_valid(label))
			FAIL(c, FD_EINVAL, "'%s' is not a valid label (lower-case "
			    "letters, digits and '-', at most 63)", label);
		if (fd_change_label_reserved(c, label))
			FAIL(c, FD_EEXISTS, "label %s is reserved for a name in "
			    "the zone", label);
		if (fd_store_is_tombstoned(c->st, c->txn, label, strlen(label)))
			FAIL(c, FD_EEXISTS, "label %s belonged to a deleted group "
			    "and is never issued again", label);
		if (!label_free(c, label))
			FAIL(c, FD_EEXISTS, "group %s.%s already exists", label,
			    c->origin);
		snprintf(g.label, sizeof(g.label), "%s", label);
	} else {
		/* 60 random bits: a collision is a curiosity, but check */
		for (int tries = 0;; tries++) {
			if (tries == 16 || fd_label_random(g.label) != FD_OK)
				FAIL(c, FD_ESYS, "cannot draw a free random label");
			if (label_free(c, g.label))
				break;
		}
	}
	if ((err = check_app_exists(c, primary, "primary")) != FD_OK ||
	    (err = check_app_exists(c, backup, "backup")) != FD_OK ||
	    (ttl_given && (err = check_ttl(c, ttl)) != FD_OK))
		return err;
	if (primary)
		snprintf(g.primary, sizeof(g.primary), "%s", primary);
	if (backup)
		snprintf(g.backup, sizeof(g.backup), "%s", backup);
	g.ttl = ttl_given ? ttl : default_ttl;
	g.active = FD_SIDE_PRIMARY;
	g.created = g.updated = c->now;
	if ((err = check_group_shape(c, &g)) != FD_OK)
		return err;
	fd_change_effects_begin(c, &fx);
	if ((err = group_relink(c, NULL, &g, &fx)) != FD_OK ||
	    (err = group_store(c, &g)) != FD_OK) {
		fd_effects_free(&fx);
		FAIL(c, err, "%s", fd_strerror(err));
	}
	if ((err = fd_cname_loop_from_group(c, g.label)) != FD_OK) {
		fd_effects_free(&fx);
		return err;
	}
	fd_effects_moved(&fx, g.label);    /* a new name answers */
	memcpy(label_out, g.label, strlen(g.label) + 1);
	return fd_change_record(c, "group.create", g.label, NULL,
	    group_json(c, g.label), &fx);
}

enum fd_err
fd_change_group_set(struct fd_change *c, const char *label,
    struct fd_app_ref primary, struct fd_app_ref backup, bool ttl_given,
    uint32_t ttl)
{
	return fd_change_group_set_policy(c, label, primary, backup, ttl_given,
	    ttl, NULL);
}

enum fd_err
fd_change_group_set_policy(struct fd_change *c, const char *label,
    struct fd_app_ref primary, struct fd_app_ref backup, bool ttl_given,
    uint32_t ttl, const struct fd_policy *policy)
{
	struct group_state old, g;
	struct fd_policy old_policy;
	struct fd_effects fx;
	const char *was, *now;
	json_t *before;
	enum fd_err err;

	if ((err = group_load(c, label, &old)) != FD_OK)
		return err;
	if ((err = fd_policy_get(c->st, c->txn, label, strlen(label),
	    &old_policy)) != FD_OK)
		FAIL(c, err, "group %s: its policy: %s", label, fd_strerror(err));
	if (policy == NULL)
		policy = &old_policy;
	g = old;
	if (primary.given) {
		if ((err = check_app_exists(c, primary.name, "primary")) != FD_OK)
			return err;
		snprintf(g.primary, sizeof(g.primary), "%s",
		    primary.name ? primary.name : "");
	}
	if (backup.given) {
		if ((err = check_app_exists(c, backup.name, "backup")) != FD_OK)
			return err;
		snprintf(g.backup, sizeof(g.backup), "%s",
		    backup.name ? backup.name : "");
	}
	if (ttl_given) {
		if ((err = check_ttl(c, ttl)) != FD_OK)
			return err;
		g.ttl = ttl;
	}
	if ((err = check_group_shape(c, &g)) != FD_OK)
		return err;
	if (strcmp(g.primary, old.primary) == 0 &&
	    strcmp(g.backup, old.backup) == 0 && g.ttl == old.ttl &&
	    g.active == old.active && fd_policy_equal(policy, &old_policy))
		return FD_OK;    /* nothing to change: no new serial */
	g.updated = c->now;
	before = group_json(c, label);
	fd_change_effects_begin(c, &fx);
	if ((err = group_relink(c, &old, &g, &fx)) != FD_OK ||
	    (err = group_store(c, &g)) != FD_OK ||
	    (err = fd_change_policy_put(c, label, policy)) != FD_OK) {
		json_decref(before);
		fd_effects_free(&fx);
		FAIL(c, err, "%s", fd_strerror(err));
	}
	if ((err = fd_cname_loop_from_group(c, label)) != FD_OK) {
		json_decref(before);
		fd_effects_free(&fx);
		return err;
	}
	/* the answer changes with the active app or the TTL, not the other side */
	was = group_active_app(&old);
	now = group_active_app(&g);
	if (g.ttl != old.ttl || strcmp(was ? was : "", now ? now : "") != 0)
		fd_effects_moved(&fx, label);
	return fd_change_record(c, "group.set", label, before,
	    group_json(c, label), &fx);
}

enum fd_err
fd_change_group_switch(struct fd_change *c, const char *label,
    enum fd_switch_to to)
{
	struct group_state old, g;
	struct fd_effects fx;
	json_t *before;
	enum fd_err err;

	if ((err = group_load(c, label, &old)) != FD_OK)
		return err;
	g = old;
	if (to == FD_SWITCH_TOGGLE)
		g.active = old.active == FD_SIDE_PRIMARY ? FD_SIDE_BACKUP :
		    FD_SIDE_PRIMARY;
	else
		g.active = (enum fd_side)to;
	if (group_active_app(&g) == NULL)
		FAIL(c, FD_EREFUSED, "group %s has no %s app to switch to", label,
		    g.active == FD_SIDE_BACKUP ? "backup" : "primary");
	if (g.active == old.active)
		return FD_OK;    /* --to the side already active */
	g.updated = c->now;
	before = group_json(c, label);
	fd_change_effects_begin(c, &fx);
	if ((err = group_relink(c, &old, &g, &fx)) != FD_OK ||
	    (err = group_store(c, &g)) != FD_OK) {
		json_decref(before);
		fd_effects_free(&fx);
		FAIL(c, err, "%s", fd_strerror(err));
	}
	fd_effects_moved(&fx, label);
	return fd_change_record(c, "group.switch", label, before,
	    group_json(c, label), &fx);
}

enum fd_err
fd_change_group_delete(struct fd_change *c, const char *label)
{
	struct group_state g;
	struct fd_effects fx;
	json_t *before;
	enum fd_err err;
	MDB_val k = {strlen(label), (void *)label}, v;
	int rc;

	if ((err = group_load(c, label, &g)) != FD_OK)
		return err;
	if (g.primary[0] || g.backup[0])
		FAIL(c, FD_EREFUSED, "group %s still points at %s%s%s; set "
		    "--primary none --backup none first", label, g.primary,
		    g.backup[0] ? " and " : "", g.backup);
	if ((err = fd_cname_unreferenced(c, label)) != FD_OK)
		return err;
	before = group_json(c, label);
	v.mv_size = sizeof(c->now);
	v.mv_data = &c->now;
	if ((rc = mdb_del(c->txn, fd_store_dbi(c->st, FD_DB_GROUPS), &k,
	    NULL)) != 0 ||
	    (rc = mdb_put(c->txn, fd_store_dbi(c->st, FD_DB_TOMBSTONES), &k,
	    &v, 0)) != 0) {
		json_decref(before);
		FAIL(c, fd_store_err(rc), "%s", fd_strerror(fd_store_err(rc)));
	}
	/* a deleted group keeps no policy for a label never issued again */
	if ((err = fd_change_policy_put(c, label, NULL)) != FD_OK) {
		json_decref(before);
		FAIL(c, err, "%s", fd_strerror(err));
	}
	/* it points at no app, so no counter or index entry changes */
	fd_change_effects_begin(c, &fx);
	fd_effects_moved(&fx, label);    /* NODATA becomes NXDOMAIN */
	return fd_change_record(c, "group.delete", label, before, NULL, &fx);
}
