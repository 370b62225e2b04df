/*
 * flipctl_print.c - human output of results.
 *
 * One object prints as "key: value" lines, a list as an aligned table.
 * What to print is a table of fields per object, so a new member is a
 * new row.  A member the daemon left out is skipped (or "-" in a table),
 * never an error: output must not fail on a newer daemon.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "flipctl.h"

/* Holds the longest value: 64 IPv6 addresses of up to 39 chars, joined. */
#define CTL_CELL_MAX  4096

typedef void fmt_fn(json_t *v, char *buf, size_t len);

static void fmt_join(json_t *v, const char *sep, char *buf, size_t len);

static void
fmt_value(json_t *v, char *buf, size_t len)
{
	size_t n;

	switch (json_typeof(v)) {
	case JSON_STRING:
		snprintf(buf, len, "%s", json_string_value(v));
		break;
	case JSON_INTEGER:
		snprintf(buf, len, "%" JSON_INTEGER_FORMAT,
		    json_integer_value(v));
		break;
	case JSON_NULL:
		snprintf(buf, len, "none");
		break;
	case JSON_ARRAY:
		fmt_join(v, ", ", buf, len);
		break;
	default:
		n = json_dumpb(v, buf, len - 1, JSON_COMPACT | JSON_ENCODE_ANY);
		if (n == 0 || n >= len)
			snprintf(buf, len, "(too long)");
		else
			buf[n] = '\0';
		break;
	}
}

static void
fmt_join(json_t *v, const char *sep, char *buf, size_t len)
{
	json_t *e;
	size_t i, off;

	buf[0] = '\0';
	json_array_foreach(v, i, e) {
		off = strlen(buf);
		if (i > 0)
			off += (size_t)snprintf(buf + off, len - off, "%s",
			    sep);
		if (off >= len - 1)
			break;
		fmt_value(e, buf + off, len - off);
	}
}

/*
 * An app's endpoints, from the whole app: its host name or its
 * addresses, without blanks so the table column stays one word.
 */
static void
fmt_endpoints(json_t *app, char *buf, size_t len)
{
	json_t *v;

	if ((v = json_object_get(app, "cname")) != NULL)
		fmt_value(v, buf, len);
	else if (json_is_array(v = json_object_get(app, "addrs")))
		fmt_join(v, ",", buf, len);
	else
		snprintf(buf, len, "-");
}

/* Unix seconds as UTC ISO 8601: sorts as text and needs no time zone. */
static void
fmt_time(json_t *v, char *buf, size_t len)
{
	time_t t;
	struct tm tm;

	if (!json_is_integer(v)) {
		fmt_value(v, buf, len);
		return;
	}
	t = (time_t)json_integer_value(v);
	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		fmt_value(v, buf, len);
}

static void
fmt_uptime(json_t *v, char *buf, size_t len)
{
	json_int_t s = json_integer_value(v);

	if (!json_is_integer(v) || s < 0)
		fmt_value(v, buf, len);
	else if (s >= 86400)
		snprintf(buf, len, "%lldd %lldh %lldm", (long long)s / 86400,
		    (long long)s % 86400 / 3600, (long long)s % 3600 / 60);
	else if (s >= 3600)
		snprintf(buf, len, "%lldh %lldm %llds", (long long)s / 3600,
		    (long long)s % 3600 / 60, (long long)s % 60);
	else
		snprintf(buf, len, "%lldm %llds", (long long)s / 60,
		    (long long)s % 60);
}

static void
fmt_yesno(json_t *v, char *buf, size_t len)
{
	if (json_is_boolean(v))
		snprintf(buf, len, "%s", json_is_true(v) ? "yes" : "no");
	else
		fmt_value(v, buf, len);
}

/* Unix seconds with a fraction (a probe's time), to the second, UTC. */
static void
fmt_time_real(json_t *v, char *buf, size_t len)
{
	json_t *whole;

	if (!json_is_real(v)) {
		fmt_time(v, buf, len);
		return;
	}
	whole = json_integer((json_int_t)json_real_value(v));
	fmt_time(whole, buf, len);
	json_decref(whole);
}

