/*
 * config.c - flipdnsd's YAML configuration: the schema, the walk, the API.
 *
 * libyaml's document API loads the whole file as a node graph in which
 * every node keeps its mark, so any error can point at LINE:COL.  The
 * schema is the table keys[]: one row per key, with its type, range and
 * default.  walk_map() dispatches on the rows and the setters in
 * config_values.c convert values; there is no per-key code.  Nothing here
 * exits or keeps state between calls, so a reload can parse into a fresh
 * struct and drop it on error.
 */
#include <sys/un.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "flipdns/conf/config.h"
#include "config_parse.h"
#include "flipdns/util/log.h"

/* Longest dotted key we build, e.g. "zone.nameservers[7].addresses". */
#define KEY_MAX		96

/*
 * Largest timer or SOA interval: RFC 2181 section 8 makes TTLs 31-bit and
 * the SOA timers follow the same serial-arithmetic-free reading.
 */
#define U31_MAX		UINT64_C(2147483647)

/* A week: resolvers cap TTLs about there (RFC 8767), more is pointless. */
#define TTL_WEEK	604800

/* sun_path holds the control socket's path with its NUL. */
#define SUN_PATH_MAX	(sizeof(((struct sockaddr_un *)0)->sun_path) - 1)

#define FLD(s, f)	offsetof(s, f), sizeof(((s *)0)->f)
#define CFG(f)		FLD(struct fd_config, f)
#define NSF(f)		FLD(struct fd_conf_ns, f)
#define CNT(f)		offsetof(struct fd_config, f)
#define XAF(f)		FLD(struct fd_conf_xfr_allow, f)
#define XNF(f)		FLD(struct fd_conf_notify, f)

