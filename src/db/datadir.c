/*
 * datadir.c - the data directory's lock, whether it is new, and its
 * marker; see datadir.h.
 *
 * flock, not fcntl locks: an fcntl lock belongs to the process and is
 * dropped when any descriptor of the file is closed, even one LMDB or a
 * library opened; a flock belongs to our open file description alone.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
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

/* What the message says to do about a store that cannot be served. */
#define RESTORE_HINT "restore it from a backup (stop flipdnsd, move the " \
	"directory away, flipdnsd --restore FILE), or move the directory " \
	"away to start a new, empty store"

/* The first entry of dir other than ours and skip, or "" when none. */
static int
other_entry(const char *dir, const char *skip, char *name, size_t len)
{
	struct dirent *de;
	DIR *d;

	name[0] = '\0';
	if ((d = opendir(dir)) == NULL)
		return -1;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0 ||
		    strcmp(de->d_name, FD_DATADIR_LOCK) == 0 ||
		    (skip != NULL && strcmp(de->d_name, skip) == 0))
			continue;
		snprintf(name, len, "%s", de->d_name);
		break;
	}
	closedir(d);
	return 0;
}

enum fd_err
fd_datadir_inspect(const char *dir, bool *fresh)
{
	char path[PATH_MAX], other[256];
	struct stat sb;

	*fresh = false;
	snprintf(path, sizeof(path), "%s/%s", dir, FD_DATADIR_DATA);
	if (stat(path, &sb) == 0) {
		if (sb.st_size > 0)
			return FD_OK;
		log_warnx("store %s: %s is empty (truncated?), and an empty "
		    "file is not a new store: refusing to serve it; "
		    RESTORE_HINT, dir, FD_DATADIR_DATA);
		return FD_ESTORE;
	}
	if (errno != ENOENT) {
		log_warn("store %s", path);
		return FD_ESYS;
	}
	if (other_entry(dir, NULL, other, sizeof(other)) != 0) {
		log_warn("store %s", dir);
		return FD_ESYS;
	}
	if (other[0] == '\0') {
		*fresh = true;
		return FD_OK;
	}
	log_warnx("store %s: %s is missing, but the directory is not new "
	    "(it holds %s): a new, empty store is made only in a new "
	    "directory; " RESTORE_HINT, dir, FD_DATADIR_DATA, other);
	return FD_ESTORE;
}

static void
hex(const uint8_t *id, char *out)
{
	static const char digits[] = "0123456789abcdef";

	for (int i = 0; i < FD_STORE_ID_LEN; i++) {
		out[2 * i] = digits[id[i] >> 4];
		out[2 * i + 1] = digits[id[i] & 0xf];
	}
	out[2 * FD_STORE_ID_LEN] = '\0';
}

/*
 * The marker's line.  The serial is padded to 10 digits, so every line
 * has the same length and an update rewrites it in place whole.
 */
static int
marker_line(char *buf, size_t len, const uint8_t *id, uint32_t serial)
{
	char h[2 * FD_STORE_ID_LEN + 1];

	hex(id, h);
	return snprintf(buf, len, "flipdns-store 1 %s %010u\n", h, serial);
}

enum fd_err
fd_datadir_marker_read(const char *dir, uint8_t id[FD_STORE_ID_LEN],
    uint32_t *serial)
{
	char path[PATH_MAX], buf[128], h[2 * FD_STORE_ID_LEN + 1];
	unsigned long v;
	ssize_t n;
	int fd, i;

	snprintf(path, sizeof(path), "%s/%s", dir, FD_DATADIR_MARKER);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return errno == ENOENT ? FD_ENOTFOUND : FD_EINVAL;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return FD_EINVAL;
	buf[n] = '\0';
	if (sscanf(buf, "flipdns-store 1 %32[0-9a-f] %10lu", h, &v) != 2 ||
	    strlen(h) != 2 * FD_STORE_ID_LEN || v > UINT32_MAX)
		return FD_EINVAL;
	for (i = 0; i < FD_STORE_ID_LEN; i++)
		id[i] = (uint8_t)((h[2 * i] <= '9' ? h[2 * i] - '0' :
		    h[2 * i] - 'a' + 10) << 4 | (h[2 * i + 1] <= '9' ?
		    h[2 * i + 1] - '0' : h[2 * i + 1] - 'a' + 10));
	*serial = (uint32_t)v;
	return FD_OK;
}

enum fd_err
fd_datadir_marker_write(const char *dir, const uint8_t id[FD_STORE_ID_LEN],
    uint32_t serial, int *fd_out)
{
	char path[PATH_MAX], tmp[PATH_MAX], line[128];
	int fd = -1, dfd, n;

	if (fd_out != NULL)
		*fd_out = -1;
	snprintf(path, sizeof(path), "%s/%s", dir, FD_DATADIR_MARKER);
	if (id == NULL) {
		if (unlink(path) != 0 && errno != ENOENT) {
			log_warn("store marker %s", path);
			return FD_ESYS;
		}
		goto sync;
	}
	/* a new file renamed over the old one: never half of each */
	snprintf(tmp, sizeof(tmp), "%s/.%s.new", dir, FD_DATADIR_MARKER);
	n = marker_line(line, sizeof(line), id, serial);
	if ((fd = open(tmp, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0640)) ==
	    -1 || write(fd, line, (size_t)n) != n || fsync(fd) != 0 ||
	    rename(tmp, path) != 0) {
		log_warn("store marker %s", path);
		if (fd != -1)
			close(fd);
		unlink(tmp);
		return FD_ESYS;
	}
	if (fd_out != NULL)
		*fd_out = fd;
	else
		close(fd);
sync:
	if ((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) != -1) {
		(void)fsync(dfd);
		close(dfd);
	}
	return FD_OK;
}

void
fd_datadir_marker_update(int fd, const uint8_t id[FD_STORE_ID_LEN],
    uint32_t serial)
{
	char line[128];
	int n;

	if (fd == -1)
		return;
	n = marker_line(line, sizeof(line), id, serial);
	if (pwrite(fd, line, (size_t)n, 0) != n)
		log_warn("store marker: cannot record serial %u", serial);
}
