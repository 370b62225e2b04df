/* cnames.c - an app's host name inside our own zone; see cnames.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flipdns/db/txn.h"
#include "cnames.h"

/*
 * Where a host name (wire) falls in the zone: how many labels it has
 * below the origin (-1: outside it, 0: the apex), and the first two of
 * them as text, lowest first.
 */
struct in_zone {
	int depth;
	char first[FD_LABEL_MAX + 1];    /* the leftmost label */
	char top[FD_LABEL_MAX + 1];      /* the label right below the origin */
};

static void
label_text(const uint8_t *l, char *out)
{
	memcpy(out, l + 1, l[0]);
	out[l[0]] = '\0';
}

static void
locate(const struct fd_change *c, const uint8_t *name, size_t len,
    struct in_zone *z)
{
	uint8_t origin[FD_DNAME_WIRE_MAX];
	int olen = fd_dname_from_text(c->origin, origin);
	const uint8_t *p = name, *top = NULL;
	int labels = 0;

	z->depth = -1;
	z->first[0] = z->top[0] = '\0';
	if (olen < 1 || (size_t)olen > len ||
	    memcmp(name + len - (size_t)olen, origin, (size_t)olen) != 0)
		return;
	/* the suffix must start at a label boundary */
	while ((size_t)(p - name) < len - (size_t)olen) {
		top = p;
		labels++;
		p += *p + 1;
	}
	if ((size_t)(p - name) != len - (size_t)olen)
		return;
	z->depth = labels;
	if (labels > 0) {
		label_text(name, z->first);
		label_text(top, z->top);
	}
}

/* The group an app's host name names ("" when none) into label. */
static void
target_group(struct fd_change *c, const struct fd_endpoints *ep, char *label)
{
	struct in_zone z;

	label[0] = '\0';
	if (ep->kind != FD_APP_CNAME)
		return;
	locate(c, ep->cname_wire, ep->cname_len, &z);
	if (z.depth == 1 && !fd_change_label_reserved(c, z.first))
		memcpy(label, z.first, strlen(z.first) + 1);
}

enum fd_err
fd_cname_target_exists(struct fd_change *c, const char *app,
    const struct fd_endpoints *ep)
{
	char text[FD_DNAME_TEXT_MAX];
	struct fd_group_view g;
	struct in_zone z;
	bool exists;

	if (ep->kind != FD_APP_CNAME)
		return FD_OK;
	locate(c, ep->cname_wire, ep->cname_len, &z);
	if (z.depth <= 0)
		return FD_OK;    /* outside the zone, or its apex */
	if (fd_change_label_reserved(c, z.top))
		exists = true;    /* a nameserver's subtree, or _status */
	else
		exists = z.depth == 1 && fd_store_get_group(c->st, c->txn,
		    z.first, strlen(z.first), &g) == FD_OK;
	if (exists)
		return FD_OK;
	fd_dname_to_text(ep->cname_wire, ep->cname_len, text, sizeof(text));
	snprintf(c->msg, sizeof(c->msg), "app %s: %s is in this zone (%s) and "
	    "does not exist: answers would end in NXDOMAIN; create the group "
	    "first, or give a host name outside the zone", app, text,
	    c->origin);
	return FD_EREFUSED;
}

/* A walk over groups, each visited once. */
struct walk {
	struct fd_change *c;
	char (*seen)[FD_LABEL_MAX + 1];
	size_t nseen;
	const char *goal_group;   /* a loop: reaching this group */
	const char *goal_app;     /* or a group that follows this app */
	char hit[FD_LABEL_MAX + 1];
};

static enum fd_err visit(struct walk *w, const char *label, bool root);

/* The group app's host name names, if any, is visited next. */
static enum fd_err
follow_app(struct walk *w, const char *app, size_t len)
{
	char name[FD_APP_NAME_MAX + 1], next[FD_LABEL_MAX + 1];
	struct fd_endpoints ep;
	struct fd_app_view a;
	enum fd_err err;

	if (len == 0 || len > FD_APP_NAME_MAX)
		return FD_OK;
	memcpy(name, app, len);
	name[len] = '\0';
	if ((err = fd_store_get_app(w->c->st, w->c->txn, name, len, &a)) !=
	    FD_OK)
		return err == FD_ENOTFOUND ? FD_OK : err;
	fd_endpoints_of(&a, &ep);
	target_group(w->c, &ep, next);
	return next[0] != '\0' ? visit(w, next, false) : FD_OK;
}

/*
 * The group, then where its apps lead; the root is where the walk starts
 * (reaching it again is the loop a group change looks for).
 */
