/*
 * records.h - the one model of the zone's records: which names exist at a
 * store snapshot and which RRsets each holds.
 *
 * The DNS answer (answer.c), the master-file export (zonefile.c) and any
 * later zone transfer read the zone through this module and nowhere else,
 * so a secondary loaded from an export or a transfer answers exactly what
 * flipdns answers.  The zone, below its origin:
 *
 *   @                     SOA, NS (and A/AAAA if the origin is a nameserver)
 *   <ns>                  A/AAAA of an in-zone nameserver
 *   <ancestor of an ns>   empty non-terminal
 *   <group>               the active app's CNAME, or its A/AAAA
 *   _status               empty non-terminal (while any app exists)
 *   <status>._status      TXT "online" / "offline" / "none"
 *
 * Every other name in the zone does not exist (NXDOMAIN): unknown and
 * deleted (tombstoned) labels, names below a group or a status name, and
 * reserved groups, which name no app on their active side and so have no
 * record to serve, exactly like a name absent from a zone file.  The
 * static names win: a group whose label a nameserver name also takes (a
 * nameserver added to the config after the group was created) is that
 * nameserver's name, in answers and in the walk alike.
 *
 * Nothing here allocates.  A lookup fills a small struct on the caller's
 * stack whose views point into LMDB's memory (valid until the transaction
 * ends), into the zone struct, or into the caller's CNAME buffer.  It
 * reads what today's answer needs and no more: a group is one group get
 * and one app get, a status name one status get and one app get; the
 * serial only at the apex.
 */
#ifndef FLIPDNS_DNS_RECORDS_H
#define FLIPDNS_DNS_RECORDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <lmdb.h>

#include "flipdns/db/store.h"
#include "flipdns/db/txn.h"
#include "flipdns/dns/dnswire.h"
#include "flipdns/dns/zone.h"

/* What a name is in the zone. */
enum fd_name_kind {
	FD_NAME_OUTSIDE,    /* not at or below the origin: not ours */
	FD_NAME_NXDOMAIN,   /* in the zone, does not exist */
	FD_NAME_EMPTY,      /* exists with no records: an empty non-terminal */
	FD_NAME_RRSETS,     /* exists with the RRsets given */
};

/*
 * One RRset as a view.  type says which member of rd holds its data:
 *   A, AAAA  addrs: count addresses of 4 or 16 bytes, packed
 *   CNAME    target, target_len: one well-formed lower-case wire name
 *   NS       ns: the zone's nameservers ns[0..count), by name
 *   TXT      text: one character-string (NUL-terminated, < 256 octets)
 *   SOA      soa: the zone's SOA fields; the serial is in serial
 */
struct fd_rrset {
	uint16_t type;          /* FD_T_* */
	uint16_t count;         /* records in the set, at least 1 */
	uint32_t ttl;
	union {
		const uint8_t *addrs;
		const uint8_t *target;
		const struct fd_zone_ns *ns;
		const char *text;
		const struct fd_zone *soa;
	} rd;
	uint16_t target_len;
	uint32_t serial;
};

/*
 * The most RRsets one name holds: the apex with SOA, NS, A and AAAA
 * (when the origin is itself a nameserver).  A group holds at most two.
 */
#define FD_RRSETS_MAX 4

struct fd_name_records {
	enum fd_name_kind kind;
	int n;                              /* RRsets: 0 unless FD_NAME_RRSETS */
	/*
	 * In a fixed order, the first being what an ANY query gets (RFC
	 * 8482: one RRset): SOA, NS, CNAME, A, AAAA, TXT.  A CNAME is alone.
	 */
	struct fd_rrset set[FD_RRSETS_MAX];
};

