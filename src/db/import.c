/*
 * import.c - bulk import from a YAML document; see import.h.  The file is
 * read entry by entry (entries.c) and each entry is applied as it comes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flipdns/db/history.h"
#include "flipdns/db/import.h"
#include "effects.h"
#include "entries.h"

struct imp {
	struct fd_change *c;
	struct fd_entries r;
	uint32_t default_ttl;
	uint32_t min_interval_ms;  /* health.min_interval */
	size_t napps, ngroups;
	struct fd_effects fx;      /* what the whole import moved */
};

static enum fd_err
apply_app(struct imp *m, struct fd_entry *e)
{
	enum fd_err err;

	if ((err = fd_entry_endpoints(&m->r, e)) != FD_OK)
		return err;
	fd_effects_app(&m->fx, e->name);
	if ((err = fd_change_app_add(m->c, e->name, &e->ep)) != FD_OK ||
	    ((e->has & FD_KEY(CHECK)) && (err = fd_change_app_check(m->c,
	    e->name, &e->check, m->min_interval_ms)) != FD_OK))
		return fd_entries_fail(&m->r, e->mark, err, "%s", m->c->msg);
	m->napps++;
	return FD_OK;
}

static enum fd_err
apply_group(struct imp *m, struct fd_entry *e)
{
	char label[FD_LABEL_MAX + 1];
	struct fd_app_ref keep = {false, NULL};
	struct fd_policy policy;
	enum fd_switch_to to;
	bool ttl_given, policy_given;
	uint32_t ttl;
	enum fd_err err;
	const char *primary = e->primary[0] ? e->primary : NULL;
	const char *backup = e->backup[0] ? e->backup : NULL;

	if ((err = fd_entry_ttl(&m->r, e, m->default_ttl, &ttl_given, &ttl)) !=
	    FD_OK || (err = fd_entry_active(&m->r, e, &to)) != FD_OK ||
	    (err = fd_entry_policy(&m->r, e, &policy, &policy_given)) != FD_OK)
		return err;
	fd_effects_app(&m->fx, primary);
	fd_effects_app(&m->fx, backup);
	err = fd_change_group_create(m->c, (e->has & FD_KEY(LABEL)) ?
	    e->label : NULL, primary, backup, ttl_given, ttl, m->default_ttl,
	    label);
	if (err == FD_OK && to == FD_SWITCH_BACKUP)
		err = fd_change_group_switch(m->c, label, to);
	if (err == FD_OK && policy_given)
		err = fd_change_group_set_policy(m->c, label, keep, keep, false,
		    0, &policy);
	if (err != FD_OK)
		return fd_entries_fail(&m->r, e->mark, err, "%s", m->c->msg);
	fd_effects_moved(&m->fx, label);
	m->ngroups++;
	return FD_OK;
}

enum fd_err
fd_import_yaml(struct fd_change *c, const char *name, const char *buf,
    size_t len, uint32_t default_ttl, uint32_t min_interval_ms,
    size_t *napps, size_t *ngroups)
{
	struct imp m;
	struct fd_entry *e;
	enum fd_err err;
	char summary[128];
	json_t *after;

	memset(&m, 0, sizeof(m));
	m.c = c;
	m.default_ttl = default_ttl;
	m.min_interval_ms = min_interval_ms;
	if ((e = malloc(sizeof(*e))) == NULL)
		return FD_ENOMEM;
	fd_effects_init(&m.fx, c->st, c->txn, true);
	c->bulk = true;
	err = fd_entries_open(&m.r, c, name, buf, len, false);
	while (err == FD_OK) {
		if ((err = fd_entries_next(&m.r, e)) == FD_ENOTFOUND) {
			err = FD_OK;       /* every entry read */
			break;
		}
		if (err == FD_OK)
			err = e->is_app ? apply_app(&m, e) : apply_group(&m, e);
	}
	c->bulk = false;
	fd_entries_close(&m.r);
	free(e);
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
