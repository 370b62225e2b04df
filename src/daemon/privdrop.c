/* privdrop.c - dropping root after the sockets are bound; see daemon.h. */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <unistd.h>

#include "flipdns/daemon/daemon.h"
#include "flipdns/util/log.h"

enum fd_err
fd_privdrop(const char *user)
{
	struct passwd *pw;

	errno = 0;
	if ((pw = getpwnam(user)) == NULL) {
		log_warnx("user %s not found", user);
		return FD_ENOTFOUND;
	}
	/*
	 * Started as that user already (systemd's User=flipdns with the
	 * shipped config's user: flipdns): there is nothing to drop, and
	 * setgroups would fail without CAP_SETGID.
	 */
	if (getuid() == pw->pw_uid && geteuid() == pw->pw_uid &&
	    getgid() == pw->pw_gid && getegid() == pw->pw_gid &&
	    pw->pw_uid != 0) {
		log_info("running as %s (uid %u, gid %u) already", user,
		    (unsigned)pw->pw_uid, (unsigned)pw->pw_gid);
		return FD_OK;
	}
	/* Order matters: groups and gid need root, so setuid comes last. */
	if (setgroups(1, &pw->pw_gid) != 0 ||
	    setresgid(pw->pw_gid, pw->pw_gid, pw->pw_gid) != 0 ||
	    setresuid(pw->pw_uid, pw->pw_uid, pw->pw_uid) != 0) {
		log_warn("cannot drop privileges to %s", user);
		return FD_ESYS;
	}
	/* Paranoia that pays: a drop that can be undone is no drop. */
	if (pw->pw_uid != 0 && (setuid(0) == 0 || seteuid(0) == 0)) {
		log_warnx("privileges to %s could be regained", user);
		return FD_ESYS;
	}
	log_info("running as %s (uid %u, gid %u)", user, (unsigned)pw->pw_uid,
	    (unsigned)pw->pw_gid);
	return FD_OK;
}
