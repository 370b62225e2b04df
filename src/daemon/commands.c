/*
 * commands.c - the control commands as a table; see commands.h.
 *
 * Each handler checks its arguments, calls the change or lookup it names,
 * and renders the result.  Argument names a command accepts are listed in
 * its row, so an unknown or misspelt argument is an error, not ignored.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "flipdns/db/appindex.h"
#include "flipdns/db/apply.h"
#include "flipdns/db/changes.h"
#include "flipdns/daemon/commands.h"
#include "flipdns/daemon/health.h"
#include "flipdns/daemon/metrics.h"
#include "flipdns/db/health.h"
#include "flipdns/db/history.h"
#include "flipdns/db/import.h"
#include "flipdns/db/render.h"
#include "flipdns/db/tokens.h"
#include "flipdns/db/txn.h"
#include "secondaries.h"

struct cmd_ctx {
	const struct fd_cmd_env *env;
	MDB_txn *txn;
	struct fd_change chg;      /* for write commands */
	json_t *args;
	const struct fd_payload *in;   /* request payload, or NULL */
	struct fd_payload *out;        /* response payload */
	char msg[640];
};

typedef enum fd_err (*cmd_fn)(struct cmd_ctx *x, json_t **result);

/* How a command runs (commands.h). */
enum cmd_mode {
	CMD_READ,     /* in a read snapshot of its own */
	CMD_WRITE,    /* in the writer's transaction */
	/*
	 * A write that its "dry_run": true turns into a trial (apply): run
	 * in the writer's transaction all the same, every step undone, so
	 * it changes nothing and a reader may ask for it.
	 */
	CMD_TRIAL,
	CMD_STREAM,   /* a read whose answer streams after it (export) */
	CMD_COPY,     /* a copy of the store streams after it (backup) */
};

struct fd_command {
	const char *name;
	cmd_fn fn;
	enum cmd_mode mode;
	const char *const *args;   /* NULL-terminated names accepted */
};

#define ERR(x, e, ...) do {                                          \
	snprintf((x)->msg, sizeof((x)->msg), __VA_ARGS__);           \
	return (e);                                                  \
} while (0)

/* A string argument; FD_EINVAL with a message for a wrong type. */
static enum fd_err
arg_str(struct cmd_ctx *x, const char *key, bool required, const char **out)
{
	json_t *v = json_object_get(x->args, key);

	*out = NULL;
	if (v == NULL) {
		if (required)
			ERR(x, FD_EINVAL, "missing argument '%s'", key);
		return FD_OK;
	}
	if (!json_is_string(v))
		ERR(x, FD_EINVAL, "argument '%s' must be a string", key);
	*out = json_string_value(v);
	return FD_OK;
}

static enum fd_err
arg_u32(struct cmd_ctx *x, const char *key, uint32_t max, bool *given,
    uint32_t *out)
{
	json_t *v = json_object_get(x->args, key);
	json_int_t n;

	*given = false;
	if (v == NULL)
		return FD_OK;
	if (!json_is_integer(v))
		ERR(x, FD_EINVAL, "argument '%s' must be an integer", key);
	n = json_integer_value(v);
	if (n < 0 || n > (json_int_t)max)
		ERR(x, FD_EINVAL, "%s %lld is out of range 0..%u", key,
		    (long long)n, max);
	*given = true;
	*out = (uint32_t)n;
	return FD_OK;
}

/* "primary": "web1" | null | absent, for group.set */
static enum fd_err
arg_app_ref(struct cmd_ctx *x, const char *key, struct fd_app_ref *ref)
{
	json_t *v = json_object_get(x->args, key);

	ref->given = v != NULL;
	ref->name = NULL;
	if (v == NULL || json_is_null(v))
		return FD_OK;
	if (!json_is_string(v))
		ERR(x, FD_EINVAL, "argument '%s' must be an app name or null", key);
	ref->name = json_string_value(v);
	return FD_OK;
}

/* ADDRESS (FQDN or bare label) -> label */
static enum fd_err
arg_address(struct cmd_ctx *x, char *label)
{
	const char *address;
	enum fd_err err;

	if ((err = arg_str(x, "address", true, &address)) != FD_OK)
		return err;
	if (fd_address_to_label(address, x->env->cfg->origin, label) != FD_OK)
		ERR(x, FD_EINVAL, "'%s' is not a group address in %s", address,
		    x->env->cfg->origin);
	return FD_OK;
}

/* {cname} or {addrs: [...]} -> endpoints */
static enum fd_err
arg_endpoints(struct cmd_ctx *x, struct fd_endpoints *ep)
{
	json_t *addrs = json_object_get(x->args, "addrs");
	const char *cname;
	enum fd_err err;
	size_t i;
	json_t *a;

	if ((err = arg_str(x, "cname", false, &cname)) != FD_OK)
		return err;
	if ((cname != NULL) == (addrs != NULL))
		ERR(x, FD_EINVAL, "give either a cname or addrs (not both, not "
		    "neither)");
	if (cname != NULL)
		return fd_endpoints_cname(ep, cname, x->msg, sizeof(x->msg));
	if (!json_is_array(addrs) || json_array_size(addrs) == 0)
		ERR(x, FD_EINVAL, "argument 'addrs' must be a non-empty array of "
		    "addresses");
	fd_endpoints_clear_addrs(ep);
	json_array_foreach(addrs, i, a) {
		if (!json_is_string(a))
			ERR(x, FD_EINVAL, "addrs[%zu] must be a string", i);
		err = fd_endpoints_add_addr(ep, json_string_value(a), x->msg,
		    sizeof(x->msg));
		if (err != FD_OK)
			return err;
	}
	return FD_OK;
}

