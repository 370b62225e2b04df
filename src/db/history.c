/* history.c - the change log, its retention and the zone serial; see history.h. */
#include <endian.h>
#include <stdlib.h>
#include <string.h>

#include "flipdns/db/history.h"

#define DAY 86400

static enum fd_err
serial_bump(struct fd_store *st, MDB_txn *txn, uint32_t *serial)
{
	MDB_val k = {6, "serial"}, v;
	uint32_t s = fd_store_serial(st, txn) + 1;

	if (s == 0)    /* RFC 1982 wraps; 0 reads as "unset" to some tools */
		s = 1;
	v.mv_size = sizeof(s);
	v.mv_data = &s;
	*serial = s;
	return fd_store_err(mdb_put(txn, fd_store_dbi(st, FD_DB_META), &k, &v, 0));
}

static enum fd_err
next_seq(struct fd_store *st, MDB_txn *txn, uint64_t *seq)
{
	MDB_cursor *cur;
	MDB_val k, v;
	uint64_t be;
	int rc;

	if ((rc = mdb_cursor_open(txn, fd_store_dbi(st, FD_DB_HISTORY), &cur)) != 0)
		return fd_store_err(rc);
	rc = mdb_cursor_get(cur, &k, &v, MDB_LAST);
	mdb_cursor_close(cur);
	if (rc == MDB_NOTFOUND) {
		*seq = 1;
		return FD_OK;
	}
	if (rc != 0 || k.mv_size != sizeof(be))
		return FD_ESTORE;
	memcpy(&be, k.mv_data, sizeof(be));
	*seq = be64toh(be) + 1;
	return FD_OK;
}

/* A row's "time", or 0 when it cannot be read. */
static uint64_t
row_time(const MDB_val *v)
{
	json_t *row = json_loadb(v->mv_data, v->mv_size, 0, NULL);
	json_int_t t = json_integer_value(json_object_get(row, "time"));

	json_decref(row);
	return t > 0 ? (uint64_t)t : 0;
}

/*
 * Retention: delete the oldest rows while there are more than keep_rows,
 * or while the oldest is older than keep_days, at most
 * FD_HISTORY_TRIM_MAX of them, and never the last row (the one just
 * appended).  A row whose time cannot be read goes only by count.
 */
static enum fd_err
history_trim(struct fd_store *st, MDB_txn *txn, uint64_t now)
{
	MDB_cursor *cur;
	MDB_val k, v;
	MDB_stat ms;
	uint32_t keep_rows, keep_days;
	uint64_t cutoff = 0;
	size_t rows;
	int rc, n;

	fd_store_history_keep(st, &keep_rows, &keep_days);
	if (keep_rows == 0 && keep_days == 0)
		return FD_OK;
	if (keep_days > 0 && now > (uint64_t)keep_days * DAY)
		cutoff = now - (uint64_t)keep_days * DAY;
	if ((rc = mdb_stat(txn, fd_store_dbi(st, FD_DB_HISTORY), &ms)) != 0)
		return fd_store_err(rc);
	rows = ms.ms_entries;
	if ((rc = mdb_cursor_open(txn, fd_store_dbi(st, FD_DB_HISTORY), &cur)) != 0)
		return fd_store_err(rc);
	for (n = 0; n < FD_HISTORY_TRIM_MAX && rows > 1; n++, rows--) {
		if ((rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST)) != 0)
			break;
		if (!(keep_rows > 0 && rows > keep_rows)) {
			uint64_t t = row_time(&v);

			if (cutoff == 0 || t == 0 || t >= cutoff)
				break;
		}
		if ((rc = mdb_cursor_del(cur, 0)) != 0)
			break;
	}
	mdb_cursor_close(cur);
	return rc == 0 || rc == MDB_NOTFOUND ? FD_OK : fd_store_err(rc);
}

