/*
 * apply.c - make the store what a file says; see apply.h.
 *
 * The whole file is read first (it names each app and group once, and
 * phases need all of it), then the phases run, each step compared with
 * the store and made only when something differs, through the change
 * functions in bulk (one serial, one history row at the end, as an
 * import).  The plan is written as the steps are made, so what a dry
 * run shows is what was done before it was undone.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flipdns/db/appindex.h"
#include "flipdns/db/apply.h"
#include "flipdns/db/render.h"
#include "flipdns/db/txn.h"
#include "effects.h"
#include "entries.h"

struct app_want {
	char name[FD_APP_NAME_MAX + 1];
	struct fd_endpoints ep;
	bool del;
	yaml_mark_t mark;
};

struct group_want {
	char label[FD_LABEL_MAX + 1];
	char primary[FD_APP_NAME_MAX + 1];
	char backup[FD_APP_NAME_MAX + 1];
	unsigned has;              /* FD_KEY bits given */
	enum fd_switch_to active;
	bool ttl_given;
	uint32_t ttl;
	bool del;
	bool created;              /* by phase 1 */
	yaml_mark_t mark;
};

struct apl {
	struct fd_change *c;
	struct fd_entries r;
	uint32_t default_ttl;
	struct app_want *apps;
	size_t napps, capps;
	struct group_want *groups;
	size_t ngroups, cgroups;
	struct fd_effects fx;
	struct fd_apply_result *out;
};

/* What the store holds for a group, copied out of LMDB's memory. */
struct group_now {
	char primary[FD_APP_NAME_MAX + 1];
	char backup[FD_APP_NAME_MAX + 1];
	enum fd_side active;
	uint32_t ttl;
};

/* Grow *arr (of *cap elements of size) to hold one more; NULL on failure. */
static void *
grow(void *arr, size_t *cap, size_t n, size_t size)
{
	void *p;

	if (n < *cap)
		return arr;
	*cap = *cap ? *cap * 2 : 64;
	if ((p = realloc(arr, *cap * size)) == NULL)
		free(arr);
	return p;
}

/*
 * src into dst (FD_APP_NAME_MAX + 1 or FD_LABEL_MAX + 1 bytes, both 64):
 * the entry's fields hold one byte more, so a name too long to be one
 * is caught here, not cut short into another.
 */
#define NAME_CAP (FD_APP_NAME_MAX + 1)

static bool
copy_name(char *dst, const char *src)
{
	size_t len = strlen(src);

	if (len >= NAME_CAP)
		return false;
	memcpy(dst, src, len + 1);
	return true;
}

/* A change's refusal, placed at the entry it came from. */
static enum fd_err
fail(struct apl *p, yaml_mark_t mark, enum fd_err err)
{
	return fd_entries_fail(&p->r, mark, err, "%s", p->c->msg);
}

static enum fd_err
take_app(struct apl *p, struct fd_entry *e)
{
	struct app_want *a;
	enum fd_err err;

	if (e->del) {
		if (e->has != (FD_KEY(NAME) | FD_KEY(DELETE)))
			return fd_entries_fail(&p->r, e->mark, FD_EINVAL, "an "
			    "app to delete takes only its name and delete");
	} else if ((err = fd_entry_endpoints(&p->r, e)) != FD_OK)
		return err;
	if (!fd_app_name_valid(e->name))
		return fd_entries_fail(&p->r, e->mark, FD_EINVAL, "'%s' is not "
		    "a valid app name", e->name);
	if ((p->apps = grow(p->apps, &p->capps, p->napps, sizeof(*a))) == NULL)
		return FD_ENOMEM;
	a = &p->apps[p->napps++];
	memset(a, 0, sizeof(*a));
	(void)copy_name(a->name, e->name);    /* valid: at most 63 */
	a->ep = e->ep;
	a->del = e->del;
	a->mark = e->mark;
	return FD_OK;
}

