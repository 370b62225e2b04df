/* journal.c - the IXFR journal table; see journal.h. */
#include <endian.h>
#include <stdlib.h>
#include <string.h>

#include "flipdns/db/journal.h"

static void
put32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = (v >> 16) & 0xff;
	p[2] = (v >> 8) & 0xff;
	p[3] = v & 0xff;
}

static uint32_t
get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

static enum fd_err
seq_of(const MDB_val *k, uint64_t *seq)
{
	uint64_t be;

	if (k->mv_size != sizeof(be))
		return FD_EVERSION;
	memcpy(&be, k->mv_data, sizeof(be));
	*seq = be64toh(be);
	return FD_OK;
}

static enum fd_err
decode(const MDB_val *v, struct fd_journal_delta *d)
{
	const uint8_t *p = v->mv_data;
	uint32_t rlen;

	if (v->mv_size < FD_JOURNAL_HEAD || p[0] != FD_JOURNAL_VERSION)
		return FD_EVERSION;
	d->from = get32(p + 1);
	d->to = get32(p + 5);
	d->nremoved = get32(p + 9);
	d->nadded = get32(p + 13);
	rlen = get32(p + 17);
	if (rlen > v->mv_size - FD_JOURNAL_HEAD)
		return FD_EVERSION;
	d->removed = p + FD_JOURNAL_HEAD;
	d->removed_len = rlen;
	d->added = d->removed + rlen;
	d->added_len = v->mv_size - FD_JOURNAL_HEAD - rlen;
	return FD_OK;
}

/* Drop the oldest entries until at most max are left. */
static enum fd_err
trim(struct fd_store *st, MDB_txn *txn, uint32_t max)
{
	MDB_dbi dbi = fd_store_dbi(st, FD_DB_JOURNAL);
	MDB_cursor *cur;
	MDB_stat ms;
	MDB_val k, v;
	size_t n;
	int rc;

	if ((rc = mdb_stat(txn, dbi, &ms)) != 0)
		return fd_store_err(rc);
	if (ms.ms_entries <= max)
		return FD_OK;
	n = ms.ms_entries - max;
	if ((rc = mdb_cursor_open(txn, dbi, &cur)) != 0)
		return fd_store_err(rc);
	while (n-- > 0 && (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST)) == 0)
		if ((rc = mdb_cursor_del(cur, 0)) != 0)
			break;
	mdb_cursor_close(cur);
	return rc == MDB_NOTFOUND ? FD_OK : fd_store_err(rc);
}

enum fd_err
fd_journal_append(struct fd_store *st, MDB_txn *txn, uint32_t from,
    uint32_t to, const uint8_t *removed, size_t removed_len,
    uint32_t nremoved, const uint8_t *added, size_t added_len,
    uint32_t nadded, uint32_t max)
{
	MDB_dbi dbi = fd_store_dbi(st, FD_DB_JOURNAL);
	MDB_cursor *cur;
	MDB_val k, v;
	uint64_t seq = 1, be;
	uint8_t *p;
	int rc;

	if (max == 0)
		return fd_journal_clear(st, txn);
	if (removed_len > UINT32_MAX || removed_len + added_len >
	    SIZE_MAX - FD_JOURNAL_HEAD)
		return FD_EINVAL;
	if ((rc = mdb_cursor_open(txn, dbi, &cur)) != 0)
		return fd_store_err(rc);
	rc = mdb_cursor_get(cur, &k, &v, MDB_LAST);
	mdb_cursor_close(cur);
	if (rc == 0) {
		if (seq_of(&k, &seq) != FD_OK)
			return FD_EVERSION;
		seq++;
	} else if (rc != MDB_NOTFOUND)
		return fd_store_err(rc);
	be = htobe64(seq);
	k.mv_size = sizeof(be);
	k.mv_data = &be;
	v.mv_size = FD_JOURNAL_HEAD + removed_len + added_len;
	/* MDB_RESERVE: written in place, no copy of a big delta */
	if ((rc = mdb_put(txn, dbi, &k, &v, MDB_APPEND | MDB_RESERVE)) != 0)
		return fd_store_err(rc);
	p = v.mv_data;
	p[0] = FD_JOURNAL_VERSION;
	put32(p + 1, from);
	put32(p + 5, to);
	put32(p + 9, nremoved);
	put32(p + 13, nadded);
	put32(p + 17, (uint32_t)removed_len);
	if (removed_len > 0)
		memcpy(p + FD_JOURNAL_HEAD, removed, removed_len);
	if (added_len > 0)
		memcpy(p + FD_JOURNAL_HEAD + removed_len, added, added_len);
	return trim(st, txn, max);
}

enum fd_err
fd_journal_clear(struct fd_store *st, MDB_txn *txn)
{
	return fd_store_err(mdb_drop(txn, fd_store_dbi(st, FD_DB_JOURNAL), 0));
}

enum fd_err
fd_journal_get(const struct fd_store *st, MDB_txn *txn, uint64_t seq,
    struct fd_journal_delta *d)
{
	uint64_t be = htobe64(seq);
	MDB_val k = {sizeof(be), &be}, v;
	int rc;

	if ((rc = mdb_get(txn, fd_store_dbi(st, FD_DB_JOURNAL), &k, &v)) != 0)
		return fd_store_err(rc);
	return decode(&v, d);
}

enum fd_err
fd_journal_find(const struct fd_store *st, MDB_txn *txn, uint32_t from,
    uint32_t to, uint64_t *seq)
{
	struct fd_journal_delta d;
	MDB_cursor *cur;
	MDB_val k, v;
	uint32_t want = to;     /* the serial the next older delta must reach */
	enum fd_err err = FD_ENOTFOUND;
	int rc;

	if ((rc = mdb_cursor_open(txn, fd_store_dbi(st, FD_DB_JOURNAL),
	    &cur)) != 0)
		return fd_store_err(rc);
	/* Newest first: each delta must end where the later one starts. */
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_LAST); rc == 0;
	    rc = mdb_cursor_get(cur, &k, &v, MDB_PREV)) {
		if (decode(&v, &d) != FD_OK || d.to != want)
			break;
		if (d.from == from) {
			err = seq_of(&k, seq);
			break;
		}
		want = d.from;
	}
	if (rc != 0 && rc != MDB_NOTFOUND)
		err = fd_store_err(rc);
	mdb_cursor_close(cur);
	return err;
}

size_t
fd_journal_count(const struct fd_store *st, MDB_txn *txn)
{
	MDB_stat ms;

	if (mdb_stat(txn, fd_store_dbi(st, FD_DB_JOURNAL), &ms) != 0)
		return 0;
	return ms.ms_entries;
}
