/*
 * config.c - flipdnsd's YAML configuration.
 *
 * libyaml's document API loads the whole file as a node graph in which
 * every node keeps its mark, so any error can point at LINE:COL.  The
 * schema is the table keys[]: one row per key, with its type, range and
 * default.  walk_map() dispatches on the rows and the setters in types[]
 * convert values; there is no per-key code.  Nothing here exits or keeps
 * state between calls, so a reload can parse into a fresh struct and drop
 * it on error.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <ctype.h>
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <yaml.h>

#include "flipdns/config.h"
#include "flipdns/names.h"

/* Longest dotted key we build, e.g. "zone.nameservers[7].addresses". */
#define KEY_MAX		96

/* DNS's own port, for listen entries written without one. */
#define DNS_PORT	53

#define KiB		(UINT64_C(1) << 10)
#define MiB		(UINT64_C(1) << 20)
#define GiB		(UINT64_C(1) << 30)
#define TiB		(UINT64_C(1) << 40)

/*
 * Largest timer or SOA interval: RFC 2181 section 8 makes TTLs 31-bit and
 * the SOA timers follow the same serial-arithmetic-free reading.
 */
#define U31_MAX		UINT64_C(2147483647)

/* A week: resolvers cap TTLs about there (RFC 8767), more is pointless. */
#define TTL_WEEK	604800

/* sun_path holds the control socket's path with its NUL. */
#define SUN_PATH_MAX	(sizeof(((struct sockaddr_un *)0)->sun_path) - 1)

/*
 * store_uint() writes numbers by width; workers is an int, and a
 * non-negative value has the same bytes in int and uint32_t (C11 6.2.5p9).
 */
_Static_assert(sizeof(int) == sizeof(uint32_t), "int is not 32 bits");
_Static_assert(sizeof(bool) == 1, "bool is not one byte");

enum ktype {
	T_STR,
	T_USER,		/* string naming an existing user, or "" */
	T_DNAME,
	T_U32,		/* stored by field width: uint16_t, uint32_t, int */
	T_BOOL,
	T_SIZE,		/* bytes with optional K/M/G/T suffix */
	T_IPS,		/* list of IP literals */
	T_LISTEN,	/* list of address[:port] */
	T_UIDS,		/* list of uids or user names */
	T_GIDS,		/* list of gids or group names */
	T_NSLIST,	/* list of {name, addresses} */
};

#define K_REQUIRED	0x1

/*
 * One schema row.  Paths are dotted and relative to the table's root.
 * min/max bound the number for T_U32 and T_SIZE, the length for strings,
 * the entry count for lists (whose capacity is size / element size).
 */
struct key {
	const char *path;
	enum ktype type;
	unsigned flags;
	uint64_t min, max;
	uint64_t def;		/* numbers and bools */
	const char *sdef;	/* strings; NULL leaves "" */
	size_t off;		/* field in the base struct */
	size_t size;		/* sizeof that field */
	size_t off_n;		/* lists: their int entry count */
};

#define FLD(s, f)	offsetof(s, f), sizeof(((s *)0)->f)
#define CFG(f)		FLD(struct fd_config, f)
#define NSF(f)		FLD(struct fd_conf_ns, f)
#define CNT(f)		offsetof(struct fd_config, f)