/* The top level.  Defaults for paths match the shipped conf/flipdns.yaml. */
static const struct key keys[] = {
	/* path, type, flags, min, max, default, string default, field */
	{"zone.origin", T_DNAME, K_REQUIRED, 0, 0, 0, NULL, CFG(origin), 0},
	/* 0 only with zone.allow_zero_ttl (check_config) */
	{"zone.ttl", T_U32, 0, 0, FD_TTL_MAX, 30, NULL, CFG(ttl), 0},
	{"zone.allow_zero_ttl", T_BOOL, 0, 0, 1, 0, NULL, CFG(allow_zero_ttl),
	    0},
	{"zone.ns_ttl", T_U32, 0, 1, TTL_WEEK, 3600, NULL, CFG(ns_ttl), 0},
	{"zone.soa.mname", T_DNAME, K_REQUIRED, 0, 0, 0, NULL, CFG(soa.mname), 0},
	{"zone.soa.rname", T_DNAME, K_REQUIRED, 0, 0, 0, NULL, CFG(soa.rname), 0},
	{"zone.soa.ttl", T_U32, 0, 1, TTL_WEEK, 3600, NULL, CFG(soa.ttl), 0},
	{"zone.soa.refresh", T_U32, 0, 1, U31_MAX, 3600, NULL,
	    CFG(soa.refresh), 0},
	{"zone.soa.retry", T_U32, 0, 1, U31_MAX, 600, NULL, CFG(soa.retry), 0},
	{"zone.soa.expire", T_U32, 0, 1, U31_MAX, 604800, NULL,
	    CFG(soa.expire), 0},
	/* negative caching TTL (RFC 2308): short, so new names show up fast */
	{"zone.soa.minimum", T_U32, 0, 0, 86400, 30, NULL, CFG(soa.minimum), 0},
	{"zone.nameservers", T_NSLIST, K_REQUIRED, 1, 0, 0, NULL, CFG(ns),
	    CNT(n_ns)},
	{"listen", T_LISTEN, K_REQUIRED, 1, 0, 0, NULL, CFG(listen),
	    CNT(n_listen)},
	{"storage.path", T_STR, 0, 1, PATH_MAX - 1, 0, "var/db",
	    CFG(storage_path), 0},
	/* the map must fit the 47-bit user address space of x86-64 */
	{"storage.map_size", T_SIZE, 0, MiB, 64 * TiB, 4 * GiB, NULL,
	    CFG(map_size), 0},
	{"control.socket", T_STR, 0, 1, SUN_PATH_MAX, 0, "var/flipdns.sock",
	    CFG(control_socket), 0},
	{"control.allow_uids", T_UIDS, 0, 0, 0, 0, NULL, CFG(allow_uids),
	    CNT(n_allow_uids)},
	{"control.allow_gids", T_GIDS, 0, 0, 0, 0, NULL, CFG(allow_gids),
	    CNT(n_allow_gids)},
	/* may run read commands only (list, show, status, history, export) */
	{"control.read_uids", T_UIDS, 0, 0, 0, 0, NULL, CFG(read_uids),
	    CNT(n_read_uids)},
	{"control.read_gids", T_GIDS, 0, 0, 0, 0, NULL, CFG(read_gids),
	    CNT(n_read_gids)},
	/* unset (FD_CONF_GID_UNSET): the primary group of `user:` */
	{"control.socket_group", T_GID, 0, 0, 0, FD_CONF_GID_UNSET, NULL,
	    CFG(control_socket_group), 0},
	/*
	 * Who may connect at all: 0660 is the owner and the group.  The
	 * owner must keep read and write (0600): flipctl as the service
	 * user; more than 0777's permission bits means nothing to a socket.
	 */
	{"control.socket_mode", T_MODE, 0, 0600, 0777, 0660, NULL,
	    CFG(control_socket_mode), 0},
	/*
	 * An import is held whole while it is checked and committed: 64M is
	 * about 1M groups of YAML (~35-60 bytes each); the ceiling, 1G, is
	 * what the protocol allows (FD_PAYLOAD_MAX).
	 */
	{"control.max_payload", T_SIZE, 0, KiB, GiB, 64 * MiB, NULL,
	    CFG(control_max_payload), 0},
	{"workers", T_U32, 0, 1, 64, 2, NULL, CFG(workers), 0},
	/* 1232: the DNS flag day 2020 size that avoids IP fragmentation */
	{"edns.udp_size", T_U32, 0, 512, FD_UDP_SIZE_MAX, 1232, NULL,
	    CFG(edns_udp_size), 0},
	{"tcp.idle_timeout", T_U32, 0, 1, 3600, 10, NULL,
	    CFG(tcp_idle_timeout), 0},
	/*
	 * A query (or its answer) crosses in one or two segments; 2 s is
	 * dnsdist's read and write timeout, and leaves room for a long
	 * round trip and a lost segment or two (RFC 7766 6.2).
	 */
	{"tcp.query_timeout", T_U32, 0, 1, 60, 2, NULL,
	    CFG(tcp_query_timeout), 0},
	{"tcp.max_clients", T_U32, 0, 1, 100000, 1000, NULL,
	    CFG(tcp_max_clients), 0},
	/*
	 * A resolver keeps a few connections to us; 64 leaves room for a
	 * site behind one address while one address can take at most 1/16
	 * of the default cap.  0: no cap.
	 */
	{"tcp.max_per_source", T_U32, 0, 0, 100000, 64, NULL,
	    CFG(tcp_max_per_source), 0},
	{"chaos.enabled", T_BOOL, 0, 0, 1, 0, NULL, CFG(chaos), 0},
	/*
	 * a TXT character-string holds 255 octets; id.server names the
	 * answering host, so no static default
	 */
	{"chaos.id", T_STR, K_HOSTNAME, 1, 255, 0, NULL, CFG(chaos_id), 0},
	{"log.syslog", T_BOOL, 0, 0, 1, 0, NULL, CFG(log_syslog), 0},
	{"log.queries", T_BOOL, 0, 0, 1, 0, NULL, CFG(log_queries), 0},
	{"log.level", T_LOGLEVEL, 0, 0, 0, LOG_LEVEL_INFO, NULL,
	    CFG(log_level), 0},
	/*
	 * BIND's bounds for responses-per-second and slip.  On by default
	 * with NSD's defaults (200/s, slip 2): without it any forged source
	 * can reflect our answers (up to ~35x the query) at a victim, and
	 * 200 identical answers a second per network is far above what an
	 * honest resolver asks (it caches); rrl.rate 0 turns it off.
	 */
	{"rrl.rate", T_U32, 0, 0, 1000, 200, NULL, CFG(rrl_rate), 0},
	{"rrl.slip", T_U32, 0, 0, 10, 2, NULL, CFG(rrl_slip), 0},
	/*
	 * A row is a few hundred bytes: 100000 rows are some tens of MB of
	 * the 4G default map, and months of flips for a busy zone.  Rows
	 * are counted in 31 bits like everything else that is "a lot".
	 */
	{"history.keep_rows", T_U32, 0, 1, U31_MAX, 100000, NULL,
	    CFG(history_keep_rows), 0},
	/* 0: no age bound; 36500 days is a century, past any audit rule */
	{"history.keep_days", T_U32, 0, 0, 36500, 0, NULL,
	    CFG(history_keep_days), 0},
	{"user", T_USER, 0, 0, 63, 0, "", CFG(user), 0},
	/* off unless given: counters are for the operator's network only */
	{"metrics.listen", T_ADDRPORT, 0, 0, 0, 0, NULL, CFG(metrics_listen),
	    0},
	/*
	 * The HTTP API and dashboard: off unless given, and plain HTTP only
	 * on loopback (check_config): a token crosses the wire in clear.
	 */
	{"http.listen", T_ADDRPORT, 0, 0, 0, 0, NULL, CFG(http_listen), 0},
	/*
	 * The largest API request is an app with its addresses: 64 KiB
	 * holds thousands, and bounds what one request makes us buffer.
	 */
	{"http.max_body", T_U32, 0, 1024, 16 * MiB, 64 * 1024, NULL,
	    CFG(http_max_body), 0},
	/* each connection holds a socket and buffers: the dashboard needs few */
	{"http.max_connections", T_U32, 0, 1, 10000, 64, NULL,
	    CFG(http_max_connections), 0},
	/*
	 * Requests per second per token (a bucket of twice as many): the
	 * dashboard polls once a second; more is a runaway script.
	 */
	{"http.rate", T_U32, 0, 1, 100000, 20, NULL, CFG(http_rate), 0},
	/* HTTPS: a PEM certificate chain and its key, read at start */
	{"http.tls.cert", T_STR, 0, 1, PATH_MAX - 1, 0, "",
	    CFG(http_tls_cert), 0},
	{"http.tls.key", T_STR, 0, 1, PATH_MAX - 1, 0, "", CFG(http_tls_key),
	    0},
	/* zone transfers: none unless allowed, no NOTIFY unless listed */
	{"transfer.keys", T_STR, 0, 1, PATH_MAX - 1, 0, NULL,
	    CFG(xfr_keys_path), 0},
	{"transfer.allow", T_XFR_ALLOW, 0, 0, 0, 0, NULL, CFG(xfr_allow),
	    CNT(n_xfr_allow)},
	{"transfer.notify", T_NOTIFY, 0, 0, 0, 0, NULL, CFG(notify),
	    CNT(n_notify)},
	/* one source per family: the one a target's family picks */
	{"transfer.notify_source", T_IPS, 0, 0, 0, 0, NULL,
	    CFG(notify_source), CNT(n_notify_source)},
	/*
	 * Commits an IXFR can start from.  10000 covers a secondary that
	 * was away for hours of flips; past 1M a journal is bigger than the
	 * AXFR it saves.  0: no journal, every transfer is an AXFR.
	 */
	{"transfer.journal.max_serials", T_U32, 0, 0, 1000000, 10000, NULL,
	    CFG(journal_max_serials), 0},
	/*
	 * 1 s keeps thousands of checks from costing much (bench/README.md);
	 * lower is for tests, whose servers go down on cue (down to 10 ms, a
	 * loopback TLS handshake)
	 */
	{"health.min_interval", T_SECONDS, 0, 10, 3600000, 1000, NULL,
	    CFG(health_min_interval_ms), 0},
	{"health.ca_file", T_STR, 0, 0, PATH_MAX - 1, 0, "",
	    CFG(health_ca_file), 0},
	{"resolver.addresses", T_LISTEN, 0, 0, 0, 0, NULL, CFG(resolvers),
	    CNT(n_resolvers)},
	{"notify.webhooks", T_URLS, 0, 0, 0, 0, NULL, CFG(webhooks),
	    CNT(n_webhooks)},
	{"notify.secret", T_STR, 0, 0, FD_CONF_SECRET_MAX - 1, 0, "",
	    CFG(notify_secret), 0},
	/* a minute: a receiver back from an outage hears within one */
	{"notify.retry_max", T_U32, 0, 1, 3600, 60, NULL,
	    CFG(notify_retry_max), 0},
};