static void
fmt_ms(json_t *v, char *buf, size_t len)
{
	if (json_is_number(v))
		snprintf(buf, len, "%.1f ms", json_number_value(v));
	else
		fmt_value(v, buf, len);
}

/* Seconds that may have a fraction: "5", "0.2". */
static void
fmt_seconds(json_t *v, char *buf, size_t len)
{
	snprintf(buf, len, "%g", json_number_value(v));
}

/* "http :8080 /health, host www, expect 200-399, every 5s, timeout 2s,
 * fall 3, rise 2" */
static void
fmt_check(json_t *v, char *buf, size_t len)
{
	char iv[32], to[32];
	size_t off;
	json_t *x;

	if (!json_is_object(v)) {
		fmt_value(v, buf, len);
		return;
	}
	fmt_seconds(json_object_get(v, "interval"), iv, sizeof(iv));
	fmt_seconds(json_object_get(v, "timeout"), to, sizeof(to));
	off = (size_t)snprintf(buf, len, "%s port %lld",
	    json_string_value(json_object_get(v, "type")),
	    (long long)json_integer_value(json_object_get(v, "port")));
	if (off < len && json_is_string(x = json_object_get(v, "path")))
		off += (size_t)snprintf(buf + off, len - off, " path %s",
		    json_string_value(x));
	if (off < len && json_is_string(x = json_object_get(v, "host")))
		off += (size_t)snprintf(buf + off, len - off, " host %s",
		    json_string_value(x));
	if (off < len && json_is_string(x = json_object_get(v, "expect")))
		off += (size_t)snprintf(buf + off, len - off, " expect %s",
		    json_string_value(x));
	if (off < len && json_is_string(x = json_object_get(v, "body")))
		off += (size_t)snprintf(buf + off, len - off, " body \"%s\"",
		    json_string_value(x));
	if (off < len)
		snprintf(buf + off, len - off, ", every %ss, timeout %ss, fall "
		    "%lld, rise %lld", iv, to,
		    (long long)json_integer_value(json_object_get(v, "fall")),
		    (long long)json_integer_value(json_object_get(v, "rise")));
}

/* "down since 2026-11-30T10:00:00Z"; null is unknown */
static void
fmt_health(json_t *v, char *buf, size_t len)
{
	char since[64];
	json_t *t = json_object_get(v, "since");

	if (json_is_null(v)) {
		snprintf(buf, len, "unknown");
		return;
	}
	if (!json_is_object(v)) {
		fmt_value(v, buf, len);
		return;
	}
	if (!json_is_integer(t)) {
		snprintf(buf, len, "%s",
		    json_string_value(json_object_get(v, "state")));
		return;
	}
	fmt_time(t, since, sizeof(since));
	snprintf(buf, len, "%s since %s",
	    json_string_value(json_object_get(v, "state")), since);
}

/* "auto, failback after 300s, both down: keep" */
static void
fmt_policy(json_t *v, char *buf, size_t len)
{
	const char *mode = json_string_value(json_object_get(v, "mode"));
	size_t off;

	if (mode == NULL) {
		fmt_value(v, buf, len);
		return;
	}
	off = (size_t)snprintf(buf, len, "%s", mode);
	if (strcmp(mode, "manual") == 0 || off >= len)
		return;
	if (json_is_true(json_object_get(v, "failback")))
		off += (size_t)snprintf(buf + off, len - off, ", failback after "
		    "%llds", (long long)json_integer_value(json_object_get(v,
		    "hold")));
	else
		off += (size_t)snprintf(buf + off, len - off, ", sticky");
	if (off < len)
		snprintf(buf + off, len - off, ", both down: %s",
		    json_string_value(json_object_get(v, "both_down")));
}

/* Who made a history row's change: the user name, else the uid. */
static void
fmt_actor(json_t *row, char *buf, size_t len)
{
	json_t *v;

	if (json_is_string(v = json_object_get(row, "actor")))
		fmt_value(v, buf, len);
	else if (json_is_integer(v = json_object_get(row, "uid")))
		snprintf(buf, len, "uid %" JSON_INTEGER_FORMAT,
		    json_integer_value(v));
	else
		snprintf(buf, len, "-");
}