/* The top level.  Defaults for paths match the shipped conf/flipdns.yaml. */
static const struct key keys[] = {
	/* path, type, flags, min, max, default, string default, field */
	{"zone.origin", T_DNAME, K_REQUIRED, 0, 0, 0, NULL, CFG(origin), 0},
	{"zone.ttl", T_U32, 0, 1, 86400, 30, NULL, CFG(ttl), 0},
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
	{"workers", T_U32, 0, 1, 64, 2, NULL, CFG(workers), 0},
	/* 1232: the DNS flag day 2020 size that avoids IP fragmentation */
	{"edns.udp_size", T_U32, 0, 512, FD_UDP_SIZE_MAX, 1232, NULL,
	    CFG(edns_udp_size), 0},
	{"tcp.idle_timeout", T_U32, 0, 1, 3600, 10, NULL,
	    CFG(tcp_idle_timeout), 0},
	{"tcp.max_clients", T_U32, 0, 1, 100000, 1000, NULL,
	    CFG(tcp_max_clients), 0},
	{"chaos.enabled", T_BOOL, 0, 0, 1, 0, NULL, CFG(chaos), 0},
	/* a TXT character-string holds 255 octets */
	{"chaos.id", T_STR, 0, 1, 255, 0, NULL, CFG(chaos_id), 0},
	{"log.syslog", T_BOOL, 0, 0, 1, 0, NULL, CFG(log_syslog), 0},
	{"log.queries", T_BOOL, 0, 0, 1, 0, NULL, CFG(log_queries), 0},
	/* BIND's bounds for responses-per-second and slip */
	{"rrl.rate", T_U32, 0, 0, 1000, 0, NULL, CFG(rrl_rate), 0},
	{"rrl.slip", T_U32, 0, 0, 10, 2, NULL, CFG(rrl_slip), 0},
	{"user", T_USER, 0, 0, 63, 0, "", CFG(user), 0},
};

/* One zone.nameservers entry; its fields start zeroed. */
static const struct key ns_keys[] = {
	{"name", T_DNAME, K_REQUIRED, 0, 0, 0, NULL, NSF(name), 0},
	{"addresses", T_IPS, 0, 0, 0, 0, NULL, NSF(addrs),
	    offsetof(struct fd_conf_ns, naddrs)},
};

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

struct ctx {
	const char *name;		/* file name for messages */
	char *err;
	size_t errlen;
	yaml_document_t *doc;
	struct fd_config *cfg;
	yaml_mark_t ns_mark[FD_CONF_MAX_NS];	/* for the glue check */
};

/*
 * A setter converts one scalar value, or one list entry, into dst.  path
 * is the key as shown in messages; idx is the list index (0 otherwise).
 */
typedef enum fd_err (*setter)(struct ctx *, const struct key *,
    const char *path, yaml_node_t *, void *dst, int idx);

/* Words YAML users expect for booleans (YAML 1.1 plus the 1.2 pair). */
static const struct {
	const char *word;
	bool value;
} bool_words[] = {
	{"true", true}, {"yes", true}, {"on", true},
	{"false", false}, {"no", false}, {"off", false},
};

static const yaml_mark_t mark_start;	/* 0:0, shown as 1:1 */

static enum fd_err	walk_map(struct ctx *, const struct key *, size_t,
			    yaml_node_t *, void *, const char *, const char *);

static enum fd_err __attribute__((format(printf, 3, 4)))
cerr(struct ctx *c, const yaml_mark_t *m, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (c->errlen == 0)
		return FD_ECONFIG;
	n = snprintf(c->err, c->errlen, "%s:%zu:%zu: ", c->name, m->line + 1,
	    m->column + 1);
	if (n >= 0 && (size_t)n < c->errlen) {
		va_start(ap, fmt);
		vsnprintf(c->err + n, c->errlen - n, fmt, ap);
		va_end(ap);
	}
	return FD_ECONFIG;
}

static const char *
node_kind(yaml_node_type_t t)
{
	switch (t) {
	case YAML_SCALAR_NODE:
		return "scalar";
	case YAML_SEQUENCE_NODE:
		return "list";
	case YAML_MAPPING_NODE:
		return "mapping";
	default:
		return "nothing";
	}
}

static yaml_node_t *
node(struct ctx *c, int id)
{
	return yaml_document_get_node(c->doc, id);
}

/* The scalar's text; a "\0" escape would silently cut it, so refuse it. */
static enum fd_err
scalar(struct ctx *c, const char *path, yaml_node_t *n, const char **out)
{
	*out = (const char *)n->data.scalar.value;
	if (strlen(*out) != n->data.scalar.length)
		return cerr(c, &n->start_mark, "%s: value contains a NUL byte",
		    path);
	return FD_OK;
}