/*
 * What name (well-formed, lower-case, uncompressed wire, as the question
 * parser gives it) is in the zone at the snapshot txn.  A CNAME's target
 * is checked and copied lower-cased into target (FD_DNAME_WIRE_MAX bytes),
 * which its view points at: the caller decides how long it lives (the
 * responder's compression table refers to it).
 * Returns FD_OK with out filled.  When the name's records cannot be read,
 * an error with out->n 0: FD_EVERSION for a record that does not decode
 * or a CNAME target that is not a name, FD_ESTORE when LMDB fails or a
 * group names an app the store does not hold.
 */
enum fd_err fd_records_lookup(const struct fd_zone *z,
    const struct fd_store *st, MDB_txn *txn, const uint8_t *name, size_t len,
    uint8_t *target, struct fd_name_records *out);

/*
 * The apex SOA alone, for the authority section of negative answers
 * (RFC 2308) without a lookup of the apex.
 */
void fd_records_soa(const struct fd_zone *z, const struct fd_store *st,
    MDB_txn *txn, struct fd_rrset *out);

/*
 * A walk over every name that holds records, each with the RRsets
 * fd_records_lookup() gives for it: the apex, the in-zone nameservers,
 * the groups in label order, the status names in app-name order.  Empty
 * non-terminals are left out (a master file or a transfer implies them).
 * A damaged record is left out: the name answers SERVFAIL, which a zone
 * file cannot say.
 *
 * The walk is resumable: it keeps where it is (a phase and the last key)
 * and an LMDB cursor while it runs.  Call fd_records_walk_pause() before
 * leaving off (the end of a step, the end of txn); the next call reopens
 * the cursor after the last key.  Every call must see the same snapshot
 * for the walk to be the zone at one serial.
 */
enum fd_records_phase { FD_WALK_APEX, FD_WALK_NS, FD_WALK_GROUPS,
    FD_WALK_STATUS, FD_WALK_DONE };
/* LMDB's largest key (mdb_env_get_maxkeysize, 511 unless rebuilt). */
#define FD_WALK_KEY_MAX 511
struct fd_records_walk {
	enum fd_records_phase phase;
	int ns;                     /* FD_WALK_NS: the next nameserver */
	bool resume;                /* key holds the last key walked */
	char key[FD_WALK_KEY_MAX];  /* any key, so a resume never repeats one */
	size_t key_len;
	struct fd_cursor cur;       /* open while a table is being walked */
	bool cur_open;
};
void fd_records_walk_begin(struct fd_records_walk *w);
bool fd_records_walk_done(const struct fd_records_walk *w);
/*
 * The next name: its owner (wire, lower case) into owner
 * (FD_DNAME_WIRE_MAX bytes) and *owner_len, its RRsets into out (kind
 * FD_NAME_RRSETS), a CNAME target into target as for fd_records_lookup.
 * A table entry that has no records here (a reserved group, a damaged
 * record, a label a nameserver name takes) comes back too, with another
 * kind, to be skipped: so a caller that counts entries bounds each step
 * even over a run of them.
 * FD_ENOTFOUND past the last name (the walk is then done); FD_ESTORE
 * when LMDB fails (the cursor is closed; the call may be repeated).
 */
enum fd_err fd_records_walk_next(struct fd_records_walk *w,
    const struct fd_zone *z, const struct fd_store *st, MDB_txn *txn,
    uint8_t *owner, size_t *owner_len, uint8_t *target,
    struct fd_name_records *out);
/* Close the walk's cursor; the walk resumes after its last name. */
void fd_records_walk_pause(struct fd_records_walk *w);

/*
 * The RDATA of record i of rs into w (rdata.c): what the answer, the
 * transfers and the IXFR journal all write.  Names go through
 * fd_put_name (compressed unless w says not to).  false when it does not
 * fit (w may hold part of it: rewind).
 */
bool fd_rrset_put_rdata(struct fd_wbuf *w, const struct fd_rrset *rs, int i);
/* One character-string (TXT), cut at 255 octets. */
bool fd_put_string(struct fd_wbuf *w, const char *text);

#endif