/* The app by name, with the message a user sees when it is missing. */
static enum fd_err
find_app(struct cmd_ctx *x, const char *name, struct fd_app_view *v)
{
	enum fd_err err;

	err = fd_store_get_app(x->env->st, x->txn, name, strlen(name), v);
	if (err == FD_ENOTFOUND)
		ERR(x, err, "app %s not found", name);
	if (err != FD_OK)
		ERR(x, err, "%s", fd_strerror(err));
	return FD_OK;
}

static enum fd_err
render_app(struct cmd_ctx *x, const char *name, json_t **result)
{
	struct fd_app_view v;
	enum fd_err err;

	if ((err = find_app(x, name, &v)) != FD_OK)
		return err;
	*result = fd_json_app_full(x->env->st, x->txn, &v, x->env->cfg->origin);
	return FD_OK;
}

static enum fd_err
render_group(struct cmd_ctx *x, const char *label, json_t **result)
{
	struct fd_group_view v;
	enum fd_err err;

	err = fd_store_get_group(x->env->st, x->txn, label, strlen(label), &v);
	if (err == FD_ENOTFOUND)
		ERR(x, err, "group %s.%s not found", label, x->env->cfg->origin);
	if (err != FD_OK)
		ERR(x, err, "%s", fd_strerror(err));
	*result = fd_json_group_full(x->env->st, x->txn, &v,
	    x->env->cfg->origin);
	return FD_OK;
}

/*
 * "warnings": what the app's addresses will not do for every client
 * (loopback, private ranges): accepted, and the user is told.
 */
static void
endpoint_warnings(const struct fd_endpoints *ep, json_t *result)
{
	char msg[256];
	json_t *w = json_array();

	for (int i = 0; i < ep->n4; i++)
		if (fd_addr_warning(AF_INET, ep->a4[i], msg, sizeof(msg)))
			json_array_append_new(w, json_string(msg));
	for (int i = 0; i < ep->n6; i++)
		if (fd_addr_warning(AF_INET6, ep->a6[i], msg, sizeof(msg)))
			json_array_append_new(w, json_string(msg));
	if (json_array_size(w) > 0)
		json_object_set_new(result, "warnings", w);
	else
		json_decref(w);
}

static enum fd_err
cmd_app_write(struct cmd_ctx *x, json_t **result, bool create)
{
	struct fd_endpoints ep;
	const char *name;
	enum fd_err err;

	if ((err = arg_str(x, "name", true, &name)) != FD_OK ||
	    (err = arg_endpoints(x, &ep)) != FD_OK)
		return err;
	err = create ? fd_change_app_add(&x->chg, name, &ep) :
	    fd_change_app_set(&x->chg, name, &ep);
	if (err != FD_OK || (err = render_app(x, name, result)) != FD_OK)
		return err;
	endpoint_warnings(&ep, *result);
	return FD_OK;
}

static enum fd_err
cmd_app_add(struct cmd_ctx *x, json_t **result)
{
	return cmd_app_write(x, result, true);
}

static enum fd_err
cmd_app_set(struct cmd_ctx *x, json_t **result)
{
	return cmd_app_write(x, result, false);
}

static enum fd_err followers_page(struct cmd_ctx *x, const char *name,
    json_t *app);

/* The app, and a page of the groups that follow it (app.list's paging). */
static enum fd_err
cmd_app_show(struct cmd_ctx *x, json_t **result)
{
	const char *name;
	enum fd_err err;

	if ((err = arg_str(x, "name", true, &name)) != FD_OK ||
	    (err = render_app(x, name, result)) != FD_OK)
		return err;
	return followers_page(x, name, *result);
}

static enum fd_err
cmd_app_status(struct cmd_ctx *x, json_t **result)
{
	struct fd_app_view v;
	const char *name;
	enum fd_err err;

	if ((err = arg_str(x, "name", true, &name)) != FD_OK ||
	    (err = find_app(x, name, &v)) != FD_OK)
		return err;
	*result = json_pack("{s:s, s:s}", "name", name,
	    "status", fd_app_status_name(fd_app_status_of(&v)));
	return FD_OK;
}

/* "to": "primary" | "backup" | absent (toggle), for switches. */
static enum fd_err
arg_side(struct cmd_ctx *x, enum fd_switch_to *to)
{
	const char *side;
	enum fd_err err;

	*to = FD_SWITCH_TOGGLE;
	if ((err = arg_str(x, "to", false, &side)) != FD_OK || side == NULL)
		return err;
	if (strcmp(side, "primary") == 0)
		*to = FD_SWITCH_PRIMARY;
	else if (strcmp(side, "backup") == 0)
		*to = FD_SWITCH_BACKUP;
	else
		ERR(x, FD_EINVAL, "'to' must be primary or backup, not '%s'",
		    side);
	return FD_OK;
}

/* {label, ...} -> {address, label, ...}: what users type is the address. */
static json_t *
with_addresses(struct cmd_ctx *x, json_t *list)
{
	char fqdn[FD_DNAME_TEXT_MAX + FD_LABEL_MAX + 2];
	json_t *e;
	size_t i;

	json_array_foreach(list, i, e) {
		snprintf(fqdn, sizeof(fqdn), "%s.%s", json_string_value(
		    json_object_get(e, "label")), x->env->cfg->origin);
		json_object_set_new(e, "address", json_string(fqdn));
	}
	return list;
}

