/*
 * checks.c - an app's health check: its fields from text (one table
 * for the control protocol and import files), the rules across them, the
 * record and its JSON.  See health.h.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flipdns/db/health.h"

static const char *const type_names[] = {
	[FD_CHECK_NONE] = "none",
	[FD_CHECK_TCP] = "tcp",
	[FD_CHECK_HTTP] = "http",
	[FD_CHECK_HTTPS] = "https",
};

const char *
fd_check_type_name(enum fd_check_type t)
{
	return (unsigned)t < sizeof(type_names) / sizeof(type_names[0]) ?
	    type_names[t] : "?";
}

void
fd_check_defaults(struct fd_check *ck)
{
	memset(ck, 0, sizeof(*ck));
	ck->interval_ms = FD_CHECK_INTERVAL_DEFAULT;
	ck->timeout_ms = FD_CHECK_TIMEOUT_DEFAULT;
	ck->fall = FD_CHECK_FALL_DEFAULT;
	ck->rise = FD_CHECK_RISE_DEFAULT;
}

void
fd_check_default_timeout(struct fd_check *ck)
{
	ck->timeout_ms = FD_CHECK_TIMEOUT_DEFAULT < ck->interval_ms ?
	    FD_CHECK_TIMEOUT_DEFAULT : ck->interval_ms;
}

#define BAD(...) do {                                                \
	snprintf(msg, msglen, __VA_ARGS__);                          \
	return FD_EINVAL;                                            \
} while (0)

/* Decimal digits only, at most max. */
static bool
parse_uint(const char *s, unsigned long max, unsigned long *out)
{
	unsigned long v = 0;

	if (*s == '\0')
		return false;
	for (; *s != '\0'; s++) {
		if (!isdigit((unsigned char)*s) || v > (max - (unsigned)(*s -
		    '0')) / 10)
			return false;
		v = v * 10 + (unsigned)(*s - '0');
	}
	*out = v;
	return true;
}

/* "2", "0.25", "1.5": seconds with at most 3 decimals, as milliseconds. */
static bool
parse_seconds(const char *s, uint32_t *ms)
{
	unsigned long whole = 0, frac = 0;
	const char *dot = strchr(s, '.');
	char ipart[16];
	size_t ilen = dot ? (size_t)(dot - s) : strlen(s), flen;

	if (ilen == 0 || ilen >= sizeof(ipart))
		return false;
	memcpy(ipart, s, ilen);
	ipart[ilen] = '\0';
	if (!parse_uint(ipart, 100000, &whole))
		return false;
	if (dot != NULL) {
		flen = strlen(dot + 1);
		if (flen == 0 || flen > 3 || !parse_uint(dot + 1, 999, &frac))
			return false;
		while (flen++ < 3)
			frac *= 10;
	}
	*ms = (uint32_t)(whole * 1000 + frac);
	return true;
}

static enum fd_err
set_type(struct fd_check *ck, const char *v, char *msg, size_t msglen)
{
	for (size_t i = 0; i < sizeof(type_names) / sizeof(type_names[0]); i++)
		if (strcmp(type_names[i], v) == 0) {
			ck->type = (enum fd_check_type)i;
			return FD_OK;
		}
	BAD("type must be tcp, http, https or none, not '%s'", v);
}

static enum fd_err
set_port(struct fd_check *ck, const char *v, char *msg, size_t msglen)
{
	unsigned long n;

	if (!parse_uint(v, 65535, &n) || n == 0)
		BAD("port must be 1..65535, not '%s'", v);
	ck->port = (uint16_t)n;
	return FD_OK;
}

static enum fd_err
set_path(struct fd_check *ck, const char *v, char *msg, size_t msglen)
{
	if (v[0] != '/')
		BAD("path must start with '/', not '%.40s'", v);
	if (strlen(v) > FD_CHECK_PATH_MAX)
		BAD("path is longer than %d bytes", FD_CHECK_PATH_MAX);
	/* it goes into a request line as it is: no blanks, no controls */
	for (const char *p = v; *p != '\0'; p++)
		if ((unsigned char)*p <= ' ' || *p == 0x7f)
			BAD("path must not hold blanks or control characters");
	snprintf(ck->path, sizeof(ck->path), "%s", v);
	return FD_OK;
}

