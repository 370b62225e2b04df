/* daemon.c - flipdnsd's start-up, main loop and shutdown; see daemon.h. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>
#include <event2/thread.h>

#include "flipdns/daemon/changelog.h"
#include "flipdns/daemon/control.h"
#include "flipdns/daemon/daemon.h"
#include "flipdns/daemon/http.h"
#include "flipdns/daemon/notify.h"
#include "flipdns/util/log.h"
#include "flipdns/daemon/server.h"
#include "flipdns/daemon/writer.h"
#include "flipdns/db/txn.h"
#include "flipdns/dns/zone.h"
#include "daemon_state.h"
#include "secondaries.h"
#include "xfr_journal.h"
#include "xfr_notify.h"
#include "xfr_out.h"

/*
 * The label directly under the origin of each in-zone nameserver, so no
 * group can be created on top of ns1.<origin>; "_status" is taken by the
 * status names.
 */
void
daemon_reserved_labels(const struct fd_zone *z, struct daemon_labels *rl)
{
	rl->n = 0;
	snprintf(rl->text[rl->n], sizeof(rl->text[0]), "_status");
	rl->ptr[rl->n] = rl->text[rl->n];
	rl->n++;
	for (int i = 0; i < z->n_ns; i++) {
		const uint8_t *w = z->ns[i].name;
		size_t off = 0, prev = 0;

		/* a nameserver at the apex itself takes no label */
		if (!z->ns[i].in_zone || z->ns[i].name_len <= z->origin_len)
			continue;
		/* walk to the label just before the origin's labels */
		while (off < z->ns[i].name_len &&
		    z->ns[i].name_len - off > z->origin_len) {
			prev = off;
			off += 1 + w[off];
		}
		snprintf(rl->text[rl->n], sizeof(rl->text[0]), "%.*s", w[prev],
		    (const char *)w + prev + 1);
		rl->ptr[rl->n] = rl->text[rl->n];
		rl->n++;
	}
}

/*
 * Post-commit hook: one line per commit, so an operator (and the tests)
 * can see each commit once, after it is durable.  The per-change log
 * (who, what, before -> after) is the history's job.
 */
/*
 * Post-commit hook: the serial just made durable goes to the data
 * directory's marker, which a later start checks the store against
 * (store.h: a store that went back in time is refused).
 */
static void
mark_commit(void *arg, const struct fd_commit_info *ci)
{
	fd_store_mark(arg, ci->serial);
}

static void
log_commit(void *arg, const struct fd_commit_info *ci)
{
	char touched[32];

	if (json_is_true(ci->touched))
		snprintf(touched, sizeof(touched), "every name");
	else
		snprintf(touched, sizeof(touched), "%zu name%s",
		    json_array_size(ci->touched),
		    json_array_size(ci->touched) == 1 ? "" : "s");
	log_info("commit: serial %u, %zu change%s, %zu refused, %s touched",
	    ci->serial, ci->changes, ci->changes == 1 ? "" : "s", ci->refused,
	    touched);
}

/* NOTIFY the secondaries of the serial the store starts with. */
static void
announce_serial(struct daemon *d)
{
	MDB_txn *txn;

	if (fd_txn_begin_read(d->st, &txn) != FD_OK) {
		log_warnx("notify: cannot read the serial to announce");
		return;
	}
	fd_notifier_announce(d->notifier, fd_store_serial(d->st, txn));
	fd_txn_abort(txn);
}

static void
on_signal(evutil_socket_t sig, short what, void *arg)
{
	struct event_base *base = arg;

	log_info("signal %d: shutting down", (int)sig);
	event_base_loopexit(base, NULL);
}

/* SIGHUP, as systemctl reload and logrotate send it: re-read the config. */
static void
on_hup(evutil_socket_t sig, short what, void *arg)
{
	char msg[1024];

	log_info("signal %d: reloading", (int)sig);
	(void)daemon_reload(arg, msg, sizeof(msg));
}