/* How many groups a history row moved, named or counted. */
static void
fmt_moved(json_t *row, char *buf, size_t len)
{
	json_t *count = json_object_get(row, "moved_count");
	json_t *moved = json_object_get(row, "moved");

	if (json_is_integer(count))
		fmt_value(count, buf, len);
	else if (json_is_array(moved))
		snprintf(buf, len, "%zu", json_array_size(moved));
	else
		snprintf(buf, len, "-");
}

/* Members of before/after shown their own way; the rest by value. */
static const struct {
	const char *key;
	fmt_fn *fmt;
} member_fmts[] = {
	{"check", fmt_check},
	{"policy", fmt_policy},
	{"health", fmt_health},
};

/* One member's value in a change: "-" when absent, lists joined by ','. */
static void
fmt_member(const char *key, json_t *v, char *buf, size_t len)
{
	for (size_t i = 0; v != NULL &&
	    i < sizeof(member_fmts) / sizeof(member_fmts[0]); i++)
		if (strcmp(member_fmts[i].key, key) == 0) {
			member_fmts[i].fmt(v, buf, len);
			return;
		}
	if (v == NULL)
		snprintf(buf, len, "-");
	else if (json_is_array(v))
		fmt_join(v, ",", buf, len);
	else
		fmt_value(v, buf, len);
}

/* The members of before/after a history row shows, by its op's prefix. */
static const struct {
	const char *op;
	const char *keys[6];
} change_keys[] = {
	{"app.failover", {"to", "switched", NULL}},
	{"group.", {"primary", "backup", "active", "ttl", "policy", NULL}},
	{"app.", {"cname", "addrs", "check", "health", NULL}},
	{"import", {"apps", "groups", NULL}},
	{"apply", {"created", "updated", "deleted", NULL}},
};

static const char *const *
change_keys_of(json_t *row)
{
	const char *op = json_string_value(json_object_get(row, "op"));
	static const char *const none[] = {NULL};
	size_t i;

	for (i = 0; op != NULL && i < sizeof(change_keys) /
	    sizeof(change_keys[0]); i++)
		if (strncmp(op, change_keys[i].op, strlen(change_keys[i].op)) ==
		    0)
			return change_keys[i].keys;
	return none;
}

/*
 * What a history row changed, as "key before -> after" for each member
 * that differs ("active primary -> backup", "addrs 192.0.2.1 ->
 * 192.0.2.2"); a new object lists its members, a removed one is
 * "removed"; then each app whose status changed ("web1 online ->
 * offline").
 */
static void
fmt_change(json_t *row, char *buf, size_t len)
{
	json_t *before = json_object_get(row, "before");
	json_t *after = json_object_get(row, "after");
	char was[CTL_CELL_MAX], now[CTL_CELL_MAX];
	const char *const *k, *name;
	json_t *status, *v;
	size_t off = 0;

	buf[0] = '\0';
	if (json_is_object(before) && !json_is_object(after)) {
		snprintf(buf, len, "removed");
		return;
	}
	for (k = change_keys_of(row); *k != NULL && off < len; k++) {
		json_t *b = json_object_get(before, *k);
		json_t *a = json_object_get(after, *k);

		/* a new object lists what it has: not its empty members */
		if ((a == NULL && b == NULL) || (a != NULL && b != NULL &&
		    json_equal(a, b)) || (!json_is_object(before) &&
		    (a == NULL || json_is_null(a))))
			continue;
		fmt_member(*k, a, now, sizeof(now));
		if (json_is_object(before)) {
			fmt_member(*k, b, was, sizeof(was));
			off += (size_t)snprintf(buf + off, len - off,
			    "%s%s %s -> %s", off ? ", " : "", *k, was, now);
		} else {
			off += (size_t)snprintf(buf + off, len - off, "%s%s %s",
			    off ? ", " : "", *k, now);
		}
	}
	/* and the apps whose FAILOVER_STATUS it changed */
	status = json_object_get(row, "status");
	json_object_foreach(status, name, v) {
		if (off >= len)
			break;
		fmt_join(v, " -> ", now, sizeof(now));
		off += (size_t)snprintf(buf + off, len - off, "%s%s %s",
		    off ? ", " : "", name, now);
	}
	if (buf[0] == '\0')
		snprintf(buf, len, "-");
}

