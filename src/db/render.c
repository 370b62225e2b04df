/* render.c - apps and groups as JSON; see render.h. */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "flipdns/db/health.h"
#include "flipdns/db/render.h"

json_t *
fd_json_app(const struct fd_app_view *app, const char *origin)
{
	char text[FD_DNAME_TEXT_MAX + 32];
	json_t *o, *addrs;

	o = json_pack("{s:s%, s:s, s:I, s:I, s:I, s:I}",
	    "name", app->name, app->name_len,
	    "status", fd_app_status_name(fd_app_status_of(app)),
	    "groups", (json_int_t)app->ref_count,
	    "active_groups", (json_int_t)app->active_count,
	    "created", (json_int_t)app->created,
	    "updated", (json_int_t)app->updated);
	if (o == NULL)
		return NULL;
	snprintf(text, sizeof(text), "%s._status.%s", app->status_label, origin);
	json_object_set_new(o, "status_name", json_string(text));
	if (app->kind == FD_APP_CNAME) {
		if (fd_dname_to_text(app->cname_wire, app->cname_len, text,
		    sizeof(text)) < 0)
			text[0] = '\0';
		json_object_set_new(o, "cname", json_string(text));
		return o;
	}
	addrs = json_array();
	for (int i = 0; i < app->n4; i++) {
		inet_ntop(AF_INET, app->a4 + 4 * i, text, sizeof(text));
		json_array_append_new(addrs, json_string(text));
	}
	for (int i = 0; i < app->n6; i++) {
		inet_ntop(AF_INET6, app->a6 + 16 * i, text, sizeof(text));
		json_array_append_new(addrs, json_string(text));
	}
	json_object_set_new(o, "addrs", addrs);
	return o;
}

static json_t *
name_or_null(const char *s, size_t len)
{
	return s ? json_stringn(s, len) : json_null();
}

json_t *
fd_json_group(const struct fd_group_view *g, const char *origin)
{
	char fqdn[FD_DNAME_TEXT_MAX + FD_LABEL_MAX + 2];
	const char *active;
	size_t active_len;

	snprintf(fqdn, sizeof(fqdn), "%.*s.%s", (int)g->label_len, g->label,
	    origin);
	active = fd_side_app(g->active, g->primary, g->primary_len, g->backup,
	    g->backup_len, &active_len);
	return json_pack("{s:s, s:s%, s:o, s:o, s:s, s:o, s:I, s:I, s:I}",
	    "address", fqdn,
	    "label", g->label, g->label_len,
	    "primary", name_or_null(g->primary, g->primary_len),
	    "backup", name_or_null(g->backup, g->backup_len),
	    "active", g->active == FD_SIDE_BACKUP ? "backup" : "primary",
	    "active_app", name_or_null(active, active_len),
	    "ttl", (json_int_t)g->ttl,
	    "created", (json_int_t)g->created,
	    "updated", (json_int_t)g->updated);
}

json_t *
fd_json_app_full(const struct fd_store *st, MDB_txn *txn,
    const struct fd_app_view *app, const char *origin)
{
	struct fd_check ck;
	struct fd_health_rec h;
	json_t *o = fd_json_app(app, origin);

	if (o == NULL)
		return NULL;
	if (fd_check_get(st, txn, app->name, app->name_len, &ck) != FD_OK)
		fd_check_defaults(&ck);
	if (fd_health_get(st, txn, app->name, app->name_len, &h) != FD_OK)
		memset(&h, 0, sizeof(h));
	json_object_set_new(o, "check", fd_check_json(&ck));
	json_object_set_new(o, "health", fd_health_json(&h));
	return o;
}

json_t *
fd_json_group_full(const struct fd_store *st, MDB_txn *txn,
    const struct fd_group_view *g, const char *origin)
{
	struct fd_policy p;
	json_t *o = fd_json_group(g, origin);

	if (o == NULL)
		return NULL;
	if (fd_policy_get(st, txn, g->label, g->label_len, &p) != FD_OK)
		fd_policy_defaults(&p);
	json_object_set_new(o, "policy", fd_policy_json(&p));
	return o;
}