/* Every group the app serves to its other side (or all to --to's). */
static enum fd_err
cmd_app_failover(struct cmd_ctx *x, json_t **result)
{
	struct fd_failover fo;
	enum fd_switch_to to;
	const char *name;
	enum fd_err err;

	if ((err = arg_str(x, "name", true, &name)) != FD_OK ||
	    (err = arg_side(x, &to)) != FD_OK ||
	    (err = fd_change_app_failover(&x->chg, name, to, &fo)) != FD_OK)
		return err;
	*result = json_pack("{s:s, s:I, s:o, s:I, s:o, s:I}", "name", name,
	    "switched_count", (json_int_t)fo.nswitched,
	    "switched", with_addresses(x, fo.switched),
	    "stayed_count", (json_int_t)fo.nstayed,
	    "stayed", with_addresses(x, fo.stayed),
	    "serial", (json_int_t)fd_store_serial(x->env->st, x->txn));
	return FD_OK;
}

/*
 * A check's fields, as strings (or whole numbers), through the same
 * table as import files (fd_check_set); what is not given takes its
 * default: the check is replaced whole, never merged.
 */
static enum fd_err
cmd_app_check(struct cmd_ctx *x, json_t **result)
{
	struct fd_check ck;
	const char *name, *text;
	char num[24];
	json_t *v;
	enum fd_err err;

	if ((err = arg_str(x, "name", true, &name)) != FD_OK)
		return err;
	if (json_object_get(x->args, "type") == NULL)
		ERR(x, FD_EINVAL, "missing argument 'type' (tcp, http, https or "
		    "none)");
	fd_check_defaults(&ck);
	for (const char *const *f = fd_check_fields; *f != NULL; f++) {
		if ((v = json_object_get(x->args, *f)) == NULL)
			continue;
		if (json_is_integer(v) && json_integer_value(v) >= 0) {
			snprintf(num, sizeof(num), "%lld",
			    (long long)json_integer_value(v));
			text = num;
		} else if ((text = json_string_value(v)) == NULL)
			ERR(x, FD_EINVAL, "argument '%s' must be a string", *f);
		if ((err = fd_check_set(&ck, *f, text, x->msg,
		    sizeof(x->msg))) != FD_OK)
			return err;
	}
	if (json_object_get(x->args, "timeout") == NULL)
		fd_check_default_timeout(&ck);
	if ((err = fd_change_app_check(&x->chg, name, &ck,
	    x->env->cfg->health_min_interval_ms)) != FD_OK)
		return err;
	return render_app(x, name, result);
}

/*
 * The app's check, its stored health (and whether fresh probes since
 * start confirm it), and what the prober knows of each endpoint now.
 */
static enum fd_err
cmd_app_health(struct cmd_ctx *x, json_t **result)
{
	struct fd_app_view v;
	struct fd_check ck;
	struct fd_health_rec h;
	const char *name;
	json_t *live = NULL;
	enum fd_err err;

	if ((err = arg_str(x, "name", true, &name)) != FD_OK ||
	    (err = find_app(x, name, &v)) != FD_OK)
		return err;
	if ((err = fd_check_get(x->env->st, x->txn, name, strlen(name), &ck)) ==
	    FD_ENOTFOUND)
		fd_check_defaults(&ck);
	else if (err != FD_OK)
		ERR(x, err, "app %s: its check: %s", name, fd_strerror(err));
	if ((err = fd_health_get(x->env->st, x->txn, name, strlen(name), &h)) !=
	    FD_OK)
		ERR(x, err, "app %s: its health: %s", name, fd_strerror(err));
	if (x->env->health != NULL)
		live = fd_health_app_json(x->env->health, name);
	*result = json_pack("{s:s, s:o, s:o, s:b}", "name", name,
	    "check", fd_check_json(&ck), "health", fd_health_json(&h),
	    "confirmed", x->env->health != NULL &&
	    fd_health_fresh(x->env->health, name));
	json_object_set_new(*result, "endpoints", live != NULL ?
	    json_incref(json_object_get(live, "endpoints")) : json_array());
	json_object_set_new(*result, "resolving", live != NULL ?
	    json_incref(json_object_get(live, "resolving")) : json_null());
	json_decref(live);
	return FD_OK;
}

static enum fd_err
cmd_app_remove(struct cmd_ctx *x, json_t **result)
{
	const char *name;
	enum fd_err err;

	if ((err = arg_str(x, "name", true, &name)) != FD_OK ||
	    (err = fd_change_app_remove(&x->chg, name)) != FD_OK)
		return err;
	*result = json_pack("{s:s}", "name", name);
	return FD_OK;
}

/*
 * A page of a whole database in key order, from just after args.after,
 * at most args.limit records.  Paging keeps one request from rendering a
 * million records into one response (and the control loop busy for that
 * long); "next" is the key to pass as after, null on the last page.
 */
#define LIST_PAGE_DEFAULT 1000
#define LIST_PAGE_MAX 10000

static enum fd_err
list_db(struct cmd_ctx *x, enum fd_store_db db, const char *key,
    json_t **result)
{
	const char *origin = x->env->cfg->origin;
	const char *after;
	char last[FD_LABEL_MAX];
	size_t last_len = 0;
	json_t *arr, *next = json_null();
	struct fd_cursor cur;
	struct fd_kv kv;
	uint32_t limit = LIST_PAGE_DEFAULT;
	bool given;
	enum fd_err err;

	if ((err = arg_str(x, "after", false, &after)) != FD_OK ||
	    (err = arg_u32(x, "limit", LIST_PAGE_MAX, &given, &limit)) != FD_OK)
		return err;
	if (limit == 0)
		ERR(x, FD_EINVAL, "limit must be at least 1");
	if ((err = fd_cursor_open(x->env->st, x->txn, db, &cur)) != FD_OK)
		ERR(x, err, "%s", fd_strerror(err));
	arr = json_array();
	for (err = fd_cursor_seek(&cur, after, after ? strlen(after) : 0, true,
	    &kv); err == FD_OK; err = fd_cursor_next(&cur, &kv)) {
		if (json_array_size(arr) == limit) {
			/* more remain: the page ends at the last key sent */
			next = json_stringn(last, last_len);
			break;
		}
		/* keys are app names or labels: at most 63 bytes */
		last_len = kv.key_len < sizeof(last) ? kv.key_len : sizeof(last);
		memcpy(last, kv.key, last_len);
		if (db == FD_DB_APPS) {
			struct fd_app_view a;

			if (fd_app_decode(kv.val, kv.val_len, &a) != FD_OK)
				continue;
			a.name = kv.key;
			a.name_len = kv.key_len;
			json_array_append_new(arr, fd_json_app_full(x->env->st,
			    x->txn, &a, origin));
		} else {
			struct fd_group_view g;

			if (fd_group_decode(kv.val, kv.val_len, &g) != FD_OK)
				continue;
			g.label = kv.key;
			g.label_len = kv.key_len;
			json_array_append_new(arr, fd_json_group_full(
			    x->env->st, x->txn, &g, origin));
		}
	}
	fd_cursor_close(&cur);
	*result = json_pack("{s:o, s:o}", key, arr, "next", next);
	return FD_OK;
}

