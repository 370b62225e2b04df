/*
 * datadir.c - the data directory's lock; see datadir.h.
 *
 * flock, not fcntl locks: an fcntl lock belongs to the process and is
 * dropped when any descriptor of the file is closed, even one LMDB or a
 * library opened; a flock belongs to our open file description alone.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "datadir.h"
#include "flipdns/util/log.h"

/* The pid the holder wrote, or 0 when unreadable. */
static long
holder_pid(int fd)
{
	char buf[32];
	ssize_t n;

	if ((n = pread(fd, buf, sizeof(buf) - 1, 0)) <= 0)
		return 0;
	buf[n] = '\0';
	return strtol(buf, NULL, 10);
}

enum fd_err
fd_datadir_lock(const char *dir, int *fd_out)
{
	char path[PATH_MAX], pid[32];
	int fd, n;

	*fd_out = -1;
	if (snprintf(path, sizeof(path), "%s/%s", dir, FD_DATADIR_LOCK) >=
	    (int)sizeof(path)) {
		log_warnx("store %s: path too long", dir);
		return FD_ESYS;
	}
	if ((fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0640)) == -1) {
		log_warn("store lock %s", path);
		return FD_ESYS;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) == -1) {
		if (errno == EWOULDBLOCK) {
			log_warnx("store %s is in use by another process (pid "
			    "%ld, see %s): two daemons must not share a store",
			    dir, holder_pid(fd), path);
			close(fd);
			return FD_EBUSY;
		}
		log_warn("store lock %s", path);
		close(fd);
		return FD_ESYS;
	}
	/* Only for the message above: the lock itself is the flock. */
	n = snprintf(pid, sizeof(pid), "%ld\n", (long)getpid());
	if (ftruncate(fd, 0) == -1 || pwrite(fd, pid, (size_t)n, 0) != n)
		log_warn("store lock %s: cannot record our pid", path);
	*fd_out = fd;
	return FD_OK;
}