static enum fd_err
take_group(struct apl *p, struct fd_entry *e)
{
	struct group_want *g;
	enum fd_err err;

	if (!(e->has & FD_KEY(LABEL)))
		return fd_entries_fail(&p->r, e->mark, FD_EINVAL, "apply keys "
		    "groups by label: give this group its label (group list "
		    "shows them), so the file names the same group each time");
	if (!fd_group_label_valid(e->label))
		return fd_entries_fail(&p->r, e->mark, FD_EINVAL, "'%s' is not a "
		    "valid label", e->label);
	if (e->del && e->has != (FD_KEY(LABEL) | FD_KEY(DELETE)))
		return fd_entries_fail(&p->r, e->mark, FD_EINVAL, "a group to "
		    "delete takes only its label and delete");
	if ((p->groups = grow(p->groups, &p->cgroups, p->ngroups,
	    sizeof(*g))) == NULL)
		return FD_ENOMEM;
	g = &p->groups[p->ngroups];
	memset(g, 0, sizeof(*g));
	if ((err = fd_entry_ttl(&p->r, e, p->default_ttl, &g->ttl_given,
	    &g->ttl)) != FD_OK ||
	    (err = fd_entry_active(&p->r, e, &g->active)) != FD_OK)
		return err;
	if (!copy_name(g->label, e->label) ||
	    !copy_name(g->primary, e->primary) ||
	    !copy_name(g->backup, e->backup))
		return fd_entries_fail(&p->r, e->mark, FD_EINVAL, "group %s: "
		    "an app name is at most %d characters", e->label,
		    FD_APP_NAME_MAX);
	p->ngroups++;
	g->has = e->has;
	g->del = e->del;
	g->mark = e->mark;
	return FD_OK;
}

/* Sorted by name, then by place: a name twice is side by side. */
static int
cmp_app(const void *a, const void *b)
{
	const struct app_want *x = *(struct app_want *const *)a;
	const struct app_want *y = *(struct app_want *const *)b;
	int r = strcmp(x->name, y->name);

	return r != 0 ? r : (x->mark.index > y->mark.index) -
	    (x->mark.index < y->mark.index);
}

static int
cmp_group(const void *a, const void *b)
{
	const struct group_want *x = *(struct group_want *const *)a;
	const struct group_want *y = *(struct group_want *const *)b;
	int r = strcmp(x->label, y->label);

	return r != 0 ? r : (x->mark.index > y->mark.index) -
	    (x->mark.index < y->mark.index);
}

/*
 * Each app and each group once: a file that says two things about one of
 * them is ambiguous, refused at the second mention.
 */
static enum fd_err
check_unique(struct apl *p)
{
	size_t n = p->napps > p->ngroups ? p->napps : p->ngroups, i;
	void **idx;
	enum fd_err err = FD_OK;

	if (n == 0)
		return FD_OK;
	if ((idx = malloc(n * sizeof(*idx))) == NULL)
		return FD_ENOMEM;
	for (i = 0; i < p->napps; i++)
		idx[i] = &p->apps[i];
	qsort(idx, p->napps, sizeof(*idx), cmp_app);
	for (i = 1; i < p->napps && err == FD_OK; i++)
		if (strcmp(((struct app_want *)idx[i - 1])->name,
		    ((struct app_want *)idx[i])->name) == 0)
			err = fd_entries_fail(&p->r,
			    ((struct app_want *)idx[i])->mark, FD_EINVAL,
			    "app %s is named twice in the file",
			    ((struct app_want *)idx[i])->name);
	for (i = 0; i < p->ngroups && err == FD_OK; i++)
		idx[i] = &p->groups[i];
	if (err == FD_OK)
		qsort(idx, p->ngroups, sizeof(*idx), cmp_group);
	for (i = 1; i < p->ngroups && err == FD_OK; i++)
		if (strcmp(((struct group_want *)idx[i - 1])->label,
		    ((struct group_want *)idx[i])->label) == 0)
			err = fd_entries_fail(&p->r,
			    ((struct group_want *)idx[i])->mark, FD_EINVAL,
			    "group %s is named twice in the file",
			    ((struct group_want *)idx[i])->label);
	free(idx);
	return err;
}

static enum fd_err
read_all(struct apl *p, const char *name, const char *buf, size_t len)
{
	struct fd_entry *e;
	enum fd_err err;

	if ((e = malloc(sizeof(*e))) == NULL)
		return FD_ENOMEM;
	err = fd_entries_open(&p->r, p->c, name, buf, len, true);
	while (err == FD_OK) {
		if ((err = fd_entries_next(&p->r, e)) == FD_ENOTFOUND) {
			err = FD_OK;
			break;
		}
		if (err == FD_OK)
			err = e->is_app ? take_app(p, e) : take_group(p, e);
	}
	free(e);
	return err == FD_OK ? check_unique(p) : err;
}

/* -- the plan ----------------------------------------------------------- */

