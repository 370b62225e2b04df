/*
 * xfr_journal.c - the IXFR journal's writer: the writer's pre-commit step
 * (writer.h).  See xfr_journal.h.
 *
 * For each name the batch touched, the record model renders its records
 * twice: in the snapshot from before the batch and in the batch's own
 * transaction.  Records only in the first were removed, records only in
 * the second added (a record is its whole uncompressed wire form, TTL
 * included, so a TTL change is a removal and an addition).  One delta
 * per commit: no secondary can have seen a serial inside a batch.
 */
#include <stdlib.h>
#include <string.h>

#include "flipdns/db/journal.h"
#include "flipdns/db/txn.h"
#include "flipdns/dns/xfr.h"
#include "flipdns/util/log.h"
#include "xfr_journal.h"

/*
 * One name's records: at most a group with 64 A and 64 AAAA (store.h's
 * FD_APP_MAX_ADDRS) of owners up to 255 bytes: 128 * (255 + 10 + 16).
 */
#define NAME_RRS_MAX (2 * 64 * (FD_DNAME_WIRE_MAX + 10 + 16))

/* A growing buffer of records and their count. */
struct rrbuf {
	uint8_t *p;
	size_t len, cap;
	uint32_t n;
};

static bool
rrbuf_add(struct rrbuf *b, const uint8_t *rr, size_t len)
{
	if (b->len + len > b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 4096;
		uint8_t *p;

		while (cap < b->len + len)
			cap *= 2;
		if ((p = realloc(b->p, cap)) == NULL)
			return false;
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, rr, len);
	b->len += len;
	b->n++;
	return true;
}

/* The length of the record at rr (uncompressed, as rendered). */
static size_t
rr_len(const uint8_t *rr, size_t avail)
{
	size_t i = 0;

	while (i < avail && rr[i] != 0)
		i += 1 + (size_t)rr[i];
	i++;
	if (i + 10 > avail)
		return 0;
	return i + 10 + ((size_t)rr[i + 8] << 8 | rr[i + 9]);
}

/* Is the record rr[0..len) one of the records in set[0..setlen)? */
static bool
rr_in(const uint8_t *rr, size_t len, const uint8_t *set, size_t setlen)
{
	size_t off = 0, l;

	while (off < setlen && (l = rr_len(set + off, setlen - off)) > 0) {
		if (l == len && memcmp(set + off, rr, len) == 0)
			return true;
		off += l;
	}
	return false;
}

/* A name's records at a snapshot, rendered plain into buf. */
static enum fd_err
render(const struct fd_zone *z, const struct fd_store *st, MDB_txn *txn,
    const uint8_t *name, size_t len, uint8_t *buf, size_t *out)
{
	uint8_t target[FD_DNAME_WIRE_MAX];
	struct fd_name_records rec;
	struct fd_wbuf w;
	uint32_t n = 0;
	enum fd_err err;

	*out = 0;
	if ((err = fd_records_lookup(z, st, txn, name, len, target, &rec)) !=
	    FD_OK)
		return err;
	fd_wbuf_init(&w, buf, NAME_RRS_MAX);
	w.plain = true;
	if (rec.kind == FD_NAME_RRSETS &&
	    !fd_xfr_put_name_plain(&w, name, len, &rec, &n))
		return FD_ENOMEM;
	*out = w.len;
	return FD_OK;
}

/* Every record of a not in b into out. */
static bool
diff(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen,
    struct rrbuf *out)
{
	size_t off = 0, l;

