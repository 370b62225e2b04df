/*
 * health.c - health checking on the main thread: the prober's reports
 * become changes, committed rows become probe updates, decisions and
 * webhooks.  See health.h.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "flipdns/daemon/health.h"
#include "flipdns/db/appindex.h"
#include "flipdns/db/changes.h"
#include "flipdns/db/health.h"
#include "flipdns/db/history.h"
#include "flipdns/db/txn.h"
#include "flipdns/util/log.h"
#include "prober.h"
#include "strmap.h"

static const struct fd_actor health_actor = {"health", FD_ACTOR_NO_UID};

struct fd_health {
	struct event_base *base;
	struct fd_store *st;
	struct fd_writer *w;
	struct fd_prober *pr;
	/* app -> its state as fresh probes report it (enum fd_health_state + 1) */
	struct strmap fresh;
	/* group label -> struct event: failback waiting for its hold */
	struct strmap timers;
	uint64_t reports, transitions, decisions, switches, refused;
};

/* A change submitted to the writer, and what it needs when done. */
enum sub_kind { SUB_HEALTH, SUB_DECIDE };
struct sub {
	struct fd_health *h;
	enum sub_kind kind;
	char name[FD_LABEL_MAX + 1];     /* an app (health) or a label */
	enum fd_health_state state;
	char why[FD_HEALTH_WHY_MAX + 1];
	struct fd_decision d;
};

/* -- fresh states ----------------------------------------------------- */

static void
fresh_set(struct fd_health *h, const char *app, enum fd_health_state state)
{
	if (!strmap_put(&h->fresh, app, (void *)(uintptr_t)(state + 1)))
		log_warnx("health: out of memory");
}

/* fd_fresh_fn: the stored state counts when fresh probes say the same. */
static bool
fresh_matches(void *arg, const char *app, enum fd_health_state stored)
{
	struct fd_health *h = arg;
	uintptr_t v = (uintptr_t)strmap_get(&h->fresh, app);

	return v != 0 && (enum fd_health_state)(v - 1) == stored;
}

bool
fd_health_fresh(struct fd_health *h, const char *app)
{
	return strmap_get(&h->fresh, app) != NULL;
}

/* -- changes through the writer --------------------------------------- */

static enum fd_err
apply(struct fd_change *c, void *arg)
{
	struct sub *s = arg;

	if (s->kind == SUB_HEALTH)
		return fd_change_app_health(c, s->name, s->state, s->why);
	return fd_change_health_decide(c, s->name, fresh_matches, s->h, &s->d);
}

static void failback_at(struct fd_health *h, const char *label,
    uint64_t when);

static void
done(void *arg, enum fd_err err, const struct fd_change *c)
{
	struct sub *s = arg;
	struct fd_health *h = s->h;

	if (err != FD_OK) {
		h->refused++;
		/* a late report of a removed check or app is no news */
		if (err != FD_EREFUSED && err != FD_ENOTFOUND)
			log_warnx("health: %s: %s", s->name, c->msg);
	} else if (s->kind == SUB_HEALTH) {
		h->transitions += c->changed;
	} else {
		h->decisions++;
		h->switches += c->changed;
		if (s->d.retry_at != 0)
			failback_at(h, s->name, s->d.retry_at);
	}
	free(s);
}

static void
submit(struct fd_health *h, enum sub_kind kind, const char *name,
    enum fd_health_state state, const char *why)
{
	struct sub *s;

	if ((s = calloc(1, sizeof(*s))) == NULL) {
		log_warnx("health: out of memory, %s not handled", name);
		return;
	}
	s->h = h;
	s->kind = kind;
	snprintf(s->name, sizeof(s->name), "%s", name);
	s->state = state;
	snprintf(s->why, sizeof(s->why), "%s", why ? why : "");
	if (fd_writer_submit(h->w, &health_actor, apply, done, s) != FD_OK) {
		log_warnx("health: out of memory, %s not handled", name);
		free(s);
	}
}

/* -- failback timers -------------------------------------------------- */