static void
step(struct apl *p, const char *op, const char *kind, const char *name,
    json_t *changes)
{
	if (json_array_size(p->out->plan) >= FD_APPLY_PLAN_MAX) {
		json_decref(changes);
		return;
	}
	json_array_append_new(p->out->plan, json_pack("{s:s, s:s, s:o}",
	    "op", op, kind, name, "changes", changes ? changes :
	    json_object()));
}

/* {KEY: [before, after]} gets one more pair; takes both. */
static void
pair(json_t *changes, const char *key, json_t *before, json_t *after)
{
	json_object_set_new(changes, key, json_pack("[o, o]",
	    before ? before : json_null(), after ? after : json_null()));
}

static json_t *
app_or_null(const char *name)
{
	return name[0] ? json_string(name) : json_null();
}

/* An app's endpoints as the protocol shows them: host name or addresses. */
static json_t *
endpoints_json(struct apl *p, const struct fd_endpoints *ep)
{
	struct fd_app_view v;
	json_t *app, *out;

	memset(&v, 0, sizeof(v));
	v.name = "";
	v.kind = ep->kind;
	v.cname_wire = ep->cname_wire;
	v.cname_len = ep->cname_len;
	v.n4 = ep->n4;
	v.n6 = ep->n6;
	v.a4 = &ep->a4[0][0];
	v.a6 = &ep->a6[0][0];
	app = fd_json_app(&v, p->c->origin);
	out = json_object_get(app, ep->kind == FD_APP_CNAME ? "cname" :
	    "addrs");
	json_incref(out);
	json_decref(app);
	return out;
}

/* -- the phases --------------------------------------------------------- */

static enum fd_err
group_now(struct apl *p, const char *label, struct group_now *g)
{
	struct fd_group_view v;
	enum fd_err err;

	if ((err = fd_store_get_group(p->c->st, p->c->txn, label,
	    strlen(label), &v)) != FD_OK)
		return err;
	snprintf(g->primary, sizeof(g->primary), "%.*s", v.primary ?
	    (int)v.primary_len : 0, v.primary ? v.primary : "");
	snprintf(g->backup, sizeof(g->backup), "%.*s", v.backup ?
	    (int)v.backup_len : 0, v.backup ? v.backup : "");
	g->active = v.active;
	g->ttl = v.ttl;
	return FD_OK;
}

static const char *
active_app(const struct group_now *g)
{
	size_t len;
	const char *a = fd_side_app(g->active, g->primary, strlen(g->primary),
	    g->backup, strlen(g->backup), &len);

	return a != NULL ? a : "";
}

/* 1. The groups that do not exist yet, empty, so apps may name them. */
static enum fd_err
create_groups(struct apl *p)
{
	char out[FD_LABEL_MAX + 1];
	struct group_now now;
	enum fd_err err;

	for (size_t i = 0; i < p->ngroups; i++) {
		struct group_want *g = &p->groups[i];

		if (g->del)
			continue;
		err = group_now(p, g->label, &now);
		if (err == FD_OK)
			continue;
		if (err != FD_ENOTFOUND)
			return err;
		if ((err = fd_change_group_create(p->c, g->label, NULL, NULL,
		    g->ttl_given, g->ttl, p->default_ttl, out)) != FD_OK)
			return fail(p, g->mark, err);
		g->created = true;
		p->out->created++;
	}
	return FD_OK;
}

/* The groups an app answers for now: their answers change with it. */
static enum fd_err
note_served(struct apl *p, const char *app)
{
	char label[FD_LABEL_MAX + 1];
	struct fd_followers w;
	struct fd_follower f;
	struct fd_group_view g;
	enum fd_err err;

	for (err = fd_followers_first(p->c->st, p->c->txn, app, NULL, &w, &f);
	    err == FD_OK; err = fd_followers_next(&w, &f)) {
		if ((err = fd_store_get_group(p->c->st, p->c->txn, f.label,
		    f.label_len, &g)) != FD_OK)
			break;
		if (g.active != f.role)
			continue;
		memcpy(label, f.label, f.label_len);
		label[f.label_len] = '\0';
		fd_effects_moved(&p->fx, label);
	}
	fd_followers_close(&w);
	return err == FD_ENOTFOUND ? FD_OK : err;
}

