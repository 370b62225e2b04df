/*
 * reload.c - re-reading the configuration while serving (SIGHUP,
 * `flipctl reload`).
 *
 * All or nothing: the new file is parsed and its zone built first; a file
 * with an error, or one that changes a setting only a restart can apply,
 * is refused whole (the refusal names the error as FILE:LINE:COL, or the
 * settings), and the daemon goes on with what it had.  Otherwise the new
 * zone (SOA, NS set and glue, TTLs, EDNS size, CHAOS, query log) is
 * published to the workers, which take it from their next batch without
 * a lock and without dropping a query (zonepub.h), and the main thread's
 * settings (control ACLs, default TTL for new groups, reserved labels,
 * history retention, log level and syslog, health.min_interval) switch
 * at once: they are only read there.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon_state.h"
#include "flipdns/db/history.h"
#include "flipdns/daemon/notify.h"
#include "secondaries.h"
#include "xfr_notify.h"
#include "flipdns/daemon/server.h"
#include "flipdns/util/log.h"

#define FIELD(f) offsetof(struct fd_config, f), sizeof(((struct fd_config *)0)->f)

/*
 * Settings a running daemon cannot take, and why: sockets are bound and
 * the privileges dropped at start, the store is open with its map size,
 * and the origin names every group in the store.  TCP limits are split
 * over the workers at start.  (RRL follows a reload: each UDP thread
 * reads rrl.rate and rrl.slip from the zone it answers from.)
 * The prober thread copies health.ca_file, resolver.* and notify.* when
 * it starts.
 */
static const struct {
	const char *key;
	size_t off, size;
} restart_keys[] = {
	{"zone.origin", FIELD(origin)},
	{"listen", FIELD(n_listen)},
	{"listen", FIELD(listen)},
	{"storage.path", FIELD(storage_path)},
	{"storage.map_size", FIELD(map_size)},
	{"control.socket", FIELD(control_socket)},
	{"control.socket_group", FIELD(control_socket_group)},
	{"control.socket_mode", FIELD(control_socket_mode)},
	{"workers", FIELD(workers)},
	{"user", FIELD(user)},
	{"tcp.max_clients", FIELD(tcp_max_clients)},
	{"tcp.idle_timeout", FIELD(tcp_idle_timeout)},
	{"tcp.query_timeout", FIELD(tcp_query_timeout)},
	{"tcp.max_per_source", FIELD(tcp_max_per_source)},
	/* the HTTP listener is bound, and its certificate read, at start */
	{"http.listen", FIELD(http_listen)},
	{"http.max_body", FIELD(http_max_body)},
	{"http.tls.cert", FIELD(http_tls_cert)},
	{"http.tls.key", FIELD(http_tls_key)},
	/* the prober thread takes its copy of these when it starts */
	{"health.ca_file", FIELD(health_ca_file)},
	{"resolver.addresses", FIELD(n_resolvers)},
	{"resolver.addresses", FIELD(resolvers)},
	{"notify.webhooks", FIELD(n_webhooks)},
	{"notify.webhooks", FIELD(webhooks)},
	{"notify.secret", FIELD(notify_secret)},
	{"notify.retry_max", FIELD(notify_retry_max)},
};
#define NRESTART (sizeof(restart_keys) / sizeof(restart_keys[0]))

/* The restart-only settings that differ, as "listen, workers"; 0 if none. */
static size_t
restart_changes(const struct fd_config *a, const struct fd_config *b,
    char *out, size_t len)
{
	size_t n = 0, at = 0;

	out[0] = '\0';
	for (size_t i = 0; i < NRESTART; i++) {
		const char *key = restart_keys[i].key;

		if (memcmp((const char *)a + restart_keys[i].off,
		    (const char *)b + restart_keys[i].off,
		    restart_keys[i].size) == 0)
			continue;
		/* a key with two rows is named once */
		if (i > 0 && strcmp(restart_keys[i - 1].key, key) == 0 &&
		    strstr(out, key) != NULL)
			continue;
		at += (size_t)snprintf(out + at, at < len ? len - at : 0, "%s%s",
		    n ? ", " : "", key);
		n++;
	}
	return n;
}

