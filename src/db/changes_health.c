/*
 * changes_health.c - the changes health checking makes: an app's check,
 * its health transitions, a group's policy, and the automatic switch.
 * Each is one change with one history row, as those of changes.c; see
 * changes.h and health.h.
 */
#include <stdio.h>
#include <string.h>

#include "flipdns/db/changes.h"
#include "flipdns/db/health.h"
#include "change_int.h"

/* A check record: header, 8 ranges, three strings of at most 255. */
#define REC_BUF 1024

#define FAIL(c, e, ...) do {                                         \
	snprintf((c)->msg, sizeof((c)->msg), __VA_ARGS__);           \
	return (e);                                                  \
} while (0)

/* Put (or with len 0, delete) key's record in db; a missing one is fine. */
static enum fd_err
put_or_del(struct fd_change *c, enum fd_store_db db, const char *key,
    const void *val, size_t len)
{
	MDB_val k = {strlen(key), (void *)key}, v = {len, (void *)val};
	int rc;

	if (len > 0)
		return fd_store_err(mdb_put(c->txn, fd_store_dbi(c->st, db), &k,
		    &v, 0));
	rc = mdb_del(c->txn, fd_store_dbi(c->st, db), &k, NULL);
	return rc == MDB_NOTFOUND ? FD_OK : fd_store_err(rc);
}

enum fd_err
fd_change_app_forget_health(struct fd_change *c, const char *name)
{
	enum fd_err err;

	if ((err = put_or_del(c, FD_DB_CHECKS, name, NULL, 0)) != FD_OK)
		return err;
	return put_or_del(c, FD_DB_HEALTH, name, NULL, 0);
}

enum fd_err
fd_change_policy_put(struct fd_change *c, const char *label,
    const struct fd_policy *p)
{
	struct fd_policy def;
	uint8_t buf[64];
	size_t len = 0;

	fd_policy_defaults(&def);
	/* the default is no record: most groups are manual */
	if (p != NULL && !fd_policy_equal(p, &def) &&
	    (len = fd_policy_encode(buf, sizeof(buf), p)) == 0)
		return FD_EINVAL;
	return put_or_del(c, FD_DB_POLICIES, label, buf, len);
}

/* The app must exist; its JSON before the change goes into *before. */
static enum fd_err
app_exists(struct fd_change *c, const char *name)
{
	struct fd_app_view v;
	enum fd_err err;

	if (!fd_app_name_valid(name))
		FAIL(c, FD_EINVAL, "'%s' is not a valid app name", name);
	err = fd_store_get_app(c->st, c->txn, name, strlen(name), &v);
	if (err == FD_ENOTFOUND)
		FAIL(c, err, "app %s not found", name);
	if (err != FD_OK)
		FAIL(c, err, "app %s: %s", name, fd_strerror(err));
	return FD_OK;
}

enum fd_err
fd_change_app_check(struct fd_change *c, const char *name,
    const struct fd_check *ck, uint32_t min_interval_ms)
{
	struct fd_check old;
	struct fd_effects fx;
	uint8_t buf[REC_BUF];
	size_t len = 0;
	json_t *before;
	enum fd_err err;

	if ((err = app_exists(c, name)) != FD_OK ||
	    (err = fd_check_validate(ck, min_interval_ms, c->msg,
	    sizeof(c->msg))) != FD_OK)
		return err;
	err = fd_check_get(c->st, c->txn, name, strlen(name), &old);
	if (err == FD_ENOTFOUND)
		fd_check_defaults(&old);
	else if (err != FD_OK)
		FAIL(c, err, "app %s: its check: %s", name, fd_strerror(err));
	/* the same check, or none for none: no new serial */
	if (fd_check_equal(&old, ck) ||
	    (old.type == FD_CHECK_NONE && ck->type == FD_CHECK_NONE))
		return FD_OK;
	if (ck->type != FD_CHECK_NONE &&
	    (len = fd_check_encode(buf, sizeof(buf), ck)) == 0)
		FAIL(c, FD_EINVAL, "app %s: check record too large", name);
	before = fd_change_app_json(c, name);
	/* no check, no health: a removed check leaves no stale state */
	err = len > 0 ? put_or_del(c, FD_DB_CHECKS, name, buf, len) :
	    fd_change_app_forget_health(c, name);
	if (err != FD_OK) {
		json_decref(before);
		FAIL(c, err, "%s", fd_strerror(err));
	}
	/* a check changes no answer: nothing moved */
	fd_change_effects_begin(c, &fx);
	return fd_change_record(c, "app.check", name, before,
	    fd_change_app_json(c, name), &fx);
}

enum fd_err
fd_change_app_health(struct fd_change *c, const char *name,
    enum fd_health_state state, const char *why)
{
	struct fd_health_rec old, h;
	struct fd_check ck;
	struct fd_effects fx;
	uint8_t buf[sizeof(h) + 64];
	size_t len;
	json_t *before;
	enum fd_err err;