static enum fd_err
set_host(struct fd_check *ck, const char *v, char *msg, size_t msglen)
{
	uint8_t wire[FD_DNAME_WIRE_MAX];
	size_t len = strlen(v);

	/* a name for Host and SNI: letters, digits, '-', '.', no root dot */
	if (len == 0 || v[len - 1] == '.' || fd_dname_from_text(v, wire) < 0)
		BAD("host must be a host name like www.example.com, not "
		    "'%.60s'", v);
	for (const char *p = v; *p != '\0'; p++)
		if (!isalnum((unsigned char)*p) && *p != '-' && *p != '.')
			BAD("host must be a host name like www.example.com, "
			    "not '%.60s'", v);
	snprintf(ck->host, sizeof(ck->host), "%s", v);
	for (char *p = ck->host; *p != '\0'; p++)
		*p = (char)tolower((unsigned char)*p);
	return FD_OK;
}

/* "200", "200,204", "200-299,301": HTTP codes are 100..599. */
static enum fd_err
set_expect(struct fd_check *ck, const char *v, char *msg, size_t msglen)
{
	char buf[128], *save = NULL, *tok, *dash;
	unsigned long lo, hi;

	if (strlen(v) >= sizeof(buf))
		BAD("expect is too long");
	snprintf(buf, sizeof(buf), "%s", v);
	ck->n_expect = 0;
	for (tok = strtok_r(buf, ",", &save); tok != NULL;
	    tok = strtok_r(NULL, ",", &save)) {
		if (ck->n_expect == FD_CHECK_EXPECT_MAX)
			BAD("expect: at most %d codes or ranges",
			    FD_CHECK_EXPECT_MAX);
		if ((dash = strchr(tok, '-')) != NULL)
			*dash = '\0';
		if (!parse_uint(tok, 599, &lo) || lo < 100 ||
		    (dash != NULL && (!parse_uint(dash + 1, 599, &hi) ||
		    hi < lo)))
			BAD("expect must be HTTP codes 100..599 or ranges like "
			    "200-299, separated by commas, not '%.60s'", v);
		if (dash == NULL)
			hi = lo;
		ck->expect[ck->n_expect].lo = (uint16_t)lo;
		ck->expect[ck->n_expect].hi = (uint16_t)hi;
		ck->n_expect++;
	}
	if (ck->n_expect == 0)
		BAD("expect needs at least one code");
	return FD_OK;
}

static enum fd_err
set_body(struct fd_check *ck, const char *v, char *msg, size_t msglen)
{
	if (strlen(v) > FD_CHECK_BODY_MAX)
		BAD("body is longer than %d bytes", FD_CHECK_BODY_MAX);
	snprintf(ck->body, sizeof(ck->body), "%s", v);
	return FD_OK;
}

static enum fd_err
set_interval(struct fd_check *ck, const char *v, char *msg, size_t msglen)
{
	if (!parse_seconds(v, &ck->interval_ms) || ck->interval_ms == 0 ||
	    ck->interval_ms > FD_CHECK_INTERVAL_MAX)
		BAD("interval must be seconds (up to 3 decimals), at most "
		    "%u, not '%s'", FD_CHECK_INTERVAL_MAX / 1000, v);
	return FD_OK;
}

static enum fd_err
set_timeout(struct fd_check *ck, const char *v, char *msg, size_t msglen)
{
	if (!parse_seconds(v, &ck->timeout_ms) ||
	    ck->timeout_ms < FD_CHECK_TIMEOUT_MIN)
		BAD("timeout must be seconds (up to 3 decimals), at least "
		    "0.01, not '%s'", v);
	return FD_OK;
}

static enum fd_err
set_run(uint8_t *dst, const char *name, const char *v, char *msg,
    size_t msglen)
{
	unsigned long n;

	if (!parse_uint(v, FD_CHECK_RUN_MAX, &n) || n == 0)
		BAD("%s must be 1..%d, not '%s'", name, FD_CHECK_RUN_MAX, v);
	*dst = (uint8_t)n;
	return FD_OK;
}

static enum fd_err
set_fall(struct fd_check *ck, const char *v, char *msg, size_t msglen)
{
	return set_run(&ck->fall, "fall", v, msg, msglen);
}

static enum fd_err
set_rise(struct fd_check *ck, const char *v, char *msg, size_t msglen)
{
	return set_run(&ck->rise, "rise", v, msg, msglen);
}

