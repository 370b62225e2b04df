/*
 * failover.c - every group an app serves moved to its other side at
 * once, as one change: the whole-app outage (changes.h,
 * fd_change_app_failover).
 *
 * The groups come from the app-to-groups index (appindex.h), a range
 * read in label order, a batch of labels at a time: each batch is read
 * with the walk closed before any group is switched, so no cursor is
 * held across the writes, and the next batch starts after the last
 * label.  Each switch is the one change function group switch uses,
 * with its rules; all of them are one serial and one history row.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flipdns/db/appindex.h"
#include "flipdns/db/changes.h"
#include "effects.h"

/* Labels read per batch: a few KB on the stack, a cursor short-lived. */
#define FAILOVER_BATCH 256

struct batch {
	char label[FAILOVER_BATCH][FD_LABEL_MAX + 1];
	enum fd_side role[FAILOVER_BATCH];
	size_t n;
};

/* The next labels following app, after after ("" from the start). */
static enum fd_err
read_batch(struct fd_change *c, const char *app, const char *after,
    struct batch *b)
{
	struct fd_followers w;
	struct fd_follower f;
	enum fd_err err;

	b->n = 0;
	for (err = fd_followers_first(c->st, c->txn, app, after[0] ? after :
	    NULL, &w, &f); err == FD_OK && b->n < FAILOVER_BATCH;
	    err = fd_followers_next(&w, &f)) {
		memcpy(b->label[b->n], f.label, f.label_len);
		b->label[b->n][f.label_len] = '\0';
		b->role[b->n++] = f.role;
	}
	fd_followers_close(&w);
	return err == FD_ENOTFOUND ? FD_OK : err;
}

static const char *
side_name(enum fd_side s)
{
	return s == FD_SIDE_BACKUP ? "backup" : "primary";
}

/*
 * One group: switch it, skip it (already where asked, or not served by
 * the app), or note why it stays (no app on the side it would go to).
 */
static enum fd_err
one_group(struct fd_change *c, const char *label, enum fd_side role,
    enum fd_switch_to to, struct fd_effects *fx, struct fd_failover *out)
{
	char primary[FD_APP_NAME_MAX + 1], backup[FD_APP_NAME_MAX + 1];
	struct fd_group_view g;
	enum fd_side target;
	enum fd_err err;
	size_t len;

	if ((err = fd_store_get_group(c->st, c->txn, label, strlen(label),
	    &g)) != FD_OK)
		return err;
	if (to == FD_SWITCH_TOGGLE) {
		if (g.active != role)
			return FD_OK;        /* the app is not serving it */
		target = role == FD_SIDE_PRIMARY ? FD_SIDE_BACKUP :
		    FD_SIDE_PRIMARY;
	} else {
		target = (enum fd_side)to;
		if (g.active == target)
			return FD_OK;        /* already there */
	}
	if (fd_side_app(target, g.primary, g.primary ? g.primary_len : 0,
	    g.backup, g.backup ? g.backup_len : 0, &len) == NULL) {
		if (json_array_size(out->stayed) < FD_TOUCHED_MAX)
			json_array_append_new(out->stayed, json_pack(
			    "{s:s, s:s+}", "label", label, "reason", "no app on "
			    "the ", side_name(target)));
		out->nstayed++;
		return FD_OK;
	}
	snprintf(primary, sizeof(primary), "%.*s", g.primary ?
	    (int)g.primary_len : 0, g.primary ? g.primary : "");
	snprintf(backup, sizeof(backup), "%.*s", g.backup ?
	    (int)g.backup_len : 0, g.backup ? g.backup : "");
	/* statuses before the switch touches the counters */
	fd_effects_app(fx, primary);
	fd_effects_app(fx, backup);
	if ((err = fd_change_group_switch(c, label, (enum fd_switch_to)target))
	    != FD_OK)
		return err;
	fd_effects_moved(fx, label);
	if (json_array_size(out->switched) < FD_TOUCHED_MAX)
		json_array_append_new(out->switched, json_pack("{s:s, s:s}",
		    "label", label, "active", side_name(target)));
	out->nswitched++;
	return FD_OK;
}

enum fd_err
fd_change_app_failover(struct fd_change *c, const char *app,
    enum fd_switch_to to, struct fd_failover *out)
{
	char after[FD_LABEL_MAX + 1] = "";
	struct fd_app_view a;
	struct fd_effects fx;
	struct batch *b;
	enum fd_err err;
	json_t *row;

	memset(out, 0, sizeof(*out));
	if (!fd_app_name_valid(app)) {
		snprintf(c->msg, sizeof(c->msg), "'%s' is not a valid app name",
		    app);
		return FD_EINVAL;
	}
	err = fd_store_get_app(c->st, c->txn, app, strlen(app), &a);
	if (err == FD_ENOTFOUND) {
		snprintf(c->msg, sizeof(c->msg), "app %s not found", app);
		return err;
	}
	if (err != FD_OK || (b = malloc(sizeof(*b))) == NULL) {
		snprintf(c->msg, sizeof(c->msg), "app %s: %s", app,
		    fd_strerror(err != FD_OK ? err : FD_ENOMEM));
		return err != FD_OK ? err : FD_ENOMEM;
	}
	out->switched = json_array();
	out->stayed = json_array();
	fd_effects_init(&fx, c->st, c->txn, true);
	c->bulk = true;
	do {
		if ((err = read_batch(c, app, after, b)) != FD_OK)
			break;
		for (size_t i = 0; i < b->n && err == FD_OK; i++)
			err = one_group(c, b->label[i], b->role[i], to, &fx, out);
		if (b->n > 0)
			memcpy(after, b->label[b->n - 1], sizeof(after));
	} while (err == FD_OK && b->n == FAILOVER_BATCH);
	c->bulk = false;
	free(b);
	if (err == FD_OK && out->nswitched > 0) {
		/* one change: one serial, one history row */
		row = json_pack("{s:s, s:I}", "to", to == FD_SWITCH_TOGGLE ?
		    "other" : side_name((enum fd_side)to), "switched",
		    (json_int_t)out->nswitched);
		err = fd_effects_commit(&fx, c, "app.failover", app, row);
	} else if (err != FD_OK && c->msg[0] == '\0')
		snprintf(c->msg, sizeof(c->msg), "app %s: %s", app,
		    fd_strerror(err));
	fd_effects_free(&fx);
	if (err != FD_OK) {
		json_decref(out->switched);
		json_decref(out->stayed);
		out->switched = out->stayed = NULL;
	}
	return err;
}