/* 2. Apps created or given their endpoints. */
static enum fd_err
write_apps(struct apl *p)
{
	struct fd_endpoints cur;
	struct fd_app_view v;
	json_t *ch;
	enum fd_err err;

	for (size_t i = 0; i < p->napps; i++) {
		struct app_want *a = &p->apps[i];

		if (a->del)
			continue;
		err = fd_store_get_app(p->c->st, p->c->txn, a->name,
		    strlen(a->name), &v);
		if (err != FD_OK && err != FD_ENOTFOUND)
			return err;
		ch = json_object();
		if (err == FD_ENOTFOUND) {
			fd_effects_app(&p->fx, a->name);
			if ((err = fd_change_app_add(p->c, a->name, &a->ep)) !=
			    FD_OK) {
				json_decref(ch);
				return fail(p, a->mark, err);
			}
			pair(ch, "endpoints", NULL, endpoints_json(p, &a->ep));
			step(p, "create", "app", a->name, ch);
			p->out->created++;
			continue;
		}
		fd_endpoints_of(&v, &cur);
		if (fd_endpoints_equal(&cur, &a->ep)) {
			json_decref(ch);
			p->out->unchanged++;
			continue;
		}
		pair(ch, "endpoints", endpoints_json(p, &cur),
		    endpoints_json(p, &a->ep));
		if ((err = note_served(p, a->name)) != FD_OK ||
		    (err = fd_change_app_set(p->c, a->name, &a->ep)) != FD_OK) {
			json_decref(ch);
			return fail(p, a->mark, err);
		}
		step(p, "update", "app", a->name, ch);
		p->out->updated++;
	}
	return FD_OK;
}

/* 3. One group's apps, ttl and active side, as the file says. */
static enum fd_err
write_group(struct apl *p, struct group_want *g)
{
	struct fd_app_ref pref = {false, NULL}, bref = {false, NULL};
	struct group_now was, now;
	const char *served;
	bool set_ttl;
	json_t *ch;
	enum fd_err err;

	if ((err = group_now(p, g->label, &was)) != FD_OK)
		return err;
	now = was;
	if (g->has & FD_KEY(PRIMARY))
		snprintf(now.primary, sizeof(now.primary), "%s", g->primary);
	if (g->has & FD_KEY(BACKUP))
		snprintf(now.backup, sizeof(now.backup), "%s", g->backup);
	if (g->ttl_given)
		now.ttl = g->ttl;
	if (g->has & FD_KEY(ACTIVE))
		now.active = (enum fd_side)g->active;
	ch = json_object();
	if (strcmp(now.primary, was.primary) != 0) {
		pair(ch, "primary", g->created ? NULL : app_or_null(was.primary),
		    app_or_null(now.primary));
		pref.given = true;
		pref.name = now.primary[0] ? now.primary : NULL;
	}
	if (strcmp(now.backup, was.backup) != 0) {
		pair(ch, "backup", g->created ? NULL : app_or_null(was.backup),
		    app_or_null(now.backup));
		bref.given = true;
		bref.name = now.backup[0] ? now.backup : NULL;
	}
	if ((set_ttl = now.ttl != was.ttl) || g->created)
		pair(ch, "ttl", g->created ? NULL : json_integer(was.ttl),
		    json_integer(now.ttl));
	if (now.active != was.active)
		pair(ch, "active", json_string(was.active == FD_SIDE_BACKUP ?
		    "backup" : "primary"), json_string(now.active ==
		    FD_SIDE_BACKUP ? "backup" : "primary"));
	if (json_object_size(ch) == 0) {
		json_decref(ch);
		p->out->unchanged++;
		return FD_OK;
	}
	fd_effects_app(&p->fx, was.primary);
	fd_effects_app(&p->fx, was.backup);
	fd_effects_app(&p->fx, now.primary);
	fd_effects_app(&p->fx, now.backup);
	served = active_app(&was);
	if ((pref.given || bref.given || set_ttl) &&
	    (err = fd_change_group_set(p->c, g->label, pref, bref, set_ttl,
	    now.ttl)) != FD_OK)
		goto refused;
	/* a set that emptied the active side went back to primary */
	if ((err = group_now(p, g->label, &was)) != FD_OK)
		goto refused;
	if ((g->has & FD_KEY(ACTIVE)) && was.active != now.active &&
	    (err = fd_change_group_switch(p->c, g->label, g->active)) != FD_OK)
		goto refused;
	if (g->created || set_ttl || strcmp(served, active_app(&now)) != 0)
		fd_effects_moved(&p->fx, g->label);
	step(p, g->created ? "create" : "update", "group", g->label, ch);
	if (!g->created)
		p->out->updated++;
	return FD_OK;
refused:
	json_decref(ch);
	return fail(p, g->mark, err);
}