struct timer {
	struct fd_health *h;
	struct event *ev;
	char label[FD_LABEL_MAX + 1];
};

static void
on_failback(evutil_socket_t fd, short what, void *arg)
{
	struct timer *t = arg;
	struct fd_health *h = t->h;
	char label[FD_LABEL_MAX + 1];

	snprintf(label, sizeof(label), "%s", t->label);
	strmap_del(&h->timers, label);
	event_free(t->ev);
	free(t);
	submit(h, SUB_DECIDE, label, FD_HEALTH_UNKNOWN, NULL);
}

/* Decide again about label at unix time when (a second late: hold is
 * "at least"). */
static void
failback_at(struct fd_health *h, const char *label, uint64_t when)
{
	struct timer *t = strmap_get(&h->timers, label);
	uint64_t now = (uint64_t)time(NULL);
	struct timeval tv = {(time_t)(when > now ? when - now : 0) + 1, 0};

	if (t == NULL) {
		if ((t = calloc(1, sizeof(*t))) == NULL ||
		    (t->ev = evtimer_new(h->base, on_failback, t)) == NULL ||
		    !strmap_put(&h->timers, label, t)) {
			if (t != NULL && t->ev != NULL)
				event_free(t->ev);
			free(t);
			log_warnx("health: out of memory, failback of %s lost",
			    label);
			return;
		}
		t->h = h;
		snprintf(t->label, sizeof(t->label), "%s", label);
	}
	evtimer_add(t->ev, &tv);
}

/* -- deciding --------------------------------------------------------- */

/* Decide about every group with a policy that follows app. */
static void
decide_followers(struct fd_health *h, const char *app)
{
	char label[FD_LABEL_MAX + 1];
	struct fd_followers w;
	struct fd_follower f;
	struct fd_policy p;
	MDB_txn *txn;
	enum fd_err err;

	if (fd_txn_begin_read(h->st, &txn) != FD_OK)
		return;
	for (err = fd_followers_first(h->st, txn, app, NULL, &w, &f);
	    err == FD_OK; err = fd_followers_next(&w, &f)) {
		if (fd_policy_get(h->st, txn, f.label, f.label_len, &p) !=
		    FD_OK || p.mode == FD_POLICY_MANUAL)
			continue;
		memcpy(label, f.label, f.label_len);
		label[f.label_len] = '\0';
		submit(h, SUB_DECIDE, label, FD_HEALTH_UNKNOWN, NULL);
	}
	fd_followers_close(&w);
	fd_txn_abort(txn);
}

/* Decide about every group that has a policy (after an import). */
static void
decide_all(struct fd_health *h)
{
	char label[FD_LABEL_MAX + 1];
	struct fd_cursor cur;
	struct fd_kv kv;
	MDB_txn *txn;
	enum fd_err err;

	if (fd_txn_begin_read(h->st, &txn) != FD_OK)
		return;
	if (fd_cursor_open(h->st, txn, FD_DB_POLICIES, &cur) == FD_OK) {
		for (err = fd_cursor_seek(&cur, NULL, 0, false, &kv);
		    err == FD_OK; err = fd_cursor_next(&cur, &kv)) {
			if (kv.key_len > FD_LABEL_MAX)
				continue;
			memcpy(label, kv.key, kv.key_len);
			label[kv.key_len] = '\0';
			submit(h, SUB_DECIDE, label, FD_HEALTH_UNKNOWN, NULL);
		}
		fd_cursor_close(&cur);
	}
	fd_txn_abort(txn);
}

/* A report of the prober: fresh evidence of app's state. */
static void
on_report(void *arg, const struct fd_prober_report *r)
{
	struct fd_health *h = arg;
	struct fd_health_rec stored;
	MDB_txn *txn;

	h->reports++;
	fresh_set(h, r->app, r->state);
	if (fd_txn_begin_read(h->st, &txn) != FD_OK)
		return;
	if (fd_health_get(h->st, txn, r->app, strlen(r->app), &stored) !=
	    FD_OK)
		stored.state = FD_HEALTH_UNKNOWN;
	fd_txn_abort(txn);
	log_debug("health: %s %s (%s)", r->app, fd_health_name(r->state),
	    r->why);
	if (stored.state != r->state)
		/* a transition: written first, decided on once committed */
		submit(h, SUB_HEALTH, r->app, r->state, r->why);
	else
		/* the stored state confirmed: now it may be acted on */
		decide_followers(h, r->app);
}

