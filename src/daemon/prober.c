/*
 * prober.c - the prober thread: apps, their endpoints, probe schedules,
 * the up/down counting, and the queues to and from the main thread.
 * See prober.h.
 *
 * Everything below runs on the prober's loop, except the functions the
 * header names as callable from the main thread; those only queue a
 * message (qlock) or read under lock, which the prober holds whenever
 * it changes what they read.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/time.h>

#include "curlev.h"
#include "flipdns/util/log.h"
#include "probe.h"
#include "prober.h"
#include "resolve.h"
#include "strmap.h"
#include "webhook.h"

struct app;

/* One endpoint under one check: one probe schedule, shared by apps. */
struct target {
	struct fd_prober *p;
	char key[FD_CHECK_PATH_MAX + FD_CHECK_BODY_MAX +
	    FD_DNAME_TEXT_MAX + 256];
	struct sockaddr_storage addr;
	char addr_text[INET6_ADDRSTRLEN];
	char shown[INET6_ADDRSTRLEN + 8];   /* "[::1]:443", for people */
	struct fd_check ck;
	char host[FD_DNAME_TEXT_MAX];       /* Host and SNI, "" for none */
	struct app **apps;                  /* the apps that use it */
	int napps, capps;
	struct event *timer;
	struct fd_probe probe;
	bool in_flight;
	/* counting */
	enum fd_health_state state;
	uint32_t ok_run, fail_run;
	/* what `flipctl app health` shows (under lock) */
	uint64_t last_check_ms;             /* unix ms of the last result */
	uint32_t latency_us;
	char last_result[200];
	char last_error[200];
	uint64_t probes, failures;
};

struct app {
	struct fd_prober *p;
	char name[FD_APP_NAME_MAX + 1];
	struct fd_check ck;
	struct fd_endpoints ep;             /* as the store has them */
	char cname[FD_DNAME_TEXT_MAX];      /* "" for an app of addresses */
	struct fd_resolve *res;
	struct target **t;                  /* its endpoints now */
	int n;
	bool reported_any;
	enum fd_health_state reported;
};

/* A message from the main thread. */
struct msg {
	TAILQ_ENTRY(msg) entry;
	enum { MSG_SET, MSG_POST } type;
	char app[FD_APP_NAME_MAX + 1];
	bool remove;
	struct fd_check ck;
	struct fd_endpoints ep;
	char kind[24];
	char *body;
};
TAILQ_HEAD(msg_list, msg);

struct report_msg {
	TAILQ_ENTRY(report_msg) entry;
	struct fd_prober_report r;
};
TAILQ_HEAD(report_list, report_msg);

struct fd_prober {
	struct fd_config cfg;               /* a copy: reload changes none */
	pthread_t thread;
	bool started;
	struct event_base *base;            /* the prober's loop */
	struct event *wake;                 /* messages are waiting */
	struct event *tick;                 /* CPU time, once a second */
	struct fd_curlev *cv;
	struct fd_webhooks *hooks;
	struct fd_resolver *resolver;
	/* main thread -> prober */
	pthread_mutex_t qlock;
	struct msg_list inbox;
	/* prober -> main thread */
	struct event *report_ev;            /* on the main loop */
	struct report_list outbox;
	fd_prober_report_fn report_fn;
	void *report_arg;
	/* the prober's state; read by the main thread under lock */
	pthread_mutex_t lock;
	struct strmap apps;                 /* name -> struct app */
	struct strmap targets;              /* key -> struct target */
	uint64_t probes_ok, probes_failed;
	double cpu_seconds;
	struct fd_webhook_stats hook_stats;
};

static uint64_t
now_ms(void)
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	return (uint64_t)tv.tv_sec * 1000 + (uint64_t)tv.tv_usec / 1000;
}

/* -- reports to the main thread --------------------------------------- */