/*
 * "followers": [{address, label, role, active}, ...] in label order, from
 * just after args.after, at most args.limit; "next" as in list_db.
 */
static enum fd_err
followers_page(struct cmd_ctx *x, const char *name, json_t *app)
{
	const char *origin = x->env->cfg->origin;
	char fqdn[FD_DNAME_TEXT_MAX + FD_LABEL_MAX + 2];
	const char *after;
	json_t *arr, *next = json_null();
	struct fd_followers w;
	struct fd_follower f;
	struct fd_group_view g;
	uint32_t limit = LIST_PAGE_DEFAULT;
	bool given;
	enum fd_err err;

	if ((err = arg_str(x, "after", false, &after)) != FD_OK ||
	    (err = arg_u32(x, "limit", LIST_PAGE_MAX, &given, &limit)) != FD_OK)
		return err;
	if (limit == 0)
		ERR(x, FD_EINVAL, "limit must be at least 1");
	arr = json_array();
	for (err = fd_followers_first(x->env->st, x->txn, name, after, &w, &f);
	    err == FD_OK; err = fd_followers_next(&w, &f)) {
		if (json_array_size(arr) == limit) {
			/* more remain: the page ends at the last label sent */
			next = json_incref(json_object_get(json_array_get(arr,
			    limit - 1), "label"));
			break;
		}
		snprintf(fqdn, sizeof(fqdn), "%.*s.%s", (int)f.label_len,
		    f.label, origin);
		/* the index and the group are one snapshot: it is there */
		err = fd_store_get_group(x->env->st, x->txn, f.label,
		    f.label_len, &g);
		if (err != FD_OK)
			break;
		json_array_append_new(arr, json_pack("{s:s, s:s%, s:s, s:b}",
		    "address", fqdn, "label", f.label, f.label_len,
		    "role", f.role == FD_SIDE_BACKUP ? "backup" : "primary",
		    "active", g.active == f.role));
	}
	fd_followers_close(&w);
	if (err != FD_OK && err != FD_ENOTFOUND) {
		json_decref(arr);
		json_decref(next);
		ERR(x, err, "app %s: %s", name, fd_strerror(err));
	}
	json_object_set_new(app, "followers", arr);
	json_object_set_new(app, "next", next);
	return FD_OK;
}

static enum fd_err
cmd_app_list(struct cmd_ctx *x, json_t **result)
{
	return list_db(x, FD_DB_APPS, "apps", result);
}

static enum fd_err
cmd_group_list(struct cmd_ctx *x, json_t **result)
{
	return list_db(x, FD_DB_GROUPS, "groups", result);
}

static enum fd_err
cmd_group_create(struct cmd_ctx *x, json_t **result)
{
	const char *label, *primary, *backup;
	char out[FD_LABEL_MAX + 1];
	bool ttl_given;
	uint32_t ttl = 0;
	enum fd_err err;

	if ((err = arg_str(x, "label", false, &label)) != FD_OK ||
	    (err = arg_str(x, "primary", false, &primary)) != FD_OK ||
	    (err = arg_str(x, "backup", false, &backup)) != FD_OK ||
	    (err = arg_u32(x, "ttl", FD_TTL_MAX, &ttl_given, &ttl)) != FD_OK)
		return err;
	err = fd_change_group_create(&x->chg, label, primary, backup, ttl_given,
	    ttl, x->env->cfg->ttl, out);
	if (err != FD_OK)
		return err;
	return render_group(x, out, result);
}

static enum fd_err
cmd_group_show(struct cmd_ctx *x, json_t **result)
{
	char label[FD_LABEL_MAX + 1];
	enum fd_err err;

	if ((err = arg_address(x, label)) != FD_OK)
		return err;
	return render_group(x, label, result);
}

/*
 * policy (manual|auto), failback (bool), hold (seconds), both_down
 * (keep|primary): the policy is set whole when policy is given, what is
 * not given taking its default; the others alone are refused, so a
 * script that sets a policy always says which.
 */
