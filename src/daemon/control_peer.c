/*
 * control_peer.c - who is on the other end of a control connection, and
 * what the configuration lets them do.
 *
 * The kernel says who the peer is (SO_PEERCRED: uid, primary gid, pid)
 * and which groups it has (SO_PEERGROUPS, Linux 4.13; before that, the
 * group list of the uid's user from the group database, as login would
 * set it up).  Every group counts: a user let in through a supplementary
 * group (as the socket's group lets them connect at all) is allowed as
 * such.  The roles, most privileged first:
 *   write: root, control.allow_uids, or a group in control.allow_gids;
 *   read:  control.read_uids, or a group in control.read_gids;
 *   none:  told "denied" and disconnected.
 */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdlib.h>
#include <sys/socket.h>

#include "control_conn.h"
#include "flipdns/util/log.h"

/* Groups read at once; more come from a buffer of the size asked for. */
#define PEER_GROUPS_STACK 256

static bool
uid_in(uid_t uid, const uid_t *list, int n)
{
	for (int i = 0; i < n; i++)
		if (list[i] == uid)
			return true;
	return false;
}

static bool
any_gid_in(const gid_t *groups, int ngroups, const gid_t *list, int n)
{
	for (int i = 0; i < ngroups; i++)
		for (int j = 0; j < n; j++)
			if (groups[i] == list[j])
				return true;
	return false;
}

static enum peer_role
role_of(const struct fd_config *cfg, uid_t uid, const gid_t *groups,
    int ngroups)
{
	if (uid == 0 || uid_in(uid, cfg->allow_uids, cfg->n_allow_uids) ||
	    any_gid_in(groups, ngroups, cfg->allow_gids, cfg->n_allow_gids))
		return ROLE_WRITE;
	if (uid_in(uid, cfg->read_uids, cfg->n_read_uids) ||
	    any_gid_in(groups, ngroups, cfg->read_gids, cfg->n_read_gids))
		return ROLE_READ;
	return ROLE_NONE;
}

/* The peer's groups from the group database: its user's, as at login. */
static int
db_groups(uid_t uid, gid_t gid, gid_t *groups, int max)
{
	struct passwd pw, *res = NULL;
	char buf[1024];
	int n = max;

	if (getpwuid_r(uid, &pw, buf, sizeof(buf), &res) != 0 || res == NULL)
		return 0;
	if (getgrouplist(pw.pw_name, gid, groups, &n) == -1)
		return max;     /* the first max of them */
	return n;
}

enum peer_role
control_peer_role(int fd, const struct fd_config *cfg, const struct ucred *cr)
{
	gid_t stack[PEER_GROUPS_STACK], *groups = stack;
	socklen_t len = sizeof(stack);
	enum peer_role role;
	int n;

	if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups, &len) == 0) {
		n = (int)(len / sizeof(gid_t));
	} else if (errno == ERANGE && (groups = malloc(len)) != NULL &&
	    getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups, &len) == 0) {
		n = (int)(len / sizeof(gid_t));
	} else {
		if (groups != stack)
			free(groups);
		groups = stack;
		n = db_groups(cr->uid, cr->gid, stack, PEER_GROUPS_STACK);
	}
	role = role_of(cfg, cr->uid, &cr->gid, 1);
	if (role != ROLE_WRITE) {
		enum peer_role g = role_of(cfg, cr->uid, groups, n);

		if (g > role)
			role = g;
	}
	if (groups != stack)
		free(groups);
	return role;
}
