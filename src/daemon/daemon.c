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
#include "flipdns/util/log.h"
#include "flipdns/daemon/server.h"
#include "flipdns/daemon/writer.h"
#include "flipdns/dns/zone.h"

/* Labels under the origin that name something other than a group. */
#define MAX_RESERVED (FD_CONF_MAX_NS + 1)

struct daemon_labels {
	char text[MAX_RESERVED][FD_LABEL_MAX + 1];
	const char *ptr[MAX_RESERVED];
	int n;
};

/*
 * The label directly under the origin of each in-zone nameserver, so no
 * group can be created on top of ns1.<origin>; "_status" is taken by the
 * status names.
 */
static void
reserved_labels(const struct fd_zone *z, struct daemon_labels *rl)
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

static void
on_signal(evutil_socket_t sig, short what, void *arg)
{
	struct event_base *base = arg;

	log_info("signal %d: shutting down", (int)sig);
	event_base_loopexit(base, NULL);
}

int
fd_daemon_run(const struct fd_config *cfg)
{
	struct fd_server *srv = NULL;
	struct fd_store *st = NULL;
	struct fd_control *ctl = NULL;
	struct fd_writer *writer = NULL;
	struct fd_write_env wenv;
	struct event_base *base = NULL;
	struct event *ev_term = NULL, *ev_int = NULL;
	struct daemon_labels rl;
	struct fd_cmd_env env;
	struct fd_zone *zone;
	enum fd_err err;
	int status = 1;

	if ((zone = calloc(1, sizeof(*zone))) == NULL)
		fatal("calloc");
	if ((err = fd_zone_build(cfg, zone)) != FD_OK) {
		log_warnx("zone: %s", fd_strerror(err));
		goto out;
	}
	if (evthread_use_pthreads() != 0)
		fatalx("libevent has no pthreads support");
	signal(SIGPIPE, SIG_IGN);
	if ((err = fd_server_bind(cfg, &srv)) != FD_OK) {
		log_warnx("cannot listen: %s", fd_strerror(err));
		goto out;
	}
	/*
	 * Reader slots: each worker's (TCP) and its UDP threads' (one per
	 * listen address), the control plane's, and spare.
	 */
	err = fd_store_open(cfg->storage_path, cfg->map_size,
	    (unsigned)(cfg->workers * (1 + cfg->n_listen)) + 16, &st);
	if (err != FD_OK) {
		log_warnx("cannot open store %s: %s", cfg->storage_path,
		    fd_strerror_sys(err));
		goto out;
	}
	if ((base = event_base_new()) == NULL ||
	    event_base_priority_init(base, 2) != 0)
		fatalx("event_base_new");
	reserved_labels(zone, &rl);
	memset(&env, 0, sizeof(env));
	env.st = st;
	env.cfg = cfg;
	env.reserved = rl.ptr;
	env.n_reserved = rl.n;
	env.started = time(NULL);
	env.zone = zone;
	wenv.origin = cfg->origin;
	wenv.reserved = rl.ptr;
	wenv.n_reserved = rl.n;
	if ((err = fd_writer_new(base, st, &wenv, &writer)) != FD_OK ||
	    (err = fd_writer_hook_add(writer, log_commit, NULL)) != FD_OK ||
	    (err = fd_writer_hook_add(writer, fd_changelog_hook, st)) != FD_OK) {
		log_warnx("writer: %s", fd_strerror(err));
		goto out;
	}
	if ((err = fd_control_open(base, &env, writer, &ctl)) != FD_OK) {
		log_warnx("cannot open control socket %s: %s",
		    cfg->control_socket, fd_strerror_sys(err));
		goto out;
	}
	if (cfg->user[0] != '\0' && fd_privdrop(cfg->user) != FD_OK)
		goto out;
	if ((err = fd_server_start(srv, zone, st)) != FD_OK) {
		log_warnx("cannot start workers: %s", fd_strerror(err));
		goto out;
	}
	ev_term = evsignal_new(base, SIGTERM, on_signal, base);
	ev_int = evsignal_new(base, SIGINT, on_signal, base);
	evsignal_add(ev_term, NULL);
	evsignal_add(ev_int, NULL);
	for (int i = 0; i < cfg->n_listen; i++)
		log_info("listening on %s (udp, tcp)", cfg->listen[i].text);
	log_info("serving %s with %d workers; control socket %s", cfg->origin,
	    cfg->workers, cfg->control_socket);
	event_base_dispatch(base);
	status = 0;
out:
	/* Control first: it finishes and answers in-flight requests. */
	fd_control_close(ctl);
	fd_writer_free(writer);
	fd_server_stop(srv);
	if (ev_term)
		event_free(ev_term);
	if (ev_int)
		event_free(ev_int);
	if (base)
		event_base_free(base);
	fd_store_close(st);
	free(zone);
	if (status == 0)
		log_info("stopped");
	return status;
}