/* One zone.nameservers entry; its fields start zeroed. */
static const struct key ns_keys[] = {
	{"name", T_DNAME, K_REQUIRED, 0, 0, 0, NULL, NSF(name), 0},
	{"addresses", T_IPS, 0, 0, 0, 0, NULL, NSF(addrs),
	    offsetof(struct fd_conf_ns, naddrs)},
};

/* One transfer.allow entry. */
static const struct key allow_keys[] = {
	{"from", T_PREFIX, K_REQUIRED, 0, 0, 0, NULL, XAF(from), 0},
	{"key", T_DNAME, 0, 0, 0, 0, NULL, XAF(key), 0},
};

/* One transfer.notify entry. */
static const struct key notify_keys[] = {
	{"to", T_ADDRPORT, K_REQUIRED, 0, 0, 0, NULL, XNF(to), 0},
	{"key", T_DNAME, 0, 0, 0, 0, NULL, XNF(key), 0},
};

static const yaml_mark_t mark_start;	/* 0:0, shown as 1:1 */

static void
join(char *out, const char *prefix, const char *key)
{
	if (*prefix == '\0')
		snprintf(out, KEY_MAX, "%s", key);
	else
		snprintf(out, KEY_MAX, "%s.%s", prefix, key);
}

static const struct key *
find_key(const struct key *tab, size_t ntab, const char *path)
{
	size_t i;

	for (i = 0; i < ntab; i++)
		if (strcmp(tab[i].path, path) == 0)
			return &tab[i];
	return NULL;
}

