/*
 * backup.h - a consistent, compacted copy of the store, and putting one
 * back.
 *
 * The copy is LMDB's own (mdb_env_copyfd2 with MDB_CP_COMPACT): it reads
 * one snapshot, in a read transaction of its own, so the daemon keeps
 * answering and committing while it runs, and it writes only the pages
 * in use, renumbered (no free pages: a store that shrank copies small).
 * The copy is one LMDB data file; fd_backup_restore() makes it the
 * data.mdb of a storage directory again.
 */
#ifndef FLIPDNS_DB_BACKUP_H
#define FLIPDNS_DB_BACKUP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "flipdns/db/store.h"

/* What a copy holds, for the operator's confirmation. */
struct fd_backup_summary {
	uint32_t serial;
	size_t apps, groups, tombstones, history;
	bool has_id;            /* the store's identity, for the marker */
	uint8_t id[16];
};

/*
 * Write the copy of st to fd, blocking until it is done (fd is left
 * open, and not synced: it may be a pipe).  FD_ESYS with errno when a
 * write fails (EPIPE: the reader went away), else the store's errors.
 * Safe in a thread of its own while the daemon runs: it uses a reader
 * slot and a snapshot of its own.
 */
enum fd_err fd_backup_write(struct fd_store *st, int fd);

/*
 * Check that file is a store of this schema, or of an older one that
 * opening it as a store upgrades, and read its summary.  FD_EVERSION when
 * it is not (not LMDB, or another schema), FD_ESYS (errno set) when it
 * cannot be read.
 */
enum fd_err fd_backup_check(const char *file, struct fd_backup_summary *sum);

/*
 * Make backup file the store of directory dir (created 0750 if missing):
 * checked (fd_backup_check), copied into a temporary file in dir, synced,
 * then linked as dir/data.mdb, which is never overwritten: FD_EEXISTS
 * when a store is there, live or not.  The directory's marker (store.h)
 * is written for the restored store (its identity and serial), so the
 * restore is served even where a newer store was lost.  The new file is mode 0640, owned
 * by the caller.  On failure nothing is left in dir; msg (msglen bytes)
 * says which step failed.
 */
enum fd_err fd_backup_restore(const char *file, const char *dir,
    struct fd_backup_summary *sum, char *msg, size_t msglen);

#endif