/* Decimal digits only: no sign, no spaces, no hex. */
static bool
parse_u64(const char *s, size_t len, uint64_t *out, bool *overflow)
{
	uint64_t v = 0;
	size_t i;

	*overflow = false;
	if (len == 0)
		return false;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		if (v > (UINT64_MAX - (uint64_t)(s[i] - '0')) / 10)
			*overflow = true;
		else
			v = v * 10 + (uint64_t)(s[i] - '0');
	}
	*out = v;
	return true;
}

static void
store_uint(void *dst, size_t size, uint64_t v)
{
	uint8_t v8 = (uint8_t)v;
	uint16_t v16 = (uint16_t)v;
	uint32_t v32 = (uint32_t)v;

	switch (size) {
	case 1:
		memcpy(dst, &v8, 1);	/* bool, 0 or 1 */
		break;
	case 2:
		memcpy(dst, &v16, 2);
		break;
	case 4:
		memcpy(dst, &v32, 4);
		break;
	default:
		memcpy(dst, &v, 8);
		break;
	}
}

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
		k = node(c, p->key);
		if (k->type == YAML_SCALAR_NODE &&
		    k->data.scalar.length == keylen &&
		    memcmp(k->data.scalar.value, key, keylen) == 0)
			return node(c, p->value);
	}
	return NULL;
}

static enum fd_err
set_str(struct ctx *c, const struct key *k, const char *path, yaml_node_t *n,
    void *dst, int idx)
{
	const char *s;
	size_t len;
	enum fd_err rc;

	if ((rc = scalar(c, path, n, &s)) != FD_OK)
		goto out;
	len = strlen(s);
	if (len < k->min) {
		rc = cerr(c, &n->start_mark, "%s: must not be empty", path);
		goto out;
	}
	/* rows keep max below the field size; the second test is a guard */
	if (len > k->max || len >= k->size) {
		rc = cerr(c, &n->start_mark,
		    "%s: '%s' is too long (at most %llu characters)", path, s,
		    (unsigned long long)k->max);
		goto out;
	}
	memcpy(dst, s, len + 1);
out:
	return rc;
}

/* Resolved now so a typo fails "flipdnsd -n", not the privilege drop. */
static enum fd_err
set_user(struct ctx *c, const struct key *k, const char *path, yaml_node_t *n,
    void *dst, int idx)
{
	enum fd_err rc;

	if ((rc = set_str(c, k, path, n, dst, idx)) != FD_OK)
		goto out;
	if (*(char *)dst != '\0' && getpwnam(dst) == NULL)
		rc = cerr(c, &n->start_mark, "%s: no such user '%s'", path,
		    (char *)dst);
out:
	return rc;
}

static enum fd_err
set_dname(struct ctx *c, const struct key *k, const char *path,
    yaml_node_t *n, void *dst, int idx)
{
	uint8_t wire[FD_DNAME_WIRE_MAX];
	const char *s;
	int len;
	enum fd_err rc;

	if ((rc = scalar(c, path, n, &s)) != FD_OK)
		goto out;
	/* round trip through wire form: lower case with the final dot */
	if ((len = fd_dname_from_text(s, wire)) < 0 ||
	    fd_dname_to_text(wire, (size_t)len, dst, k->size) < 0)
		rc = cerr(c, &n->start_mark,
		    "%s: '%s' is not a valid domain name", path, s);
out:
	return rc;
}

static enum fd_err
set_u32(struct ctx *c, const struct key *k, const char *path, yaml_node_t *n,
    void *dst, int idx)
{
	const char *s;
	uint64_t v = 0;
	bool overflow;
	enum fd_err rc;

	if ((rc = scalar(c, path, n, &s)) != FD_OK)
		goto out;
	if (!parse_u64(s, strlen(s), &v, &overflow)) {
		rc = cerr(c, &n->start_mark, "%s: '%s' is not a number", path,
		    s);
		goto out;
	}
	if (overflow || v < k->min || v > k->max) {
		rc = cerr(c, &n->start_mark, "%s: %s is out of range %llu..%llu",
		    path, s, (unsigned long long)k->min,
		    (unsigned long long)k->max);
		goto out;
	}
	store_uint(dst, k->size, v);
out:
	return rc;
}