/* Is path a mapping in the schema, i.e. a proper prefix of some row? */
static bool
is_section(const struct key *tab, size_t ntab, const char *path)
{
	size_t i, len = strlen(path);

	for (i = 0; i < ntab; i++)
		if (strncmp(tab[i].path, path, len) == 0 &&
		    tab[i].path[len] == '.')
			return true;
	return false;
}

static yaml_node_t *
map_get(struct ctx *c, yaml_node_t *map, const char *key, size_t keylen)
{
	yaml_node_pair_t *p;
	yaml_node_t *k;

	for (p = map->data.mapping.pairs.start;
	    p < map->data.mapping.pairs.top; p++) {
		k = cfg_node(c, p->key);
		if (k->type == YAML_SCALAR_NODE &&
		    k->data.scalar.length == keylen &&
		    memcmp(k->data.scalar.value, key, keylen) == 0)
			return cfg_node(c, p->value);
	}
	return NULL;
}

/*
 * Report the first required row under section rel that map (NULL for an
 * empty document) lacks.  A row deeper down whose section is present is
 * left to the walk of that section, so the error points at the innermost
 * mapping that exists.
 */
static enum fd_err
check_required(struct ctx *c, const struct key *tab, size_t ntab,
    yaml_node_t *map, const yaml_mark_t *m, const char *rel, const char *disp)
{
	const char *child, *dot;
	char full[KEY_MAX];
	size_t i, rlen = strlen(rel), clen;
	enum fd_err rc = FD_OK;

	for (i = 0; i < ntab; i++) {
		if (!(tab[i].flags & K_REQUIRED))
			continue;
		if (rlen > 0 && (strncmp(tab[i].path, rel, rlen) != 0 ||
		    tab[i].path[rlen] != '.'))
			continue;
		child = tab[i].path + (rlen > 0 ? rlen + 1 : 0);
		dot = strchr(child, '.');
		clen = dot != NULL ? (size_t)(dot - child) : strlen(child);
		if (map != NULL && map_get(c, map, child, clen) != NULL)
			continue;
		join(full, disp, child);
		rc = cfg_err(c, m, "missing required key '%s'", full);
		goto out;
	}
out:
	return rc;
}

/*
 * Walk one mapping.  rel is its path in table tab ("" at the table's
 * root), disp the same path as messages show it.
 */
