/*
 * zone.c - precompute the static part of the zone from the config; see
 * zone.h.  Done once per (re)load so the responder never converts text.
 */
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "flipdns/dns/dnswire.h"
#include "flipdns/dns/zone.h"

#ifndef FLIPDNS_VERSION
#define FLIPDNS_VERSION "unknown"
#endif

/* RFC 6891 7: below 512 a payload size means 512. */
#define EDNS_MIN_UDP 512

static bool
name_set(const char *text, uint8_t *wire, uint8_t *len)
{
	int n = fd_dname_from_text(text, wire);

	if (n <= 0)
		return false;
	*len = (uint8_t)n;
	return true;
}

enum fd_err
fd_zone_build(const struct fd_config *cfg, struct fd_zone *z)
{
	uint8_t offs[FD_NAME_LABELS_MAX];

	memset(z, 0, sizeof(*z));
	if (!name_set(cfg->origin, z->origin, &z->origin_len) ||
	    !name_set(cfg->soa.mname, z->soa_mname, &z->soa_mname_len) ||
	    !name_set(cfg->soa.rname, z->soa_rname, &z->soa_rname_len))
		return FD_ECONFIG;
	z->origin_labels = (uint8_t)fd_name_labels(z->origin, z->origin_len,
	    offs);
	z->default_ttl = cfg->ttl;
	z->ns_ttl = cfg->ns_ttl;
	z->soa_ttl = cfg->soa.ttl;
	z->refresh = cfg->soa.refresh;
	z->retry = cfg->soa.retry;
	z->expire = cfg->soa.expire;
	z->minimum = cfg->soa.minimum;

	/* An apex without NS is not a zone; the arrays bound the rest. */
	if (cfg->n_ns < 1 || cfg->n_ns > FD_CONF_MAX_NS)
		return FD_ECONFIG;
	z->n_ns = cfg->n_ns;
	for (int i = 0; i < cfg->n_ns; i++) {
		const struct fd_conf_ns *c = &cfg->ns[i];
		struct fd_zone_ns *ns = &z->ns[i];

		if (!name_set(c->name, ns->name, &ns->name_len))
			return FD_ECONFIG;
		if (c->naddrs < 0 || c->naddrs > FD_CONF_MAX_NS_ADDRS)
			return FD_ECONFIG;
		ns->in_zone = fd_name_at_or_below(ns->name, ns->name_len,
		    z->origin, z->origin_len);
		/* Out-of-zone addresses are not ours to publish. */
		if (!ns->in_zone)
			continue;
		for (int j = 0; j < c->naddrs; j++) {
			if (c->addrs[j].family != AF_INET &&
			    c->addrs[j].family != AF_INET6)
				return FD_ECONFIG;
			ns->addrs[ns->naddrs++] = c->addrs[j];
		}
	}

	z->edns_udp_size = cfg->edns_udp_size < EDNS_MIN_UDP ? EDNS_MIN_UDP :
	    cfg->edns_udp_size;
	z->chaos = cfg->chaos;
	snprintf(z->chaos_version, sizeof(z->chaos_version), "flipdns %s",
	    FLIPDNS_VERSION);
	snprintf(z->chaos_id, sizeof(z->chaos_id), "%s", cfg->chaos_id);
	z->log_queries = cfg->log_queries;
	return FD_OK;
}