/* SIGUSR1: one line of state, for an operator who wants a sign of life. */
static void
on_usr1(evutil_socket_t sig, short what, void *arg)
{
	struct daemon *d = arg;

	log_info("signal %d: serving %s with %d workers, %llu commits, "
	    "%u reloads", (int)sig, d->cfg->origin, d->cfg->workers,
	    (unsigned long long)fd_writer_commits(d->writer),
	    (unsigned)d->ms.reloads);
}

/* Signals whose default would kill the daemon without a word. */
static void
on_ignored(evutil_socket_t sig, short what, void *arg)
{
	log_info("signal %d ignored", (int)sig);
}

/* The signals the main loop handles, and what each does (README). */
static const struct {
	int sig;
	event_callback_fn fn;
	bool base_arg;    /* the callback takes the event base, not d */
} signal_table[] = {
	{SIGTERM, on_signal, true},
	{SIGINT, on_signal, true},
	{SIGHUP, on_hup, false},
	{SIGUSR1, on_usr1, false},
	{SIGUSR2, on_ignored, false},
};
#define NSIGNALS (sizeof(signal_table) / sizeof(signal_table[0]))

int
fd_daemon_run(const char *config_path, const struct fd_config *cfg)
{
	struct event *sigev[NSIGNALS] = {NULL};
	struct daemon d;
	struct fd_zone *zone;
	enum fd_err err;
	int status = 1;

	memset(&d, 0, sizeof(d));
	d.config_path = config_path;
	d.cfg = cfg;
	if ((zone = calloc(1, sizeof(*zone))) == NULL)
		fatal("calloc");
	if ((err = fd_zone_build(cfg, zone)) != FD_OK) {
		log_warnx("zone: %s", fd_strerror(err));
		goto out;
	}
	if (evthread_use_pthreads() != 0)
		fatalx("libevent has no pthreads support");
	signal(SIGPIPE, SIG_IGN);
	if (fd_nofile_budget(cfg) != FD_OK)
		goto out;
	if ((err = fd_server_bind(cfg, &d.srv)) != FD_OK) {
		log_warnx("cannot listen: %s", fd_strerror(err));
		goto out;
	}
	/*
	 * Reader slots: each worker's (TCP) and its UDP threads' (one per
	 * listen address), the zone transfers', the control plane's, and
	 * spare.
	 */
	err = fd_store_open(cfg->storage_path, cfg->map_size,
	    (unsigned)(cfg->workers * (1 + cfg->n_listen)) + FD_XFR_MAX + 16,
	    &d.st);
	if (err != FD_OK) {
		log_warnx("cannot open store %s: %s", cfg->storage_path,
		    fd_strerror_sys(err));
		goto out;
	}
	fd_store_set_history_keep(d.st, cfg->history_keep_rows,
	    cfg->history_keep_days);
	if ((d.sec = fd_secondaries_new()) == NULL)
		fatal("calloc");
	fd_secondaries_configure(d.sec, cfg);
	fd_server_set_secondaries(d.srv, d.sec);
	d.env.sec = d.sec;
	if ((d.base = event_base_new()) == NULL ||
	    event_base_priority_init(d.base, 2) != 0)
		fatalx("event_base_new");
	daemon_reserved_labels(zone, &d.labels);
	d.env.st = d.st;
	d.env.cfg = cfg;
	d.env.reserved = d.labels.ptr;
	d.env.n_reserved = d.labels.n;
	d.env.started = time(NULL);
	d.env.zone = zone;
	d.env.reload = daemon_reload;
	d.env.reload_arg = &d;
	d.env.ms = &d.ms;
	d.changelog.st = d.st;
	d.changelog.ms = &d.ms;
	d.wenv.origin = cfg->origin;
	d.wenv.reserved = d.labels.ptr;
	d.wenv.n_reserved = d.labels.n;
	d.wenv.allow_zero_ttl = cfg->allow_zero_ttl;
	if ((err = fd_writer_new(d.base, d.st, &d.wenv, &d.writer)) != FD_OK ||
	    (err = fd_writer_hook_add(d.writer, mark_commit, d.st)) != FD_OK ||
	    (err = fd_writer_hook_add(d.writer, log_commit, NULL)) != FD_OK ||
	    (err = fd_writer_hook_add(d.writer, fd_changelog_hook,
	    &d.changelog)) != FD_OK) {
		log_warnx("writer: %s", fd_strerror(err));
		goto out;
	}
	/* The IXFR journal, in each batch's transaction */
	d.journal.st = d.st;
	d.journal.zone = &d.env.zone;
	d.journal.cfg = &d.cfg;
	fd_writer_precommit_set(d.writer, fd_journal_step, &d.journal);
	/* NOTIFY reads the zone the main thread has: d.env.zone */
	if ((err = fd_notifier_new(d.base, &d.env.zone, d.sec, cfg,
	    &d.notifier)) != FD_OK ||
	    (err = fd_writer_hook_add(d.writer, fd_notifier_hook,
	    d.notifier)) != FD_OK) {
		log_warnx("notify: %s", fd_strerror_sys(err));
		goto out;
	}
	announce_serial(&d);
	if ((err = fd_control_open(d.base, &d.env, d.writer, &d.ctl)) !=
	    FD_OK) {
		log_warnx("cannot open control socket %s: %s",
		    cfg->control_socket, fd_strerror_sys(err));
		goto out;
	}
	d.msrc.srv = d.srv;
	d.msrc.st = d.st;
	d.msrc.writer = d.writer;
	d.msrc.ms = &d.ms;
	d.msrc.started = d.env.started;
	if ((err = fd_metrics_open(d.base, cfg, &d.msrc, &d.metrics)) != FD_OK)
		goto out;
	if ((err = fd_http_open(d.base, &d.env, d.writer, &d.http)) != FD_OK)
		goto out;
	if (cfg->user[0] != '\0' && fd_privdrop(cfg->user) != FD_OK)
		goto out;
	/* the zone is the server's from here on (reload replaces it) */
	err = fd_server_start(d.srv, zone, d.st);
	zone = NULL;
	d.env.zone = fd_server_zone(d.srv);
	if (err != FD_OK) {
		log_warnx("cannot start workers: %s", fd_strerror(err));
		goto out;
	}
	/*
	 * Probes run as the daemon's user, after the privilege drop, and
	 * only once the zone is served: a store of thousands of checks
	 * loads while DNS already answers.
	 */
	if ((err = fd_health_start(d.base, d.st, d.writer, cfg, &d.health)) !=
	    FD_OK) {
		log_warnx("health checks: %s", fd_strerror(err));
		goto out;
	}
	d.env.health = d.health;
	d.msrc.health = d.health;
	/* the workers' counters exist from here on: stats can be asked */
	d.env.metrics = &d.msrc;
	for (size_t i = 0; i < NSIGNALS; i++) {
		sigev[i] = evsignal_new(d.base, signal_table[i].sig,
		    signal_table[i].fn, signal_table[i].base_arg ?
		    (void *)d.base : (void *)&d);
		if (sigev[i] == NULL || evsignal_add(sigev[i], NULL) != 0)
			fatalx("signal %d: cannot handle it", signal_table[i].sig);
	}
	for (int i = 0; i < cfg->n_listen; i++)
		log_info("listening on %s (udp, tcp)", cfg->listen[i].text);
	log_info("serving %s with %d workers; control socket %s", cfg->origin,
	    cfg->workers, cfg->control_socket);
	/* Bound, started and answering: systemd may order its next unit. */
	fd_notify_ready();
	event_base_dispatch(d.base);
	fd_notify_stopping();
	status = 0;
out:
	/* Control first: it finishes and answers in-flight requests. */
	fd_control_close(d.ctl);
	fd_http_close(d.http);
	fd_metrics_close(d.metrics);
	/* the writer's last commits run health's hook: the prober goes after */
	fd_writer_free(d.writer);
	fd_notifier_free(d.notifier);
	fd_health_stop(d.health);
	fd_server_stop(d.srv);
	for (size_t i = 0; i < NSIGNALS; i++)
		if (sigev[i] != NULL)
			event_free(sigev[i]);
	if (d.base)
		event_base_free(d.base);
	fd_store_close(d.st);
	fd_secondaries_free(d.sec);
	free(zone);
	free(d.cfg_reloaded);
	if (status == 0)
		log_info("stopped");
	return status;
}
