/*
 * datadir.h - the data directory around the LMDB files (internal to db/).
 *
 * LMDB lets any number of processes open one environment, each as a
 * writer in turn; flipdns promises one writer, the daemon.  Two daemons
 * on one store would each believe they own the serial and the history,
 * so the directory carries a lock of ours, held from open to close.
 */
#ifndef FLIPDNS_DB_DATADIR_H
#define FLIPDNS_DB_DATADIR_H

#include "flipdns/util/error.h"

/* The lock file in the data directory. */
#define FD_DATADIR_LOCK "flipdnsd.lock"

/*
 * Take the exclusive lock of directory dir (flock on FD_DATADIR_LOCK,
 * created mode 0640, the holder's pid written in it for the message
 * others get).  *fd_out is the open lock file: the lock lasts while it is
 * open, and a process that dies drops it.  Errors: FD_EBUSY when another
 * process holds it (logged, with its pid), FD_ESYS (logged).
 */
enum fd_err fd_datadir_lock(const char *dir, int *fd_out);

#endif