static enum fd_err
walk_map(struct ctx *c, const struct key *tab, size_t ntab, yaml_node_t *map,
    void *base, const char *rel, const char *disp)
{
	yaml_node_pair_t *p, *q;
	yaml_node_t *kn, *vn;
	const struct key *k;
	const char *key;
	char krel[KEY_MAX], kdisp[KEY_MAX];
	enum fd_err rc = FD_OK;

	for (p = map->data.mapping.pairs.start;
	    p < map->data.mapping.pairs.top; p++) {
		kn = cfg_node(c, p->key);
		vn = cfg_node(c, p->value);
		if (kn->type != YAML_SCALAR_NODE) {
			rc = cfg_err(c, &kn->start_mark, "%s%sa key must be a "
			    "scalar, not a %s", disp, *disp ? ": " : "",
			    cfg_node_kind(kn->type));
			goto out;
		}
		if ((rc = cfg_scalar(c, *disp ? disp : "key", kn, &key)) !=
		    FD_OK)
			goto out;
		join(krel, rel, key);
		join(kdisp, disp, key);
		/* only known keys get this far, so this stays short */
		for (q = map->data.mapping.pairs.start; q < p; q++) {
			if (strcmp((char *)cfg_node(c, q->key)->data.scalar.value,
			    key) == 0) {
				rc = cfg_err(c, &kn->start_mark,
				    "duplicate key '%s'", kdisp);
				goto out;
			}
		}
		if ((k = find_key(tab, ntab, krel)) != NULL) {
			if (tab == keys && strcmp(krel, "transfer.keys") == 0)
				c->keys_mark = vn->start_mark;
			if (tab == keys &&
			    strcmp(krel, "transfer.notify_source") == 0)
				c->source_mark = vn->start_mark;
			rc = cfg_set_value(c, k, kdisp, vn, base);
		} else if (is_section(tab, ntab, krel)) {
			if (vn->type != YAML_MAPPING_NODE)
				rc = cfg_err(c, &vn->start_mark,
				    "%s: expected a mapping, got a %s", kdisp,
				    cfg_node_kind(vn->type));
			else
				rc = walk_map(c, tab, ntab, vn, base, krel,
				    kdisp);
		} else
			rc = cfg_err(c, &kn->start_mark, "unknown key '%s'", kdisp);
		if (rc != FD_OK)
			goto out;
	}
	rc = check_required(c, tab, ntab, map, &map->start_mark, rel, disp);
out:
	return rc;
}

enum fd_err
cfg_set_ns(struct ctx *c, const struct key *k, const char *path, yaml_node_t *n,
    void *dst, int idx)
{
	struct fd_conf_ns *ns = dst;
	char sub[KEY_MAX];
	yaml_node_t *name;
	int i;
	enum fd_err rc;

	snprintf(sub, sizeof(sub), "%s[%d]", path, idx);
	c->ns_mark[idx] = n->start_mark;
	if ((rc = walk_map(c, ns_keys, NELEM(ns_keys), n, ns, "", sub)) !=
	    FD_OK)
		goto out;
	for (i = 0; i < idx; i++) {
		if (strcmp(c->cfg->ns[i].name, ns->name) == 0) {
			name = map_get(c, n, "name", 4);
			rc = cfg_err(c, &name->start_mark,
			    "%s.name: '%s' is listed twice", sub, ns->name);
			goto out;
		}
	}
out:
	return rc;
}

/* Where entry map names its key (for the check against the key file). */
static yaml_mark_t
key_mark(struct ctx *c, yaml_node_t *map)
{
	yaml_node_t *k = map_get(c, map, "key", 3);

	return k != NULL ? k->start_mark : map->start_mark;
}

enum fd_err
cfg_set_xfr_allow(struct ctx *c, const struct key *k, const char *path,
    yaml_node_t *n, void *dst, int idx)
{
	char sub[KEY_MAX];

	snprintf(sub, sizeof(sub), "%s[%d]", path, idx);
	c->allow_key_mark[idx] = key_mark(c, n);
	return walk_map(c, allow_keys, NELEM(allow_keys), n, dst, "", sub);
}

enum fd_err
cfg_set_notify(struct ctx *c, const struct key *k, const char *path,
    yaml_node_t *n, void *dst, int idx)
{
	char sub[KEY_MAX];

	snprintf(sub, sizeof(sub), "%s[%d]", path, idx);
	c->notify_key_mark[idx] = key_mark(c, n);
	return walk_map(c, notify_keys, NELEM(notify_keys), n, dst, "", sub);
}

/* A key named in transfer: must be in the key file. */
static bool
key_known(const struct fd_config *cfg, const char *name)
{
	for (int i = 0; i < cfg->n_tsig_keys; i++)
		if (strcmp(cfg->tsig_keys[i].name, name) == 0)
			return true;
	return false;
}

/*
 * The transfer section across its keys: the key file is read (its own
 * errors point into it), every key an entry names is in it, and at most
 * one NOTIFY source per family.
 */
