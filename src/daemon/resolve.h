/*
 * resolve.h - the addresses of a host name, kept fresh (daemon/
 * internal): an app given by --cname is checked at every address its
 * name resolves to.
 *
 * libevent's evdns on the prober's own base asks the resolvers of
 * resolver.addresses (or /etc/resolv.conf's) for A and AAAA, and asks
 * again when the shorter TTL of the two answers runs out (at least
 * FD_RESOLVE_MIN_S, at most FD_RESOLVE_MAX_S).  A failed lookup keeps
 * the addresses known before and tries again in FD_RESOLVE_RETRY_S: an
 * unreachable resolver is not a dead app.
 */
#ifndef FLIPDNS_DAEMON_RESOLVE_H
#define FLIPDNS_DAEMON_RESOLVE_H

#include <sys/socket.h>
#include <event2/event.h>

#include "flipdns/conf/config.h"
#include "flipdns/db/store.h"

/* A TTL of 0 would ask in a loop; a second is what a TTL of 1 means. */
#define FD_RESOLVE_MIN_S    1
/* An hour: the name's owner may move it, and we should notice the same day. */
#define FD_RESOLVE_MAX_S    3600
#define FD_RESOLVE_RETRY_S  5

struct fd_resolver;
struct fd_resolve;

/* The addresses found: n of them, AF_INET first, in answer order. */
struct fd_resolved {
	int n;
	struct sockaddr_storage addr[FD_APP_MAX_ADDRS];
	uint32_t ttl;
};
typedef void (*fd_resolved_fn)(void *arg, const struct fd_resolved *r);

enum fd_err fd_resolver_new(struct event_base *base,
    const struct fd_config *cfg, struct fd_resolver **out);
void fd_resolver_free(struct fd_resolver *rv);

/*
 * Keep name resolved (text, with or without the final dot): fn gets
 * every answer that gives at least one address, from the base's loop.
 */
enum fd_err fd_resolve_start(struct fd_resolver *rv, const char *name,
    fd_resolved_fn fn, void *arg, struct fd_resolve **out);
/* Stop: fn is not called again. */
void fd_resolve_stop(struct fd_resolve *r);

#endif