static void
report(struct fd_prober *p, struct app *a, enum fd_health_state state,
    const char *why)
{
	struct report_msg *m;

	if ((m = calloc(1, sizeof(*m))) == NULL) {
		log_warnx("prober: out of memory, a report of %s lost", a->name);
		return;
	}
	snprintf(m->r.app, sizeof(m->r.app), "%s", a->name);
	m->r.state = state;
	snprintf(m->r.why, sizeof(m->r.why), "%s", why);
	pthread_mutex_lock(&p->qlock);
	TAILQ_INSERT_TAIL(&p->outbox, m, entry);
	pthread_mutex_unlock(&p->qlock);
	event_active(p->report_ev, EV_READ, 0);
}

/* On the main loop: hand each report to the callback, in order. */
static void
on_reports(evutil_socket_t fd, short what, void *arg)
{
	struct fd_prober *p = arg;
	struct report_list batch;
	struct report_msg *m;

	TAILQ_INIT(&batch);
	pthread_mutex_lock(&p->qlock);
	TAILQ_CONCAT(&batch, &p->outbox, entry);
	pthread_mutex_unlock(&p->qlock);
	while ((m = TAILQ_FIRST(&batch)) != NULL) {
		TAILQ_REMOVE(&batch, m, entry);
		p->report_fn(p->report_arg, &m->r);
		free(m);
	}
}

/* "2 of 2 endpoints down: 127.0.0.1:80 connection refused (3 in a row)" */
static void
evidence(const struct app *a, enum fd_health_state state, char *buf, size_t len)
{
	size_t at;
	int count = 0;

	for (int i = 0; i < a->n; i++)
		count += a->t[i]->state == state;
	at = (size_t)snprintf(buf, len, "%d of %d endpoint%s %s:", count, a->n,
	    a->n == 1 ? "" : "s", fd_health_name(state));
	for (int i = 0; i < a->n && at < len; i++) {
		const struct target *t = a->t[i];

		if (t->state != state)
			continue;
		at += (size_t)snprintf(buf + at, len - at, " %s %s (%u in a "
		    "row);", t->shown, t->last_result, state == FD_HEALTH_UP ?
		    t->ok_run : t->fail_run);
	}
	if (at > 0 && at < len && buf[at - 1] == ';')
		buf[at - 1] = '\0';
}

/* The app from its endpoints (prober.h's table); report what is new. */
static void
app_update(struct fd_prober *p, struct app *a, bool again)
{
	char why[FD_HEALTH_WHY_MAX + 1];
	enum fd_health_state h = FD_HEALTH_UNKNOWN;
	int down = 0;

	for (int i = 0; i < a->n; i++) {
		if (a->t[i]->state == FD_HEALTH_UP)
			h = FD_HEALTH_UP;
		down += a->t[i]->state == FD_HEALTH_DOWN;
	}
	if (h != FD_HEALTH_UP && a->n > 0 && down == a->n)
		h = FD_HEALTH_DOWN;
	if (h == FD_HEALTH_UNKNOWN ||
	    (a->reported_any && a->reported == h && !again))
		return;
	evidence(a, h, why, sizeof(why));
	a->reported_any = true;
	a->reported = h;
	report(p, a, h, why);
}

/* -- probes ----------------------------------------------------------- */

static void
arm(struct target *t, uint32_t ms)
{
	struct timeval tv = {(time_t)(ms / 1000), (suseconds_t)(ms % 1000) *
	    1000};

	evtimer_add(t->timer, &tv);
}

static void
on_probe_done(void *arg, CURL *easy, CURLcode rc)
{
	struct target *t = arg;
	struct fd_prober *p = t->p;
	struct fd_probe_result res;
	enum fd_health_state was = t->state;

	fd_probe_outcome(&t->probe, &t->ck, rc, &res);
	fd_probe_clear(&t->probe);
	t->in_flight = false;
	pthread_mutex_lock(&p->lock);
	t->probes++;
	t->last_check_ms = now_ms();
	t->latency_us = res.latency_us;
	snprintf(t->last_result, sizeof(t->last_result), "%s", res.text);
	if (res.ok) {
		p->probes_ok++;
		t->ok_run++;
		t->fail_run = 0;
		if (t->state != FD_HEALTH_UP && t->ok_run >= t->ck.rise)
			t->state = FD_HEALTH_UP;
	} else {
		p->probes_failed++;
		t->failures++;
		snprintf(t->last_error, sizeof(t->last_error), "%s", res.text);
		t->fail_run++;
		t->ok_run = 0;
		if (t->state != FD_HEALTH_DOWN && t->fail_run >= t->ck.fall)
			t->state = FD_HEALTH_DOWN;
	}
	pthread_mutex_unlock(&p->lock);
	if (t->state != was) {
		log_debug("health: %s %s: %s -> %s (%s)", fd_check_type_name(
		    t->ck.type), t->shown, fd_health_name(was),
		    fd_health_name(t->state), res.text);
		for (int i = 0; i < t->napps; i++)
			app_update(p, t->apps[i], false);
	}
}