static enum fd_err
check_transfer(struct ctx *c)
{
	struct fd_config *cfg = c->cfg;
	char kerr[512];
	enum fd_err rc;
	int i;

	if (cfg->xfr_keys_path[0] != '\0' &&
	    (rc = fd_tsig_keys_load(cfg->xfr_keys_path, cfg->tsig_keys,
	    &cfg->n_tsig_keys, kerr, sizeof(kerr))) != FD_OK)
		return cfg_err(c, &c->keys_mark, "transfer.keys: %s", kerr);
	for (i = 0; i < cfg->n_xfr_allow; i++)
		if (cfg->xfr_allow[i].key[0] != '\0' &&
		    !key_known(cfg, cfg->xfr_allow[i].key))
			return cfg_err(c, &c->allow_key_mark[i],
			    "transfer.allow[%d].key: no key '%s' in %s", i,
			    cfg->xfr_allow[i].key, cfg->xfr_keys_path[0] ?
			    cfg->xfr_keys_path : "transfer.keys (not set)");
	for (i = 0; i < cfg->n_notify; i++)
		if (cfg->notify[i].key[0] != '\0' &&
		    !key_known(cfg, cfg->notify[i].key))
			return cfg_err(c, &c->notify_key_mark[i],
			    "transfer.notify[%d].key: no key '%s' in %s", i,
			    cfg->notify[i].key, cfg->xfr_keys_path[0] ?
			    cfg->xfr_keys_path : "transfer.keys (not set)");
	if (cfg->n_notify_source == 2 && cfg->notify_source[0].family ==
	    cfg->notify_source[1].family)
		return cfg_err(c, &c->source_mark, "transfer.notify_source: "
		    "at most one address per family");
	return FD_OK;
}

/* name equals origin or ends in ".origin"; both are lower case, dotted. */
static bool
in_zone(const char *name, const char *origin)
{
	size_t nl = strlen(name), ol = strlen(origin);

	if (strcmp(origin, ".") == 0)
		return true;
	if (nl < ol || strcmp(name + nl - ol, origin) != 0)
		return false;
	return nl == ol || name[nl - ol - 1] == '.';
}

/* Is the listener's address 127.0.0.0/8 or ::1? */
static bool
is_loopback(const struct fd_conf_listen *l)
{
	if (l->ss.ss_family == AF_INET)
		return (ntohl(((const struct sockaddr_in *)&l->ss)->sin_addr.s_addr)
		    >> 24) == 127;
	if (l->ss.ss_family == AF_INET6)
		return IN6_IS_ADDR_LOOPBACK(
		    &((const struct sockaddr_in6 *)&l->ss)->sin6_addr);
	return false;
}

/* Rules across keys, once everything is read from the mapping root. */
static enum fd_err
check_config(struct ctx *c, yaml_node_t *root)
{
	struct fd_config *cfg = c->cfg;
	yaml_node_t *http, *listen, *zone, *ttl;
	int i;
	enum fd_err rc = FD_OK;

	/* the same rule as a group's --ttl (FD_TTL_MAX, changes.c) */
	if (cfg->ttl == 0 && !cfg->allow_zero_ttl &&
	    (zone = map_get(c, root, "zone", 4)) != NULL &&
	    (ttl = map_get(c, zone, "ttl", 3)) != NULL) {
		rc = cfg_err(c, &ttl->start_mark, "zone.ttl: 0 is refused: "
		    "caches would keep nothing and every query would come "
		    "here; set zone.allow_zero_ttl: true to allow it");
		goto out;
	}
	/* signed with the secret: a receiver must be able to tell it is us */
	if (cfg->n_webhooks > 0 && cfg->notify_secret[0] == '\0') {
		rc = cfg_err(c, &c->webhooks_mark, "notify.webhooks: needs "
		    "notify.secret, the key their signatures are made with");
		goto out;
	}
	if ((cfg->http_tls_cert[0] == '\0') != (cfg->http_tls_key[0] == '\0')) {
		http = map_get(c, root, "http", 4);
		rc = cfg_err(c, http != NULL ? &http->start_mark : &mark_start,
		    "http.tls: give both cert and key, or neither");
		goto out;
	}
	/* Bearer tokens in clear text: only where no one else can listen. */
	if (cfg->http_listen.sslen != 0 && cfg->http_tls_cert[0] == '\0' &&
	    !is_loopback(&cfg->http_listen)) {
		http = map_get(c, root, "http", 4);
		listen = http != NULL && http->type == YAML_MAPPING_NODE ?
		    map_get(c, http, "listen", 6) : NULL;
		rc = cfg_err(c, listen != NULL ? &listen->start_mark :
		    &mark_start, "http.listen: '%s' is not a loopback address; "
		    "plain HTTP would send tokens in clear text (set http.tls.cert "
		    "and http.tls.key for HTTPS)",
		    cfg->http_listen.text);
		goto out;
	}

	for (i = 0; i < cfg->n_ns; i++) {
		/* a resolver cannot reach an in-zone server without glue */
		if (cfg->ns[i].naddrs == 0 &&
		    in_zone(cfg->ns[i].name, cfg->origin)) {
			rc = cfg_err(c, &c->ns_mark[i], "zone.nameservers[%d]: "
			    "'%s' is inside zone '%s' and needs addresses "
			    "(glue)", i, cfg->ns[i].name, cfg->origin);
			goto out;
		}
	}
	rc = check_transfer(c);
out:
	return rc;
}

