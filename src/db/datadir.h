/*
 * datadir.h - the data directory around the LMDB files (internal to db/).
 *
 * LMDB lets any number of processes open one environment, each as a
 * writer in turn; flipdns promises one writer, the daemon.  Two daemons
 * on one store would each believe they own the serial and the history,
 * so the directory carries a lock of ours, held from open to close.
 *
 * LMDB also takes an empty or missing data.mdb for a new store and
 * writes a fresh one: a store truncated to nothing would come back empty,
 * every group NXDOMAIN, the serial back at 1.  So a fresh store is made
 * only in a new directory (nothing in it but our lock), and the directory
 * keeps a marker (FD_DATADIR_MARKER) naming the store it holds (its
 * identity, also in the store's meta table) and the last serial seen
 * committed, which a store that went back in time (a stale copy, lost
 * commits) or one swapped in from elsewhere does not match.
 */
#ifndef FLIPDNS_DB_DATADIR_H
#define FLIPDNS_DB_DATADIR_H

#include <stdbool.h>
#include <stdint.h>

#include "flipdns/util/error.h"

/* The lock file in the data directory. */
#define FD_DATADIR_LOCK "flipdnsd.lock"
/* The marker: "flipdns-store 1 <32 hex digits of id> <serial>" and a newline. */
#define FD_DATADIR_MARKER "store.id"
/* LMDB's data file in a directory environment. */
#define FD_DATADIR_DATA "data.mdb"
/* A store's identity: 16 random bytes, drawn when it is created. */
#define FD_STORE_ID_LEN 16

/*
 * Take the exclusive lock of directory dir (flock on FD_DATADIR_LOCK,
 * created mode 0640, the holder's pid written in it for the message
 * others get).  *fd_out is the open lock file: the lock lasts while it is
 * open, and a process that dies drops it.  Errors: FD_EBUSY when another
 * process holds it (logged, with its pid), FD_ESYS (logged).
 */
enum fd_err fd_datadir_lock(const char *dir, int *fd_out);

/*
 * What directory dir holds.  FD_OK with *fresh set when it is new
 * (nothing in it but our lock file: a store may be created); FD_OK with
 * *fresh clear when data.mdb is there and not empty.  FD_ESTORE, logged
 * with what to do, when data.mdb is empty (truncated) or missing from a
 * directory that is not new; FD_ESYS (logged) when it cannot be read.
 */
enum fd_err fd_datadir_inspect(const char *dir, bool *fresh);

/*
 * The marker of dir: FD_OK with the identity and serial; FD_ENOTFOUND
 * when there is none; FD_EINVAL when it cannot be read (a torn write).
 */
enum fd_err fd_datadir_marker_read(const char *dir,
    uint8_t id[FD_STORE_ID_LEN], uint32_t *serial);

/*
 * Write the marker of dir for a store of identity id at serial, synced
 * (file and directory), and return it open in *fd_out (may be NULL) for
 * fd_datadir_marker_update().  id NULL removes the marker.  FD_ESYS
 * (logged).
 */
enum fd_err fd_datadir_marker_write(const char *dir,
    const uint8_t id[FD_STORE_ID_LEN], uint32_t serial, int *fd_out);

/*
 * Record serial in the open marker fd (same identity): one small write
 * in place, not synced.  A crash may leave it behind the store, never
 * ahead (the commit was durable before), which the check allows.
 */
void fd_datadir_marker_update(int fd, const uint8_t id[FD_STORE_ID_LEN],
    uint32_t serial);

#endif
