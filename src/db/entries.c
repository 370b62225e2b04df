/* entries.c - an import or apply file's entries, read; see entries.h. */
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "entries.h"

enum value_kind { V_SCALAR, V_ADDRS, V_BOOL, V_CHECK };
/* Which files take a key: both, an apply's only, an import's only. */
enum key_files { K_BOTH, K_APPLY, K_IMPORT };

/* The keys an entry may have: which list, what value, where it goes. */
static const struct entry_key {
	const char *key;
	bool app;                  /* an apps: key, else a groups: key */
	enum fd_entry_key bit;
	enum value_kind kind;
	size_t off, cap;           /* V_SCALAR: the field */
	bool nullable;             /* may be null: "no app" */
	enum key_files files;
} entry_keys[] = {
#define F(f) offsetof(struct fd_entry, f), sizeof(((struct fd_entry *)0)->f)
	{"name", true, FD_KEY_NAME, V_SCALAR, F(name), false, K_BOTH},
	{"cname", true, FD_KEY_CNAME, V_SCALAR, F(cname), false, K_BOTH},
	{"addrs", true, FD_KEY_ADDRS, V_ADDRS, 0, 0, false, K_BOTH},
	{"delete", true, FD_KEY_DELETE, V_BOOL, 0, 0, false, K_APPLY},
	{"check", true, FD_KEY_CHECK, V_CHECK, 0, 0, false, K_IMPORT},
	{"label", false, FD_KEY_LABEL, V_SCALAR, F(label), false, K_BOTH},
	{"primary", false, FD_KEY_PRIMARY, V_SCALAR, F(primary), true, K_BOTH},
	{"backup", false, FD_KEY_BACKUP, V_SCALAR, F(backup), true, K_BOTH},
	{"active", false, FD_KEY_ACTIVE, V_SCALAR, F(active), false, K_BOTH},
	{"ttl", false, FD_KEY_TTL, V_SCALAR, F(ttl), false, K_BOTH},
	{"delete", false, FD_KEY_DELETE, V_BOOL, 0, 0, false, K_APPLY},
	{"policy", false, FD_KEY_POLICY, V_SCALAR, F(policy), false, K_IMPORT},
	{"failback", false, FD_KEY_FAILBACK, V_SCALAR, F(failback), false,
	    K_IMPORT},
	{"hold", false, FD_KEY_HOLD, V_SCALAR, F(hold), false, K_IMPORT},
	{"both_down", false, FD_KEY_BOTH_DOWN, V_SCALAR, F(both_down), false,
	    K_IMPORT},
#undef F
};

