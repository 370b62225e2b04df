/* backup.c - copying the store out and back in; see backup.h. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "datadir.h"
#include "flipdns/db/backup.h"
#include "flipdns/db/txn.h"

/* The file LMDB keeps a directory's data in (mdb_env_open without NOSUBDIR). */
#define DATA_FILE FD_DATADIR_DATA

enum fd_err
fd_backup_write(struct fd_store *st, int fd)
{
	int rc = mdb_env_copyfd2(fd_store_env(st), fd, MDB_CP_COMPACT);

	if (rc > 0) {
		/* a system error from the copy's writes */
		errno = rc;
		return FD_ESYS;
	}
	return fd_store_err(rc);
}

static enum fd_err
summarize(struct fd_store *st, struct fd_backup_summary *sum)
{
	MDB_txn *txn;
	enum fd_err err;

	if ((err = fd_txn_begin_read(st, &txn)) != FD_OK)
		return err;
	sum->serial = fd_store_serial(st, txn);
	sum->apps = fd_store_count(st, txn, FD_DB_APPS);
	sum->groups = fd_store_count(st, txn, FD_DB_GROUPS);
	sum->tombstones = fd_store_count(st, txn, FD_DB_TOMBSTONES);
	sum->history = fd_store_count(st, txn, FD_DB_HISTORY);
	sum->has_id = fd_store_id(st, txn, sum->id) == FD_OK;
	fd_txn_abort(txn);
	return FD_OK;
}

enum fd_err
fd_backup_check(const char *file, struct fd_backup_summary *sum)
{
	struct fd_store *st;
	enum fd_err err;

	if ((err = fd_store_open_file(file, &st)) != FD_OK)
		return err;
	err = summarize(st, sum);
	fd_store_close(st);
	return err;
}

/* fsync the directory, so a link or unlink in it is durable. */
static int
sync_dir(const char *dir)
{
	int fd, rc, saved;

	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return -1;
	rc = fsync(fd);
	saved = errno;
	close(fd);
	errno = saved;
	return rc;
}

enum fd_err
fd_backup_restore(const char *file, const char *dir,
    struct fd_backup_summary *sum, char *msg, size_t msglen)
{
	struct fd_store *st = NULL;
	char tmp[PATH_MAX], dst[PATH_MAX];
	struct stat sb;
	int fd = -1, saved;
	enum fd_err err;

	msg[0] = '\0';
	if ((size_t)snprintf(dst, sizeof(dst), "%s/" DATA_FILE, dir) >=
	    sizeof(dst) || (size_t)snprintf(tmp, sizeof(tmp),
	    "%s/.restore-" DATA_FILE ".XXXXXX", dir) >= sizeof(tmp)) {
		snprintf(msg, msglen, "%s: path too long", dir);
		return FD_EINVAL;
	}
	/* cheap checks first: the copy can take a while */
	if (lstat(dst, &sb) == 0) {
		snprintf(msg, msglen, "%s exists: a store is there already", dst);
		return FD_EEXISTS;
	}
	if ((err = fd_store_open_file(file, &st)) != FD_OK) {
		snprintf(msg, msglen, "%s: %s", file, err == FD_ESYS ?
		    strerror(errno) : "not a flipdns store of this version");
		return err;
	}
	if ((err = summarize(st, sum)) != FD_OK) {
		snprintf(msg, msglen, "%s: %s", file, fd_strerror(err));
		goto out;
	}
	if (mkdir(dir, 0750) != 0 && errno != EEXIST) {
		snprintf(msg, msglen, "%s: %s", dir, strerror(errno));
		err = FD_ESYS;
		goto out;
	}
	if ((fd = mkstemp(tmp)) == -1) {
		snprintf(msg, msglen, "%s: %s", tmp, strerror(errno));
		err = FD_ESYS;
		goto out;
	}
	/* the daemon's own mode for its data (store.c) */
	if (fchmod(fd, 0640) != 0) {
		snprintf(msg, msglen, "%s: %s", tmp, strerror(errno));
		err = FD_ESYS;
		goto out;
	}
	/* LMDB's copy walks every page: a damaged file stops here */
	if ((err = fd_backup_write(st, fd)) != FD_OK) {
		snprintf(msg, msglen, "copying %s: %s", file, err == FD_ESYS ?
		    strerror(errno) : fd_strerror(err));
		goto out;
	}
	if (fsync(fd) != 0) {
		snprintf(msg, msglen, "%s: %s", tmp, strerror(errno));
		err = FD_ESYS;
		goto out;
	}
	/* link(2), not rename(2): a data.mdb made meanwhile is not replaced */
	if (link(tmp, dst) != 0) {
		saved = errno;
		snprintf(msg, msglen, "%s: %s", dst, saved == EEXIST ?
		    "exists: a store is there already" : strerror(saved));
		err = saved == EEXIST ? FD_EEXISTS : FD_ESYS;
		goto out;
	}
	err = FD_OK;
out:
	if (fd != -1) {
		close(fd);
		unlink(tmp);
	}
	if (err == FD_OK && sync_dir(dir) != 0) {
		snprintf(msg, msglen, "%s: %s", dir, strerror(errno));
		err = FD_ESYS;
	}
	/* this store is the directory's now, at its serial (datadir.h) */
	if (err == FD_OK && fd_datadir_marker_write(dir, sum->has_id ?
	    sum->id : NULL, sum->serial, NULL) != FD_OK) {
		snprintf(msg, msglen, "%s/%s: %s", dir, FD_DATADIR_MARKER,
		    strerror(errno));
		err = FD_ESYS;
	}
	fd_store_close(st);
	return err;
}