static void
on_target_timer(evutil_socket_t fd, short what, void *arg)
{
	struct target *t = arg;
	struct fd_prober *p = t->p;

	/* every interval from here, whatever the probe takes */
	arm(t, t->ck.interval_ms);
	if (t->in_flight)
		return;    /* timeout <= interval: only a stalled loop gets here */
	if (fd_probe_init(&t->probe, &t->ck, t->addr_text,
	    t->addr.ss_family, t->host, p->cfg.health_ca_file) != FD_OK ||
	    fd_curlev_add(p->cv, t->probe.easy, on_probe_done, t) != FD_OK) {
		fd_probe_clear(&t->probe);
		log_warnx("health: %s: cannot start a probe", t->shown);
		return;
	}
	t->in_flight = true;
}

/* -- endpoints shared between apps ------------------------------------ */

static void
target_key(char *out, size_t len, const struct fd_check *ck,
    const char *addr, const char *host)
{
	char expect[128];

	/* \x1f: no field before the body can hold it (health.h) */
	fd_check_expect_text(ck, expect, sizeof(expect));
	snprintf(out, len, "%s\x1f%u\x1f%d\x1f%s\x1f%s\x1f%s\x1f%u\x1f%u\x1f%u"
	    "\x1f%u\x1f%s", addr, ck->port, (int)ck->type, host, ck->path,
	    expect, ck->interval_ms, ck->timeout_ms, ck->fall, ck->rise,
	    ck->body);
}

/* Draw the first start in [0, interval): thousands never fire as one. */
static uint32_t
jitter(uint32_t interval_ms)
{
	uint32_t r = 0;

	if (getrandom(&r, sizeof(r), GRND_NONBLOCK) != sizeof(r))
		r = (uint32_t)random();
	return interval_ms > 1 ? r % interval_ms : 0;
}

static struct target *
target_get(struct fd_prober *p, const struct app *a,
    const struct sockaddr_storage *ss)
{
	char addr[INET6_ADDRSTRLEN], key[sizeof(((struct target *)0)->key)];
	const char *host;
	struct target *t;

	inet_ntop(ss->ss_family, ss->ss_family == AF_INET ?
	    (const void *)&((const struct sockaddr_in *)ss)->sin_addr :
	    (const void *)&((const struct sockaddr_in6 *)ss)->sin6_addr, addr,
	    sizeof(addr));
	/* Host and SNI: the check's name, else the app's own name */
	host = a->ck.host[0] ? a->ck.host : a->cname;
	target_key(key, sizeof(key), &a->ck, addr, host);
	if ((t = strmap_get(&p->targets, key)) != NULL)
		return t;
	if ((t = calloc(1, sizeof(*t))) == NULL)
		return NULL;
	t->p = p;
	snprintf(t->key, sizeof(t->key), "%s", key);
	t->addr = *ss;
	snprintf(t->addr_text, sizeof(t->addr_text), "%s", addr);
	snprintf(t->shown, sizeof(t->shown), ss->ss_family == AF_INET6 ?
	    "[%s]:%u" : "%s:%u", addr, a->ck.port);
	t->ck = a->ck;
	snprintf(t->host, sizeof(t->host), "%s", host);
	if ((t->timer = evtimer_new(p->base, on_target_timer, t)) == NULL ||
	    !strmap_put(&p->targets, key, t)) {
		if (t->timer != NULL)
			event_free(t->timer);
		free(t);
		return NULL;
	}
	arm(t, jitter(t->ck.interval_ms));
	return t;
}

