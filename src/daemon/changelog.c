/* changelog.c - a log line per committed change; see changelog.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flipdns/daemon/changelog.h"
#include "flipdns/db/history.h"
#include "flipdns/db/txn.h"
#include "flipdns/util/log.h"

/* Bookkeeping fields that change with everything and say nothing. */
static const char *const quiet_keys[] = {"created", "updated", NULL};

static bool
quiet(const char *key)
{
	for (const char *const *q = quiet_keys; *q != NULL; q++)
		if (strcmp(*q, key) == 0)
			return true;
	return false;
}

/* A value as short text: strings bare, null as "none", the rest JSON. */
static void
value_text(const json_t *v, char *buf, size_t len)
{
	char *t;

	if (v == NULL || json_is_null(v))
		snprintf(buf, len, "none");
	else if (json_is_string(v))
		snprintf(buf, len, "%s", json_string_value(v));
	else if ((t = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY)) != NULL) {
		snprintf(buf, len, "%s", t);
		free(t);
	} else
		snprintf(buf, len, "?");
}

/* Append "key a -> b" to buf at *at, ", "-separated; false when full. */
static bool
diff_one(char *buf, size_t len, size_t *at, const char *key,
    const json_t *a, const json_t *b)
{
	char av[256], bv[256];
	int n;

	value_text(a, av, sizeof(av));
	value_text(b, bv, sizeof(bv));
	n = snprintf(buf + *at, len - *at, "%s%s %s -> %s", *at ? ", " : "",
	    key, av, bv);
	if (n < 0 || (size_t)n >= len - *at) {
		/* cut short, and say so */
		if (len >= 4)
			memcpy(buf + len - 4, "...", 4);
		return false;
	}
	*at += (size_t)n;
	return true;
}

void
fd_changelog_diff(const json_t *before, const json_t *after, char *buf,
    size_t len)
{
	const char *key;
	json_t *v;
	size_t at = 0;

	buf[0] = '\0';
	if (!json_is_object(before) && !json_is_object(after)) {
		snprintf(buf, len, "no details");
		return;
	}
	if (!json_is_object(before)) {
		snprintf(buf, len, "created");
		return;
	}
	if (!json_is_object(after)) {
		snprintf(buf, len, "deleted");
		return;
	}
	json_object_foreach((json_t *)after, key, v) {
		json_t *old = json_object_get(before, key);

		if (quiet(key) || (old != NULL && json_equal(old, v)))
			continue;
		if (!diff_one(buf, len, &at, key, old, v))
			return;
	}
	/* keys that went away */
	json_object_foreach((json_t *)before, key, v) {
		if (quiet(key) || json_object_get(after, key) != NULL)
			continue;
		if (!diff_one(buf, len, &at, key, v, NULL))
			return;
	}
	if (at == 0)
		snprintf(buf, len, "no visible change");
}

/* Who made it: the actor's name, or the uid of rows that have no name. */
static void
actor_text(const json_t *row, char *buf, size_t len)
{
	const json_t *actor = json_object_get(row, "actor");
	const char *name = json_string_value(json_object_get(actor, "name"));

	if (name == NULL)
		name = json_string_value(actor);
	if (name != NULL)
		snprintf(buf, len, "%s", name);
	else
		snprintf(buf, len, "uid %lld", (long long)json_integer_value(
		    json_object_get(row, "uid")));
}

void
fd_changelog_hook(void *arg, const struct fd_commit_info *ci)
{
	struct changelog_arg *cl = arg;
	struct fd_store *st = cl->st;
	char who[80], what[700];
	const char *why;
	MDB_txn *txn;
	json_t *rows, *row;
	size_t i;

	if (fd_txn_begin_read(st, &txn) != FD_OK) {
		log_warnx("changelog: cannot read the history");
		return;
	}
	/* each kept change wrote one history row: the newest ci->changes */
	rows = fd_history_list(st, txn, NULL, (unsigned)ci->changes);
	fd_txn_abort(txn);
	if (rows == NULL) {
		log_warnx("changelog: cannot read the history");
		return;
	}
	for (i = json_array_size(rows); i-- > 0;) {
		row = json_array_get(rows, i);
		actor_text(row, who, sizeof(who));
		fd_changelog_diff(json_object_get(row, "before"),
		    json_object_get(row, "after"), what, sizeof(what));
		cl->ms->changes++;
		if (strcmp(json_string_value(json_object_get(row, "op")) ?: "",
		    "group.switch") == 0)
			cl->ms->switches++;
		/* a change by a source inside the daemon says why */
		why = json_string_value(json_object_get(json_object_get(row,
		    "evidence"), "reason"));
		log_info("change: serial %lld by %s: %s %s: %s%s%s%s",
		    (long long)json_integer_value(json_object_get(row, "serial")),
		    who, json_string_value(json_object_get(row, "op")),
		    json_string_value(json_object_get(row, "subject")), what,
		    why ? " (" : "", why ? why : "", why ? ")" : "");
	}
	json_decref(rows);
}
