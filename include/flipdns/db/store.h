/*
 * store.h - the failover-group table in LMDB.
 *
 * One LMDB environment with named databases:
 *   apps       app name          -> app record (endpoints, counters, status label)
 *   groups     group label       -> group record (primary, backup, active side, TTL)
 *   status     status label      -> app name (for <label>._status.<origin> TXT)
 *   tombstones group label       -> deletion time (forever: labels never reissued)
 *   meta       "schema","serial" -> u32
 *   history    u64 seq (big end) -> JSON text of one change
 *   app_groups app name NUL group label -> role (appindex.h): the groups
 *              that follow each app, kept by every change
 *   tokens     token name        -> role, times, SHA-256 of the secret
 *              (tokens.h): the HTTP API's bearer tokens
 *   journal    u64 seq (big end) -> one IXFR delta (journal.h)
 *   checks     app name          -> its health check (health.h)
 *   health     app name          -> its health state (health.h)
 *   policies   group label       -> its failover policy (health.h)
 *
 * Records are fixed little headers plus variable data, starting with a
 * format version byte.  They are decoded into views that point into LMDB's
 * memory: a view is valid only until its transaction ends.  Nothing on the
 * read side allocates, so the DNS hot path can call it per query.
 *
 * The daemon is the only writer.  Readers (DNS workers) each keep one
 * read-only transaction handle, renewed per batch of packets and reset
 * right after (fd_reader_*), so no snapshot is held across event-loop turns
 * and the file does not grow behind a stale reader.
 */
#ifndef FLIPDNS_STORE_H
#define FLIPDNS_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <lmdb.h>

#include "flipdns/util/error.h"
#include "flipdns/util/names.h"

/*
 * 2: the app_groups table.  A schema 1 store is upgraded when it is
 * opened (the index is built from the groups table in the opening
 * transaction); an older flipdns refuses a schema 2 store, so no binary
 * that does not keep the index can write to one.
 *
 * 3: the tokens table (created empty by the upgrade).
 * 4: the checks, health and policies tables (health.h).  A schema 3
 * store is upgraded when opened (the tables start empty: no app has a
 * check, every group is manual); an older flipdns refuses a schema 4
 * store, so none can remove an app and leave its check behind.
 */
#define FD_SCHEMA_VERSION  4
#define FD_REC_VERSION     1
/* A web app is a handful of servers; 64 addresses still fit a TCP answer. */
#define FD_APP_MAX_ADDRS   64
#define FD_STATUS_LABEL_LEN 12

enum fd_app_kind { FD_APP_CNAME = 1, FD_APP_ADDRS = 2 };
enum fd_side { FD_SIDE_PRIMARY = 0, FD_SIDE_BACKUP = 1 };
enum fd_app_status { FD_STATUS_NONE = 0, FD_STATUS_OFFLINE, FD_STATUS_ONLINE };

struct fd_store;

/* Endpoints as the user gives them, and as the store keeps them (wire-ready). */
struct fd_endpoints {
	enum fd_app_kind kind;
	uint8_t cname_wire[FD_DNAME_WIRE_MAX];  /* uncompressed, lower case */
	uint16_t cname_len;
	uint8_t n4, n6;
	uint8_t a4[FD_APP_MAX_ADDRS][4];
	uint8_t a6[FD_APP_MAX_ADDRS][16];
};

/* Decoded app record; pointers are into LMDB memory (valid until txn end). */
struct fd_app_view {
	const char *name;            /* not NUL-terminated */
	size_t name_len;
	enum fd_app_kind kind;
	const uint8_t *cname_wire;   /* kind == FD_APP_CNAME */
	uint16_t cname_len;
	uint8_t n4, n6;
	const uint8_t *a4;           /* n4 * 4 bytes */
	const uint8_t *a6;           /* n6 * 16 bytes */
	uint32_t ref_count;          /* groups naming this app as primary or backup */
	uint32_t active_count;       /* groups whose active side is this app */
	char status_label[FD_STATUS_LABEL_LEN + 1];
	uint64_t created, updated;   /* unix seconds */
};

struct fd_group_view {
	const char *label;           /* not NUL-terminated */
	size_t label_len;
	enum fd_side active;
	uint32_t ttl;
	const char *primary;         /* NULL when none */
	size_t primary_len;
	const char *backup;          /* NULL when none */
	size_t backup_len;
	uint64_t created, updated;
};

/*
 * Open (creating if needed) the environment in directory dir, which is
 * created with mode 0750 if missing.  Checks or records the schema
 * version; a schema 1 store is upgraded in place (see FD_SCHEMA_VERSION).
 * FD_EVERSION for a store of a schema this code does not know.  The
 * directory is locked (flock on dir/flipdnsd.lock) until fd_store_close(): FD_EBUSY,
 * logged with the holder's pid, when another process has it open.
 */
enum fd_err fd_store_open(const char *dir, uint64_t map_size,
    unsigned max_readers, struct fd_store **out);

/*
 * What fd_store_open() refuses, and why (db/datadir.c, db/check.c): a new
 * store is made only in a new directory (nothing in it but our lock); a
 * data.mdb that is empty, missing from a directory that held a store,
 * shorter than the pages its meta page says are in use, or whose pages
 * or records do not read back as a store (one read transaction walks
 * every table first) is refused with FD_ESTORE, logged with what is wrong
 * and what to do (restore from a backup).  So is a store that is not the
 * one the directory's marker (store.id) names, or whose serial is behind
 * the one the marker recorded.  A store that passes is marked: its
 * identity (drawn once, kept in the meta table) and serial.
 */

