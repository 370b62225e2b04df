/*
 * daemon_state.h - what daemon.c (start-up, signals, shutdown) and
 * reload.c (re-reading the configuration) share (internal).
 */
#ifndef FLIPDNS_DAEMON_STATE_H
#define FLIPDNS_DAEMON_STATE_H

#include <event2/event.h>

#include "flipdns/conf/config.h"
#include "flipdns/daemon/changelog.h"
#include "flipdns/daemon/commands.h"
#include "flipdns/daemon/health.h"
#include "flipdns/daemon/metrics.h"
#include "flipdns/daemon/writer.h"
#include "flipdns/dns/zone.h"
#include "xfr_journal.h"

struct fd_secondaries;
struct fd_notifier;

/* Labels under the origin that name something other than a group. */
#define MAX_RESERVED (FD_CONF_MAX_NS + 1)

struct daemon_labels {
	char text[MAX_RESERVED][FD_LABEL_MAX + 1];
	const char *ptr[MAX_RESERVED];
	int n;
};

struct daemon {
	const char *config_path;
	const struct fd_config *cfg;     /* in force */
	struct fd_config *cfg_reloaded;  /* cfg, when a reload made it */
	struct event_base *base;
	struct fd_server *srv;
	struct fd_store *st;
	struct fd_writer *writer;
	struct fd_control *ctl;
	struct fd_cmd_env env;           /* the commands' view of the above */
	struct fd_write_env wenv;
	struct daemon_labels labels;     /* wenv's and env's reserved labels */
	struct fd_main_stats ms;         /* the main thread's counters */
	struct fd_metrics_src msrc;
	struct fd_metrics *metrics;
	struct fd_http *http;          /* http.listen: API and dashboard */
	struct changelog_arg changelog;
	struct fd_secondaries *sec;      /* secondaries.h */
	struct fd_notifier *notifier;    /* xfr_notify.h */
	struct fd_journal_writer journal; /* xfr_journal.h */
	struct fd_health *health;        /* checks, probes, webhooks */
};

/* The labels of in-zone names ("_status", in-zone nameservers). */
void daemon_reserved_labels(const struct fd_zone *z, struct daemon_labels *rl);

/*
 * Re-read d->config_path and apply it (reload.c): on any error, nothing
 * changes and msg says why (FILE:LINE:COL for a bad file, the settings
 * that need a restart).  The env's reload callback.
 */
enum fd_err daemon_reload(void *arg, char *msg, size_t len);

#endif
