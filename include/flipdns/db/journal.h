/*
 * journal.h - the IXFR journal: for each commit, the records it removed
 * from the zone and the records it added (RFC 1995's deltas), written in
 * the commit's own transaction, so a delta is durable exactly when its
 * change is.
 *
 * Table journal: u64 sequence (big-endian) -> one delta:
 *   u8 version (1), u32 from serial, u32 to serial, u32 removed count,
 *   u32 added count, u32 removed bytes, then the removed records, then
 *   the added ones.
 * A record is uncompressed wire: owner, type, class, TTL, RDLENGTH,
 * RDATA (names in full, lower case).  The SOA is in no delta: a transfer
 * frames each delta with the SOAs of its two serials.
 *
 * The journal holds at most max entries (the oldest go first).  A gap
 * (a commit without a delta, a journal cleared by a bulk import, or one
 * written while transfers were off) breaks the chain: a client older
 * than the break gets an AXFR.  dns/ reads it (IXFR), daemon/ writes it.
 */
#ifndef FLIPDNS_DB_JOURNAL_H
#define FLIPDNS_DB_JOURNAL_H

#include <stddef.h>
#include <stdint.h>
#include <lmdb.h>

#include "flipdns/db/store.h"

#define FD_JOURNAL_VERSION 1
/* The fixed head of a delta: version, two serials, three counts. */
#define FD_JOURNAL_HEAD 21

/* One delta; views into LMDB memory, valid until the transaction ends. */
struct fd_journal_delta {
	uint32_t from, to;
	uint32_t nremoved, nadded;
	const uint8_t *removed, *added;
	size_t removed_len, added_len;
};

/*
 * Append the delta from -> to (records as described above) and drop the
 * oldest entries past max.  In the caller's write transaction.
 */
enum fd_err fd_journal_append(struct fd_store *st, MDB_txn *txn,
    uint32_t from, uint32_t to, const uint8_t *removed, size_t removed_len,
    uint32_t nremoved, const uint8_t *added, size_t added_len,
    uint32_t nadded, uint32_t max);

/* Drop every entry: a break, the next IXFR from before it is an AXFR. */
enum fd_err fd_journal_clear(struct fd_store *st, MDB_txn *txn);

/*
 * The first entry of an unbroken chain of deltas from serial from to
 * serial to (the zone's now): its sequence in *seq.  FD_ENOTFOUND when
 * the journal cannot bridge them (from too old, a break, or no journal).
 */
enum fd_err fd_journal_find(const struct fd_store *st, MDB_txn *txn,
    uint32_t from, uint32_t to, uint64_t *seq);

/* The delta at seq; FD_ENOTFOUND past the last, FD_EVERSION if damaged. */
enum fd_err fd_journal_get(const struct fd_store *st, MDB_txn *txn,
    uint64_t seq, struct fd_journal_delta *d);

/* Entries held, and the serial range they span (0s when empty). */
size_t fd_journal_count(const struct fd_store *st, MDB_txn *txn);

#endif