/*
 * A reload that changed the zone's own records (SOA fields, NS set, glue,
 * the status names' TTL): a new serial, so secondaries transfer it, and a
 * journal break (touched: everything), since no delta says what moved.
 */
static enum fd_err
bump_apply(struct fd_change *c, void *arg)
{
	enum fd_err err;

	err = fd_history_append(c->st, c->txn, c->now, &c->actor,
	    "zone.reload", c->origin, NULL, NULL, NULL, &c->serial);
	if (err != FD_OK)
		return err;
	c->changed = true;
	c->touched = json_true();
	return FD_OK;
}

static void
bump_done(void *arg, enum fd_err err, const struct fd_change *c)
{
	if (err != FD_OK)
		log_warnx("reload: the zone's records changed but its serial "
		    "could not be raised: %s; secondaries see the change at "
		    "the next one", c->msg);
}

enum fd_err
daemon_reload(void *arg, char *msg, size_t len)
{
	struct daemon *d = arg;
	struct fd_config *cfg;
	struct fd_zone *zone = NULL;
	struct fd_actor reloader = {"reload", FD_ACTOR_NO_UID};
	bool same;
	char err[1024], keys[256];
	enum fd_err rc;

	msg[0] = '\0';
	/* systemd shows "reloading" until READY=1, whatever the outcome */
	fd_notify_reloading();
	if ((cfg = calloc(1, sizeof(*cfg))) == NULL) {
		fd_notify_ready();
		return FD_ENOMEM;
	}
	if ((rc = fd_config_load(d->config_path, cfg, err, sizeof(err))) !=
	    FD_OK) {
		snprintf(msg, len, "reload refused, nothing changed: %s", err);
		goto refused;
	}
	if (restart_changes(d->cfg, cfg, keys, sizeof(keys)) > 0) {
		rc = FD_EREFUSED;
		snprintf(msg, len, "reload refused, nothing changed: %s: "
		    "these settings take a restart: %s", d->config_path, keys);
		goto refused;
	}
	if ((zone = calloc(1, sizeof(*zone))) == NULL) {
		rc = FD_ENOMEM;
		snprintf(msg, len, "reload refused: out of memory");
		goto refused;
	}
	if ((rc = fd_zone_build(cfg, zone)) != FD_OK) {
		snprintf(msg, len, "reload refused, nothing changed: %s: the "
		    "zone cannot be built: %s", d->config_path, fd_strerror(rc));
		goto refused;
	}
	same = fd_zone_same_records(d->env.zone, zone);
	/* the workers', then the main thread's: neither can fail after */
	rc = fd_server_set_zone(d->srv, zone);
	zone = NULL;
	if (rc != FD_OK) {
		snprintf(msg, len, "reload refused, nothing changed: the "
		    "workers still hold too many older zones; try again");
		goto refused;
	}
	d->env.zone = fd_server_zone(d->srv);
	daemon_reserved_labels(d->env.zone, &d->labels);
	d->env.n_reserved = d->wenv.n_reserved = d->labels.n;
	d->wenv.allow_zero_ttl = cfg->allow_zero_ttl;
	d->env.cfg = cfg;
	d->cfg = cfg;
	fd_store_set_history_keep(d->st, cfg->history_keep_rows,
	    cfg->history_keep_days);
	free(d->cfg_reloaded);
	d->cfg_reloaded = cfg;
	log_configure(cfg->log_syslog, cfg->log_level);
	if (!same && fd_writer_submit(d->writer, &reloader, bump_apply,
	    bump_done, NULL) != FD_OK)
		log_warnx("reload: the zone's records changed but its serial "
		    "could not be raised");
	/* the secondaries: who is told, from where, with which key */
	fd_secondaries_configure(d->sec, cfg);
	if (fd_notifier_configure(d->notifier, cfg) != FD_OK)
		log_warnx("reload: some NOTIFY targets could not be set up");
	d->ms.reloads++;
	snprintf(msg, len, "reloaded %s", d->config_path);
	log_info("%s", msg);
	fd_notify_ready();
	return FD_OK;
refused:
	log_warnx("%s", msg);
	free(zone);
	free(cfg);
	fd_notify_ready();
	return rc;
}