/* The fields, by name: flipctl's options and import's keys alike. */
static const struct {
	const char *name;
	enum fd_err (*set)(struct fd_check *, const char *, char *, size_t);
} fields[] = {
	{"type", set_type},
	{"port", set_port},
	{"path", set_path},
	{"host", set_host},
	{"expect", set_expect},
	{"body", set_body},
	{"interval", set_interval},
	{"timeout", set_timeout},
	{"fall", set_fall},
	{"rise", set_rise},
};
#define NFIELDS (sizeof(fields) / sizeof(fields[0]))

const char *const fd_check_fields[] = {"type", "port", "path", "host",
    "expect", "body", "interval", "timeout", "fall", "rise", NULL};

enum fd_err
fd_check_set(struct fd_check *ck, const char *field, const char *value,
    char *msg, size_t msglen)
{
	for (size_t i = 0; i < NFIELDS; i++)
		if (strcmp(fields[i].name, field) == 0)
			return fields[i].set(ck, value, msg, msglen);
	snprintf(msg, msglen, "a check has no field '%s'", field);
	return FD_ENOTFOUND;
}

enum fd_err
fd_check_validate(const struct fd_check *ck, uint32_t min_interval_ms,
    char *msg, size_t msglen)
{
	if (ck->type == FD_CHECK_NONE)
		return FD_OK;
	if (ck->port == 0)
		BAD("a %s check needs a port", fd_check_type_name(ck->type));
	if (ck->type == FD_CHECK_TCP && (ck->path[0] || ck->host[0] ||
	    ck->n_expect || ck->body[0]))
		BAD("a tcp check only connects: path, host, expect and body "
		    "are for http and https");
	if (ck->interval_ms < min_interval_ms)
		BAD("interval %u.%03us is below health.min_interval (%u.%03us)",
		    ck->interval_ms / 1000, ck->interval_ms % 1000,
		    min_interval_ms / 1000, min_interval_ms % 1000);
	if (ck->timeout_ms > ck->interval_ms)
		BAD("timeout (%u.%03us) must not exceed the interval "
		    "(%u.%03us): one probe per endpoint at a time",
		    ck->timeout_ms / 1000, ck->timeout_ms % 1000,
		    ck->interval_ms / 1000, ck->interval_ms % 1000);
	return FD_OK;
}

bool
fd_check_expects(const struct fd_check *ck, unsigned code)
{
	if (ck->n_expect == 0)
		return code >= 200 && code <= 399;
	for (unsigned i = 0; i < ck->n_expect; i++)
		if (code >= ck->expect[i].lo && code <= ck->expect[i].hi)
			return true;
	return false;
}

void
fd_check_expect_text(const struct fd_check *ck, char *buf, size_t len)
{
	size_t at = 0;

	buf[0] = '\0';
	if (ck->n_expect == 0) {
		snprintf(buf, len, "200-399");
		return;
	}
	for (unsigned i = 0; i < ck->n_expect && at < len; i++) {
		if (ck->expect[i].lo == ck->expect[i].hi)
			at += (size_t)snprintf(buf + at, len - at, "%s%u",
			    i ? "," : "", ck->expect[i].lo);
		else
			at += (size_t)snprintf(buf + at, len - at, "%s%u-%u",
			    i ? "," : "", ck->expect[i].lo, ck->expect[i].hi);
	}
}

bool
fd_check_equal(const struct fd_check *a, const struct fd_check *b)
{
	return a->type == b->type && a->port == b->port &&
	    a->interval_ms == b->interval_ms && a->timeout_ms == b->timeout_ms &&
	    a->fall == b->fall && a->rise == b->rise &&
	    a->n_expect == b->n_expect &&
	    memcmp(a->expect, b->expect, a->n_expect * sizeof(a->expect[0])) ==
	    0 && strcmp(a->path, b->path) == 0 &&
	    strcmp(a->host, b->host) == 0 && strcmp(a->body, b->body) == 0;
}

json_t *
fd_check_json(const struct fd_check *ck)
{
	char expect[128];
	json_t *o;

	if (ck->type == FD_CHECK_NONE)
		return json_null();
	o = json_pack("{s:s, s:i, s:f, s:f, s:i, s:i}",
	    "type", fd_check_type_name(ck->type), "port", (int)ck->port,
	    "interval", ck->interval_ms / 1000.0,
	    "timeout", ck->timeout_ms / 1000.0,
	    "fall", (int)ck->fall, "rise", (int)ck->rise);
	if (o == NULL || ck->type == FD_CHECK_TCP)
		return o;
	fd_check_expect_text(ck, expect, sizeof(expect));
	json_object_set_new(o, "path", json_string(ck->path[0] ? ck->path :
	    "/"));
	json_object_set_new(o, "host", ck->host[0] ? json_string(ck->host) :
	    json_null());
	json_object_set_new(o, "expect", json_string(expect));
	json_object_set_new(o, "body", ck->body[0] ? json_string(ck->body) :
	    json_null());
	return o;
}

