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

/*
 * Add an in-zone nameserver's address once: an RRset holds each record
 * once (RFC 2181 5), and a secondary loading the export would drop the
 * repeat.  Beyond the array's room (a name given twice with different
 * addresses) the rest is dropped too.  false for an unknown family.
 */
static bool
ns_add_addr(struct fd_zone_ns *ns, const struct fd_ipaddr *a)
{
	if (a->family == AF_INET) {
		for (int i = 0; i < ns->n4; i++)
			if (memcmp(ns->a4[i], a->bytes, 4) == 0)
				return true;
		if (ns->n4 < FD_CONF_MAX_NS_ADDRS)
			memcpy(ns->a4[ns->n4++], a->bytes, 4);
		return true;
	}
	if (a->family != AF_INET6)
		return false;
	for (int i = 0; i < ns->n6; i++)
		if (memcmp(ns->a6[i], a->bytes, 16) == 0)
			return true;
	if (ns->n6 < FD_CONF_MAX_NS_ADDRS)
		memcpy(ns->a6[ns->n6++], a->bytes, 16);
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
	for (int i = 0; i < cfg->n_ns; i++) {
		const struct fd_conf_ns *c = &cfg->ns[i];
		struct fd_zone_ns *ns = &z->ns[z->n_ns];

		if (!name_set(c->name, ns->name, &ns->name_len))
			return FD_ECONFIG;
		if (c->naddrs < 0 || c->naddrs > FD_CONF_MAX_NS_ADDRS)
			return FD_ECONFIG;
		/* A name given twice is one NS record (RFC 2181 5). */
		for (int j = 0; j < z->n_ns; j++)
			if (z->ns[j].name_len == ns->name_len &&
			    memcmp(z->ns[j].name, ns->name, ns->name_len) == 0) {
				ns = &z->ns[j];
				break;
			}
		if (ns == &z->ns[z->n_ns]) {
			z->n_ns++;
			ns->in_zone = fd_name_at_or_below(ns->name,
			    ns->name_len, z->origin, z->origin_len);
		}
		/* Out-of-zone addresses are not ours to publish. */
		if (!ns->in_zone)
			continue;
		for (int j = 0; j < c->naddrs; j++)
			if (!ns_add_addr(ns, &c->addrs[j]))
				return FD_ECONFIG;
	}
	/* The slot a repeated name was read into, if any, stays unused. */
	if (z->n_ns < FD_CONF_MAX_NS)
		memset(&z->ns[z->n_ns], 0, sizeof(z->ns[0]));

	z->edns_udp_size = cfg->edns_udp_size < EDNS_MIN_UDP ? EDNS_MIN_UDP :
	    cfg->edns_udp_size;
	z->chaos = cfg->chaos;
	snprintf(z->chaos_version, sizeof(z->chaos_version), "flipdns %s",
	    FLIPDNS_VERSION);
	snprintf(z->chaos_id, sizeof(z->chaos_id), "%s", cfg->chaos_id);
	z->log_queries = cfg->log_queries;
	z->rrl_rate = cfg->rrl_rate;
	z->rrl_slip = cfg->rrl_slip;

	if (cfg->n_tsig_keys > FD_CONF_MAX_TSIG_KEYS ||
	    cfg->n_xfr_allow > FD_CONF_MAX_XFR_ALLOW)
		return FD_ECONFIG;
	for (int i = 0; i < cfg->n_tsig_keys; i++)
		if (fd_tsig_wkey_from_conf(&cfg->tsig_keys[i], &z->keys[i]) !=
		    FD_OK)
			return FD_ECONFIG;
	z->n_keys = cfg->n_tsig_keys;
	for (int i = 0; i < cfg->n_xfr_allow; i++) {
		const struct fd_conf_xfr_allow *a = &cfg->xfr_allow[i];
		struct fd_zone_acl *e = &z->acl[i];

		e->family = a->from.addr.family;
		memcpy(e->bytes, a->from.addr.bytes, sizeof(e->bytes));
		e->bits = a->from.bits;
		e->key = -1;
		for (int k = 0; k < cfg->n_tsig_keys && a->key[0]; k++)
			if (strcmp(cfg->tsig_keys[k].name, a->key) == 0)
				e->key = k;
		/* the config checks the name; a key missing is a bug */
		if (a->key[0] != '\0' && e->key < 0)
			return FD_ECONFIG;
	}
	z->n_acl = cfg->n_xfr_allow;
	return FD_OK;
}

bool
fd_zone_same_records(const struct fd_zone *a, const struct fd_zone *b)
{
	/* fd_zone_build zeroes the struct first: padding and unused slots
	 * compare equal */
	return a->origin_len == b->origin_len &&
	    memcmp(a->origin, b->origin, a->origin_len) == 0 &&
	    a->default_ttl == b->default_ttl && a->ns_ttl == b->ns_ttl &&
	    a->soa_mname_len == b->soa_mname_len &&
	    memcmp(a->soa_mname, b->soa_mname, a->soa_mname_len) == 0 &&
	    a->soa_rname_len == b->soa_rname_len &&
	    memcmp(a->soa_rname, b->soa_rname, a->soa_rname_len) == 0 &&
	    a->soa_ttl == b->soa_ttl && a->refresh == b->refresh &&
	    a->retry == b->retry && a->expire == b->expire &&
	    a->minimum == b->minimum && a->n_ns == b->n_ns &&
	    memcmp(a->ns, b->ns, sizeof(a->ns)) == 0;
}