static enum fd_err
visit(struct walk *w, const char *label, bool root)
{
	char primary[FD_APP_NAME_MAX + 1], backup[FD_APP_NAME_MAX + 1];
	struct fd_group_view g;
	size_t plen, blen;
	enum fd_err err;

	if (!root && w->goal_group != NULL && strcmp(label, w->goal_group) == 0)
		goto loop;
	for (size_t i = 0; i < w->nseen; i++)
		if (strcmp(w->seen[i], label) == 0)
			return FD_OK;
	if (w->nseen == FD_CNAME_WALK_MAX) {
		snprintf(w->c->msg, sizeof(w->c->msg), "more than %d groups "
		    "are linked by host names inside the zone: refused rather "
		    "than checked for a loop", FD_CNAME_WALK_MAX);
		return FD_EREFUSED;
	}
	snprintf(w->seen[w->nseen++], FD_LABEL_MAX + 1, "%s", label);
	if ((err = fd_store_get_group(w->c->st, w->c->txn, label,
	    strlen(label), &g)) != FD_OK)
		return err == FD_ENOTFOUND ? FD_OK : err;
	plen = g.primary ? g.primary_len : 0;
	blen = g.backup ? g.backup_len : 0;
	memcpy(primary, g.primary ? g.primary : "", plen);
	memcpy(backup, g.backup ? g.backup : "", blen);
	primary[plen] = backup[blen] = '\0';
	if (w->goal_app != NULL && (strcmp(primary, w->goal_app) == 0 ||
	    strcmp(backup, w->goal_app) == 0))
		goto loop;
	if ((err = follow_app(w, primary, plen)) != FD_OK)
		return err;
	return follow_app(w, backup, blen);
loop:
	snprintf(w->hit, sizeof(w->hit), "%s", label);
	return FD_EREFUSED;
}

/* Walk from group start (root: the group that changed); what for errors. */
static enum fd_err
walk_from(struct fd_change *c, struct walk *w, const char *start, bool root,
    const char *what)
{
	enum fd_err err;

	if (start[0] == '\0')
		return FD_OK;
	if ((w->seen = malloc(FD_CNAME_WALK_MAX * sizeof(*w->seen))) == NULL)
		return FD_ENOMEM;
	w->c = c;
	err = visit(w, start, root);
	free(w->seen);
	if (err == FD_EREFUSED && w->hit[0] != '\0')
		snprintf(c->msg, sizeof(c->msg), "%s would make a CNAME loop "
		    "through this zone: following host names from it comes "
		    "back at %s.%s, and resolvers would get SERVFAIL", what,
		    w->hit, c->origin);
	return err;
}

enum fd_err
fd_cname_loop_from_group(struct fd_change *c, const char *label)
{
	struct walk w = {.goal_group = label};
	char what[FD_LABEL_MAX + 16];

	snprintf(what, sizeof(what), "group %s", label);
	return walk_from(c, &w, label, true, what);
}

enum fd_err
fd_cname_loop_from_app(struct fd_change *c, const char *app)
{
	struct walk w = {.goal_app = app};
	char start[FD_LABEL_MAX + 1], what[FD_APP_NAME_MAX + 16];
	struct fd_endpoints ep;
	struct fd_app_view a;
	enum fd_err err;

	if ((err = fd_store_get_app(c->st, c->txn, app, strlen(app), &a)) !=
	    FD_OK)
		return err;
	fd_endpoints_of(&a, &ep);
	target_group(c, &ep, start);
	snprintf(what, sizeof(what), "app %s", app);
	return walk_from(c, &w, start, false, what);
}

enum fd_err
fd_cname_unreferenced(struct fd_change *c, const char *label)
{
	uint8_t want[FD_DNAME_WIRE_MAX];
	char fqdn[FD_DNAME_TEXT_MAX + FD_LABEL_MAX + 2];
	struct fd_cursor cur;
	struct fd_app_view a;
	struct fd_kv kv;
	enum fd_err err;
	int wlen;

	snprintf(fqdn, sizeof(fqdn), "%s.%s", label, c->origin);
	if ((wlen = fd_dname_from_text(fqdn, want)) < 0)
		return FD_OK;
	/*
	 * A scan of the apps, not the groups: apps are few (each is a web
	 * application), and only a delete, which is rare, asks.
	 */
	if ((err = fd_cursor_open(c->st, c->txn, FD_DB_APPS, &cur)) != FD_OK)
		return err;
	for (err = fd_cursor_seek(&cur, NULL, 0, false, &kv); err == FD_OK;
	    err = fd_cursor_next(&cur, &kv)) {
		if (fd_app_decode(kv.val, kv.val_len, &a) != FD_OK ||
		    a.kind != FD_APP_CNAME || a.cname_len != (size_t)wlen ||
		    memcmp(a.cname_wire, want, (size_t)wlen) != 0)
			continue;
		snprintf(c->msg, sizeof(c->msg), "app %.*s has host name %s: "
		    "its answers would end in NXDOMAIN; point it elsewhere "
		    "first", (int)kv.key_len, (const char *)kv.key, fqdn);
		fd_cursor_close(&cur);
		return FD_EREFUSED;
	}
	fd_cursor_close(&cur);
	return err == FD_ENOTFOUND ? FD_OK : err;
}
