/*
 * prober.h - the prober thread (daemon/ internal): probes every checked
 * app's endpoints on an event loop of its own, counts the results, and
 * tells the main thread when an app's health is established or changes.
 * It also sends the webhooks (webhook.h) and resolves host-name apps
 * (resolve.h), on the same loop and curl multi.
 *
 * One prober per distinct endpoint and check: two apps (or two groups
 * following one app) with the same address and the same check share one
 * probe schedule.  Each starts at a random point of its first interval,
 * so thousands of checks set at once do not fire together, and then
 * runs every interval.
 *
 * An endpoint is up after rise passing probes in a row, down after fall
 * failing ones, and unknown until either happens (so at start, and after
 * its check changes).  An app is, from its endpoints:
 *
 *   any endpoint up                      up
 *   every endpoint down (at least one)   down
 *   otherwise (some unknown, none up)    unknown: nothing is reported
 *
 * Only up and down are reported, each time the app's state is
 * established or changes, with the evidence in one line.  The main
 * thread writes transitions to the store (health.h) and acts on them.
 *
 * Threads: fd_prober_set, fd_prober_post and the read functions may be
 * called from the main thread at any time; the report callback runs on
 * the main thread's loop.
 */
#ifndef FLIPDNS_DAEMON_PROBER_H
#define FLIPDNS_DAEMON_PROBER_H

#include <stdint.h>
#include <event2/event.h>
#include <jansson.h>

#include "flipdns/conf/config.h"
#include "flipdns/db/health.h"

struct fd_prober;

struct fd_prober_report {
	char app[FD_APP_NAME_MAX + 1];
	enum fd_health_state state;               /* up or down */
	char why[FD_HEALTH_WHY_MAX + 1];
};
typedef void (*fd_prober_report_fn)(void *arg,
    const struct fd_prober_report *r);

/*
 * Start the thread.  cfg is copied (health.ca_file, resolver.*,
 * notify.*: a restart changes them).  fn runs on main_base's loop.
 */
enum fd_err fd_prober_start(struct event_base *main_base,
    const struct fd_config *cfg, fd_prober_report_fn fn, void *arg,
    struct fd_prober **out);

/*
 * app's check is now ck with endpoints ep (ck NULL or of type none, or
 * ep NULL: the app has no check any more; its probes stop).  The same
 * check and endpoints again change nothing, but the app's state, if
 * known, is reported again.  FD_ENOMEM when it cannot be queued.
 */
enum fd_err fd_prober_set(struct fd_prober *p, const char *app,
    const struct fd_check *ck, const struct fd_endpoints *ep);

/* Send body (JSON text) to every webhook, as event kind. */
void fd_prober_post(struct fd_prober *p, const char *kind, const char *body);

/*
 * What the prober knows of app now: {"endpoints": [{address, state,
 * last_check, latency_ms, last_result, last_error, probes, failures}],
 * "resolving": name or null}; NULL when it probes no such app.
 */
json_t *fd_prober_app_json(struct fd_prober *p, const char *app);

struct fd_prober_stats {
	uint64_t probes_ok, probes_failed;
	uint64_t apps, endpoints;         /* checked now */
	double cpu_seconds;               /* the prober thread's, so far */
	uint64_t hooks_sent, hooks_failed, hooks_dropped, hooks_queued;
};
void fd_prober_stats(struct fd_prober *p, struct fd_prober_stats *s);

/* Stop the thread and free everything; NULL is a no-op. */
void fd_prober_stop(struct fd_prober *p);

#endif