static enum fd_err
set_bool(struct ctx *c, const struct key *k, const char *path, yaml_node_t *n,
    void *dst, int idx)
{
	const char *s;
	size_t i;
	enum fd_err rc;

	if ((rc = scalar(c, path, n, &s)) != FD_OK)
		goto out;
	for (i = 0; i < NELEM(bool_words); i++) {
		if (strcasecmp(s, bool_words[i].word) == 0) {
			*(bool *)dst = bool_words[i].value;
			goto out;
		}
	}
	rc = cerr(c, &n->start_mark, "%s: '%s' is not a boolean (true or false)",
	    path, s);
out:
	return rc;
}

/* "4G" rather than 4294967296 in range messages. */
static void
fmt_size(char *buf, size_t len, uint64_t v)
{
	static const char suffix[] = "KMGT";
	int i;

	for (i = 3; i >= 0; i--) {
		if (v >= (KiB << (10 * i)) && v % (KiB << (10 * i)) == 0) {
			snprintf(buf, len, "%llu%c",
			    (unsigned long long)(v >> (10 * (i + 1))), suffix[i]);
			return;
		}
	}
	snprintf(buf, len, "%llu", (unsigned long long)v);
}

static enum fd_err
set_size(struct ctx *c, const struct key *k, const char *path, yaml_node_t *n,
    void *dst, int idx)
{
	static const char suffixes[] = "KMGT";
	const char *s, *sfx;
	char lo[24], hi[24];
	size_t len;
	uint64_t v = 0;
	unsigned shift = 0;
	bool overflow;
	enum fd_err rc;

	if ((rc = scalar(c, path, n, &s)) != FD_OK)
		goto out;
	len = strlen(s);
	if (len > 1 &&
	    (sfx = strchr(suffixes, toupper((unsigned char)s[len - 1]))) !=
	    NULL) {
		shift = 10 * (unsigned)(sfx - suffixes + 1);
		len--;
	}
	if (!parse_u64(s, len, &v, &overflow)) {
		rc = cerr(c, &n->start_mark, "%s: '%s' is not a size (bytes, "
		    "or a number with K, M, G or T)", path, s);
		goto out;
	}
	if (v > (UINT64_MAX >> shift))
		overflow = true;
	v <<= shift;
	if (overflow || v < k->min || v > k->max) {
		fmt_size(lo, sizeof(lo), k->min);
		fmt_size(hi, sizeof(hi), k->max);
		rc = cerr(c, &n->start_mark, "%s: %s is out of range %s..%s",
		    path, s, lo, hi);
		goto out;
	}
	store_uint(dst, k->size, v);
out:
	return rc;
}

static enum fd_err
set_ip(struct ctx *c, const struct key *k, const char *path, yaml_node_t *n,
    void *dst, int idx)
{
	struct fd_ipaddr *ip = dst;
	const char *s;
	enum fd_err rc;

	if ((rc = scalar(c, path, n, &s)) != FD_OK)
		goto out;
	memset(ip, 0, sizeof(*ip));
	if (inet_pton(AF_INET, s, ip->bytes) == 1)
		ip->family = AF_INET;
	else if (inet_pton(AF_INET6, s, ip->bytes) == 1)
		ip->family = AF_INET6;
	else
		rc = cerr(c, &n->start_mark, "%s: '%s' is not an IP address",
		    path, s);
out:
	return rc;
}

/*
 * "ADDR", "ADDR:PORT", "[ADDR6]" or "[ADDR6]:PORT".  A bare IPv6 address
 * is refused: "::1:53" could mean either, brackets make it plain.
 */
