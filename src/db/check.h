/*
 * check.h - the start-up check of an existing store (internal to db/).
 *
 * LMDB keeps no checksums and trusts its pages: a data.mdb cut short
 * faults (SIGBUS) on the first read past its end, and a damaged page can
 * send a reader anywhere.  Before the daemon serves a store, every page
 * any reader will touch is read once, and every record is checked as the
 * query path, the export and the changes will read it, so a store that
 * passes can be served and one that fails is refused with a reason.
 */
#ifndef FLIPDNS_DB_CHECK_H
#define FLIPDNS_DB_CHECK_H

#include <stdbool.h>
#include <stdint.h>
#include <lmdb.h>

#include "datadir.h"
#include "flipdns/db/store.h"
#include "flipdns/util/error.h"

/* What the check found, for the marker (datadir.h). */
struct fd_check_facts {
	bool has_id;                    /* a store from before identities */
	uint8_t id[FD_STORE_ID_LEN];
	uint32_t serial;
	uint32_t schema;
	size_t groups;
	double seconds;                 /* how long the walk took */
};

/*
 * Check the store of env (opened, nothing read or written yet) in
 * directory dir: data.mdb holds every page its meta page says is in use;
 * a read transaction walks the free list and every table, checking each
 * record's format, that every app a group names exists, every app's
 * counters against its groups, the status labels and the app-to-groups
 * index against the groups, and each table's count against LMDB's.  A
 * fault while reading (a page outside the file) fails the check instead
 * of the process.  Call it before any other thread runs: it installs
 * SIGBUS/SIGSEGV handlers for its duration.  FD_ESTORE, logged with what
 * is wrong and what to do, when the store fails.
 */
enum fd_err fd_store_check(MDB_env *env, const char *dir,
    struct fd_check_facts *facts);

/* The tables' names in LMDB, indexed by enum fd_store_db (store.c). */
extern const char *const fd_store_db_names[FD_DB_COUNT];
/*
 * The schema that brought each table (store.c): older stores lack it;
 * 0 for a table of no schema, which any store may lack (the journal).
 */
extern const uint32_t fd_store_db_since[FD_DB_COUNT];

#endif