struct field {
	const char *label;
	const char *key;
	fmt_fn *fmt;
};

static const struct field app_fields[] = {
	{"name", "name", fmt_value},
	{"cname", "cname", fmt_value},
	{"addrs", "addrs", fmt_value},
	{"status", "status", fmt_value},
	{"status name", "status_name", fmt_value},
	{"groups", "groups", fmt_value},
	{"active groups", "active_groups", fmt_value},
	{"check", "check", fmt_check},
	{"health", "health", fmt_health},
	{"created", "created", fmt_time},
	{"updated", "updated", fmt_time},
	{NULL, NULL, NULL},
};

static const struct field group_fields[] = {
	{"address", "address", fmt_value},
	{"label", "label", fmt_value},
	{"primary", "primary", fmt_value},
	{"backup", "backup", fmt_value},
	{"active", "active", fmt_value},
	{"active app", "active_app", fmt_value},
	{"ttl", "ttl", fmt_value},
	{"policy", "policy", fmt_policy},
	{"created", "created", fmt_time},
	{"updated", "updated", fmt_time},
	{NULL, NULL, NULL},
};

static const struct field app_health_fields[] = {
	{"app", "name", fmt_value},
	{"health", "health", fmt_health},
	{"confirmed", "confirmed", fmt_yesno},
	{"check", "check", fmt_check},
	{"resolving", "resolving", fmt_value},
	{NULL, NULL, NULL},
};

static const struct field status_fields[] = {
	{"version", "version", fmt_value},
	{"uptime", "uptime", fmt_uptime},
	{"zone", "zone", fmt_value},
	{"serial", "serial", fmt_value},
	{"apps", "apps", fmt_value},
	{"groups", "groups", fmt_value},
	{"tombstones", "tombstones", fmt_value},
	{NULL, NULL, NULL},
};

static const struct field import_fields[] = {
	{"apps", "apps", fmt_value},
	{"groups", "groups", fmt_value},
	{"serial", "serial", fmt_value},
	{NULL, NULL, NULL},
};

static void
print_fields(json_t *obj, const struct field *fields)
{
	const struct field *f;
	char buf[CTL_CELL_MAX];
	size_t width = 0;
	json_t *v;

	for (f = fields; f->label != NULL; f++)
		if (json_object_get(obj, f->key) != NULL &&
		    strlen(f->label) > width)
			width = strlen(f->label);
	for (f = fields; f->label != NULL; f++) {
		if ((v = json_object_get(obj, f->key)) == NULL)
			continue;
		f->fmt(v, buf, sizeof(buf));
		printf("%s:%*s %s\n", f->label,
		    (int)(width - strlen(f->label)), "", buf);
	}
}

/*
 * One table cell: NULL (printed "-") when the member is absent or null.
 * A NULL key formats the whole object.
 */
static const char *
cell(json_t *obj, const char *key, fmt_fn *fmt, char *buf)
{
	json_t *v = key != NULL ? json_object_get(obj, key) : obj;

	if (v == NULL || json_is_null(v))
		return NULL;
	fmt(v, buf, CTL_CELL_MAX);
	return buf;
}

/* A column: its header, the member it shows (NULL: the object) and how. */
struct column {
	const char *header;
	const char *key;
	fmt_fn *fmt;
};

static const struct column app_columns[] = {
	{"NAME", "name", fmt_value},
	{"STATUS", "status", fmt_value},
	{"GROUPS", "groups", fmt_value},
	{"ACTIVE", "active_groups", fmt_value},
	{"ENDPOINTS", NULL, fmt_endpoints},
	{NULL, NULL, NULL},
};

static const struct column token_columns[] = {
	{"NAME", "name", fmt_value},
	{"ROLE", "role", fmt_value},
	{"CREATED", "created", fmt_time},
	{"LAST USED", "last_used", fmt_time},
	{NULL, NULL, NULL},
};

static const struct column group_columns[] = {
	{"ADDRESS", "address", fmt_value},
	{"PRIMARY", "primary", fmt_value},
	{"BACKUP", "backup", fmt_value},
	{"ACTIVE", "active", fmt_value},
	{"TTL", "ttl", fmt_value},
	{NULL, NULL, NULL},
};

