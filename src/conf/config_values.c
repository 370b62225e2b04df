/*
 * config_values.c - turn one YAML value into one typed config field.
 *
 * config.c walks the mappings and finds the schema row for each key; the
 * setter in types[] that the row's type selects checks the value node
 * (its kind, its text, the row's range) and stores it at the row's
 * offset.  Lists run the setter once per entry.  Each error names the key
 * as shown to the user and the value's LINE:COL, through cfg_err().  The
 * setters keep no state: all they touch is the ctx and the struct they
 * write into.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <ctype.h>
#include <grp.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "config_parse.h"
#include "flipdns/util/log.h"
#include "flipdns/util/names.h"

/* DNS's own port, for listen entries written without one. */
#define DNS_PORT	53

/*
 * store_uint() writes numbers by width; workers is an int, and a
 * non-negative value has the same bytes in int and uint32_t (C11 6.2.5p9).
 */
_Static_assert(sizeof(int) == sizeof(uint32_t), "int is not 32 bits");
_Static_assert(sizeof(bool) == 1, "bool is not one byte");

/* Words YAML users expect for booleans (YAML 1.1 plus the 1.2 pair). */
static const struct {
	const char *word;
	bool value;
} bool_words[] = {
	{"true", true}, {"yes", true}, {"on", true},
	{"false", false}, {"no", false}, {"off", false},
};

enum fd_err
cfg_err(struct ctx *c, const yaml_mark_t *m, const char *fmt, ...)
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

const char *
cfg_node_kind(yaml_node_type_t t)
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

yaml_node_t *
cfg_node(struct ctx *c, int id)
{
	return yaml_document_get_node(c->doc, id);
}