	if (state != FD_HEALTH_UP && state != FD_HEALTH_DOWN)
		FAIL(c, FD_EINVAL, "a health transition is to up or down");
	if ((err = app_exists(c, name)) != FD_OK)
		return err;
	err = fd_check_get(c->st, c->txn, name, strlen(name), &ck);
	if (err == FD_ENOTFOUND)
		FAIL(c, FD_EREFUSED, "app %s has no check", name);
	if (err != FD_OK ||
	    (err = fd_health_get(c->st, c->txn, name, strlen(name), &old)) !=
	    FD_OK)
		FAIL(c, err, "app %s: %s", name, fd_strerror(err));
	if (old.state == state)
		return FD_OK;    /* no transition: nothing to write */
	memset(&h, 0, sizeof(h));
	h.state = state;
	h.since = c->now;
	snprintf(h.why, sizeof(h.why), "%s", why != NULL ? why : "");
	if ((len = fd_health_encode(buf, sizeof(buf), &h)) == 0)
		FAIL(c, FD_EINVAL, "app %s: health record too large", name);
	before = fd_change_app_json(c, name);
	if ((err = put_or_del(c, FD_DB_HEALTH, name, buf, len)) != FD_OK) {
		json_decref(before);
		FAIL(c, err, "%s", fd_strerror(err));
	}
	fd_change_effects_begin(c, &fx);
	return fd_change_record(c, "app.health", name, before,
	    fd_change_app_json(c, name), &fx);
}

/* One side's health as the decision sees it: unknown unless fresh. */
static enum fd_err
side_health(struct fd_change *c, const char *app, size_t len,
    fd_fresh_fn fresh, void *arg, struct fd_side_health *s, json_t **ev)
{
	char name[FD_APP_NAME_MAX + 1];
	struct fd_health_rec h;
	enum fd_err err;

	memset(s, 0, sizeof(*s));
	*ev = NULL;
	if (app == NULL || len == 0) {
		*ev = json_null();
		return FD_OK;
	}
	memcpy(name, app, len);
	name[len] = '\0';
	if ((err = fd_health_get(c->st, c->txn, name, len, &h)) != FD_OK)
		return err;
	s->present = true;
	s->state = fresh(arg, name, h.state) ? h.state : FD_HEALTH_UNKNOWN;
	s->since = h.since;
	/* fresh: probes since start confirm the stored state */
	*ev = json_pack("{s:s, s:s, s:I, s:s, s:b}", "app", name,
	    "state", fd_health_name(h.state), "since", (json_int_t)h.since,
	    "why", h.why, "fresh", s->state != FD_HEALTH_UNKNOWN);
	return FD_OK;
}

enum fd_err
fd_change_health_decide(struct fd_change *c, const char *label,
    fd_fresh_fn fresh, void *arg, struct fd_decision *d)
{
	struct fd_group_view g;
	struct fd_policy p;
	struct fd_side_health ph, bh;
	json_t *pev = NULL, *bev = NULL;
	enum fd_err err;

	memset(d, 0, sizeof(*d));
	d->to = -1;
	err = fd_store_get_group(c->st, c->txn, label, strlen(label), &g);
	if (err == FD_ENOTFOUND)
		return FD_OK;    /* deleted since it was queued */
	if (err != FD_OK ||
	    (err = fd_policy_get(c->st, c->txn, label, strlen(label), &p)) !=
	    FD_OK)
		FAIL(c, err, "group %s: %s", label, fd_strerror(err));
	if (p.mode == FD_POLICY_MANUAL)
		return FD_OK;
	if ((err = side_health(c, g.primary, g.primary_len, fresh, arg, &ph,
	    &pev)) != FD_OK ||
	    (err = side_health(c, g.backup, g.backup_len, fresh, arg, &bh,
	    &bev)) != FD_OK) {
		json_decref(pev);
		json_decref(bev);
		FAIL(c, err, "group %s: %s", label, fd_strerror(err));
	}
	fd_policy_decide(&p, g.active, &ph, &bh, c->now, d);
	if (d->to < 0 || d->to == (int)g.active) {
		json_decref(pev);
		json_decref(bev);
		return FD_OK;
	}
	/* the row says why: the rule, the policy, and each side's evidence */
	c->evidence = json_pack("{s:s, s:o, s:o, s:o}", "reason", d->why,
	    "policy", fd_policy_json(&p), "primary", pev, "backup", bev);
	if (c->evidence == NULL)
		FAIL(c, FD_ENOMEM, "out of memory");
	err = fd_change_group_switch(c, label, (enum fd_switch_to)d->to);
	json_decref(c->evidence);
	c->evidence = NULL;
	return err;
}