/* -- the prober's view of the store ----------------------------------- */

/* Tell the prober app's check as the store has it now (or none). */
static void
sync_app(struct fd_health *h, MDB_txn *txn, const char *app)
{
	struct fd_app_view v;
	struct fd_endpoints ep;
	struct fd_check ck;

	/* what the prober reports next is fresh for this check */
	strmap_del(&h->fresh, app);
	if (fd_store_get_app(h->st, txn, app, strlen(app), &v) != FD_OK ||
	    fd_check_get(h->st, txn, app, strlen(app), &ck) != FD_OK) {
		fd_prober_set(h->pr, app, NULL, NULL);
		return;
	}
	memset(&ep, 0, sizeof(ep));
	ep.kind = v.kind;
	if (v.kind == FD_APP_CNAME) {
		memcpy(ep.cname_wire, v.cname_wire, v.cname_len);
		ep.cname_len = v.cname_len;
	} else {
		ep.n4 = v.n4;
		ep.n6 = v.n6;
		memcpy(ep.a4, v.a4, (size_t)v.n4 * 4);
		memcpy(ep.a6, v.a6, (size_t)v.n6 * 16);
	}
	fd_prober_set(h->pr, app, &ck, &ep);
}

/* Every check in the store (start, import). */
static size_t
sync_all(struct fd_health *h)
{
	char app[FD_APP_NAME_MAX + 1];
	struct fd_cursor cur;
	struct fd_kv kv;
	MDB_txn *txn;
	size_t n = 0;
	enum fd_err err;

	if (fd_txn_begin_read(h->st, &txn) != FD_OK)
		return 0;
	if (fd_cursor_open(h->st, txn, FD_DB_CHECKS, &cur) == FD_OK) {
		for (err = fd_cursor_seek(&cur, NULL, 0, false, &kv);
		    err == FD_OK; err = fd_cursor_next(&cur, &kv)) {
			if (kv.key_len > FD_APP_NAME_MAX)
				continue;
			memcpy(app, kv.key, kv.key_len);
			app[kv.key_len] = '\0';
			sync_app(h, txn, app);
			n++;
		}
		fd_cursor_close(&cur);
	}
	fd_txn_abort(txn);
	return n;
}

/* -- the post-commit hook: what each committed row means here --------- */

static void
webhook(struct fd_health *h, json_t *row, const char *event)
{
	char *body;

	json_object_set_new(row, "event", json_string(event));
	if ((body = json_dumps(row, JSON_COMPACT)) == NULL)
		return;
	fd_prober_post(h->pr, event, body);
	free(body);
}

static void
row_app_sync(struct fd_health *h, MDB_txn *txn, json_t *row,
    const char *subject)
{
	sync_app(h, txn, subject);
}

static void
row_app_health(struct fd_health *h, MDB_txn *txn, json_t *row,
    const char *subject)
{
	webhook(h, row, "health");
	decide_followers(h, subject);
}

static void
row_switch(struct fd_health *h, MDB_txn *txn, json_t *row,
    const char *subject)
{
	webhook(h, row, "switch");
}

static void
row_group_set(struct fd_health *h, MDB_txn *txn, json_t *row,
    const char *subject)
{
	/* a policy set now applies now, to what is known */
	submit(h, SUB_DECIDE, subject, FD_HEALTH_UNKNOWN, NULL);
}

static void
row_import(struct fd_health *h, MDB_txn *txn, json_t *row,
    const char *subject)
{
	sync_all(h);
	decide_all(h);
}