static enum fd_err
yaml_failed(struct ctx *c, yaml_parser_t *p)
{
	yaml_mark_t m = p->problem_mark;
	enum fd_err rc;

	if (p->error == YAML_MEMORY_ERROR) {
		snprintf(c->err, c->errlen, "%s: out of memory", c->name);
		rc = FD_ENOMEM;
		goto out;
	}
	if (p->error == YAML_READER_ERROR) {
		/* bad encoding: libyaml only knows the byte offset */
		rc = cfg_err(c, &mark_start, "byte %zu: %s", p->problem_offset,
		    p->problem != NULL ? p->problem : "read error");
		goto out;
	}
	rc = cfg_err(c, &m, "YAML syntax error: %s%s%s",
	    p->context != NULL ? p->context : "",
	    p->context != NULL ? ", " : "",
	    p->problem != NULL ? p->problem : "unknown problem");
out:
	return rc;
}

static enum fd_err
parse(yaml_parser_t *p, const char *name, struct fd_config *cfg, char *err,
    size_t errlen)
{
	struct ctx c;
	yaml_document_t doc, extra;
	yaml_node_t *root, *root2;
	bool loaded = false;
	enum fd_err rc;

	memset(&c, 0, sizeof(c));
	c.name = name;
	c.err = err;
	c.errlen = errlen;
	c.doc = &doc;
	c.cfg = cfg;
	if (errlen > 0)
		err[0] = '\0';
	fd_config_defaults(cfg);

	if (!yaml_parser_load(p, &doc)) {
		rc = yaml_failed(&c, p);
		goto out;
	}
	loaded = true;
	if ((root = yaml_document_get_root_node(&doc)) == NULL) {
		rc = check_required(&c, keys, NELEM(keys), NULL, &mark_start,
		    "", "");
		goto out;
	}
	if (root->type != YAML_MAPPING_NODE) {
		rc = cfg_err(&c, &root->start_mark, "the top level must be a "
		    "mapping, not a %s", cfg_node_kind(root->type));
		goto out;
	}
	if ((rc = walk_map(&c, keys, NELEM(keys), root, cfg, "", "")) != FD_OK)
		goto out;
	if ((rc = check_config(&c, root)) != FD_OK)
		goto out;

	/* a second "---" document would be ignored silently otherwise */
	if (!yaml_parser_load(p, &extra)) {
		rc = yaml_failed(&c, p);
		goto out;
	}
	if ((root2 = yaml_document_get_root_node(&extra)) != NULL)
		rc = cfg_err(&c, &root2->start_mark,
		    "only one YAML document is allowed");
	yaml_document_delete(&extra);
out:
	if (loaded)
		yaml_document_delete(&doc);
	return rc;
}

void
fd_config_defaults(struct fd_config *cfg)
{
	const struct key *k;

	memset(cfg, 0, sizeof(*cfg));
	for (k = keys; k < keys + NELEM(keys); k++)
		cfg_set_default(k, cfg);
}

const struct key *
cfg_schema(size_t *n, const struct key **ns, size_t *nns)
{
	*n = NELEM(keys);
	*ns = ns_keys;
	*nns = NELEM(ns_keys);
	return keys;
}