/* CHANGE last: it has blanks, and the last column is not padded. */
static const struct column history_columns[] = {
	{"SERIAL", "serial", fmt_value},
	{"TIME", "time", fmt_time},
	{"USER", NULL, fmt_actor},
	{"OP", "op", fmt_value},
	{"SUBJECT", "subject", fmt_value},
	{"MOVED", NULL, fmt_moved},
	{"CHANGE", NULL, fmt_change},
	{NULL, NULL, NULL},
};

/*
 * SERVING: the group answers with this app now (its side is active).
 * Not "ACTIVE", which in the group list names the side.
 */
static const struct column failover_columns[] = {
	{"GROUP", "address", fmt_value},
	{"ACTIVE", "active", fmt_value},
	{NULL, NULL, NULL},
};

static const struct column stayed_columns[] = {
	{"GROUP", "address", fmt_value},
	{"STAYED", "reason", fmt_value},
	{NULL, NULL, NULL},
};

/* LAST ERROR last: it has blanks. */
static const struct column endpoint_columns[] = {
	{"ENDPOINT", "address", fmt_value},
	{"STATE", "state", fmt_value},
	{"LAST CHECK", "last_check", fmt_time_real},
	{"LATENCY", "latency_ms", fmt_ms},
	{"PROBES", "probes", fmt_value},
	{"FAILED", "failures", fmt_value},
	{"LAST ERROR", "last_error", fmt_value},
	{NULL, NULL, NULL},
};

static const struct column follower_columns[] = {
	{"GROUP", "address", fmt_value},
	{"ROLE", "role", fmt_value},
	{"SERVING", "active", fmt_yesno},
	{NULL, NULL, NULL},
};

/* "serial 42 at 2026-11-30T00:00:00Z" from {serial, time}; "-" if null. */
static void
fmt_serial_at(json_t *v, char *buf, size_t len)
{
	char when[32];

	if (!json_is_object(v)) {
		snprintf(buf, len, "-");
		return;
	}
	fmt_time(json_object_get(v, "time"), when, sizeof(when));
	snprintf(buf, len, "%" JSON_INTEGER_FORMAT " %s",
	    json_integer_value(json_object_get(v, "serial")), when);
}

static void
fmt_notify_sent(json_t *row, char *buf, size_t len)
{
	fmt_serial_at(json_object_get(row, "notify_sent"), buf, len);
}

static void
fmt_notify_acked(json_t *row, char *buf, size_t len)
{
	fmt_serial_at(json_object_get(row, "notify_acked"), buf, len);
}

/* "IXFR 42 2026-..." : the last transfer's kind, serial and time. */
static void
fmt_transfer(json_t *row, char *buf, size_t len)
{
	json_t *t = json_object_get(row, "transfer");
	char rest[64];

	if (!json_is_object(t)) {
		snprintf(buf, len, "-");
		return;
	}
	fmt_serial_at(t, rest, sizeof(rest));
	snprintf(buf, len, "%s %s", json_string_value(json_object_get(t,
	    "kind")) ?: "?", rest);
}

static const struct column secondary_columns[] = {
	{"SECONDARY", "address", fmt_value},
	{"LAG", "lag", fmt_value},
	{"NOTIFY SENT", NULL, fmt_notify_sent},
	{"NOTIFY ACKED", NULL, fmt_notify_acked},
	{"LAST TRANSFER", NULL, fmt_transfer},
	{NULL, NULL, NULL},
};

#define CTL_MAX_COLUMNS  8

static void
print_table(json_t *list, const struct column *cols)
{
	const char *header[CTL_MAX_COLUMNS], *row[CTL_MAX_COLUMNS];
	static char buf[CTL_MAX_COLUMNS][CTL_CELL_MAX];
	struct ctl_table *t;
	json_t *obj;
	size_t i;
	int n, k;

	for (n = 0; cols[n].header != NULL; n++)
		header[n] = cols[n].header;
	t = ctl_table_new(n, header);
	json_array_foreach(list, i, obj) {
		for (k = 0; k < n; k++)
			row[k] = cell(obj, cols[k].key, cols[k].fmt, buf[k]);
		ctl_table_add(t, row);
	}
	ctl_table_print(t, stdout);
}