/*
 * The record: a fixed header, the expected ranges, then path, host and
 * body, each a length byte and its bytes (each at most 255: health.h).
 * Copied in and out with memcpy: LMDB aligns values to 2 bytes only.
 */
struct check_hdr {
	uint8_t version;
	uint8_t type;
	uint8_t fall, rise;
	uint16_t port;
	uint8_t n_expect;
	uint8_t pad;
	uint32_t interval_ms, timeout_ms;
};

static size_t
put_str(uint8_t *buf, size_t at, size_t cap, const char *s)
{
	size_t len = strlen(s);

	if (len > 255 || at + 1 + len > cap)
		return 0;
	buf[at] = (uint8_t)len;
	memcpy(buf + at + 1, s, len);
	return at + 1 + len;
}

size_t
fd_check_encode(uint8_t *buf, size_t cap, const struct fd_check *ck)
{
	struct check_hdr h;
	size_t at = sizeof(h) + ck->n_expect * sizeof(ck->expect[0]);

	if (at > cap || ck->n_expect > FD_CHECK_EXPECT_MAX)
		return 0;
	memset(&h, 0, sizeof(h));
	h.version = FD_CHECK_VERSION;
	h.type = (uint8_t)ck->type;
	h.fall = ck->fall;
	h.rise = ck->rise;
	h.port = ck->port;
	h.n_expect = ck->n_expect;
	h.interval_ms = ck->interval_ms;
	h.timeout_ms = ck->timeout_ms;
	memcpy(buf, &h, sizeof(h));
	memcpy(buf + sizeof(h), ck->expect, ck->n_expect * sizeof(ck->expect[0]));
	if ((at = put_str(buf, at, cap, ck->path)) == 0 ||
	    (at = put_str(buf, at, cap, ck->host)) == 0 ||
	    (at = put_str(buf, at, cap, ck->body)) == 0)
		return 0;
	return at;
}

static bool
get_str(const uint8_t *p, size_t len, size_t *at, char *dst, size_t cap)
{
	size_t n;

	if (*at >= len)
		return false;
	n = p[*at];
	if (*at + 1 + n > len || n >= cap)
		return false;
	memcpy(dst, p + *at + 1, n);
	dst[n] = '\0';
	*at += 1 + n;
	return true;
}

enum fd_err
fd_check_decode(const void *data, size_t len, struct fd_check *out)
{
	const uint8_t *p = data;
	struct check_hdr h;
	size_t at;

	if (len < sizeof(h))
		return FD_EVERSION;
	memcpy(&h, p, sizeof(h));
	if (h.version != FD_CHECK_VERSION || h.type == FD_CHECK_NONE ||
	    h.type > FD_CHECK_HTTPS || h.n_expect > FD_CHECK_EXPECT_MAX)
		return FD_EVERSION;
	memset(out, 0, sizeof(*out));
	out->type = (enum fd_check_type)h.type;
	out->fall = h.fall;
	out->rise = h.rise;
	out->port = h.port;
	out->n_expect = h.n_expect;
	out->interval_ms = h.interval_ms;
	out->timeout_ms = h.timeout_ms;
	at = sizeof(h) + h.n_expect * sizeof(out->expect[0]);
	if (at > len)
		return FD_EVERSION;
	memcpy(out->expect, p + sizeof(h), h.n_expect * sizeof(out->expect[0]));
	if (!get_str(p, len, &at, out->path, sizeof(out->path)) ||
	    !get_str(p, len, &at, out->host, sizeof(out->host)) ||
	    !get_str(p, len, &at, out->body, sizeof(out->body)) || at != len)
		return FD_EVERSION;
	return FD_OK;
}

enum fd_err
fd_check_get(const struct fd_store *st, MDB_txn *txn, const char *app,
    size_t len, struct fd_check *out)
{
	MDB_val k = {len, (void *)app}, v;
	int rc;

	if (len == 0 || len > FD_APP_NAME_MAX)
		return FD_ENOTFOUND;
	if ((rc = mdb_get(txn, fd_store_dbi(st, FD_DB_CHECKS), &k, &v)) != 0)
		return fd_store_err(rc);
	return fd_check_decode(v.mv_data, v.mv_size, out);
}