static bool
target_link(struct target *t, struct app *a)
{
	if (t->napps == t->capps) {
		int cap = t->capps ? t->capps * 2 : 2;
		struct app **na = realloc(t->apps, (size_t)cap * sizeof(*na));

		if (na == NULL)
			return false;
		t->apps = na;
		t->capps = cap;
	}
	t->apps[t->napps++] = a;
	return true;
}

/* a no longer uses t; the last app to go stops its probes. */
static void
target_unlink(struct fd_prober *p, struct target *t, struct app *a)
{
	for (int i = 0; i < t->napps; i++)
		if (t->apps[i] == a) {
			t->apps[i] = t->apps[--t->napps];
			break;
		}
	if (t->napps > 0)
		return;
	strmap_del(&p->targets, t->key);
	if (t->in_flight) {
		fd_curlev_cancel(p->cv, t->probe.easy);
		fd_probe_clear(&t->probe);
	}
	event_free(t->timer);
	free(t->apps);
	free(t);
}

/*
 * The app's endpoints are now these n addresses: keep the probes (and
 * their counts) of those that stay, start new ones, drop the rest.
 * Called under lock.
 */
static void
app_set_addrs(struct fd_prober *p, struct app *a,
    const struct sockaddr_storage *ss, int n)
{
	struct target **nt = calloc((size_t)(n > 0 ? n : 1), sizeof(*nt));
	int k = 0;

	if (nt == NULL) {
		log_warnx("health: %s: out of memory", a->name);
		return;
	}
	for (int i = 0; i < n; i++) {
		struct target *t = target_get(p, a, &ss[i]);
		bool dup = false;

		for (int j = 0; j < k; j++)
			dup |= nt[j] == t;
		if (t == NULL || dup)
			continue;
		/* linked already (an endpoint that stays): keep that link */
		bool linked = false;

		for (int j = 0; j < a->n; j++)
			if (a->t[j] == t) {
				linked = true;
				a->t[j] = NULL;
			}
		if (!linked && !target_link(t, a)) {
			if (t->napps == 0)
				target_unlink(p, t, a);
			continue;
		}
		nt[k++] = t;
	}
	for (int j = 0; j < a->n; j++)
		if (a->t[j] != NULL)
			target_unlink(p, a->t[j], a);
	free(a->t);
	a->t = nt;
	a->n = k;
}

/* The addresses of an app of addresses (fd_endpoints) as sockaddrs. */
static int
ep_addrs(const struct fd_endpoints *ep, struct sockaddr_storage *ss)
{
	int n = 0;

	for (int i = 0; i < ep->n4; i++, n++) {
		struct sockaddr_in *sin = (void *)&ss[n];

		memset(&ss[n], 0, sizeof(ss[n]));
		sin->sin_family = AF_INET;
		memcpy(&sin->sin_addr, ep->a4[i], 4);
	}
	for (int i = 0; i < ep->n6; i++, n++) {
		struct sockaddr_in6 *sin6 = (void *)&ss[n];

		memset(&ss[n], 0, sizeof(ss[n]));
		sin6->sin6_family = AF_INET6;
		memcpy(&sin6->sin6_addr, ep->a6[i], 16);
	}
	return n;
}

static void app_free(struct fd_prober *p, struct app *a);

/* -- messages from the main thread ------------------------------------ */

/* A resolver's answer: the app's endpoints are these addresses now. */
static void
app_resolved(void *arg, const struct fd_resolved *r)
{
	struct app *a = arg;
	struct fd_prober *p = a->p;

	pthread_mutex_lock(&p->lock);
	app_set_addrs(p, a, r->addr, r->n);
	pthread_mutex_unlock(&p->lock);
	app_update(p, a, false);
}

static struct app *
app_new(struct fd_prober *p, const char *name)
{
	struct app *a = calloc(1, sizeof(*a));

	if (a == NULL)
		return NULL;
	a->p = p;
	snprintf(a->name, sizeof(a->name), "%s", name);
	return a;
}