static enum fd_err
set_listen(struct ctx *c, const struct key *k, const char *path,
    yaml_node_t *n, void *dst, int idx)
{
	struct fd_conf_listen *l = dst;
	struct sockaddr_in *sin = (struct sockaddr_in *)&l->ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&l->ss;
	char host[INET6_ADDRSTRLEN];
	const char *s, *h, *end, *port = NULL;
	size_t hlen;
	uint64_t pnum = DNS_PORT;
	bool overflow = false, v6;
	int i;
	enum fd_err rc;

	if ((rc = scalar(c, path, n, &s)) != FD_OK)
		goto out;
	if (strlen(s) >= sizeof(l->text))
		goto bad;
	if ((v6 = (s[0] == '['))) {
		h = s + 1;
		if ((end = strchr(h, ']')) == NULL)
			goto bad;
		if (end[1] == ':')
			port = end + 2;
		else if (end[1] != '\0')
			goto bad;
	} else {
		h = s;
		if ((end = strchr(s, ':')) != NULL) {
			if (strchr(end + 1, ':') != NULL) {
				rc = cerr(c, &n->start_mark, "%s: '%s' is not "
				    "an address:port (write IPv6 as "
				    "[addr]:port)", path, s);
				goto out;
			}
			port = end + 1;
		} else
			end = s + strlen(s);
	}
	if ((hlen = (size_t)(end - h)) >= sizeof(host))
		goto bad;
	memcpy(host, h, hlen);
	host[hlen] = '\0';
	if (port != NULL && (!parse_u64(port, strlen(port), &pnum, &overflow) ||
	    overflow || pnum < 1 || pnum > 65535)) {
		rc = cerr(c, &n->start_mark, "%s: '%s' has no valid port "
		    "(1..65535)", path, s);
		goto out;
	}

	memset(l, 0, sizeof(*l));
	if (v6) {
		if (inet_pton(AF_INET6, host, &sin6->sin6_addr) != 1)
			goto bad;
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)pnum);
		l->sslen = sizeof(*sin6);
	} else {
		if (inet_pton(AF_INET, host, &sin->sin_addr) != 1)
			goto bad;
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)pnum);
		l->sslen = sizeof(*sin);
	}
	memcpy(l->text, s, strlen(s) + 1);

	/* a second bind of the same address would fail at startup */
	for (i = 0; i < idx; i++) {
		if (c->cfg->listen[i].sslen == l->sslen &&
		    memcmp(&c->cfg->listen[i].ss, &l->ss, l->sslen) == 0) {
			rc = cerr(c, &n->start_mark, "%s: '%s' is listed twice",
			    path, s);
			goto out;
		}
	}
	goto out;
bad:
	rc = cerr(c, &n->start_mark, "%s: '%s' is not an address:port", path,
	    s);
out:
	return rc;
}

/* A numeric id, or NULL in *name when s must be looked up as a name. */
static enum fd_err
parse_id(struct ctx *c, const char *path, yaml_node_t *n, const char **name,
    uint32_t *id)
{
	uint64_t v = 0;
	bool overflow;
	enum fd_err rc;

	if ((rc = scalar(c, path, n, name)) != FD_OK)
		goto out;
	if (!parse_u64(*name, strlen(*name), &v, &overflow))
		goto out;
	/* (uid_t)-1 means "no change" to chown(2) and friends */
	if (overflow || v >= UINT32_MAX) {
		rc = cerr(c, &n->start_mark, "%s: %s is out of range 0..%lu",
		    path, *name, (unsigned long)UINT32_MAX - 1);
		goto out;
	}
	*id = (uint32_t)v;
	*name = NULL;
out:
	return rc;
}

static enum fd_err
set_uid(struct ctx *c, const struct key *k, const char *path, yaml_node_t *n,
    void *dst, int idx)
{
	const char *name;
	struct passwd *pw;
	uint32_t id = 0;
	enum fd_err rc;

	if ((rc = parse_id(c, path, n, &name, &id)) != FD_OK)
		goto out;
	if (name != NULL) {
		if ((pw = getpwnam(name)) == NULL) {
			rc = cerr(c, &n->start_mark, "%s: no such user '%s'",
			    path, name);
			goto out;
		}
		id = pw->pw_uid;
	}
	*(uid_t *)dst = id;
out:
	return rc;
}

