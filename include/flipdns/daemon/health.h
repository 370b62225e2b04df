/*
 * health.h - health checking on the main thread: between the prober
 * (which probes) and the writer (which changes the store).
 *
 * What it does:
 *  - at start, hands the prober every app's check from the store, and
 *    after each commit the checks that changed (a post-commit hook reads
 *    the commit's history rows: app.check, app.set, app.remove, import,
 *    apply);
 *  - turns each report of the prober into a change through the writer,
 *    as actor "health", when the state differs from the stored one: only
 *    transitions are written (db/health.h);
 *  - decides, through the writer, for every group with policy auto that
 *    follows an app whose health changed (or was confirmed, or whose
 *    policy was set): fd_change_health_decide switches it or not, and a
 *    switch is a group.switch row with the evidence;
 *  - acts on stored states only once fresh probes confirm them: a state
 *    restored after a restart decides nothing until the prober reports
 *    it again, so a restart never switches anything by itself;
 *  - keeps a timer per group whose failback waits for its hold;
 *  - queues a webhook (prober.h, webhook.h) for every committed
 *    group.switch and app.failover (whoever made it) and app.health row.
 *
 * Main thread only.
 */
#ifndef FLIPDNS_DAEMON_HEALTH_H
#define FLIPDNS_DAEMON_HEALTH_H

#include <event2/event.h>
#include <jansson.h>

#include "flipdns/conf/config.h"
#include "flipdns/daemon/writer.h"

struct fd_health;

/*
 * Start the prober thread and load the checks (after the privilege
 * drop: probes run as the daemon's user).  cfg is copied where needed.
 */
enum fd_err fd_health_start(struct event_base *base, struct fd_store *st,
    struct fd_writer *w, const struct fd_config *cfg,
    struct fd_health **out);

/*
 * The prober's live view of app ({"endpoints": [...], "resolving"}),
 * or NULL when it probes no such app.
 */
json_t *fd_health_app_json(struct fd_health *h, const char *app);
/* Is app's stored state confirmed by fresh probes since start? */
bool fd_health_fresh(struct fd_health *h, const char *app);

/* The counters, for metrics.h ("health" member). */
json_t *fd_health_stats_json(struct fd_health *h);

/* Stop the prober and free; NULL is a no-op. */
void fd_health_stop(struct fd_health *h);

#endif
