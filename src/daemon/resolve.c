/* resolve.c - host names to addresses, refreshed by TTL; see resolve.h. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>

#include <event2/dns.h>

#include "flipdns/util/log.h"
#include "resolve.h"

struct fd_resolve {
	TAILQ_ENTRY(fd_resolve) entry;
	struct fd_resolver *rv;
	char name[FD_DNAME_TEXT_MAX];
	fd_resolved_fn fn;
	void *arg;
	struct evdns_request *req[2];    /* A, AAAA in flight */
	int pending;
	bool stopped;
	struct fd_resolved got;          /* this round's answers */
	bool answered;                   /* a type answered without error */
	struct event *timer;
};
TAILQ_HEAD(resolve_list, fd_resolve);

struct fd_resolver {
	struct event_base *base;
	struct evdns_base *dns;
	struct resolve_list all;
};

enum fd_err
fd_resolver_new(struct event_base *base, const struct fd_config *cfg,
    struct fd_resolver **out)
{
	struct fd_resolver *rv;

	*out = NULL;
	if ((rv = calloc(1, sizeof(*rv))) == NULL)
		return FD_ENOMEM;
	rv->base = base;
	TAILQ_INIT(&rv->all);
	if ((rv->dns = evdns_base_new(base, 0)) == NULL) {
		free(rv);
		return FD_ENOMEM;
	}
	for (int i = 0; i < cfg->n_resolvers; i++)
		if (evdns_base_nameserver_sockaddr_add(rv->dns,
		    (const struct sockaddr *)&cfg->resolvers[i].ss,
		    cfg->resolvers[i].sslen, 0) != 0)
			log_warnx("resolver %s: cannot use it",
			    cfg->resolvers[i].text);
	/* none given: the system's, the nameservers alone (no search list) */
	if (cfg->n_resolvers == 0 && evdns_base_resolv_conf_parse(rv->dns,
	    DNS_OPTION_NAMESERVERS, "/etc/resolv.conf") != 0)
		log_warnx("resolver: /etc/resolv.conf names no usable "
		    "nameserver; host-name apps stay unknown");
	*out = rv;
	return FD_OK;
}

static void ask(struct fd_resolve *r);

static void
resolve_free(struct fd_resolve *r)
{
	TAILQ_REMOVE(&r->rv->all, r, entry);
	if (r->timer != NULL)
		event_free(r->timer);
	free(r);
}

static void
again_in(struct fd_resolve *r, uint32_t s)
{
	struct timeval tv = {(time_t)s, 0};

	evtimer_add(r->timer, &tv);
}

/* Both answers are in: hand them over, and ask again by their TTL. */
static void
round_done(struct fd_resolve *r)
{
	uint32_t ttl = r->got.ttl;

	if (r->stopped) {
		resolve_free(r);
		return;
	}
	if (r->got.n == 0) {
		/* NXDOMAIN, no address, or no answer: keep what we had */
		log_debug("resolve %s: no address (%s)", r->name, r->answered ?
		    "none in the answers" : "lookup failed");
		again_in(r, r->answered && ttl > 0 ? (ttl < FD_RESOLVE_MIN_S ?
		    FD_RESOLVE_MIN_S : ttl > FD_RESOLVE_MAX_S ?
		    FD_RESOLVE_MAX_S : ttl) : FD_RESOLVE_RETRY_S);
		return;
	}
	if (ttl < FD_RESOLVE_MIN_S)
		ttl = FD_RESOLVE_MIN_S;
	if (ttl > FD_RESOLVE_MAX_S)
		ttl = FD_RESOLVE_MAX_S;
	r->fn(r->arg, &r->got);
	again_in(r, ttl);
}