static bool
endpoints_same(const struct fd_endpoints *x, const struct fd_endpoints *y)
{
	if (x->kind != y->kind)
		return false;
	if (x->kind == FD_APP_CNAME)
		return x->cname_len == y->cname_len &&
		    memcmp(x->cname_wire, y->cname_wire, x->cname_len) == 0;
	return x->n4 == y->n4 && x->n6 == y->n6 &&
	    memcmp(x->a4, y->a4, (size_t)x->n4 * 4) == 0 &&
	    memcmp(x->a6, y->a6, (size_t)x->n6 * 16) == 0;
}

static void
handle_set(struct fd_prober *p, struct msg *m)
{
	struct sockaddr_storage ss[2 * FD_APP_MAX_ADDRS];
	struct app *a = strmap_get(&p->apps, m->app);
	char cname[FD_DNAME_TEXT_MAX];

	if (m->remove) {
		if (a != NULL) {
			pthread_mutex_lock(&p->lock);
			strmap_del(&p->apps, a->name);
			app_free(p, a);
			pthread_mutex_unlock(&p->lock);
			log_debug("health: %s: no check, probes stopped", m->app);
		}
		return;
	}
	if (a != NULL && fd_check_equal(&a->ck, &m->ck) &&
	    endpoints_same(&a->ep, &m->ep)) {
		/* nothing new: say again what is known (prober.h) */
		app_update(p, a, true);
		return;
	}
	cname[0] = '\0';
	if (m->ep.kind == FD_APP_CNAME &&
	    fd_dname_to_text(m->ep.cname_wire, m->ep.cname_len, cname,
	    sizeof(cname)) > 0 && strlen(cname) > 1)
		cname[strlen(cname) - 1] = '\0';    /* Host has no root dot */
	pthread_mutex_lock(&p->lock);
	if (a == NULL) {
		if ((a = app_new(p, m->app)) == NULL ||
		    !strmap_put(&p->apps, a->name, a)) {
			free(a);
			pthread_mutex_unlock(&p->lock);
			log_warnx("health: %s: out of memory", m->app);
			return;
		}
	} else {
		/*
		 * A new check: every endpoint's counting starts over.  New
		 * endpoints alone: those that stay keep theirs.
		 */
		if (!fd_check_equal(&a->ck, &m->ck)) {
			app_set_addrs(p, a, NULL, 0);
			a->reported_any = false;
		}
		fd_resolve_stop(a->res);
		a->res = NULL;
	}
	a->ck = m->ck;
	a->ep = m->ep;
	snprintf(a->cname, sizeof(a->cname), "%s", cname);
	if (m->ep.kind == FD_APP_ADDRS)
		app_set_addrs(p, a, ss, ep_addrs(&m->ep, ss));
	pthread_mutex_unlock(&p->lock);
	if (m->ep.kind == FD_APP_CNAME &&
	    fd_resolve_start(p->resolver, cname, app_resolved, a, &a->res) !=
	    FD_OK)
		log_warnx("health: %s: cannot resolve %s", a->name, cname);
	log_debug("health: %s: %s check of %d endpoint%s%s%s", a->name,
	    fd_check_type_name(a->ck.type), a->n, a->n == 1 ? "" : "s",
	    cname[0] ? ", resolving " : "", cname);
	/*
	 * The main thread forgets what it knew of an app it sends again:
	 * what the endpoints that stayed establish is news to it.
	 */
	app_update(p, a, true);
}

static void
on_wake(evutil_socket_t fd, short what, void *arg)
{
	struct fd_prober *p = arg;
	struct msg_list batch;
	struct msg *m;

	TAILQ_INIT(&batch);
	pthread_mutex_lock(&p->qlock);
	TAILQ_CONCAT(&batch, &p->inbox, entry);
	pthread_mutex_unlock(&p->qlock);
	while ((m = TAILQ_FIRST(&batch)) != NULL) {
		TAILQ_REMOVE(&batch, m, entry);
		if (m->type == MSG_SET)
			handle_set(p, m);
		else
			fd_webhooks_post(p->hooks, m->kind, m->body);
		free(m->body);
		free(m);
	}
	pthread_mutex_lock(&p->lock);
	fd_webhooks_stats(p->hooks, &p->hook_stats);
	pthread_mutex_unlock(&p->lock);
}

