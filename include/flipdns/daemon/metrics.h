/*
 * metrics.h - the daemon's counters for graphs and alerts: Prometheus
 * text on an HTTP listener (metrics.listen, off by default; GET /metrics)
 * and the same numbers as JSON for `flipctl stats`.
 *
 * Sources: each worker thread's query counters (dns/stats.h, summed at
 * scrape time: nothing is locked or shared on the query path), the main
 * thread's own counters (control commands by result, changes, switches,
 * reloads: struct fd_main_stats, touched only on the main thread), a
 * read snapshot of the store (serial, counts, pages), and health
 * checking's counters (health.h: probes, transitions, automatic
 * switches, webhooks, the prober thread's CPU time).  One table of
 * metric families renders both formats, so they cannot disagree.
 */
#ifndef FLIPDNS_DAEMON_METRICS_H
#define FLIPDNS_DAEMON_METRICS_H

#include <stdint.h>
#include <time.h>
#include <event2/event.h>
#include <jansson.h>

#include "flipdns/conf/config.h"
#include "flipdns/util/error.h"

/* Control results, by protocol error code ("ok" first). */
#define FD_CONTROL_RESULTS 16

struct fd_main_stats {
	uint64_t changes;       /* committed changes */
	uint64_t switches;      /* of them, group.switch */
	uint64_t reloads;
	uint64_t control[FD_CONTROL_RESULTS];   /* by fd_metrics_result() */
};

struct fd_health;
struct fd_server;
struct fd_store;
struct fd_writer;

/* What the numbers are read from; all must outlive the metrics. */
struct fd_metrics_src {
	struct fd_server *srv;
	struct fd_store *st;
	struct fd_writer *writer;
	const struct fd_main_stats *ms;
	time_t started;
	struct fd_health *health;       /* NULL until checks have started */
};

/* The index of a control response's result ("ok", or its error code). */
int fd_metrics_result(const json_t *resp);

/* Every metric as one JSON object (the `stats` command's result). */
json_t *fd_metrics_json(const struct fd_metrics_src *src);

/*
 * The same as Prometheus text exposition format 0.0.4, appended to buf
 * (a malloc'd string, *len updated); -1 when out of memory.
 */
int fd_metrics_text(const json_t *m, char **buf, size_t *len);

struct fd_metrics;
/*
 * Serve GET /metrics on cfg->metrics_listen from base; *out NULL (and
 * FD_OK) when metrics are off.  FD_ESYS when the address cannot be bound.
 */
enum fd_err fd_metrics_open(struct event_base *base,
    const struct fd_config *cfg, const struct fd_metrics_src *src,
    struct fd_metrics **out);
void fd_metrics_close(struct fd_metrics *m);

#endif