static enum fd_err
set_gid(struct ctx *c, const struct key *k, const char *path, yaml_node_t *n,
    void *dst, int idx)
{
	const char *name;
	struct group *gr;
	uint32_t id = 0;
	enum fd_err rc;

	if ((rc = parse_id(c, path, n, &name, &id)) != FD_OK)
		goto out;
	if (name != NULL) {
		if ((gr = getgrnam(name)) == NULL) {
			rc = cerr(c, &n->start_mark, "%s: no such group '%s'",
			    path, name);
			goto out;
		}
		id = gr->gr_gid;
	}
	*(gid_t *)dst = id;
out:
	return rc;
}

static enum fd_err
set_ns(struct ctx *c, const struct key *k, const char *path, yaml_node_t *n,
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
			rc = cerr(c, &name->start_mark,
			    "%s.name: '%s' is listed twice", sub, ns->name);
			goto out;
		}
	}
out:
	return rc;
}

struct type_ops {
	setter set;
	bool number;		/* default comes from def, not sdef */
	size_t elem;		/* lists: entry size; 0 for a single value */
	yaml_node_type_t node;	/* what each value (or entry) must be */
};

/* Indexed by enum ktype. */
static const struct type_ops types[] = {
	[T_STR] = {set_str, false, 0, YAML_SCALAR_NODE},
	[T_USER] = {set_user, false, 0, YAML_SCALAR_NODE},
	[T_DNAME] = {set_dname, false, 0, YAML_SCALAR_NODE},
	[T_U32] = {set_u32, true, 0, YAML_SCALAR_NODE},
	[T_BOOL] = {set_bool, true, 0, YAML_SCALAR_NODE},
	[T_SIZE] = {set_size, true, 0, YAML_SCALAR_NODE},
	[T_IPS] = {set_ip, false, sizeof(struct fd_ipaddr), YAML_SCALAR_NODE},
	[T_LISTEN] = {set_listen, false, sizeof(struct fd_conf_listen),
	    YAML_SCALAR_NODE},
	[T_UIDS] = {set_uid, false, sizeof(uid_t), YAML_SCALAR_NODE},
	[T_GIDS] = {set_gid, false, sizeof(gid_t), YAML_SCALAR_NODE},
	[T_NSLIST] = {set_ns, false, sizeof(struct fd_conf_ns),
	    YAML_MAPPING_NODE},
};

/* Check the value's node type, then run the setter once or per entry. */
static enum fd_err
set_value(struct ctx *c, const struct key *k, const char *path,
    yaml_node_t *n, void *base)
{
	const struct type_ops *t = &types[k->type];
	char *dst = (char *)base + k->off;
	yaml_node_item_t *it;
	yaml_node_t *e;
	size_t cap, count;
	int *np, i;
	enum fd_err rc = FD_OK;

	if (t->elem == 0) {
		if (n->type != t->node)
			rc = cerr(c, &n->start_mark, "%s: expected a %s, got a %s",
			    path, node_kind(t->node), node_kind(n->type));
		else
			rc = t->set(c, k, path, n, dst, 0);
		goto out;
	}
	if (n->type != YAML_SEQUENCE_NODE) {
		rc = cerr(c, &n->start_mark, "%s: expected a list, got a %s",
		    path, node_kind(n->type));
		goto out;
	}
	np = (int *)((char *)base + k->off_n);
	*np = 0;
	cap = k->size / t->elem;
	count = (size_t)(n->data.sequence.items.top -
	    n->data.sequence.items.start);
	if (count < k->min) {
		rc = cerr(c, &n->start_mark, "%s: at least %llu %s required",
		    path, (unsigned long long)k->min,
		    k->min == 1 ? "entry is" : "entries are");
		goto out;
	}
	for (it = n->data.sequence.items.start, i = 0;
	    it < n->data.sequence.items.top; it++, i++) {
		e = node(c, *it);
		if ((size_t)i >= cap) {
			rc = cerr(c, &e->start_mark,
			    "%s: too many entries (at most %zu)", path, cap);
			goto out;
		}
		if (e->type != t->node) {
			rc = cerr(c, &e->start_mark,
			    "%s: expected a %s entry, got a %s", path,
			    node_kind(t->node), node_kind(e->type));
			goto out;
		}
		if ((rc = t->set(c, k, path, e, dst + (size_t)i * t->elem,
		    i)) != FD_OK)
			goto out;
		*np = i + 1;	/* setters see the entries before theirs */
	}
out:
	return rc;
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
		rc = cerr(c, m, "missing required key '%s'", full);
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
		kn = node(c, p->key);
		vn = node(c, p->value);
		if (kn->type != YAML_SCALAR_NODE) {
			rc = cerr(c, &kn->start_mark, "%s%sa key must be a "
			    "scalar, not a %s", disp, *disp ? ": " : "",
			    node_kind(kn->type));
			goto out;
		}
		if ((rc = scalar(c, *disp ? disp : "key", kn, &key)) != FD_OK)
			goto out;
		join(krel, rel, key);
		join(kdisp, disp, key);
		/* only known keys get this far, so this stays short */
		for (q = map->data.mapping.pairs.start; q < p; q++) {
			if (strcmp((char *)node(c, q->key)->data.scalar.value,
			    key) == 0) {
				rc = cerr(c, &kn->start_mark,
				    "duplicate key '%s'", kdisp);
				goto out;
			}
		}
		if ((k = find_key(tab, ntab, krel)) != NULL) {
			rc = set_value(c, k, kdisp, vn, base);
		} else if (is_section(tab, ntab, krel)) {
			if (vn->type != YAML_MAPPING_NODE)
				rc = cerr(c, &vn->start_mark,
				    "%s: expected a mapping, got a %s", kdisp,
				    node_kind(vn->type));
			else
				rc = walk_map(c, tab, ntab, vn, base, krel,
				    kdisp);
		} else
			rc = cerr(c, &kn->start_mark, "unknown key '%s'", kdisp);
		if (rc != FD_OK)
			goto out;
	}
	rc = check_required(c, tab, ntab, map, &map->start_mark, rel, disp);