const struct key *
cfg_entry_schema(enum ktype t, size_t *n)
{
	switch (t) {
	case T_NSLIST:
		*n = NELEM(ns_keys);
		return ns_keys;
	case T_XFR_ALLOW:
		*n = NELEM(allow_keys);
		return allow_keys;
	case T_NOTIFY:
		*n = NELEM(notify_keys);
		return notify_keys;
	default:
		*n = 0;
		return NULL;
	}
}

enum fd_err
fd_config_parse(const char *name, const char *buf, size_t len,
    struct fd_config *cfg, char *err, size_t errlen)
{
	yaml_parser_t p;
	enum fd_err rc;

	if (!yaml_parser_initialize(&p)) {
		snprintf(err, errlen, "%s: out of memory", name);
		rc = FD_ENOMEM;
		goto out;
	}
	yaml_parser_set_input_string(&p, (const unsigned char *)buf, len);
	rc = parse(&p, name, cfg, err, errlen);
	yaml_parser_delete(&p);
out:
	return rc;
}

enum fd_err
fd_config_load(const char *path, struct fd_config *cfg, char *err,
    size_t errlen)
{
	yaml_parser_t p;
	FILE *f = NULL;
	bool init = false;
	enum fd_err rc;

	fd_config_defaults(cfg);
	if ((f = fopen(path, "rb")) == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		rc = FD_ESYS;
		goto out;
	}
	if (!yaml_parser_initialize(&p)) {
		snprintf(err, errlen, "%s: out of memory", path);
		rc = FD_ENOMEM;
		goto out;
	}
	init = true;
	yaml_parser_set_input_file(&p, f);
	rc = parse(&p, path, cfg, err, errlen);
out:
	if (init)
		yaml_parser_delete(&p);
	if (f != NULL)
		fclose(f);
	return rc;
}

/*
 * control.socket alone, for flipctl -c: the daemon's config may name
 * users this host lacks or need root to read in full, and flipctl needs
 * one value.  That value goes through its schema row like any other.
 */
enum fd_err
fd_config_socket(const char *path, char *out, size_t outlen, char *err,
    size_t errlen)
{
	const struct key *k = find_key(keys, NELEM(keys), "control.socket");
	struct fd_config *cfg = NULL;
	yaml_parser_t p;
	yaml_document_t doc;
	yaml_node_t *root, *ctl, *sock = NULL;
	struct ctx c;
	FILE *f = NULL;
	bool init = false, loaded = false;
	enum fd_err rc;

	memset(&c, 0, sizeof(c));
	c.name = path;
	c.err = err;
	c.errlen = errlen;
	c.doc = &doc;
	if (errlen > 0)
		err[0] = '\0';
	if ((cfg = calloc(1, sizeof(*cfg))) == NULL) {
		snprintf(err, errlen, "%s: out of memory", path);
		rc = FD_ENOMEM;
		goto out;
	}
	c.cfg = cfg;
	cfg_set_default(k, cfg);
	if ((f = fopen(path, "rb")) == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		rc = FD_ESYS;
		goto out;
	}
	if (!yaml_parser_initialize(&p)) {
		snprintf(err, errlen, "%s: out of memory", path);
		rc = FD_ENOMEM;
		goto out;
	}
	init = true;
	yaml_parser_set_input_file(&p, f);
	if (!yaml_parser_load(&p, &doc)) {
		rc = yaml_failed(&c, &p);
		goto out;
	}
	loaded = true;
	root = yaml_document_get_root_node(&doc);
	if (root != NULL && root->type == YAML_MAPPING_NODE &&
	    (ctl = map_get(&c, root, "control", 7)) != NULL) {
		if (ctl->type != YAML_MAPPING_NODE) {
			rc = cfg_err(&c, &ctl->start_mark, "control: expected a "
			    "mapping, got a %s", cfg_node_kind(ctl->type));
			goto out;
		}
		sock = map_get(&c, ctl, "socket", 6);
	}
	if (sock != NULL &&
	    (rc = cfg_set_value(&c, k, k->path, sock, cfg)) != FD_OK)
		goto out;
	if (strlen(cfg->control_socket) >= outlen) {
		snprintf(err, errlen, "%s: control.socket is too long", path);
		rc = FD_ECONFIG;
		goto out;
	}
	strcpy(out, cfg->control_socket);
	rc = FD_OK;
out:
	if (loaded)
		yaml_document_delete(&doc);
	if (init)
		yaml_parser_delete(&p);
	if (f != NULL)
		fclose(f);
	free(cfg);
	return rc;
}