/*
 * Record serial as the last committed one in the directory's marker:
 * call it after each commit (the daemon's post-commit hook).  One small
 * write, not synced: a crash leaves the marker behind, never ahead.
 */
void fd_store_mark(struct fd_store *st, uint32_t serial);

/* The store's identity (16 bytes); FD_ENOTFOUND for a store without one. */
enum fd_err fd_store_id(const struct fd_store *st, MDB_txn *txn,
    uint8_t id[16]);
/*
 * Open the store file at path (a backup: the data file alone, not a
 * directory) read-only and without a lock file, for checking it and
 * copying it (backup.h).  A copy of an older schema this code upgrades
 * is taken as it is (fd_store_open upgrades it once restored); a copy
 * of an older schema lacks the tables that came later (schema 1:
 * app_groups; 1 and 2: checks, health, policies), so read only the
 * tables its schema has.
 * FD_EVERSION when it is an LMDB file but not a store of such a schema,
 * FD_EVERSION too when it is no LMDB file at all (MDB_INVALID), FD_ESYS
 * (errno set) when it cannot be opened.
 */
enum fd_err fd_store_open_file(const char *path, struct fd_store **out);
void fd_store_close(struct fd_store *st);

/* Map an LMDB return code to our enum (MDB_MAP_FULL -> FD_EFULL, ...). */
enum fd_err fd_store_err(int mdb_rc);

/* Raw access for the write side and tools. */
MDB_env *fd_store_env(const struct fd_store *st);
/*
 * The key order of every table: LMDB's default (bytes as unsigned, then the
 * shorter key first), as an inlined compare; <0, 0 or >0.
 */
int fd_store_key_cmp(const MDB_val *a, const MDB_val *b);
enum fd_store_db { FD_DB_APPS, FD_DB_GROUPS, FD_DB_STATUS, FD_DB_TOMBSTONES,
    FD_DB_META, FD_DB_HISTORY, FD_DB_APP_GROUPS, FD_DB_TOKENS,
    FD_DB_JOURNAL, FD_DB_CHECKS, FD_DB_HEALTH, FD_DB_POLICIES, FD_DB_COUNT };
MDB_dbi fd_store_dbi(const struct fd_store *st, enum fd_store_db db);

/*
 * History retention, enforced by each history append (history.c): keep at
 * most rows rows and none older than days days; 0 is no bound.  A store
 * starts unbounded; the daemon sets these from history.keep_rows and
 * history.keep_days.
 */
void fd_store_set_history_keep(struct fd_store *st, uint32_t rows,
    uint32_t days);
void fd_store_history_keep(const struct fd_store *st, uint32_t *rows,
    uint32_t *days);

/* A per-worker read transaction handle: open once, begin/end per batch. */
struct fd_reader {
	struct fd_store *st;
	MDB_txn *txn;
	bool active;
};
enum fd_err fd_reader_open(struct fd_store *st, struct fd_reader *r);
enum fd_err fd_reader_begin(struct fd_reader *r);  /* mdb_txn_renew */
void fd_reader_end(struct fd_reader *r);            /* mdb_txn_reset */
void fd_reader_close(struct fd_reader *r);

/* Lookups, usable in any transaction; FD_ENOTFOUND when absent. */
enum fd_err fd_store_get_app(const struct fd_store *st, MDB_txn *txn,
    const char *name, size_t len, struct fd_app_view *out);
enum fd_err fd_store_get_group(const struct fd_store *st, MDB_txn *txn,
    const char *label, size_t len, struct fd_group_view *out);
/* status label -> app */
enum fd_err fd_store_get_app_by_status(const struct fd_store *st,
    MDB_txn *txn, const char *status_label, size_t len,
    struct fd_app_view *out);
bool fd_store_is_tombstoned(const struct fd_store *st, MDB_txn *txn,
    const char *label, size_t len);
/* Zone serial; 0 for an empty new store is never returned (starts at 1). */
uint32_t fd_store_serial(const struct fd_store *st, MDB_txn *txn);

/*
 * Which app answers for a group: the one named on its active side.  The
 * only statement of that rule; the read side (fd_store_active_app), the
 * JSON shapes (render.c) and the write side's counters (changes.c) all
 * ask here.  primary and backup are names of the given lengths (0: none).
 * Returns the active side's name with its length in *len, or NULL (and
 * 0) when that side names no app: the group is reserved.
 */
const char *fd_side_app(enum fd_side active, const char *primary,
    size_t primary_len, const char *backup, size_t backup_len, size_t *len);

/*
 * The app on the group's active side.  FD_ENOTFOUND when that side is
 * empty (a reserved group); FD_ESTORE when it names an app the store does
 * not hold (the write side never allows it: the store is damaged).
 */
enum fd_err fd_store_active_app(const struct fd_store *st, MDB_txn *txn,
    const struct fd_group_view *g, struct fd_app_view *out);

/* online / offline / none, from the app's counters. */
enum fd_app_status fd_app_status_of(const struct fd_app_view *app);
const char *fd_app_status_name(enum fd_app_status s);

/* Record codecs (record.c): used by the write side and by tests. */
size_t fd_app_encode(uint8_t *buf, size_t cap, const struct fd_endpoints *ep,
    uint32_t ref_count, uint32_t active_count, const char *status_label,
    uint64_t created, uint64_t updated);
enum fd_err fd_app_decode(const void *data, size_t len, struct fd_app_view *out);
size_t fd_group_encode(uint8_t *buf, size_t cap, enum fd_side active,
    uint32_t ttl, const char *primary, const char *backup,
    uint64_t created, uint64_t updated);
enum fd_err fd_group_decode(const void *data, size_t len, struct fd_group_view *out);

#endif