static enum fd_err
arg_policy(struct cmd_ctx *x, struct fd_policy *p, bool *given)
{
	const char *mode, *both;
	json_t *fb = json_object_get(x->args, "failback");
	bool hold_given;
	enum fd_err err;

	*given = false;
	fd_policy_defaults(p);
	if ((err = arg_str(x, "policy", false, &mode)) != FD_OK ||
	    (err = arg_str(x, "both_down", false, &both)) != FD_OK ||
	    (err = arg_u32(x, "hold", FD_POLICY_HOLD_MAX, &hold_given,
	    &p->hold)) != FD_OK)
		return err;
	if (mode == NULL) {
		if (fb != NULL || hold_given || both != NULL)
			ERR(x, FD_EINVAL, "failback, hold and both-down are "
			    "parts of a policy: give --policy too");
		return FD_OK;
	}
	if (!fd_policy_mode_parse(mode, &p->mode))
		ERR(x, FD_EINVAL, "policy must be manual or auto, not '%s'", mode);
	if (fb != NULL && !json_is_boolean(fb))
		ERR(x, FD_EINVAL, "argument 'failback' must be true or false");
	p->failback = json_is_true(fb);
	if (hold_given && !p->failback)
		ERR(x, FD_EINVAL, "--hold is how long failback waits: give "
		    "--failback too");
	if (both != NULL && !fd_both_down_parse(both, &p->both_down))
		ERR(x, FD_EINVAL, "both-down must be keep or primary, not '%s'",
		    both);
	if (p->mode == FD_POLICY_MANUAL && (p->failback || both != NULL))
		ERR(x, FD_EINVAL, "failback and both-down are for policy auto");
	*given = true;
	return FD_OK;
}

static enum fd_err
cmd_group_set(struct cmd_ctx *x, json_t **result)
{
	char label[FD_LABEL_MAX + 1];
	struct fd_app_ref primary, backup;
	struct fd_policy policy;
	bool ttl_given, policy_given;
	uint32_t ttl = 0;
	enum fd_err err;

	if ((err = arg_address(x, label)) != FD_OK ||
	    (err = arg_app_ref(x, "primary", &primary)) != FD_OK ||
	    (err = arg_app_ref(x, "backup", &backup)) != FD_OK ||
	    (err = arg_u32(x, "ttl", FD_TTL_MAX, &ttl_given, &ttl)) != FD_OK ||
	    (err = arg_policy(x, &policy, &policy_given)) != FD_OK ||
	    (err = fd_change_group_set_policy(&x->chg, label, primary, backup,
	    ttl_given, ttl, policy_given ? &policy : NULL)) != FD_OK)
		return err;
	return render_group(x, label, result);
}

static enum fd_err
cmd_group_switch(struct cmd_ctx *x, json_t **result)
{
	char label[FD_LABEL_MAX + 1];
	enum fd_switch_to to;
	enum fd_err err;

	if ((err = arg_address(x, label)) != FD_OK ||
	    (err = arg_side(x, &to)) != FD_OK)
		return err;
	if ((err = fd_change_group_switch(&x->chg, label, to)) != FD_OK)
		return err;
	return render_group(x, label, result);
}

static enum fd_err
cmd_group_delete(struct cmd_ctx *x, json_t **result)
{
	char label[FD_LABEL_MAX + 1];
	char fqdn[FD_DNAME_TEXT_MAX + FD_LABEL_MAX + 2];
	enum fd_err err;

	if ((err = arg_address(x, label)) != FD_OK ||
	    (err = fd_change_group_delete(&x->chg, label)) != FD_OK)
		return err;
	snprintf(fqdn, sizeof(fqdn), "%s.%s", label, x->env->cfg->origin);
	*result = json_pack("{s:s}", "address", fqdn);
	return FD_OK;
}

/*
 * Rows about a group (address), an app (app), or a name that may be
 * either (name, what flipctl sends: an app and a group may share a name,
 * and then the rows of both come back).
 */
static enum fd_err
cmd_history(struct cmd_ctx *x, json_t **result)
{
	char label[FD_LABEL_MAX + 1];
	struct fd_history_filter filter = {NULL, NULL};
	const char *app, *name;
	uint32_t limit = 50;
	bool given;
	json_t *rows;
	enum fd_err err;

	if (json_object_size(x->args) - (json_object_get(x->args, "limit") !=
	    NULL) > 1)
		ERR(x, FD_EINVAL, "give one of address, app and name");
	if (json_object_get(x->args, "address") != NULL) {
		if ((err = arg_address(x, label)) != FD_OK)
			return err;
		filter.label = label;
	}
	if ((err = arg_str(x, "app", false, &app)) != FD_OK ||
	    (err = arg_str(x, "name", false, &name)) != FD_OK ||
	    (err = arg_u32(x, "limit", 1000000, &given, &limit)) != FD_OK)
		return err;
	if (app != NULL && !fd_app_name_valid(app))
		ERR(x, FD_EINVAL, "'%s' is not a valid app name", app);
	filter.app = app;
	if (name != NULL) {
		if (fd_address_to_label(name, x->env->cfg->origin, label) ==
		    FD_OK)
			filter.label = label;
		if (fd_app_name_valid(name))
			filter.app = name;
		if (filter.label == NULL && filter.app == NULL)
			ERR(x, FD_EINVAL, "'%s' is neither an app name nor a "
			    "group address in %s", name, x->env->cfg->origin);
	}
	if ((rows = fd_history_list(x->env->st, x->txn, &filter, limit)) ==
	    NULL)
		ERR(x, FD_ESTORE, "cannot read history");
	*result = json_pack("{s:o}", "entries", rows);
	return FD_OK;
}

static size_t
db_count(struct cmd_ctx *x, enum fd_store_db db)
{
	return fd_store_count(x->env->st, x->txn, db);
}

static enum fd_err
cmd_status(struct cmd_ctx *x, json_t **result)
{
	*result = json_pack("{s:s, s:I, s:s, s:I, s:I, s:I, s:I}",
	    "version", FLIPDNS_VERSION,
	    "uptime", (json_int_t)(time(NULL) - x->env->started),
	    "zone", x->env->cfg->origin,
	    "serial", (json_int_t)fd_store_serial(x->env->st, x->txn),
	    "apps", (json_int_t)db_count(x, FD_DB_APPS),
	    "groups", (json_int_t)db_count(x, FD_DB_GROUPS),
	    "tombstones", (json_int_t)db_count(x, FD_DB_TOMBSTONES));
	return FD_OK;
}