	while (off < alen && (l = rr_len(a + off, alen - off)) > 0) {
		if (!rr_in(a + off, l, b, blen) && !rrbuf_add(out, a + off, l))
			return false;
		off += l;
	}
	return true;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The touched names, sorted, each once. */
static const char **
names_of(const json_t *touched, size_t *n)
{
	size_t count = json_array_size(touched), i, k = 0;
	const char **v = calloc(count ? count : 1, sizeof(*v));

	if (v == NULL)
		return NULL;
	for (i = 0; i < count; i++) {
		const char *s = json_string_value(json_array_get(touched, i));

		if (s != NULL)
			v[k++] = s;
	}
	qsort(v, k, sizeof(*v), cmp_str);
	*n = 0;
	for (i = 0; i < k; i++)
		if (*n == 0 || strcmp(v[*n - 1], v[i]) != 0)
			v[(*n)++] = v[i];
	return v;
}

/* "label" or "label._status", relative to the origin, as a wire name. */
static int
name_wire(const struct fd_zone *z, const char *rel, uint8_t *wire)
{
	char text[FD_DNAME_TEXT_MAX * 2], origin[FD_DNAME_TEXT_MAX];

	fd_name_to_text(z->origin, z->origin_len, origin, sizeof(origin));
	if ((size_t)snprintf(text, sizeof(text), "%s.%s", rel, origin) >=
	    sizeof(text))
		return -1;
	return fd_dname_from_text(text, wire);
}

/* The journal cannot carry this commit: every client older gets AXFR. */
static enum fd_err
journal_break(const struct fd_journal_writer *jw,
    const struct fd_precommit_info *pi, const char *why)
{
	log_info("journal: break at serial %u (%s): an IXFR from before it "
	    "is an AXFR", pi->serial, why);
	return fd_journal_clear(jw->st, pi->txn);
}

enum fd_err
fd_journal_step(void *arg, const struct fd_precommit_info *pi)
{
	const struct fd_journal_writer *jw = arg;
	const struct fd_zone *z = *jw->zone;
	const struct fd_config *cfg = *jw->cfg;
	struct rrbuf removed = {0}, added = {0};
	uint8_t *before = NULL, *after = NULL, wire[FD_DNAME_WIRE_MAX];
	const char **names = NULL;
	size_t n = 0, blen, alen;
	MDB_txn *child;
	enum fd_err err = FD_OK;
	int wlen;

	/* No transfers, no journal: its chain breaks by itself (a gap). */
	if (cfg->n_xfr_allow == 0)
		return FD_OK;
	if (cfg->journal_max_serials == 0)
		return fd_journal_count(jw->st, pi->txn) > 0 ?
		    fd_journal_clear(jw->st, pi->txn) : FD_OK;
	if (json_is_true(pi->touched))
		return journal_break(jw, pi, "the change named too many "
		    "names to list");
	if ((names = names_of(pi->touched, &n)) == NULL ||
	    (before = malloc(NAME_RRS_MAX)) == NULL ||
	    (after = malloc(NAME_RRS_MAX)) == NULL) {
		err = FD_ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		if ((wlen = name_wire(z, names[i], wire)) <= 0 ||
		    render(z, jw->st, pi->before, wire, (size_t)wlen, before,
		    &blen) != FD_OK ||
		    render(z, jw->st, pi->txn, wire, (size_t)wlen, after,
		    &alen) != FD_OK) {
			/* a name the model cannot read: not a delta we trust */
			err = journal_break(jw, pi, "a touched name could not "
			    "be read");
			goto out;
		}
		if (!diff(before, blen, after, alen, &removed) ||
		    !diff(after, alen, before, blen, &added)) {
			err = FD_ENOMEM;
			goto out;
		}
	}
	/*
	 * In a nested transaction: a delta the store has no room for is
	 * undone alone, and a break (which frees room) written instead, so
	 * the journal never stops a change.
	 */
	if ((err = fd_txn_begin_write(jw->st, pi->txn, &child)) != FD_OK)
		goto out;
	err = fd_journal_append(jw->st, child, pi->serial_before, pi->serial,
	    removed.p, removed.len, removed.n, added.p, added.len, added.n,
	    cfg->journal_max_serials);
	if (err == FD_OK)
		err = fd_txn_commit(child);
	else
		fd_txn_abort(child);
	if (err != FD_OK)
		err = journal_break(jw, pi, fd_strerror(err));
out:
	free(names);
	free(before);
	free(after);
	free(removed.p);
	free(added.p);
	return err;
}
