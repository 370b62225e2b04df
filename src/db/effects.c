/* effects.c - what a change did to the answers; see effects.h. */
#include <stdio.h>
#include <string.h>

#include "flipdns/db/changes.h"
#include "flipdns/db/history.h"
#include "effects.h"

void
fd_effects_init(struct fd_effects *fx, struct fd_store *st, MDB_txn *txn,
    bool on)
{
	memset(fx, 0, sizeof(*fx));
	fx->st = st;
	fx->txn = txn;
	fx->on = on;
	if (!on)
		return;
	fx->moved = json_array();
	fx->names = json_array();
	fx->apps = json_object();
	fx->failed = fx->moved == NULL || fx->names == NULL || fx->apps == NULL;
}

void
fd_effects_free(struct fd_effects *fx)
{
	json_decref(fx->moved);
	json_decref(fx->names);
	json_decref(fx->apps);
	fx->moved = fx->names = fx->apps = NULL;
}

/* touched becomes "the whole zone": the names are no longer needed. */
static void
everything(struct fd_effects *fx)
{
	fx->everything = true;
	json_decref(fx->names);
	fx->names = NULL;
}

/* Add a touched name (a new reference, taken). */
static void
touch(struct fd_effects *fx, json_t *name)
{
	if (name == NULL) {
		fx->failed = true;
		return;
	}
	if (!fx->everything && json_array_size(fx->names) >= FD_TOUCHED_MAX)
		everything(fx);
	if (fx->everything) {
		json_decref(name);
		return;
	}
	if (json_array_append_new(fx->names, name) != 0)
		fx->failed = true;
}

static void
touch_status(struct fd_effects *fx, const char *status_label)
{
	char name[FD_STATUS_LABEL_LEN + sizeof("._status")];

	snprintf(name, sizeof(name), "%s._status", status_label);
	touch(fx, json_string(name));
}

void
fd_effects_moved(struct fd_effects *fx, const char *label)
{
	if (!fx->on)
		return;
	fx->nmoved++;
	if (json_array_size(fx->moved) < FD_HISTORY_LIST_MAX &&
	    json_array_append_new(fx->moved, json_string(label)) != 0)
		fx->failed = true;
	touch(fx, json_string(label));
}

void
fd_effects_moved_unnamed(struct fd_effects *fx, size_t n)
{
	if (!fx->on || n == 0)
		return;
	fx->nmoved += n;
	everything(fx);
}

void
fd_effects_app(struct fd_effects *fx, const char *name)
{
	struct fd_app_view a;
	json_t *note;

	if (!fx->on || name == NULL || name[0] == '\0' ||
	    json_object_get(fx->apps, name) != NULL)
		return;
	if (fx->napps >= FD_TOUCHED_MAX) {
		/* an import naming more apps than that: stop, and say so */
		fx->apps_cut = true;
		everything(fx);
		return;
	}
	if (fd_store_get_app(fx->st, fx->txn, name, strlen(name), &a) == FD_OK)
		note = json_pack("[s, s]",
		    fd_app_status_name(fd_app_status_of(&a)), a.status_label);
	else
		note = json_pack("[n, n]");
	if (note == NULL || json_object_set_new(fx->apps, name, note) != 0)
		fx->failed = true;
	fx->napps++;
}

/*
 * Each noted app again, now: one added (noted before it existed) or
 * removed (gone now) changed its status name; one whose status differs
 * goes into the row's "status" and touches its status name.
 */
static void
finish_apps(struct fd_effects *fx, json_t *status, bool *cut)
{
	struct fd_app_view a;
	const char *name, *was, *now;
	json_t *note;

	json_object_foreach(fx->apps, name, note) {
		was = json_string_value(json_array_get(note, 0));
		if (fd_store_get_app(fx->st, fx->txn, name, strlen(name), &a) !=
		    FD_OK) {
			if (was != NULL)   /* removed */
				touch_status(fx, json_string_value(
				    json_array_get(note, 1)));
			continue;
		}
		now = fd_app_status_name(fd_app_status_of(&a));
		if (was == NULL) {        /* added */
			touch_status(fx, a.status_label);
			continue;
		}
		if (strcmp(was, now) == 0)
			continue;
		touch_status(fx, a.status_label);
		if (json_object_size(status) >= FD_HISTORY_LIST_MAX)
			*cut = true;
		else if (json_object_set_new(status, name,
		    json_pack("[s, s]", was, now)) != 0)
			fx->failed = true;
	}
}

void
fd_touched_add(json_t **touched, json_t *more)
{
	if (more == NULL)
		return;
	if (*touched == NULL) {
		*touched = more;
		return;
	}
	if (json_is_true(*touched) || json_is_true(more) ||
	    json_array_size(*touched) + json_array_size(more) >
	    FD_TOUCHED_MAX || json_array_extend(*touched, more) != 0) {
		json_decref(*touched);
		*touched = json_true();
	}
	json_decref(more);
}

enum fd_err
fd_effects_finish(struct fd_effects *fx, json_t **row, json_t **touched)
{
	json_t *status;
	bool cut = fx->apps_cut;

	*row = *touched = NULL;
	if (!fx->on)
		return FD_OK;
	if (fx->failed || (status = json_object()) == NULL)
		return FD_ENOMEM;
	finish_apps(fx, status, &cut);
	*row = json_pack("{s:O, s:o}", "moved", fx->moved, "status", status);
	if (*row != NULL && fx->nmoved > json_array_size(fx->moved)) {
		json_object_set_new(*row, "moved_count",
		    json_integer((json_int_t)fx->nmoved));
		json_object_set_new(*row, "moved_truncated", json_true());
	}
	if (*row != NULL && cut)
		json_object_set_new(*row, "status_truncated", json_true());
	if (*row == NULL || fx->failed)
		goto nomem;
	if (fx->everything) {
		*touched = json_true();
	} else if (json_array_size(fx->names) > 0) {
		*touched = fx->names;
		fx->names = NULL;
	}
	return FD_OK;
nomem:
	json_decref(*row);
	*row = NULL;
	return FD_ENOMEM;
}

enum fd_err
fd_effects_commit(struct fd_effects *fx, struct fd_change *c, const char *op,
    const char *subject, json_t *after)
{
	json_t *members = NULL, *touched = NULL;
	enum fd_err err;

	if ((err = fd_effects_finish(fx, &members, &touched)) != FD_OK) {
		json_decref(after);
		snprintf(c->msg, sizeof(c->msg), "%s", fd_strerror(err));
		return err;
	}
	c->changed = true;
	err = fd_history_append(c->st, c->txn, c->now, &c->actor, op, subject,
	    NULL, after, members, &c->serial);
	if (err != FD_OK) {
		json_decref(touched);
		snprintf(c->msg, sizeof(c->msg), "%s", fd_strerror(err));
		return err;
	}
	fd_touched_add(&c->touched, touched);
	return FD_OK;
}
