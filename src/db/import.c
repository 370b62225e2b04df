/* import.c - bulk import from a YAML event stream; see import.h. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "flipdns/db/history.h"
#include "flipdns/db/import.h"
#include "effects.h"

/* One entry of apps: or groups:, as read, with each value's position. */
struct entry {
	char name[FD_APP_NAME_MAX + 2];
	char cname[FD_DNAME_TEXT_MAX];
	char label[FD_LABEL_MAX + 2];
	char primary[FD_APP_NAME_MAX + 2];
	char backup[FD_APP_NAME_MAX + 2];
	char active[16];
	char ttl[16];
	bool has_name, has_cname, has_addrs, has_label, has_primary, has_backup;
	bool has_active, has_ttl;
	struct fd_endpoints ep;
	yaml_mark_t mark;          /* the entry's start */
	yaml_mark_t addr_mark;
	char addr_msg[256];        /* first bad address, reported at apply */
};

struct imp {
	struct fd_change *c;
	const char *name;
	yaml_parser_t parser;
	yaml_event_t ev;
	bool have_ev;
	uint32_t default_ttl;
	size_t napps, ngroups;
	struct fd_effects fx;      /* what the whole import moved */
};

static enum fd_err
fail_at(struct imp *m, yaml_mark_t mark, enum fd_err err, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static enum fd_err
fail_at(struct imp *m, yaml_mark_t mark, enum fd_err err, const char *fmt, ...)
{
	char what[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	snprintf(m->c->msg, sizeof(m->c->msg), "%s:%zu:%zu: %s", m->name,
	    mark.line + 1, mark.column + 1, what);
	return err;
}

/* Advance to the next event; a YAML syntax error is reported here. */
static enum fd_err
next(struct imp *m)
{
	if (m->have_ev)
		yaml_event_delete(&m->ev);
	m->have_ev = false;
	if (!yaml_parser_parse(&m->parser, &m->ev))
		return fail_at(m, m->parser.problem_mark, FD_EINVAL, "%s",
		    m->parser.problem ? m->parser.problem : "YAML error");
	m->have_ev = true;
	return FD_OK;
}

static const char *
scalar(struct imp *m)
{
	return (const char *)m->ev.data.scalar.value;
}

/* Copy a scalar value into a fixed field, refusing what does not fit. */
static enum fd_err
take(struct imp *m, const char *key, char *dst, size_t cap, bool *has)
{
	if (m->ev.type != YAML_SCALAR_EVENT)
		return fail_at(m, m->ev.start_mark, FD_EINVAL, "%s: expected a "
		    "single value", key);
	if (m->ev.data.scalar.length >= cap)
		return fail_at(m, m->ev.start_mark, FD_EINVAL, "%s: '%.40s...' "
		    "is too long", key, scalar(m));
	memcpy(dst, scalar(m), m->ev.data.scalar.length + 1);
	*has = true;
	return FD_OK;
}

static enum fd_err
read_addrs(struct imp *m, struct entry *e)
{
	enum fd_err err;

	e->addr_mark = m->ev.start_mark;
	if (m->ev.type != YAML_SEQUENCE_START_EVENT)
		return fail_at(m, m->ev.start_mark, FD_EINVAL, "addrs: expected "
		    "a list of addresses");
	fd_endpoints_clear_addrs(&e->ep);
	e->has_addrs = true;
	for (;;) {
		if ((err = next(m)) != FD_OK)
			return err;
		if (m->ev.type == YAML_SEQUENCE_END_EVENT)
			return FD_OK;
		if (m->ev.type != YAML_SCALAR_EVENT)
			return fail_at(m, m->ev.start_mark, FD_EINVAL, "addrs: "
			    "expected an address");
		err = fd_endpoints_add_addr(&e->ep, scalar(m), e->addr_msg,
		    sizeof(e->addr_msg));
		if (err != FD_OK)
			return fail_at(m, m->ev.start_mark, err, "%s",
			    e->addr_msg);
	}
}

/* Read one {key: value} entry of the apps: or the groups: list. */
static enum fd_err
read_entry(struct imp *m, struct entry *e, bool is_app)
{
	enum fd_err err;

	memset(e, 0, sizeof(*e));
	e->mark = m->ev.start_mark;
	if (m->ev.type != YAML_MAPPING_START_EVENT)
		return fail_at(m, m->ev.start_mark, FD_EINVAL, "expected a "
		    "mapping like {name: ..., ...}");
	for (;;) {
		char key[32];

		if ((err = next(m)) != FD_OK)
			return err;
		if (m->ev.type == YAML_MAPPING_END_EVENT)
			return FD_OK;
		if (m->ev.type != YAML_SCALAR_EVENT)
			return fail_at(m, m->ev.start_mark, FD_EINVAL, "expected "
			    "a key");
		snprintf(key, sizeof(key), "%s", scalar(m));
		yaml_mark_t kmark = m->ev.start_mark;
		if ((err = next(m)) != FD_OK)
			return err;
		if (is_app && strcmp(key, "name") == 0)
			err = take(m, key, e->name, sizeof(e->name), &e->has_name);
		else if (is_app && strcmp(key, "cname") == 0)
			err = take(m, key, e->cname, sizeof(e->cname), &e->has_cname);
		else if (is_app && strcmp(key, "addrs") == 0)
			err = read_addrs(m, e);
		else if (!is_app && strcmp(key, "label") == 0)
			err = take(m, key, e->label, sizeof(e->label), &e->has_label);
		else if (!is_app && strcmp(key, "primary") == 0)
			err = take(m, key, e->primary, sizeof(e->primary),
			    &e->has_primary);
		else if (!is_app && strcmp(key, "backup") == 0)
			err = take(m, key, e->backup, sizeof(e->backup),
			    &e->has_backup);
		else if (!is_app && strcmp(key, "active") == 0)
			err = take(m, key, e->active, sizeof(e->active),
			    &e->has_active);
		else if (!is_app && strcmp(key, "ttl") == 0)
			err = take(m, key, e->ttl, sizeof(e->ttl), &e->has_ttl);
		else
			return fail_at(m, kmark, FD_EINVAL, "unknown key '%s' in "
			    "%s entry", key, is_app ? "an app" : "a group");
		if (err != FD_OK)
			return err;
	}
}

static enum fd_err
apply_app(struct imp *m, struct entry *e)
{
	enum fd_err err;

	if (!e->has_name)
		return fail_at(m, e->mark, FD_EINVAL, "app entry without a name");
	if (e->has_cname == e->has_addrs)
		return fail_at(m, e->mark, FD_EINVAL, "app %s: give either cname "
		    "or addrs", e->name);
	if (e->has_cname &&
	    (err = fd_endpoints_cname(&e->ep, e->cname, e->addr_msg,
	    sizeof(e->addr_msg))) != FD_OK)
		return fail_at(m, e->mark, err, "app %s: %s", e->name, e->addr_msg);
	fd_effects_app(&m->fx, e->name);
	if ((err = fd_change_app_add(m->c, e->name, &e->ep)) != FD_OK)
		return fail_at(m, e->mark, err, "%s", m->c->msg);
	m->napps++;
	return FD_OK;
}

static enum fd_err
apply_group(struct imp *m, struct entry *e)
{
	char label[FD_LABEL_MAX + 1];
	enum fd_switch_to to = FD_SWITCH_PRIMARY;
	unsigned long ttl = 0;
	enum fd_err err;
	char *end;

	if (e->has_ttl) {
		ttl = strtoul(e->ttl, &end, 10);
		if (e->ttl[0] < '0' || e->ttl[0] > '9' || *end != '\0' ||
		    ttl > FD_TTL_MAX)
			return fail_at(m, e->mark, FD_EINVAL, "ttl '%s' is not a "
			    "number in 0..%u", e->ttl, FD_TTL_MAX);
	}
	if (e->has_active) {
		if (strcmp(e->active, "backup") == 0)
			to = FD_SWITCH_BACKUP;
		else if (strcmp(e->active, "primary") != 0)
			return fail_at(m, e->mark, FD_EINVAL, "active must be "
			    "primary or backup, not '%s'", e->active);
	}
	if (e->has_primary)
		fd_effects_app(&m->fx, e->primary);
	if (e->has_backup)
		fd_effects_app(&m->fx, e->backup);
	err = fd_change_group_create(m->c, e->has_label ? e->label : NULL,
	    e->has_primary ? e->primary : NULL, e->has_backup ? e->backup : NULL,
	    e->has_ttl, (uint32_t)ttl, m->default_ttl, label);
	if (err == FD_OK && to == FD_SWITCH_BACKUP)
		err = fd_change_group_switch(m->c, label, to);
	if (err != FD_OK)
		return fail_at(m, e->mark, err, "%s", m->c->msg);
	fd_effects_moved(&m->fx, label);
	m->ngroups++;
	return FD_OK;
}

/* apps: [...] or groups: [...] */
static enum fd_err
read_list(struct imp *m, bool is_app)
{
	struct entry *e;
	enum fd_err err;

	if (m->ev.type != YAML_SEQUENCE_START_EVENT)
		return fail_at(m, m->ev.start_mark, FD_EINVAL, "%s: expected a "
		    "list", is_app ? "apps" : "groups");
	if ((e = malloc(sizeof(*e))) == NULL)
		return FD_ENOMEM;
	for (;;) {
		if ((err = next(m)) != FD_OK)
			break;
		if (m->ev.type == YAML_SEQUENCE_END_EVENT)
			break;
		if ((err = read_entry(m, e, is_app)) != FD_OK)
			break;
		err = is_app ? apply_app(m, e) : apply_group(m, e);
		if (err != FD_OK)
			break;
	}
	free(e);
	return err;
}

static enum fd_err
import_stream(struct imp *m)
{
	enum fd_err err;

	/* stream start, document start, the top mapping */
	if ((err = next(m)) != FD_OK || (err = next(m)) != FD_OK)
		return err;
	if (m->ev.type == YAML_STREAM_END_EVENT)
		return FD_OK;    /* an empty file imports nothing */
	if ((err = next(m)) != FD_OK)
		return err;
	if (m->ev.type != YAML_MAPPING_START_EVENT)
		return fail_at(m, m->ev.start_mark, FD_EINVAL, "expected a "
		    "mapping with apps: and groups:");
	for (;;) {
		bool is_app;

		if ((err = next(m)) != FD_OK)
			return err;
		if (m->ev.type == YAML_MAPPING_END_EVENT)
			return FD_OK;
		if (m->ev.type != YAML_SCALAR_EVENT ||
		    (strcmp(scalar(m), "apps") != 0 &&
		    strcmp(scalar(m), "groups") != 0))
			return fail_at(m, m->ev.start_mark, FD_EINVAL, "unknown "
			    "key (expected apps or groups)");
		is_app = strcmp(scalar(m), "apps") == 0;
		if ((err = next(m)) != FD_OK ||
		    (err = read_list(m, is_app)) != FD_OK)
			return err;
	}
}

enum fd_err
fd_import_yaml(struct fd_change *c, const char *name, const char *buf,
    size_t len, uint32_t default_ttl, size_t *napps, size_t *ngroups)
{
	struct imp m;
	enum fd_err err;
	char summary[128];
	json_t *after;

	memset(&m, 0, sizeof(m));
	m.c = c;
	m.name = name;
	m.default_ttl = default_ttl;
	if (!yaml_parser_initialize(&m.parser))
		return FD_ENOMEM;
	yaml_parser_set_input_string(&m.parser, (const unsigned char *)buf, len);
	fd_effects_init(&m.fx, c->st, c->txn, true);
	c->bulk = true;
	err = import_stream(&m);
	c->bulk = false;
	if (m.have_ev)
		yaml_event_delete(&m.ev);
	yaml_parser_delete(&m.parser);
	if (err != FD_OK)
		goto out;
	*napps = m.napps;
	*ngroups = m.ngroups;
	if (m.napps + m.ngroups == 0)
		goto out;
	/* the whole import is one change: one serial, one history row */
	after = json_pack("{s:I, s:I}", "apps", (json_int_t)m.napps,
	    "groups", (json_int_t)m.ngroups);
	snprintf(summary, sizeof(summary), "%s", name);
	err = fd_effects_commit(&m.fx, c, "import", summary, after);
out:
	fd_effects_free(&m.fx);
	return err;
}