static enum fd_err
write_groups(struct apl *p)
{
	enum fd_err err;

	for (size_t i = 0; i < p->ngroups; i++)
		if (!p->groups[i].del &&
		    (err = write_group(p, &p->groups[i])) != FD_OK)
			return err;
	return FD_OK;
}

/* 4. Groups marked delete: emptied, then deleted; gone ones are done. */
static enum fd_err
delete_groups(struct apl *p)
{
	struct fd_app_ref none = {true, NULL};
	struct group_now now;
	enum fd_err err;

	for (size_t i = 0; i < p->ngroups; i++) {
		struct group_want *g = &p->groups[i];

		if (!g->del)
			continue;
		if ((err = group_now(p, g->label, &now)) == FD_ENOTFOUND) {
			p->out->unchanged++;
			continue;
		}
		if (err != FD_OK)
			return err;
		fd_effects_app(&p->fx, now.primary);
		fd_effects_app(&p->fx, now.backup);
		if (((now.primary[0] || now.backup[0]) &&
		    (err = fd_change_group_set(p->c, g->label, none, none, false,
		    0)) != FD_OK) ||
		    (err = fd_change_group_delete(p->c, g->label)) != FD_OK)
			return fail(p, g->mark, err);
		fd_effects_moved(&p->fx, g->label);
		step(p, "delete", "group", g->label, NULL);
		p->out->deleted++;
	}
	return FD_OK;
}

/* 5. Apps marked delete; a group still using one refuses it all. */
static enum fd_err
delete_apps(struct apl *p)
{
	struct fd_app_view v;
	enum fd_err err;

	for (size_t i = 0; i < p->napps; i++) {
		struct app_want *a = &p->apps[i];

		if (!a->del)
			continue;
		err = fd_store_get_app(p->c->st, p->c->txn, a->name,
		    strlen(a->name), &v);
		if (err == FD_ENOTFOUND) {
			p->out->unchanged++;
			continue;
		}
		if (err != FD_OK)
			return err;
		fd_effects_app(&p->fx, a->name);
		if ((err = fd_change_app_remove(p->c, a->name)) != FD_OK)
			return fail(p, a->mark, err);
		step(p, "delete", "app", a->name, NULL);
		p->out->deleted++;
	}
	return FD_OK;
}

static enum fd_err
run_phases(struct apl *p)
{
	enum fd_err err;

	if ((err = create_groups(p)) != FD_OK ||
	    (err = write_apps(p)) != FD_OK ||
	    (err = write_groups(p)) != FD_OK ||
	    (err = delete_groups(p)) != FD_OK)
		return err;
	return delete_apps(p);
}

enum fd_err
fd_apply_yaml(struct fd_change *c, const char *name, const char *buf,
    size_t len, uint32_t default_ttl, bool dry_run,
    struct fd_apply_result *out)
{
	MDB_txn *parent = c->txn, *trial = NULL;
	char summary[128];
	struct apl p;
	enum fd_err err;

	memset(out, 0, sizeof(*out));
	memset(&p, 0, sizeof(p));
	p.c = c;
	p.out = out;
	p.default_ttl = default_ttl;
	if ((out->plan = json_array()) == NULL)
		return FD_ENOMEM;
	err = read_all(&p, name, buf, len);
	/* a dry run's steps go into a transaction of their own, undone */
	if (err == FD_OK && dry_run &&
	    (err = fd_txn_begin_write(c->st, parent, &trial)) == FD_OK)
		c->txn = trial;
	fd_effects_init(&p.fx, c->st, c->txn, true);
	c->bulk = true;
	if (err == FD_OK)
		err = run_phases(&p);
	c->bulk = false;
	if (trial != NULL) {
		fd_txn_abort(trial);
		c->txn = parent;
		c->changed = false;
	} else if (err == FD_OK && out->created + out->updated +
	    out->deleted > 0) {
		snprintf(summary, sizeof(summary), "%s", name);
		err = fd_effects_commit(&p.fx, c, "apply", summary,
		    json_pack("{s:I, s:I, s:I}", "created",
		    (json_int_t)out->created, "updated",
		    (json_int_t)out->updated, "deleted",
		    (json_int_t)out->deleted));
	}
	fd_effects_free(&p.fx);
	fd_entries_close(&p.r);
	free(p.apps);
	free(p.groups);
	if (err != FD_OK) {
		if (c->msg[0] == '\0')
			snprintf(c->msg, sizeof(c->msg), "%s", fd_strerror(err));
		json_decref(out->plan);
		out->plan = NULL;
	}
	return err;
}