out:
	return rc;
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

/* Rules across keys, once everything is read. */
static enum fd_err
check_config(struct ctx *c)
{
	struct fd_config *cfg = c->cfg;
	int i;
	enum fd_err rc = FD_OK;

	for (i = 0; i < cfg->n_ns; i++) {
		/* a resolver cannot reach an in-zone server without glue */
		if (cfg->ns[i].naddrs == 0 &&
		    in_zone(cfg->ns[i].name, cfg->origin)) {
			rc = cerr(c, &c->ns_mark[i], "zone.nameservers[%d]: "
			    "'%s' is inside zone '%s' and needs addresses "
			    "(glue)", i, cfg->ns[i].name, cfg->origin);
			goto out;
		}
	}
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
		rc = cerr(c, &mark_start, "byte %zu: %s", p->problem_offset,
		    p->problem != NULL ? p->problem : "read error");
		goto out;
	}
	rc = cerr(c, &m, "YAML syntax error: %s%s%s",
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
		rc = cerr(&c, &root->start_mark, "the top level must be a "
		    "mapping, not a %s", node_kind(root->type));
		goto out;
	}
	if ((rc = walk_map(&c, keys, NELEM(keys), root, cfg, "", "")) != FD_OK)
		goto out;
	if ((rc = check_config(&c)) != FD_OK)
		goto out;

	/* a second "---" document would be ignored silently otherwise */
	if (!yaml_parser_load(p, &extra)) {
		rc = yaml_failed(&c, p);
		goto out;
	}
	if ((root2 = yaml_document_get_root_node(&extra)) != NULL)
		rc = cerr(&c, &root2->start_mark,
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
	char *dst;

	memset(cfg, 0, sizeof(*cfg));
	for (k = keys; k < keys + NELEM(keys); k++) {
		dst = (char *)cfg + k->off;
		if (types[k->type].number)
			store_uint(dst, k->size, k->def);
		else if (k->sdef != NULL)
			snprintf(dst, k->size, "%s", k->sdef);
	}
	/* id.server names the answering host, so no static default */
	if (gethostname(cfg->chaos_id, sizeof(cfg->chaos_id)) != 0)
		cfg->chaos_id[0] = '\0';
	cfg->chaos_id[sizeof(cfg->chaos_id) - 1] = '\0';
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