/* The scalar's text; a "\0" escape would silently cut it, so refuse it. */
enum fd_err
cfg_scalar(struct ctx *c, const char *path, yaml_node_t *n, const char **out)
{
	*out = (const char *)n->data.scalar.value;
	if (strlen(*out) != n->data.scalar.length)
		return cfg_err(c, &n->start_mark,
		    "%s: value contains a NUL byte", path);
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

static enum fd_err
set_str(struct ctx *c, const struct key *k, const char *path, yaml_node_t *n,
    void *dst, int idx)
{
	const char *s;
	size_t len;
	enum fd_err rc;

	if ((rc = cfg_scalar(c, path, n, &s)) != FD_OK)
		goto out;
	len = strlen(s);
	if (len < k->min) {
		rc = cfg_err(c, &n->start_mark, "%s: must not be empty", path);
		goto out;
	}
	/* rows keep max below the field size; the second test is a guard */
	if (len > k->max || len >= k->size) {
		rc = cfg_err(c, &n->start_mark,
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
		rc = cfg_err(c, &n->start_mark, "%s: no such user '%s'", path,
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

	if ((rc = cfg_scalar(c, path, n, &s)) != FD_OK)
		goto out;
	/* round trip through wire form: lower case with the final dot */
	if ((len = fd_dname_from_text(s, wire)) < 0 ||
	    fd_dname_to_text(wire, (size_t)len, dst, k->size) < 0)
		rc = cfg_err(c, &n->start_mark,
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

	if ((rc = cfg_scalar(c, path, n, &s)) != FD_OK)
		goto out;
	if (!parse_u64(s, strlen(s), &v, &overflow)) {
		rc = cfg_err(c, &n->start_mark, "%s: '%s' is not a number",
		    path, s);
		goto out;
	}
	if (overflow || v < k->min || v > k->max) {
		rc = cfg_err(c, &n->start_mark, "%s: %s is out of range %llu..%llu",
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

	if ((rc = cfg_scalar(c, path, n, &s)) != FD_OK)
		goto out;
	for (i = 0; i < NELEM(bool_words); i++) {
		if (strcasecmp(s, bool_words[i].word) == 0) {
			*(bool *)dst = bool_words[i].value;
			goto out;
		}
	}
	rc = cfg_err(c, &n->start_mark, "%s: '%s' is not a boolean (true or false)",
	    path, s);
out:
	return rc;
}

static enum fd_err
set_loglevel(struct ctx *c, const struct key *k, const char *path,
    yaml_node_t *n, void *dst, int idx)
{
	enum log_level level;
	const char *s;
	enum fd_err rc;

	if ((rc = cfg_scalar(c, path, n, &s)) != FD_OK)
		return rc;
	if (!log_level_parse(s, &level))
		return cfg_err(c, &n->start_mark, "%s: '%s' is not a level "
		    "(debug, info, warning or error)", path, s);
	*(enum log_level *)dst = level;
	return FD_OK;
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

	if ((rc = cfg_scalar(c, path, n, &s)) != FD_OK)
		goto out;
	len = strlen(s);
	if (len > 1 &&
	    (sfx = strchr(suffixes, toupper((unsigned char)s[len - 1]))) !=
	    NULL) {
		shift = 10 * (unsigned)(sfx - suffixes + 1);
		len--;
	}
	if (!parse_u64(s, len, &v, &overflow)) {
		rc = cfg_err(c, &n->start_mark, "%s: '%s' is not a size "
		    "(bytes, or a number with K, M, G or T)", path, s);
		goto out;
	}
	if (v > (UINT64_MAX >> shift))
		overflow = true;
	v <<= shift;
	if (overflow || v < k->min || v > k->max) {
		fmt_size(lo, sizeof(lo), k->min);
		fmt_size(hi, sizeof(hi), k->max);
		rc = cfg_err(c, &n->start_mark, "%s: %s is out of range %s..%s",
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

	if ((rc = cfg_scalar(c, path, n, &s)) != FD_OK)
		goto out;
	memset(ip, 0, sizeof(*ip));
	if (inet_pton(AF_INET, s, ip->bytes) == 1)
		ip->family = AF_INET;
	else if (inet_pton(AF_INET6, s, ip->bytes) == 1)
		ip->family = AF_INET6;
	else
		rc = cfg_err(c, &n->start_mark, "%s: '%s' is not an IP address",
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

	if ((rc = cfg_scalar(c, path, n, &s)) != FD_OK)
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
				rc = cfg_err(c, &n->start_mark, "%s: '%s' is "
				    "not an address:port (write IPv6 as "
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
		rc = cfg_err(c, &n->start_mark, "%s: '%s' has no valid port "
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

	/*
	 * Twice in one list is a mistake: a second bind of a listen address
	 * would fail at startup, a resolver twice is asked twice.  The
	 * entries before this one are the list's own (l - idx on).
	 */
	for (i = 0; i < idx; i++) {
		const struct fd_conf_listen *e = l - idx + i;

		if (e->sslen == l->sslen && memcmp(&e->ss, &l->ss, l->sslen) ==
		    0) {
			rc = cfg_err(c, &n->start_mark,
			    "%s: '%s' is listed twice", path, s);
			goto out;
		}
	}
	goto out;
bad:
	rc = cfg_err(c, &n->start_mark, "%s: '%s' is not an address:port", path,
	    s);
out:
	return rc;
}

/*
 * A user or group (group true), written as a number or as a name to look
 * up, as its numeric id.
 */
static enum fd_err
parse_owner(struct ctx *c, const char *path, yaml_node_t *n, bool group,
    uint32_t *id)
{
	const char *name;
	struct passwd *pw = NULL;
	struct group *gr = NULL;
	uint64_t v = 0;
	bool overflow;
	enum fd_err rc;

	if ((rc = cfg_scalar(c, path, n, &name)) != FD_OK)
		return rc;
	if (parse_u64(name, strlen(name), &v, &overflow)) {
		/* (uid_t)-1 means "no change" to chown(2) and friends */
		if (overflow || v >= UINT32_MAX)
			return cfg_err(c, &n->start_mark,
			    "%s: %s is out of range 0..%lu", path, name,
			    (unsigned long)UINT32_MAX - 1);
		*id = (uint32_t)v;
		return FD_OK;
	}
	if (group ? (gr = getgrnam(name)) == NULL :
	    (pw = getpwnam(name)) == NULL)
		return cfg_err(c, &n->start_mark, "%s: no such %s '%s'", path,
		    group ? "group" : "user", name);
	*id = group ? gr->gr_gid : pw->pw_uid;
	return FD_OK;
}

static enum fd_err
set_uid(struct ctx *c, const struct key *k, const char *path, yaml_node_t *n,
    void *dst, int idx)
{
	uint32_t id = 0;
	enum fd_err rc;

	if ((rc = parse_owner(c, path, n, false, &id)) == FD_OK)
		*(uid_t *)dst = id;
	return rc;
}

static enum fd_err
set_gid(struct ctx *c, const struct key *k, const char *path, yaml_node_t *n,
    void *dst, int idx)
{
	uint32_t id = 0;
	enum fd_err rc;

	if ((rc = parse_owner(c, path, n, true, &id)) == FD_OK)
		*(gid_t *)dst = id;
	return rc;
}

/* Octal digits, with or without a leading 0, as chmod(1) takes them. */
static enum fd_err
set_mode(struct ctx *c, const struct key *k, const char *path, yaml_node_t *n,
    void *dst, int idx)
{
	const char *s, *p;
	uint64_t v = 0;
	enum fd_err rc;

	if ((rc = cfg_scalar(c, path, n, &s)) != FD_OK)
		return rc;
	for (p = s; *p >= '0' && *p <= '7' && v <= k->max; p++)
		v = v * 8 + (uint64_t)(*p - '0');
	if (p == s || *p != '\0' || v < k->min || v > k->max)
		return cfg_err(c, &n->start_mark, "%s: '%s' is not a mode "
		    "(octal, %04llo..%04llo)", path, s,
		    (unsigned long long)k->min, (unsigned long long)k->max);
	store_uint(dst, k->size, v);
	return FD_OK;
}

/* "ADDR" (every bit) or "ADDR/BITS", as an allow entry's from. */
static enum fd_err
set_prefix(struct ctx *c, const struct key *k, const char *path,
    yaml_node_t *n, void *dst, int idx)
{
	struct fd_conf_prefix *p = dst;
	char host[INET6_ADDRSTRLEN];
	const char *s, *slash;
	uint64_t bits;
	bool overflow;
	size_t hlen, max;
	enum fd_err rc;

	if ((rc = cfg_scalar(c, path, n, &s)) != FD_OK)
		return rc;
	slash = strchr(s, '/');
	hlen = slash != NULL ? (size_t)(slash - s) : strlen(s);
	if (hlen >= sizeof(host))
		goto bad;
	memcpy(host, s, hlen);
	host[hlen] = '\0';
	memset(p, 0, sizeof(*p));
	if (inet_pton(AF_INET, host, p->addr.bytes) == 1)
		p->addr.family = AF_INET;
	else if (inet_pton(AF_INET6, host, p->addr.bytes) == 1)
		p->addr.family = AF_INET6;
	else
		goto bad;
	max = p->addr.family == AF_INET ? 32 : 128;
	bits = max;
	if (slash != NULL && (!parse_u64(slash + 1, strlen(slash + 1), &bits,
	    &overflow) || overflow || bits > max))
		return cfg_err(c, &n->start_mark, "%s: '%s' has no valid "
		    "prefix length (0..%zu)", path, s, max);
	p->bits = (uint8_t)bits;
	return FD_OK;
bad:
	return cfg_err(c, &n->start_mark, "%s: '%s' is not an address or "
	    "ADDRESS/BITS", path, s);
}

/*
 * Seconds with up to three decimals ("1", "0.25"), stored as
 * milliseconds; min and max of the row are in milliseconds.
 */
static enum fd_err
set_seconds(struct ctx *c, const struct key *k, const char *path,
    yaml_node_t *n, void *dst, int idx)
{
	const char *s, *dot;
	uint64_t whole = 0, frac = 0, ms;
	size_t flen = 0;
	bool overflow = false;
	enum fd_err rc;

	if ((rc = cfg_scalar(c, path, n, &s)) != FD_OK)
		return rc;
	dot = strchr(s, '.');
	if (!parse_u64(s, dot ? (size_t)(dot - s) : strlen(s), &whole,
	    &overflow) || overflow)
		goto bad;
	if (dot != NULL) {
		flen = strlen(dot + 1);
		if (flen == 0 || flen > 3 ||
		    !parse_u64(dot + 1, flen, &frac, &overflow))
			goto bad;
		while (flen++ < 3)
			frac *= 10;
	}
	if (whole > UINT32_MAX / 1000)
		goto range;
	ms = whole * 1000 + frac;
	if (ms < k->min || ms > k->max)
		goto range;
	store_uint(dst, k->size, ms);
	return FD_OK;
bad:
	return cfg_err(c, &n->start_mark, "%s: '%s' is not a number of seconds "
	    "(up to 3 decimals)", path, s);
range:
	return cfg_err(c, &n->start_mark, "%s: %s is out of range %llu.%03llu.."
	    "%llu.%03llu seconds", path, s, (unsigned long long)k->min / 1000,
	    (unsigned long long)k->min % 1000, (unsigned long long)k->max / 1000,
	    (unsigned long long)k->max % 1000);
}

/* An http:// or https:// URL, kept as written (libcurl parses it). */
static enum fd_err
set_url(struct ctx *c, const struct key *k, const char *path, yaml_node_t *n,
    void *dst, int idx)
{
	const char *s;
	enum fd_err rc;

	if ((rc = cfg_scalar(c, path, n, &s)) != FD_OK)
		return rc;
	c->webhooks_mark = n->start_mark;
	if (strncmp(s, "http://", 7) != 0 && strncmp(s, "https://", 8) != 0)
		return cfg_err(c, &n->start_mark, "%s: '%s' is not an http:// "
		    "or https:// URL", path, s);
	for (const char *p = s; *p != '\0'; p++)
		if ((unsigned char)*p <= ' ' || *p == 0x7f)
			return cfg_err(c, &n->start_mark, "%s: a URL has no "
			    "blanks or control characters", path);
	if (strlen(s) >= FD_CONF_URL_MAX)
		return cfg_err(c, &n->start_mark, "%s: the URL is longer than %d "
		    "characters", path, FD_CONF_URL_MAX - 1);
	memcpy(dst, s, strlen(s) + 1);
	return FD_OK;
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
	[T_GID] = {set_gid, true, 0, YAML_SCALAR_NODE},
	[T_MODE] = {set_mode, true, 0, YAML_SCALAR_NODE},
	[T_NSLIST] = {cfg_set_ns, false, sizeof(struct fd_conf_ns),
	    YAML_MAPPING_NODE},
	[T_LOGLEVEL] = {set_loglevel, true, 0, YAML_SCALAR_NODE},
	[T_ADDRPORT] = {set_listen, false, 0, YAML_SCALAR_NODE},
	[T_PREFIX] = {set_prefix, false, 0, YAML_SCALAR_NODE},
	[T_XFR_ALLOW] = {cfg_set_xfr_allow, false,
	    sizeof(struct fd_conf_xfr_allow), YAML_MAPPING_NODE},
	[T_NOTIFY] = {cfg_set_notify, false, sizeof(struct fd_conf_notify),
	    YAML_MAPPING_NODE},
	[T_SECONDS] = {set_seconds, true, 0, YAML_SCALAR_NODE},
	[T_URLS] = {set_url, false, FD_CONF_URL_MAX, YAML_SCALAR_NODE},
};

/* Check the value's node type, then run the setter once or per entry. */
enum fd_err
cfg_set_value(struct ctx *c, const struct key *k, const char *path,
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
			rc = cfg_err(c, &n->start_mark,
			    "%s: expected a %s, got a %s", path,
			    cfg_node_kind(t->node), cfg_node_kind(n->type));
		else
			rc = t->set(c, k, path, n, dst, 0);
		goto out;
	}
	if (n->type != YAML_SEQUENCE_NODE) {
		rc = cfg_err(c, &n->start_mark, "%s: expected a list, got a %s",
		    path, cfg_node_kind(n->type));
		goto out;
	}
	np = (int *)((char *)base + k->off_n);
	*np = 0;
	cap = k->size / t->elem;
	count = (size_t)(n->data.sequence.items.top -
	    n->data.sequence.items.start);
	if (count < k->min) {
		rc = cfg_err(c, &n->start_mark, "%s: at least %llu %s required",
		    path, (unsigned long long)k->min,
		    k->min == 1 ? "entry is" : "entries are");
		goto out;
	}
	for (it = n->data.sequence.items.start, i = 0;
	    it < n->data.sequence.items.top; it++, i++) {
		e = cfg_node(c, *it);
		if ((size_t)i >= cap) {
			rc = cfg_err(c, &e->start_mark,
			    "%s: too many entries (at most %zu)", path, cap);
			goto out;
		}
		if (e->type != t->node) {
			rc = cfg_err(c, &e->start_mark,
			    "%s: expected a %s entry, got a %s", path,
			    cfg_node_kind(t->node), cfg_node_kind(e->type));
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

/* Write row k's default into its field of base (which starts zeroed). */
void
cfg_set_default(const struct key *k, void *base)
{
	char *dst = (char *)base + k->off;

	if (types[k->type].number)
		store_uint(dst, k->size, k->def);
	else if (k->sdef != NULL)
		snprintf(dst, k->size, "%s", k->sdef);
	else if ((k->flags & K_HOSTNAME) && gethostname(dst, k->size) == 0)
		dst[k->size - 1] = '\0';
	else if (k->flags & K_HOSTNAME)
		dst[0] = '\0';
}

size_t
cfg_list_capacity(const struct key *k)
{
	return types[k->type].elem == 0 ? 0 : k->size / types[k->type].elem;
}

bool
cfg_is_number(const struct key *k)
{
	return types[k->type].number;
}