enum fd_err
fd_history_append(struct fd_store *st, MDB_txn *txn, uint64_t now,
    const struct fd_actor *actor, const char *op, const char *subject,
    json_t *before, json_t *after, json_t *members, uint32_t *serial)
{
	json_t *row = NULL;
	char *text = NULL;
	uint64_t seq = 0, be;
	enum fd_err err;
	MDB_val k, v;

	if ((err = serial_bump(st, txn, serial)) != FD_OK ||
	    (err = next_seq(st, txn, &seq)) != FD_OK)
		goto out;
	row = json_pack("{s:I, s:I, s:o, s:o, s:s, s:s, s:o, s:o}",
	    "serial", (json_int_t)*serial, "time", (json_int_t)now,
	    "actor", actor->name[0] ? json_string(actor->name) : json_null(),
	    "uid", actor->uid == FD_ACTOR_NO_UID ? json_null() :
	    json_integer((json_int_t)actor->uid),
	    "op", op, "subject", subject,
	    "before", before ? before : json_null(),
	    "after", after ? after : json_null());
	before = after = NULL;    /* json_pack "o" took them */
	if (row == NULL || (members != NULL &&
	    json_object_update(row, members) != 0) ||
	    (text = json_dumps(row, JSON_COMPACT)) == NULL) {
		err = FD_ENOMEM;
		goto out;
	}
	be = htobe64(seq);
	k.mv_size = sizeof(be);
	k.mv_data = &be;
	v.mv_size = strlen(text);
	v.mv_data = text;
	err = fd_store_err(mdb_put(txn, fd_store_dbi(st, FD_DB_HISTORY), &k, &v,
	    MDB_APPEND));
	if (err == FD_OK)
		err = history_trim(st, txn, now);
out:
	json_decref(before);
	json_decref(after);
	json_decref(members);
	json_decref(row);
	free(text);
	return err;
}

/* Does list (an array, or an object's keys) hold name? */
static bool
names(json_t *list, const char *name)
{
	json_t *e;
	size_t i;

	if (json_is_object(list))
		return json_object_get(list, name) != NULL;
	json_array_foreach(list, i, e)
		if (json_is_string(e) && strcmp(json_string_value(e), name) == 0)
			return true;
	return false;
}

/* The row is about name: op of that kind on it, or name in its list. */
static bool
about(json_t *row, const char *name, const char *op_prefix,
    const char *list, const char *cut)
{
	const char *op = json_string_value(json_object_get(row, "op"));
	const char *subj = json_string_value(json_object_get(row, "subject"));

	if (op != NULL && subj != NULL &&
	    strncmp(op, op_prefix, strlen(op_prefix)) == 0 &&
	    strcmp(subj, name) == 0)
		return true;
	return names(json_object_get(row, list), name) ||
	    json_is_true(json_object_get(row, cut));
}

/*
 * Labels and app names are [a-z0-9-], written into rows as plain JSON
 * strings, so a row that is about one holds it in quotes: a row whose
 * text lacks "name" is skipped without parsing it.
 */
static bool
may_name(const MDB_val *v, const char *name)
{
	char quoted[FD_LABEL_MAX + FD_APP_NAME_MAX + 3];
	size_t len = strlen(name);

	if (len > sizeof(quoted) - 3)
		return false;
	quoted[0] = '"';
	memcpy(quoted + 1, name, len);
	quoted[len + 1] = '"';
	return memmem(v->mv_data, v->mv_size, quoted, len + 2) != NULL ||
	    memmem(v->mv_data, v->mv_size, "_truncated\"", 11) != NULL;
}

static bool
row_passes(const MDB_val *v, const struct fd_history_filter *f, json_t **out)
{
	json_t *row;

	*out = NULL;
	if (f != NULL && (f->label != NULL || f->app != NULL) &&
	    !(f->label != NULL && may_name(v, f->label)) &&
	    !(f->app != NULL && may_name(v, f->app)))
		return false;
	if ((row = json_loadb(v->mv_data, v->mv_size, 0, NULL)) == NULL)
		return false;
	if (f == NULL || (f->label == NULL && f->app == NULL) ||
	    (f->label != NULL && about(row, f->label, "group.", "moved",
	    "moved_truncated")) ||
	    (f->app != NULL && about(row, f->app, "app.", "status",
	    "status_truncated"))) {
		*out = row;
		return true;
	}
	json_decref(row);
	return false;
}

json_t *
fd_history_list(const struct fd_store *st, MDB_txn *txn,
    const struct fd_history_filter *filter, unsigned limit)
{
	json_t *rows = json_array(), *row;
	MDB_cursor *cur;
	MDB_val k, v;
	int rc;

	if (rows == NULL)
		return NULL;
	if (mdb_cursor_open(txn, fd_store_dbi(st, FD_DB_HISTORY), &cur) != 0) {
		json_decref(rows);
		return NULL;
	}
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_LAST);
	    rc == 0 && json_array_size(rows) < limit;
	    rc = mdb_cursor_get(cur, &k, &v, MDB_PREV))
		if (row_passes(&v, filter, &row))
			json_array_append_new(rows, row);
	mdb_cursor_close(cur);
	return rows;
}