static enum fd_err
cmd_import(struct cmd_ctx *x, json_t **result)
{
	const char *name;
	size_t napps = 0, ngroups = 0;
	enum fd_err err;

	if ((err = arg_str(x, "name", false, &name)) != FD_OK)
		return err;
	if (x->in == NULL)
		ERR(x, FD_EPROTO, "import needs the YAML document as payload");
	err = fd_import_yaml(&x->chg, name ? name : "import", x->in->data,
	    x->in->len, x->env->cfg->ttl, x->env->cfg->health_min_interval_ms,
	    &napps, &ngroups);
	if (err != FD_OK)
		return err;
	*result = json_pack("{s:I, s:I, s:I}", "apps", (json_int_t)napps,
	    "groups", (json_int_t)ngroups,
	    "serial", (json_int_t)fd_store_serial(x->env->st, x->txn));
	return FD_OK;
}

/*
 * The desired state in the payload, made so as one change (apply.h); with
 * dry_run the plan alone, nothing written.
 */
static enum fd_err
cmd_apply(struct cmd_ctx *x, json_t **result)
{
	struct fd_apply_result res;
	const char *name;
	json_t *dry = json_object_get(x->args, "dry_run");
	enum fd_err err;

	if ((err = arg_str(x, "name", false, &name)) != FD_OK)
		return err;
	if (dry != NULL && !json_is_boolean(dry))
		ERR(x, FD_EINVAL, "argument 'dry_run' must be true or false");
	if (x->in == NULL)
		ERR(x, FD_EPROTO, "apply needs the YAML document as payload");
	if ((err = fd_apply_yaml(&x->chg, name ? name : "apply", x->in->data,
	    x->in->len, x->env->cfg->ttl, json_is_true(dry), &res)) != FD_OK)
		return err;
	*result = json_pack("{s:b, s:o, s:b, s:I, s:I, s:I, s:I, s:I}",
	    "dry_run", json_is_true(dry), "plan", res.plan,
	    "plan_truncated", json_array_size(res.plan) == FD_APPLY_PLAN_MAX,
	    "created", (json_int_t)res.created,
	    "updated", (json_int_t)res.updated,
	    "deleted", (json_int_t)res.deleted,
	    "unchanged", (json_int_t)res.unchanged,
	    "serial", (json_int_t)fd_store_serial(x->env->st, x->txn));
	return FD_OK;
}

/*
 * The zone file itself streams after this line, from the same read
 * transaction (control.c, fd_zonefile_step): never whole in memory.
 */
/* "format": the master file (text, the default) or JSON lines. */
static const struct {
	const char *name;
	enum fd_zonefile_format format;
} zone_formats[] = {
	{"text", FD_ZONEFILE_TEXT},
	{"json", FD_ZONEFILE_JSON},
};

enum fd_zonefile_format
fd_command_zone_format(json_t *req)
{
	const char *name = json_string_value(json_object_get(
	    json_object_get(req, "args"), "format"));

	for (size_t i = 0; name != NULL &&
	    i < sizeof(zone_formats) / sizeof(zone_formats[0]); i++)
		if (strcmp(zone_formats[i].name, name) == 0)
			return zone_formats[i].format;
	return FD_ZONEFILE_TEXT;
}

static enum fd_err
cmd_export(struct cmd_ctx *x, json_t **result)
{
	const char *format;
	enum fd_err err;
	size_t i;

	if ((err = arg_str(x, "format", false, &format)) != FD_OK)
		return err;
	for (i = 0; format != NULL &&
	    i < sizeof(zone_formats) / sizeof(zone_formats[0]); i++)
		if (strcmp(zone_formats[i].name, format) == 0)
			break;
	if (format != NULL && i == sizeof(zone_formats) / sizeof(zone_formats[0]))
		ERR(x, FD_EINVAL, "'format' must be text or json, not '%s'",
		    format);
	*result = json_pack("{s:I}", "serial",
	    (json_int_t)fd_store_serial(x->env->st, x->txn));
	return FD_OK;
}

/* What flipdns knows of its secondaries (secondaries.h). */
static enum fd_err
cmd_secondaries(struct cmd_ctx *x, json_t **result)
{
	if (x->env->sec == NULL)
		ERR(x, FD_EREFUSED, "secondaries are not known here");
	*result = fd_secondaries_json(x->env->sec,
	    fd_store_serial(x->env->st, x->txn));
	return FD_OK;
}

/* Re-read the configuration: the daemon's, not the store's business. */
static enum fd_err
cmd_reload(struct cmd_ctx *x, json_t **result)
{
	char msg[sizeof(x->msg)];
	enum fd_err err;

	if (x->env->reload == NULL)
		ERR(x, FD_EREFUSED, "reload is not available here");
	if ((err = x->env->reload(x->env->reload_arg, msg, sizeof(msg))) !=
	    FD_OK)
		ERR(x, err, "%s", msg);
	*result = json_pack("{s:s}", "message", msg);
	return FD_OK;
}

/* The metrics (metrics.h), as JSON. */
static enum fd_err
cmd_stats(struct cmd_ctx *x, json_t **result)
{
	if (x->env->metrics == NULL)
		ERR(x, FD_EREFUSED, "stats are not available here");
	*result = fd_metrics_json(x->env->metrics);
	return FD_OK;
}

/*
 * The copy itself streams after this line (control_stream.c); it is of
 * the snapshot this serial was read from: the copy's read transaction
 * begins before the main loop can commit anything else.
 */
static enum fd_err
cmd_backup(struct cmd_ctx *x, json_t **result)
{
	*result = json_pack("{s:I}", "serial",
	    (json_int_t)fd_store_serial(x->env->st, x->txn));
	return FD_OK;
}

