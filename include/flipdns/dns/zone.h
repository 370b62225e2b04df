/*
 * zone.h - the static part of the served zone, precomputed from config.
 *
 * Everything the responder needs besides the LMDB table: the origin in
 * wire form, SOA fields, the NS set and in-zone nameserver addresses,
 * EDNS and CHAOS settings.  Built once at start-up (and on reload), then
 * shared read-only by every worker thread.
 */
#ifndef FLIPDNS_ZONE_H
#define FLIPDNS_ZONE_H

#include <stdbool.h>
#include <stdint.h>

#include "flipdns/conf/config.h"
#include "flipdns/dns/tsig.h"
#include "flipdns/util/names.h"

struct fd_zone_ns {
	uint8_t name[FD_DNAME_WIRE_MAX];  /* lower-case wire */
	uint8_t name_len;
	bool in_zone;                     /* at or below the origin: we serve its A/AAAA */
	/*
	 * An in-zone nameserver's addresses by family, packed like an app's
	 * (4 or 16 bytes each), so each family is one RRset view; none for
	 * a nameserver outside the zone.
	 */
	uint8_t n4, n6;
	uint8_t a4[FD_CONF_MAX_NS_ADDRS][4];
	uint8_t a6[FD_CONF_MAX_NS_ADDRS][16];
};

/* A transfer.allow entry: a prefix, and the key it asks for (-1: none). */
struct fd_zone_acl {
	int family;                       /* AF_INET or AF_INET6 */
	uint8_t bytes[16];
	uint8_t bits;
	int key;                          /* index into keys[] */
};

struct fd_zone {
	uint8_t origin[FD_DNAME_WIRE_MAX];   /* lower-case wire */
	uint8_t origin_len;
	uint8_t origin_labels;               /* label count, root excluded */
	uint32_t default_ttl;
	uint32_t ns_ttl;

	uint8_t soa_mname[FD_DNAME_WIRE_MAX];
	uint8_t soa_mname_len;
	uint8_t soa_rname[FD_DNAME_WIRE_MAX];
	uint8_t soa_rname_len;
	uint32_t soa_ttl, refresh, retry, expire, minimum;

	int n_ns;
	struct fd_zone_ns ns[FD_CONF_MAX_NS];

	uint16_t edns_udp_size;
	bool chaos;
	char chaos_version[64];
	char chaos_id[FD_DNAME_TEXT_MAX];
	bool log_queries;
	/* rrl.rate (0: off) and rrl.slip: a reload changes them live */
	uint32_t rrl_rate, rrl_slip;

	/* zone transfers: the TSIG keys and who may transfer */
	int n_keys;
	struct fd_tsig_wkey keys[FD_CONF_MAX_TSIG_KEYS];
	int n_acl;
	struct fd_zone_acl acl[FD_CONF_MAX_XFR_ALLOW];
};

/*
 * Whether a and b serve the same records (SOA, NS, nameserver addresses,
 * the TTLs of the status names): a reload that changes them changes the
 * zone a secondary must transfer.
 */
bool fd_zone_same_records(const struct fd_zone *a, const struct fd_zone *b);

/* Build z from a validated config.  FD_ECONFIG if a name does not convert. */
enum fd_err fd_zone_build(const struct fd_config *cfg, struct fd_zone *z);

#endif