void
ctl_print_app(json_t *app)
{
	print_fields(app, app_fields);
}

/*
 * The app, a blank line, how many groups follow it, and their table:
 * its role in each and whether it is the side that answers now.
 */
void
ctl_print_app_show(json_t *app)
{
	json_t *followers = json_object_get(app, "followers");

	print_fields(app, app_fields);
	printf("\ngroups following %s: %zu\n",
	    json_string_value(json_object_get(app, "name")),
	    json_array_size(followers));
	print_table(followers, follower_columns);
}

/*
 * The app's health, why (the evidence of its last transition), then a
 * table of its endpoints as the prober sees them now.
 */
void
ctl_print_app_health(json_t *result)
{
	json_t *h = json_object_get(result, "health");
	json_t *eps = json_object_get(result, "endpoints");

	print_fields(result, app_health_fields);
	if (json_is_string(json_object_get(h, "why")))
		printf("why: %s\n", json_string_value(json_object_get(h,
		    "why")));
	if (json_array_size(eps) == 0)
		return;
	putchar('\n');
	print_table(eps, endpoint_columns);
}

void
ctl_print_apps(json_t *result)
{
	print_table(json_object_get(result, "apps"), app_columns);
}

static void
print_member(json_t *obj, const char *key, const char *prefix)
{
	char buf[CTL_CELL_MAX];
	json_t *v;

	if ((v = json_object_get(obj, key)) == NULL)
		return;
	fmt_value(v, buf, sizeof(buf));
	printf("%s%s\n", prefix, buf);
}

/* "queries.udp 12": one line per number, nested names joined by dots. */
static void
print_flat(const char *prefix, json_t *v)
{
	char name[256];
	const char *k;
	json_t *e;

	if (json_is_real(v)) {
		printf("%s %.3f\n", prefix, json_real_value(v));
		return;
	}
	if (!json_is_object(v)) {
		printf("%s %lld\n", prefix, (long long)json_integer_value(v));
		return;
	}
	json_object_foreach(v, k, e) {
		snprintf(name, sizeof(name), "%s%s%s", prefix, *prefix ? "." : "",
		    k);
		print_flat(name, e);
	}
}

void
ctl_print_stats(json_t *result)
{
	print_flat("", result);
}

void
ctl_print_message(json_t *result)
{
	print_member(result, "message", "");
}

/*
 * The daemon accepted the request but has something to say about it
 * (app add: an address only some clients reach): on stderr, so stdout
 * stays the result, and with --json too.
 */
void
ctl_print_warnings(json_t *result)
{
	json_t *w;
	size_t i;

	json_array_foreach(json_object_get(result, "warnings"), i, w)
		if (json_is_string(w))
			fprintf(stderr, "flipctl: warning: %s\n",
			    json_string_value(w));
}

/* How many moved, which (and their side now), which could not and why. */
void
ctl_print_failover(json_t *result)
{
	json_int_t n = json_integer_value(json_object_get(result,
	    "switched_count"));
	json_int_t stayed = json_integer_value(json_object_get(result,
	    "stayed_count"));
	const char *name = json_string_value(json_object_get(result, "name"));

	printf("app %s: %lld group%s switched", name != NULL ? name : "?",
	    (long long)n, n == 1 ? "" : "s");
	if (n > 0)
		printf(" (serial %lld)", (long long)json_integer_value(
		    json_object_get(result, "serial")));
	printf("\n");
	print_table(json_object_get(result, "switched"), failover_columns);
	if (stayed == 0)
		return;
	printf("\n%lld group%s stayed\n", (long long)stayed,
	    stayed == 1 ? "" : "s");
	print_table(json_object_get(result, "stayed"), stayed_columns);
}

/* The sign of a plan's step, as diff(1) and terraform show theirs. */
static const struct {
	const char *op;
	char sign;
} plan_signs[] = {
	{"create", '+'}, {"update", '~'}, {"delete", '-'},
};