/* Once a second: the thread's CPU time and the webhooks' counters. */
static void
on_tick(evutil_socket_t fd, short what, void *arg)
{
	struct fd_prober *p = arg;
	struct rusage ru;

	pthread_mutex_lock(&p->lock);
	if (getrusage(RUSAGE_THREAD, &ru) == 0)
		p->cpu_seconds = (double)ru.ru_utime.tv_sec +
		    ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
		    ru.ru_stime.tv_usec / 1e6;
	fd_webhooks_stats(p->hooks, &p->hook_stats);
	pthread_mutex_unlock(&p->lock);
}

static void *
prober_main(void *arg)
{
	struct fd_prober *p = arg;

	event_base_loop(p->base, EVLOOP_NO_EXIT_ON_EMPTY);
	return NULL;
}

static void
app_free(struct fd_prober *p, struct app *a)
{
	fd_resolve_stop(a->res);
	app_set_addrs(p, a, NULL, 0);
	free(a->t);
	free(a);
}

/* -- the main thread's side ------------------------------------------- */

static void
queue(struct fd_prober *p, struct msg *m)
{
	pthread_mutex_lock(&p->qlock);
	TAILQ_INSERT_TAIL(&p->inbox, m, entry);
	pthread_mutex_unlock(&p->qlock);
	event_active(p->wake, EV_READ, 0);
}

enum fd_err
fd_prober_set(struct fd_prober *p, const char *app, const struct fd_check *ck,
    const struct fd_endpoints *ep)
{
	struct msg *m;

	if ((m = calloc(1, sizeof(*m))) == NULL)
		return FD_ENOMEM;
	m->type = MSG_SET;
	snprintf(m->app, sizeof(m->app), "%s", app);
	m->remove = ck == NULL || ck->type == FD_CHECK_NONE || ep == NULL;
	if (!m->remove) {
		m->ck = *ck;
		m->ep = *ep;
	}
	queue(p, m);
	return FD_OK;
}

void
fd_prober_post(struct fd_prober *p, const char *kind, const char *body)
{
	struct msg *m;

	if (p->cfg.n_webhooks == 0)
		return;
	if ((m = calloc(1, sizeof(*m))) == NULL ||
	    (m->body = strdup(body)) == NULL) {
		free(m);
		log_warnx("webhook: out of memory, an event dropped");
		return;
	}
	m->type = MSG_POST;
	snprintf(m->kind, sizeof(m->kind), "%s", kind);
	queue(p, m);
}

json_t *
fd_prober_app_json(struct fd_prober *p, const char *name)
{
	struct app *a;
	json_t *eps, *o = NULL;

	pthread_mutex_lock(&p->lock);
	if ((a = strmap_get(&p->apps, name)) == NULL)
		goto out;
	eps = json_array();
	for (int i = 0; i < a->n; i++) {
		const struct target *t = a->t[i];

		json_array_append_new(eps, json_pack("{s:s, s:s, s:o, s:o, s:s?,"
		    " s:s?, s:I, s:I, s:i, s:i}", "address", t->shown,
		    "state", fd_health_name(t->state),
		    "last_check", t->last_check_ms ?
		    json_real(t->last_check_ms / 1000.0) : json_null(),
		    "latency_ms", t->last_check_ms ?
		    json_real(t->latency_us / 1000.0) : json_null(),
		    "last_result", t->last_result[0] ? t->last_result : NULL,
		    "last_error", t->last_error[0] ? t->last_error : NULL,
		    "probes", (json_int_t)t->probes,
		    "failures", (json_int_t)t->failures,
		    "ok_run", (int)t->ok_run, "fail_run", (int)t->fail_run));
	}
	o = json_pack("{s:o, s:o}", "endpoints", eps, "resolving",
	    a->cname[0] ? json_string(a->cname) : json_null());
out:
	pthread_mutex_unlock(&p->lock);
	return o;
}