static void
on_answer(int result, char type, int count, int ttl, void *addrs, void *arg)
{
	struct fd_resolve *r = arg;
	struct fd_resolved *g = &r->got;

	r->req[type == DNS_IPv6_AAAA ? 1 : 0] = NULL;
	if (result == DNS_ERR_NONE && (type == DNS_IPv4_A ||
	    type == DNS_IPv6_AAAA)) {
		if (!r->answered || (uint32_t)ttl < g->ttl)
			g->ttl = ttl < 0 ? 0 : (uint32_t)ttl;
		r->answered = true;
		for (int i = 0; i < count && g->n < FD_APP_MAX_ADDRS; i++) {
			struct sockaddr_storage *ss = &g->addr[g->n++];

			memset(ss, 0, sizeof(*ss));
			if (type == DNS_IPv4_A) {
				struct sockaddr_in *sin = (void *)ss;

				sin->sin_family = AF_INET;
				memcpy(&sin->sin_addr, (uint8_t *)addrs + 4 * i,
				    4);
			} else {
				struct sockaddr_in6 *sin6 = (void *)ss;

				sin6->sin6_family = AF_INET6;
				memcpy(&sin6->sin6_addr,
				    (uint8_t *)addrs + 16 * i, 16);
			}
		}
	} else if (result == DNS_ERR_NODATA || result == DNS_ERR_NOTEXIST) {
		/* an answer: there is no address of this type */
		if (!r->answered || (uint32_t)(ttl > 0 ? ttl : 0) < g->ttl)
			g->ttl = ttl > 0 ? (uint32_t)ttl : 0;
		r->answered = true;
	}
	if (--r->pending == 0)
		round_done(r);
}

static void
ask(struct fd_resolve *r)
{
	memset(&r->got, 0, sizeof(r->got));
	r->answered = false;
	r->pending = 2;
	/* IPv4 first: the order fd_resolved promises */
	r->req[0] = evdns_base_resolve_ipv4(r->rv->dns, r->name,
	    DNS_QUERY_NO_SEARCH, on_answer, r);
	if (r->req[0] == NULL)
		r->pending--;
	r->req[1] = evdns_base_resolve_ipv6(r->rv->dns, r->name,
	    DNS_QUERY_NO_SEARCH, on_answer, r);
	if (r->req[1] == NULL)
		r->pending--;
	if (r->pending == 0)
		again_in(r, FD_RESOLVE_RETRY_S);
}

static void
on_timer(evutil_socket_t fd, short what, void *arg)
{
	ask(arg);
}

enum fd_err
fd_resolve_start(struct fd_resolver *rv, const char *name, fd_resolved_fn fn,
    void *arg, struct fd_resolve **out)
{
	struct fd_resolve *r;
	size_t len;

	*out = NULL;
	if ((r = calloc(1, sizeof(*r))) == NULL)
		return FD_ENOMEM;
	r->rv = rv;
	r->fn = fn;
	r->arg = arg;
	snprintf(r->name, sizeof(r->name), "%s", name);
	/* evdns wants no root dot; NO_SEARCH keeps it absolute */
	len = strlen(r->name);
	if (len > 1 && r->name[len - 1] == '.')
		r->name[len - 1] = '\0';
	if ((r->timer = evtimer_new(rv->base, on_timer, r)) == NULL) {
		free(r);
		return FD_ENOMEM;
	}
	TAILQ_INSERT_TAIL(&rv->all, r, entry);
	ask(r);
	*out = r;
	return FD_OK;
}

void
fd_resolve_stop(struct fd_resolve *r)
{
	if (r == NULL)
		return;
	r->stopped = true;
	evtimer_del(r->timer);
	if (r->pending == 0) {
		resolve_free(r);
		return;
	}
	/* the callbacks come with DNS_ERR_CANCEL, and the last frees it */
	for (int i = 0; i < 2; i++)
		if (r->req[i] != NULL)
			evdns_cancel_request(r->rv->dns, r->req[i]);
}

void
fd_resolver_free(struct fd_resolver *rv)
{
	struct fd_resolve *r;

	if (rv == NULL)
		return;
	/* requests go without callbacks; then whatever is left of ours */
	evdns_base_free(rv->dns, 0);
	while ((r = TAILQ_FIRST(&rv->all)) != NULL)
		resolve_free(r);
	free(rv);
}