/* "+ group shop: primary web1, ttl 60" / "~ app web1: endpoints a -> b" */
static void
print_step(json_t *st)
{
	const char *op = json_string_value(json_object_get(st, "op"));
	json_t *name = json_object_get(st, "group");
	const char *kind = "group", *key;
	char was[CTL_CELL_MAX], now[CTL_CELL_MAX];
	json_t *pair;
	char sign = '?';
	int n = 0;

	for (size_t i = 0; op != NULL &&
	    i < sizeof(plan_signs) / sizeof(plan_signs[0]); i++)
		if (strcmp(plan_signs[i].op, op) == 0)
			sign = plan_signs[i].sign;
	if (name == NULL) {
		name = json_object_get(st, "app");
		kind = "app";
	}
	printf("%c %s %s", sign, kind, json_string_value(name) ?
	    json_string_value(name) : "?");
	json_object_foreach(json_object_get(st, "changes"), key, pair) {
		fmt_member(key, json_array_get(pair, 1), now, sizeof(now));
		if (json_is_null(json_array_get(pair, 0)))
			printf("%s %s %s", n++ ? "," : ":", key, now);
		else {
			fmt_member(key, json_array_get(pair, 0), was,
			    sizeof(was));
			printf("%s %s %s -> %s", n++ ? "," : ":", key, was, now);
		}
	}
	putchar('\n');
}

/* The steps, then the counts: planned (diff) or made (apply). */
void
ctl_print_plan(json_t *result)
{
	bool dry = json_is_true(json_object_get(result, "dry_run"));
	json_int_t created = json_integer_value(json_object_get(result,
	    "created"));
	json_int_t updated = json_integer_value(json_object_get(result,
	    "updated"));
	json_int_t deleted = json_integer_value(json_object_get(result,
	    "deleted"));
	json_int_t unchanged = json_integer_value(json_object_get(result,
	    "unchanged"));
	json_t *st;
	size_t i;

	json_array_foreach(json_object_get(result, "plan"), i, st)
		print_step(st);
	if (json_is_true(json_object_get(result, "plan_truncated")))
		printf("... (the plan lists the first steps only; the "
		    "counts below are of all of them)\n");
	if (created + updated + deleted == 0) {
		printf("no changes: %lld unchanged\n", (long long)unchanged);
		return;
	}
	if (dry)
		printf("plan: %lld to create, %lld to update, %lld to delete, "
		    "%lld unchanged; nothing was changed\n", (long long)created,
		    (long long)updated, (long long)deleted,
		    (long long)unchanged);
	else
		printf("applied: %lld created, %lld updated, %lld deleted, "
		    "%lld unchanged (serial %lld)\n", (long long)created,
		    (long long)updated, (long long)deleted,
		    (long long)unchanged, (long long)json_integer_value(
		    json_object_get(result, "serial")));
}

/* Plainly: nothing brings the address back. */
void
ctl_print_group_deleted(json_t *result)
{
	print_member(result, "address", "deleted ");
	printf("this address is gone for good: its label is never issued "
	    "again\n");
}

void
ctl_print_app_removed(json_t *result)
{
	print_member(result, "name", "removed app ");
}

void
ctl_print_app_status(json_t *result)
{
	print_member(result, "status", "");
}

void
ctl_print_env(json_t *result)
{
	print_member(result, "status", "FAILOVER_STATUS=");
}

void
ctl_print_group(json_t *group)
{
	print_fields(group, group_fields);
}

void
ctl_print_group_address(json_t *group)
{
	print_member(group, "address", "");
}

void
ctl_print_groups(json_t *result)
{
	print_table(json_object_get(result, "groups"), group_columns);
}

void
ctl_print_history(json_t *result)
{
	print_table(json_object_get(result, "entries"), history_columns);
}

void
ctl_print_import(json_t *result)
{
	print_fields(result, import_fields);
}

void
ctl_print_secondaries(json_t *result)
{
	print_table(json_object_get(result, "secondaries"), secondary_columns);
}

void
ctl_print_status(json_t *result)
{
	print_fields(result, status_fields);
}

void
ctl_print_token(json_t *result)
{
	print_member(result, "token", "");
}

void
ctl_print_tokens(json_t *result)
{
	print_table(json_object_get(result, "tokens"), token_columns);
}
