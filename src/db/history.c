/* history.c - the change log and the zone serial; see history.h. */
#include <endian.h>
#include <stdlib.h>
#include <string.h>

#include "flipdns/db/history.h"

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

enum fd_err
fd_history_append(struct fd_store *st, MDB_txn *txn, uint64_t now, uid_t uid,
    const char *op, const char *subject, json_t *before, json_t *after,
    uint32_t *serial)
{
	json_t *row = NULL;
	char *text = NULL;
	uint64_t seq = 0, be;
	enum fd_err err;
	MDB_val k, v;

	if ((err = serial_bump(st, txn, serial)) != FD_OK ||
	    (err = next_seq(st, txn, &seq)) != FD_OK)
		goto out;
	row = json_pack("{s:I, s:I, s:I, s:s, s:s, s:o, s:o}",
	    "serial", (json_int_t)*serial, "time", (json_int_t)now,
	    "uid", (json_int_t)uid, "op", op, "subject", subject,
	    "before", before ? before : json_null(),
	    "after", after ? after : json_null());
	before = after = NULL;    /* json_pack "o" took them */
	if (row == NULL || (text = json_dumps(row, JSON_COMPACT)) == NULL) {
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
out:
	json_decref(before);
	json_decref(after);
	json_decref(row);
	free(text);
	return err;
}

json_t *
fd_history_list(const struct fd_store *st, MDB_txn *txn, const char *subject,
    unsigned limit)
{
	json_t *rows = json_array();
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
	    rc = mdb_cursor_get(cur, &k, &v, MDB_PREV)) {
		json_t *row = json_loadb(v.mv_data, v.mv_size, 0, NULL);
		const char *subj;

		if (row == NULL)
			continue;
		subj = json_string_value(json_object_get(row, "subject"));
		if (subject != NULL && (subj == NULL || strcmp(subj, subject) != 0)) {
			json_decref(row);
			continue;
		}
		json_array_append_new(rows, row);
	}
	mdb_cursor_close(cur);
	return rows;
}
