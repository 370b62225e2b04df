/*
 * xfr_notify.h - NOTIFY (RFC 1996) to every transfer.notify target after
 * each commit that changed the zone (internal to daemon/): a writer
 * post-commit hook, so a secondary hears of a serial only once it is
 * durable.  Coalesced (one in flight per secondary, the newest serial
 * wins), retried with backoff until acknowledged, TSIG-signed with the
 * target's key, from transfer.notify_source.  Main thread only.
 */
#ifndef FLIPDNS_DAEMON_XFR_NOTIFY_H
#define FLIPDNS_DAEMON_XFR_NOTIFY_H

#include <event2/event.h>

#include "flipdns/conf/config.h"
#include "flipdns/daemon/writer.h"
#include "flipdns/dns/zone.h"

struct fd_notifier;
struct fd_secondaries;

/*
 * Targets from cfg; *zone is read at each send (reload replaces it), so
 * the SOA and key are the current ones.  FD_ESYS when a socket cannot
 * be made or bound (logged).
 */
enum fd_err fd_notifier_new(struct event_base *base,
    const struct fd_zone *const *zone, struct fd_secondaries *sec,
    const struct fd_config *cfg, struct fd_notifier **out);
/* New targets (reload): what was in flight is dropped. */
enum fd_err fd_notifier_configure(struct fd_notifier *n,
    const struct fd_config *cfg);
/*
 * Announce serial to every target: at start (a secondary may have missed
 * changes while flipdns was down, and its refresh timer may be an hour
 * away, as BIND and Knot primaries do on loading a zone), and from the
 * hook.
 */
void fd_notifier_announce(struct fd_notifier *n, uint32_t serial);
/* The post-commit hook (writer.h): arg is the notifier. */
void fd_notifier_hook(void *arg, const struct fd_commit_info *ci);
void fd_notifier_free(struct fd_notifier *n);

#endif