enum fd_err
fd_entries_fail(struct fd_entries *r, yaml_mark_t mark, enum fd_err err,
    const char *fmt, ...)
{
	char what[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	snprintf(r->c->msg, sizeof(r->c->msg), "%s:%zu:%zu: %s", r->name,
	    mark.line + 1, mark.column + 1, what);
	return err;
}

/* Advance to the next event; a YAML syntax error is reported here. */
static enum fd_err
next(struct fd_entries *r)
{
	if (r->have_ev)
		yaml_event_delete(&r->ev);
	r->have_ev = false;
	if (!yaml_parser_parse(&r->parser, &r->ev))
		return fd_entries_fail(r, r->parser.problem_mark, FD_EINVAL,
		    "%s", r->parser.problem ? r->parser.problem : "YAML error");
	r->have_ev = true;
	return FD_OK;
}

static const char *
scalar(struct fd_entries *r)
{
	return (const char *)r->ev.data.scalar.value;
}

/* A plain ~, null or nothing: YAML's null, not the name "null". */
static bool
is_null(struct fd_entries *r)
{
	const char *s = scalar(r);

	return r->ev.data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
	    (s[0] == '\0' || strcmp(s, "~") == 0 || strcmp(s, "null") == 0 ||
	    strcmp(s, "Null") == 0 || strcmp(s, "NULL") == 0);
}

static enum fd_err
read_scalar(struct fd_entries *r, const struct entry_key *k,
    struct fd_entry *e)
{
	char *dst = (char *)e + k->off;

	if (r->ev.type != YAML_SCALAR_EVENT)
		return fd_entries_fail(r, r->ev.start_mark, FD_EINVAL, "%s: "
		    "expected a single value", k->key);
	if (k->nullable && is_null(r)) {
		e->null |= 1u << k->bit;
		dst[0] = '\0';
		return FD_OK;
	}
	if (r->ev.data.scalar.length >= k->cap)
		return fd_entries_fail(r, r->ev.start_mark, FD_EINVAL, "%s: "
		    "'%.40s...' is too long", k->key, scalar(r));
	memcpy(dst, scalar(r), r->ev.data.scalar.length + 1);
	return FD_OK;
}

static enum fd_err
read_bool(struct fd_entries *r, const struct entry_key *k, struct fd_entry *e)
{
	if (r->ev.type == YAML_SCALAR_EVENT && strcmp(scalar(r), "true") == 0)
		e->del = true;
	else if (r->ev.type == YAML_SCALAR_EVENT &&
	    strcmp(scalar(r), "false") == 0)
		e->del = false;
	else
		return fd_entries_fail(r, r->ev.start_mark, FD_EINVAL, "%s: "
		    "expected true or false", k->key);
	return FD_OK;
}

static enum fd_err
read_addrs(struct fd_entries *r, struct fd_entry *e)
{
	char msg[256];
	enum fd_err err;

	if (r->ev.type != YAML_SEQUENCE_START_EVENT)
		return fd_entries_fail(r, r->ev.start_mark, FD_EINVAL, "addrs: "
		    "expected a list of addresses");
	fd_endpoints_clear_addrs(&e->ep);
	for (;;) {
		if ((err = next(r)) != FD_OK)
			return err;
		if (r->ev.type == YAML_SEQUENCE_END_EVENT)
			return FD_OK;
		if (r->ev.type != YAML_SCALAR_EVENT)
			return fd_entries_fail(r, r->ev.start_mark, FD_EINVAL,
			    "addrs: expected an address");
		if ((err = fd_endpoints_add_addr(&e->ep, scalar(r), msg,
		    sizeof(msg))) != FD_OK)
			return fd_entries_fail(r, r->ev.start_mark, err, "%s",
			    msg);
	}
}

/* check: {type: http, port: 80, ...}: the fields of health.h, as text. */
static enum fd_err
read_check(struct fd_entries *r, struct fd_entry *e)
{
	char field[16], msg[256];
	bool timeout_given = false;
	yaml_mark_t kmark;
	enum fd_err err;

	if (r->ev.type != YAML_MAPPING_START_EVENT)
		return fd_entries_fail(r, r->ev.start_mark, FD_EINVAL, "check: "
		    "expected a mapping like {type: http, port: 80}");
	fd_check_defaults(&e->check);
	for (;;) {
		if ((err = next(r)) != FD_OK)
			return err;
		if (r->ev.type == YAML_MAPPING_END_EVENT)
			break;
		if (r->ev.type != YAML_SCALAR_EVENT)
			return fd_entries_fail(r, r->ev.start_mark, FD_EINVAL,
			    "check: expected a key");
		snprintf(field, sizeof(field), "%s", scalar(r));
		kmark = r->ev.start_mark;
		if ((err = next(r)) != FD_OK)
			return err;
		if (r->ev.type != YAML_SCALAR_EVENT)
			return fd_entries_fail(r, r->ev.start_mark, FD_EINVAL,
			    "check.%s: expected a single value", field);
		timeout_given |= strcmp(field, "timeout") == 0;
		err = fd_check_set(&e->check, field, scalar(r), msg, sizeof(msg));
		if (err == FD_ENOTFOUND)
			return fd_entries_fail(r, kmark, FD_EINVAL, "unknown key "
			    "'%s' in a check", field);
		if (err != FD_OK)
			return fd_entries_fail(r, r->ev.start_mark, err, "check: "
			    "%s", msg);
	}
	if (e->check.type == FD_CHECK_NONE)
		return fd_entries_fail(r, e->mark, FD_EINVAL, "check: needs a "
		    "type (tcp, http or https)");
	if (!timeout_given)
		fd_check_default_timeout(&e->check);
	return FD_OK;
}

static const struct entry_key *
find_key(const struct fd_entries *r, const char *key)
{
	/* allow_delete: an apply's file */
	enum key_files not = r->allow_delete ? K_IMPORT : K_APPLY;

	for (size_t i = 0; i < sizeof(entry_keys) / sizeof(entry_keys[0]); i++)
		if (entry_keys[i].app == r->is_app &&
		    strcmp(entry_keys[i].key, key) == 0 &&
		    entry_keys[i].files != not)
			return &entry_keys[i];
	return NULL;
}

/* One {key: value} entry of the apps: or the groups: list. */
static enum fd_err
read_entry(struct fd_entries *r, struct fd_entry *e)
{
	const struct entry_key *k;
	yaml_mark_t kmark;
	char key[32];
	enum fd_err err;

	memset(e, 0, sizeof(*e));
	e->is_app = r->is_app;
	e->mark = r->ev.start_mark;
	if (r->ev.type != YAML_MAPPING_START_EVENT)
		return fd_entries_fail(r, r->ev.start_mark, FD_EINVAL, "expected "
		    "a mapping like {name: ..., ...}");
	for (;;) {
		if ((err = next(r)) != FD_OK)
			return err;
		if (r->ev.type == YAML_MAPPING_END_EVENT)
			return FD_OK;
		if (r->ev.type != YAML_SCALAR_EVENT)
			return fd_entries_fail(r, r->ev.start_mark, FD_EINVAL,
			    "expected a key");
		snprintf(key, sizeof(key), "%s", scalar(r));
		kmark = r->ev.start_mark;
		if ((k = find_key(r, key)) == NULL)
			return fd_entries_fail(r, kmark, FD_EINVAL, "unknown key "
			    "'%s' in %s entry", key, r->is_app ? "an app" :
			    "a group");
		if (e->has & (1u << k->bit))
			return fd_entries_fail(r, kmark, FD_EINVAL, "%s given "
			    "twice", key);
		if ((err = next(r)) != FD_OK)
			return err;
		err = k->kind == V_SCALAR ? read_scalar(r, k, e) :
		    k->kind == V_ADDRS ? read_addrs(r, e) :
		    k->kind == V_CHECK ? read_check(r, e) : read_bool(r, k, e);
		if (err != FD_OK)
			return err;
		e->has |= 1u << k->bit;
	}
}

enum fd_err
fd_entries_open(struct fd_entries *r, struct fd_change *c, const char *name,
    const char *buf, size_t len, bool allow_delete)
{
	enum fd_err err;

	memset(r, 0, sizeof(*r));
	r->c = c;
	r->name = name;
	r->allow_delete = allow_delete;
	if (!yaml_parser_initialize(&r->parser))
		return FD_ENOMEM;
	yaml_parser_set_input_string(&r->parser, (const unsigned char *)buf,
	    len);
	/* stream start, document start, the top mapping */
	if ((err = next(r)) != FD_OK || (err = next(r)) != FD_OK)
		return err;
	if (r->ev.type == YAML_STREAM_END_EVENT) {
		r->done = true;     /* an empty file holds nothing */
		return FD_OK;
	}
	if ((err = next(r)) != FD_OK)
		return err;
	if (r->ev.type != YAML_MAPPING_START_EVENT)
		return fd_entries_fail(r, r->ev.start_mark, FD_EINVAL, "expected "
		    "a mapping with apps: and groups:");
	return FD_OK;
}

enum fd_err
fd_entries_next(struct fd_entries *r, struct fd_entry *e)
{
	enum fd_err err;

	while (!r->done) {
		if ((err = next(r)) != FD_OK)
			return err;
		if (r->in_list) {
			if (r->ev.type != YAML_SEQUENCE_END_EVENT)
				return read_entry(r, e);
			r->in_list = false;
			continue;
		}
		if (r->ev.type == YAML_MAPPING_END_EVENT) {
			r->done = true;
			break;
		}
		if (r->ev.type != YAML_SCALAR_EVENT ||
		    (strcmp(scalar(r), "apps") != 0 &&
		    strcmp(scalar(r), "groups") != 0))
			return fd_entries_fail(r, r->ev.start_mark, FD_EINVAL,
			    "unknown key (expected apps or groups)");
		r->is_app = strcmp(scalar(r), "apps") == 0;
		if ((err = next(r)) != FD_OK)
			return err;
		if (r->ev.type != YAML_SEQUENCE_START_EVENT)
			return fd_entries_fail(r, r->ev.start_mark, FD_EINVAL,
			    "%s: expected a list", r->is_app ? "apps" : "groups");
		r->in_list = true;
	}
	return FD_ENOTFOUND;
}

void
fd_entries_close(struct fd_entries *r)
{
	if (r->have_ev)
		yaml_event_delete(&r->ev);
	r->have_ev = false;
	yaml_parser_delete(&r->parser);
}

enum fd_err
fd_entry_ttl(struct fd_entries *r, const struct fd_entry *e,
    uint32_t default_ttl, bool *given, uint32_t *ttl)
{
	unsigned long n;
	char *end;

	*given = (e->has & FD_KEY(TTL)) != 0;
	*ttl = default_ttl;
	if (!*given)
		return FD_OK;
	n = strtoul(e->ttl, &end, 10);
	if (e->ttl[0] < '0' || e->ttl[0] > '9' || *end != '\0' ||
	    n > FD_TTL_MAX)
		return fd_entries_fail(r, e->mark, FD_EINVAL, "ttl '%s' is not "
		    "a number in 0..%u", e->ttl, FD_TTL_MAX);
	*ttl = (uint32_t)n;
	return FD_OK;
}

enum fd_err
fd_entry_active(struct fd_entries *r, const struct fd_entry *e,
    enum fd_switch_to *to)
{
	*to = FD_SWITCH_PRIMARY;
	if (!(e->has & FD_KEY(ACTIVE)) || strcmp(e->active, "primary") == 0)
		return FD_OK;
	if (strcmp(e->active, "backup") == 0) {
		*to = FD_SWITCH_BACKUP;
		return FD_OK;
	}
	return fd_entries_fail(r, e->mark, FD_EINVAL, "active must be primary "
	    "or backup, not '%s'", e->active);
}

enum fd_err
fd_entry_endpoints(struct fd_entries *r, struct fd_entry *e)
{
	char msg[256];
	enum fd_err err;

	if (!(e->has & FD_KEY(NAME)))
		return fd_entries_fail(r, e->mark, FD_EINVAL, "app entry "
		    "without a name");
	if (!(e->has & FD_KEY(CNAME)) == !(e->has & FD_KEY(ADDRS)))
		return fd_entries_fail(r, e->mark, FD_EINVAL, "app %s: give "
		    "either cname or addrs", e->name);
	if ((e->has & FD_KEY(CNAME)) && (err = fd_endpoints_cname(&e->ep,
	    e->cname, msg, sizeof(msg))) != FD_OK)
		return fd_entries_fail(r, e->mark, err, "app %s: %s", e->name,
		    msg);
	return FD_OK;
}

enum fd_err
fd_entry_policy(struct fd_entries *r, const struct fd_entry *e,
    struct fd_policy *p, bool *given)
{
	unsigned long hold;
	char *end;

	fd_policy_defaults(p);
	*given = (e->has & FD_KEY(POLICY)) != 0;
	if (!*given) {
		if (e->has & (FD_KEY(FAILBACK) | FD_KEY(HOLD) | FD_KEY(BOTH_DOWN)))
			return fd_entries_fail(r, e->mark, FD_EINVAL, "failback, "
			    "hold and both_down need a policy");
		return FD_OK;
	}
	if (!fd_policy_mode_parse(e->policy, &p->mode))
		return fd_entries_fail(r, e->mark, FD_EINVAL, "policy must be "
		    "manual or auto, not '%s'", e->policy);
	if ((e->has & FD_KEY(FAILBACK)) && strcmp(e->failback, "true") == 0)
		p->failback = true;
	else if ((e->has & FD_KEY(FAILBACK)) && strcmp(e->failback, "false"))
		return fd_entries_fail(r, e->mark, FD_EINVAL, "failback must be "
		    "true or false, not '%s'", e->failback);
	if (e->has & FD_KEY(HOLD)) {
		hold = strtoul(e->hold, &end, 10);
		if (e->hold[0] < '0' || e->hold[0] > '9' || *end != '\0' ||
		    hold > FD_POLICY_HOLD_MAX)
			return fd_entries_fail(r, e->mark, FD_EINVAL, "hold '%s' "
			    "is not a number of seconds in 0..%u", e->hold,
			    FD_POLICY_HOLD_MAX);
		p->hold = (uint32_t)hold;
	}
	if ((e->has & FD_KEY(BOTH_DOWN)) &&
	    !fd_both_down_parse(e->both_down, &p->both_down))
		return fd_entries_fail(r, e->mark, FD_EINVAL, "both_down must be "
		    "keep or primary, not '%s'", e->both_down);
	return FD_OK;
}