/*
 * A token for the HTTP API: its secret is in this response and nowhere
 * else (tokens.h).  The control socket is the only way to make one: the
 * HTTP API has no route to the token commands.
 */
static enum fd_err
cmd_token_create(struct cmd_ctx *x, json_t **result)
{
	char secret[FD_TOKEN_SECRET_LEN + 1];
	enum fd_token_role role;
	const char *name, *rs;
	enum fd_err err;

	if ((err = arg_str(x, "name", true, &name)) != FD_OK ||
	    (err = arg_str(x, "role", true, &rs)) != FD_OK)
		return err;
	if (fd_token_role_parse(rs, &role) != FD_OK)
		ERR(x, FD_EINVAL, "role must be read or write, not '%s'", rs);
	if ((err = fd_token_create(&x->chg, name, role, secret)) != FD_OK)
		return err;
	*result = json_pack("{s:s, s:s, s:s}", "name", name, "role", rs,
	    "token", secret);
	memset(secret, 0, sizeof(secret));
	return FD_OK;
}

static enum fd_err
cmd_token_list(struct cmd_ctx *x, json_t **result)
{
	*result = json_pack("{s:o}", "tokens", fd_token_list(x->env->st,
	    x->txn));
	return FD_OK;
}

static enum fd_err
cmd_token_revoke(struct cmd_ctx *x, json_t **result)
{
	const char *name;
	enum fd_err err;

	if ((err = arg_str(x, "name", true, &name)) != FD_OK ||
	    (err = fd_token_revoke(&x->chg, name)) != FD_OK)
		return err;
	*result = json_pack("{s:s}", "name", name);
	return FD_OK;
}

static const char *const args_none[] = {NULL};
static const char *const args_app_write[] = {"name", "cname", "addrs", NULL};
static const char *const args_name[] = {"name", NULL};
static const char *const args_app_show[] = {"name", "after", "limit", NULL};
static const char *const args_group_create[] = {"primary", "backup", "ttl",
    "label", NULL};
static const char *const args_address[] = {"address", NULL};
static const char *const args_group_set[] = {"address", "primary", "backup",
    "ttl", "policy", "failback", "hold", "both_down", NULL};
static const char *const args_app_check[] = {"name", "type", "port", "path",
    "host", "expect", "body", "interval", "timeout", "fall", "rise", NULL};
static const char *const args_group_switch[] = {"address", "to", NULL};
static const char *const args_app_failover[] = {"name", "to", NULL};
static const char *const args_history[] = {"address", "app", "name",
    "limit", NULL};
static const char *const args_import[] = {"name", NULL};
static const char *const args_apply[] = {"name", "dry_run", NULL};
static const char *const args_list[] = {"after", "limit", NULL};
static const char *const args_token_create[] = {"name", "role", NULL};
static const char *const args_export[] = {"format", NULL};

static const struct fd_command cmd_table[] = {
	{"app.add", cmd_app_add, CMD_WRITE, args_app_write},
	{"app.set", cmd_app_set, CMD_WRITE, args_app_write},
	{"app.list", cmd_app_list, CMD_READ, args_list},
	{"app.show", cmd_app_show, CMD_READ, args_app_show},
	{"app.remove", cmd_app_remove, CMD_WRITE, args_name},
	{"app.failover", cmd_app_failover, CMD_WRITE, args_app_failover},
	{"app.status", cmd_app_status, CMD_READ, args_name},
	{"app.check", cmd_app_check, CMD_WRITE, args_app_check},
	{"app.health", cmd_app_health, CMD_READ, args_name},
	{"group.create", cmd_group_create, CMD_WRITE, args_group_create},
	{"group.list", cmd_group_list, CMD_READ, args_list},
	{"group.show", cmd_group_show, CMD_READ, args_address},
	{"group.set", cmd_group_set, CMD_WRITE, args_group_set},
	{"group.switch", cmd_group_switch, CMD_WRITE, args_group_switch},
	{"group.delete", cmd_group_delete, CMD_WRITE, args_address},
	{"history", cmd_history, CMD_READ, args_history},
	{"status", cmd_status, CMD_READ, args_none},
	{"import", cmd_import, CMD_WRITE, args_import},
	{"apply", cmd_apply, CMD_TRIAL, args_apply},
	{"export", cmd_export, CMD_STREAM, args_export},
	{"reload", cmd_reload, CMD_READ, args_none},
	{"stats", cmd_stats, CMD_READ, args_none},
	{"secondaries", cmd_secondaries, CMD_READ, args_none},
	{"backup", cmd_backup, CMD_COPY, args_none},
	{"token.create", cmd_token_create, CMD_WRITE, args_token_create},
	{"token.list", cmd_token_list, CMD_READ, args_none},
	{"token.revoke", cmd_token_revoke, CMD_WRITE, args_name},
};

/*
 * A message can quote an import file, which need not be UTF-8, and jansson
 * takes only UTF-8 strings: refused, the message goes out with every byte
 * outside ASCII shown as '?', rather than the request going unanswered.
 */
json_t *
fd_command_error(json_t *id, enum fd_err err, const char *msg)
{
	char ascii[1024];
	json_t *m;
	size_t i;

	if (msg == NULL)
		msg = fd_strerror(err);
	if ((m = json_string(msg)) == NULL) {
		for (i = 0; msg[i] != '\0' && i < sizeof(ascii) - 1; i++)
			ascii[i] = (unsigned char)msg[i] < 0x80 ? msg[i] : '?';
		ascii[i] = '\0';
		m = json_string(ascii);
	}
	return json_pack("{s:i, s:O, s:b, s:{s:s, s:o}}", "v", FD_PROTO_VERSION,
	    "id", id ? id : json_null(), "ok", 0, "error",
	    "code", fd_err_code(err), "message", m);
}