void
fd_prober_stats(struct fd_prober *p, struct fd_prober_stats *s)
{
	memset(s, 0, sizeof(*s));
	pthread_mutex_lock(&p->lock);
	s->probes_ok = p->probes_ok;
	s->probes_failed = p->probes_failed;
	s->apps = p->apps.n;
	s->endpoints = p->targets.n;
	s->cpu_seconds = p->cpu_seconds;
	s->hooks_sent = p->hook_stats.sent;
	s->hooks_failed = p->hook_stats.failed;
	s->hooks_dropped = p->hook_stats.dropped;
	s->hooks_queued = p->hook_stats.queued;
	pthread_mutex_unlock(&p->lock);
}

enum fd_err
fd_prober_start(struct event_base *main_base, const struct fd_config *cfg,
    fd_prober_report_fn fn, void *arg, struct fd_prober **out)
{
	struct fd_prober *p;
	enum fd_err err = FD_ENOMEM;

	*out = NULL;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return FD_ENOMEM;
	if ((p = calloc(1, sizeof(*p))) == NULL)
		goto bad_global;
	p->cfg = *cfg;
	p->report_fn = fn;
	p->report_arg = arg;
	TAILQ_INIT(&p->inbox);
	TAILQ_INIT(&p->outbox);
	strmap_init(&p->apps);
	strmap_init(&p->targets);
	pthread_mutex_init(&p->qlock, NULL);
	pthread_mutex_init(&p->lock, NULL);
	if ((p->base = event_base_new()) == NULL ||
	    (p->wake = event_new(p->base, -1, 0, on_wake, p)) == NULL ||
	    (p->tick = event_new(p->base, -1, EV_PERSIST, on_tick, p)) ==
	    NULL ||
	    (p->report_ev = event_new(main_base, -1, 0, on_reports, p)) ==
	    NULL ||
	    fd_curlev_new(p->base, &p->cv) != FD_OK ||
	    fd_webhooks_new(p->base, p->cv, &p->cfg, &p->hooks) != FD_OK ||
	    fd_resolver_new(p->base, &p->cfg, &p->resolver) != FD_OK)
		goto bad;
	{
		struct timeval second = {1, 0};

		evtimer_add(p->tick, &second);
	}
	if (pthread_create(&p->thread, NULL, prober_main, p) != 0) {
		err = FD_ESYS;
		goto bad;
	}
	p->started = true;
	*out = p;
	return FD_OK;
bad:
	fd_prober_stop(p);
	return err;
bad_global:
	curl_global_cleanup();
	return err;
}

void
fd_prober_stop(struct fd_prober *p)
{
	struct msg *m;
	struct report_msg *r;
	struct strmap_node *e;

	if (p == NULL)
		return;
	if (p->started) {
		event_base_loopbreak(p->base);
		pthread_join(p->thread, NULL);
	}
	/* the thread is gone: everything is ours */
	for (size_t i = 0; i < p->apps.nb; i++)
		for (e = p->apps.b[i]; e != NULL; e = e->next) {
			struct app *a = e->value;

			a->res = NULL;    /* the resolver frees its own */
		}
	fd_resolver_free(p->resolver);
	while (p->apps.n > 0) {
		for (size_t i = 0; i < p->apps.nb; i++)
			if ((e = p->apps.b[i]) != NULL) {
				struct app *a = strmap_del(&p->apps, e->key);

				app_free(p, a);
				break;
			}
	}
	strmap_clear(&p->apps, NULL);
	strmap_clear(&p->targets, NULL);
	fd_webhooks_free(p->hooks);
	fd_curlev_free(p->cv);
	while ((m = TAILQ_FIRST(&p->inbox)) != NULL) {
		TAILQ_REMOVE(&p->inbox, m, entry);
		free(m->body);
		free(m);
	}
	while ((r = TAILQ_FIRST(&p->outbox)) != NULL) {
		TAILQ_REMOVE(&p->outbox, r, entry);
		free(r);
	}
	if (p->report_ev != NULL)
		event_free(p->report_ev);
	if (p->wake != NULL)
		event_free(p->wake);
	if (p->tick != NULL)
		event_free(p->tick);
	if (p->base != NULL)
		event_base_free(p->base);
	pthread_mutex_destroy(&p->qlock);
	pthread_mutex_destroy(&p->lock);
	free(p);
	curl_global_cleanup();
}