/* The rows health checking acts on; any other row is none of its business. */
static const struct {
	const char *op;
	void (*fn)(struct fd_health *, MDB_txn *, json_t *, const char *);
} row_table[] = {
	{"app.check", row_app_sync},
	{"app.set", row_app_sync},
	{"app.remove", row_app_sync},
	{"app.health", row_app_health},
	{"group.switch", row_switch},
	{"app.failover", row_switch},     /* many groups switched at once */
	{"group.set", row_group_set},
	{"import", row_import},
	{"apply", row_import},            /* may change apps' endpoints */
};

static void
on_commit(void *arg, const struct fd_commit_info *ci)
{
	struct fd_health *h = arg;
	MDB_txn *txn;
	json_t *rows, *row;
	const char *op, *subject;

	if (fd_txn_begin_read(h->st, &txn) != FD_OK) {
		log_warnx("health: cannot read the history");
		return;
	}
	/* each kept change wrote one history row: the newest ci->changes */
	rows = fd_history_list(h->st, txn, NULL, (unsigned)ci->changes);
	for (size_t i = json_array_size(rows); i-- > 0;) {
		row = json_array_get(rows, i);
		op = json_string_value(json_object_get(row, "op"));
		subject = json_string_value(json_object_get(row, "subject"));
		if (op == NULL || subject == NULL)
			continue;
		for (size_t k = 0; k < sizeof(row_table) / sizeof(row_table[0]);
		    k++)
			if (strcmp(row_table[k].op, op) == 0)
				row_table[k].fn(h, txn, row, subject);
	}
	json_decref(rows);
	fd_txn_abort(txn);
}

/* -- life cycle ------------------------------------------------------- */

enum fd_err
fd_health_start(struct event_base *base, struct fd_store *st,
    struct fd_writer *w, const struct fd_config *cfg, struct fd_health **out)
{
	struct fd_health *h;
	enum fd_err err;
	size_t n;

	*out = NULL;
	if ((h = calloc(1, sizeof(*h))) == NULL)
		return FD_ENOMEM;
	h->base = base;
	h->st = st;
	h->w = w;
	strmap_init(&h->fresh);
	strmap_init(&h->timers);
	if ((err = fd_prober_start(base, cfg, on_report, h, &h->pr)) != FD_OK ||
	    (err = fd_writer_hook_add(w, on_commit, h)) != FD_OK) {
		fd_prober_stop(h->pr);
		free(h);
		return err;
	}
	n = sync_all(h);
	log_info("health: %zu app%s with a check", n, n == 1 ? "" : "s");
	*out = h;
	return FD_OK;
}

json_t *
fd_health_app_json(struct fd_health *h, const char *app)
{
	return fd_prober_app_json(h->pr, app);
}

json_t *
fd_health_stats_json(struct fd_health *h)
{
	struct fd_prober_stats s;

	fd_prober_stats(h->pr, &s);
	return json_pack("{s:{s:I, s:I}, s:I, s:I, s:f, s:I, s:I, s:I, s:I,"
	    " s:{s:I, s:I, s:I}, s:I}",
	    "probes", "ok", (json_int_t)s.probes_ok,
	    "failed", (json_int_t)s.probes_failed,
	    "apps", (json_int_t)s.apps,
	    "endpoints", (json_int_t)s.endpoints,
	    "cpu_seconds", s.cpu_seconds,
	    "reports", (json_int_t)h->reports,
	    "transitions", (json_int_t)h->transitions,
	    "decisions", (json_int_t)h->decisions,
	    "switches", (json_int_t)h->switches,
	    "webhooks",
	    "sent", (json_int_t)s.hooks_sent,
	    "failed", (json_int_t)s.hooks_failed,
	    "dropped", (json_int_t)s.hooks_dropped,
	    "webhooks_queued", (json_int_t)s.hooks_queued);
}

static void
timer_free(void *v)
{
	struct timer *t = v;

	event_free(t->ev);
	free(t);
}

void
fd_health_stop(struct fd_health *h)
{
	if (h == NULL)
		return;
	fd_prober_stop(h->pr);
	strmap_clear(&h->timers, timer_free);
	strmap_clear(&h->fresh, NULL);
	free(h);
}