static const struct fd_command *
cmd_find(const char *name)
{
	for (size_t i = 0; i < sizeof(cmd_table) / sizeof(cmd_table[0]); i++)
		if (strcmp(cmd_table[i].name, name) == 0)
			return &cmd_table[i];
	return NULL;
}

static enum fd_err
check_args(struct cmd_ctx *x, const struct fd_command *row)
{
	const char *key;
	json_t *val;

	json_object_foreach(x->args, key, val) {
		bool known = false;

		for (const char *const *a = row->args; *a != NULL; a++)
			if (strcmp(*a, key) == 0)
				known = true;
		if (!known)
			ERR(x, FD_EPROTO, "%s takes no argument '%s'", row->name, key);
	}
	return FD_OK;
}

json_t *
fd_command_decode(json_t *req, const struct fd_command **cmd)
{
	const struct fd_command *row;
	struct cmd_ctx x;
	json_t *id, *v;
	const char *name;
	enum fd_err err;

	*cmd = NULL;
	if (!json_is_object(req))
		return fd_command_error(NULL, FD_EPROTO, "a request is a JSON object");
	id = json_object_get(req, "id");
	v = json_object_get(req, "v");
	if (v != NULL && (!json_is_integer(v) ||
	    json_integer_value(v) != FD_PROTO_VERSION))
		return fd_command_error(id, FD_EPROTO,
		    "unsupported protocol version (this daemon speaks 1)");
	name = json_string_value(json_object_get(req, "cmd"));
	if (name == NULL)
		return fd_command_error(id, FD_EPROTO, "missing 'cmd' string");
	memset(&x, 0, sizeof(x));
	if ((row = cmd_find(name)) == NULL) {
		snprintf(x.msg, sizeof(x.msg), "unknown command '%s'", name);
		return fd_command_error(id, FD_EPROTO, x.msg);
	}
	x.args = json_object_get(req, "args");
	if (x.args != NULL && !json_is_object(x.args))
		return fd_command_error(id, FD_EPROTO, "'args' must be an object");
	if (x.args != NULL && (err = check_args(&x, row)) != FD_OK)
		return fd_command_error(id, err, x.msg);
	*cmd = row;
	return NULL;
}

bool
fd_command_writes(const struct fd_command *cmd)
{
	return cmd->mode == CMD_WRITE || cmd->mode == CMD_TRIAL;
}

bool
fd_command_changes(const struct fd_command *cmd, json_t *req)
{
	return fd_command_writes(cmd) && (cmd->mode != CMD_TRIAL ||
	    !json_is_true(json_object_get(json_object_get(req, "args"),
	    "dry_run")));
}

bool
fd_command_streams(const struct fd_command *cmd)
{
	return fd_command_stream(cmd) != FD_STREAM_NONE;
}

enum fd_stream
fd_command_stream(const struct fd_command *cmd)
{
	return cmd->mode == CMD_STREAM ? FD_STREAM_ZONE :
	    cmd->mode == CMD_COPY ? FD_STREAM_COPY : FD_STREAM_NONE;
}

/* Run a decoded command's handler in x (txn, and chg for writes, set). */
static json_t *
command_exec(struct cmd_ctx *x, const struct fd_command *row, json_t *req,
    enum fd_err *errp)
{
	json_t *id = json_object_get(req, "id"), *result = NULL, *resp;
	struct fd_payload *out = x->out;
	enum fd_err err;

	out->data = NULL;
	out->len = 0;
	x->args = json_object_get(req, "args");
	x->args = x->args != NULL ? json_incref(x->args) : json_object();
	err = row->fn(x, &result);
	if (err != FD_OK && x->msg[0] == '\0')
		snprintf(x->msg, sizeof(x->msg), "%s", x->chg.msg[0] ?
		    x->chg.msg : fd_strerror(err));
	json_decref(x->args);
	*errp = err;
	if (err != FD_OK) {
		json_decref(result);
		free(out->data);
		out->data = NULL;
		out->len = 0;
		if (err == FD_EFULL)
			snprintf(x->msg, sizeof(x->msg), "store full: raise "
			    "storage.map_size");
		return fd_command_error(id, err, x->msg);
	}
	resp = json_pack("{s:i, s:O, s:b, s:o}", "v", FD_PROTO_VERSION,
	    "id", id ? id : json_null(), "ok", 1,
	    "result", result ? result : json_object());
	if (out->data != NULL)
		json_object_set_new(resp, "payload", json_integer(
		    (json_int_t)out->len));
	return resp;
}

json_t *
fd_command_read(const struct fd_cmd_env *env, const struct fd_command *cmd,
    MDB_txn *txn, json_t *req, const struct fd_payload *in,
    struct fd_payload *out)
{
	struct cmd_ctx x;
	enum fd_err err;

	memset(&x, 0, sizeof(x));
	x.env = env;
	x.txn = txn;
	x.in = in;
	x.out = out;
	return command_exec(&x, cmd, req, &err);
}

json_t *
fd_command_write(const struct fd_cmd_env *env, const struct fd_command *cmd,
    struct fd_change *c, json_t *req, const struct fd_payload *in,
    struct fd_payload *out, enum fd_err *err)
{
	struct cmd_ctx x;
	json_t *resp;

	memset(&x, 0, sizeof(x));
	x.env = env;
	x.txn = c->txn;
	x.in = in;
	x.out = out;
	/*
	 * The handlers make their change in the context's own fd_change:
	 * the writer's, copied in and back, so they need not know who runs
	 * them.
	 */
	x.chg = *c;
	resp = command_exec(&x, cmd, req, err);
	*c = x.chg;
	return resp;
}
