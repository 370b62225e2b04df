/*
 * sockets.c - opening and binding the listen sockets.
 *
 * Every worker gets its own socket per address, all bound to the same
 * address with SO_REUSEPORT, so the kernel spreads datagrams and
 * connections over the workers and no two threads ever share a socket.
 * Binding happens before the privilege drop, and all sockets of one
 * address are bound by the same user, as SO_REUSEPORT requires.
 *
 * SO_REUSEPORT is for our own workers only.  Any process of the same
 * user that sets it may join a port, and the kernel would then split the
 * queries between it and us: a second flipdnsd with another store would
 * answer half of them from that store.  So the first socket of each
 * address and protocol is bound without SO_REUSEPORT, which fails with
 * EADDRINUSE when anyone already holds the address (with or without the
 * option); only once it is bound is SO_REUSEPORT turned on for it, so the
 * rest of our workers can join it (Linux checks the option of the sockets
 * already bound at the time of each later bind).
 */
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "worker.h"

/*
 * Pending connections per listen socket.  Each worker has its own
 * listener, and accepting is cheap, so a modest queue absorbs bursts;
 * the kernel caps it at net.core.somaxconn anyway.
 */
#define TCP_BACKLOG 128

static bool
addr_is_wildcard(const struct sockaddr_storage *ss)
{
	const struct sockaddr_in *sin = (const struct sockaddr_in *)ss;
	const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)ss;

	if (ss->ss_family == AF_INET)
		return sin->sin_addr.s_addr == htonl(INADDR_ANY);
	return IN6_IS_ADDR_UNSPECIFIED(&sin6->sin6_addr);
}

static int
setopt_on(int fd, int level, int name)
{
	int on = 1;

	return setsockopt(fd, level, name, &on, sizeof(on));
}

/* Give up on a socket being set up: close it, keep the errno that failed. */
static int
close_failed(int fd)
{
	int saved = errno;

	close(fd);
	errno = saved;
	return -1;
}

/* first: the address's first socket of this type (see the top). */
static int
sock_open(const struct fd_conf_listen *l, int type, bool first)
{
	int family = l->ss.ss_family;
	int fd;

	if ((fd = socket(family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)) == -1)
		return -1;
	if (!first && setopt_on(fd, SOL_SOCKET, SO_REUSEPORT) == -1)
		goto bad;
	/* Without it a v6 wildcard would also take the v4 port. */
	if (family == AF_INET6 &&
	    setopt_on(fd, IPPROTO_IPV6, IPV6_V6ONLY) == -1)
		goto bad;
	/* A restarted daemon must rebind while old connections linger
	 * in TIME_WAIT. */
	if (type == SOCK_STREAM &&
	    setopt_on(fd, SOL_SOCKET, SO_REUSEADDR) == -1)
		goto bad;
	if (bind(fd, (const struct sockaddr *)&l->ss, l->sslen) == -1)
		goto bad;
	if (first && setopt_on(fd, SOL_SOCKET, SO_REUSEPORT) == -1)
		goto bad;
	return fd;
bad:
	return close_failed(fd);
}

int
fd_sock_udp(const struct fd_conf_listen *l, bool first)
{
	int fd, omit = IP_PMTUDISC_OMIT;

	if ((fd = sock_open(l, SOCK_DGRAM, first)) == -1)
		return -1;
	/*
	 * On a wildcard address the answer must leave from the address the
	 * query came to, or the client drops it: ask for that address with
	 * every datagram (udp.c echoes it back as the source).
	 */
	if (addr_is_wildcard(&l->ss)) {
		if (l->ss.ss_family == AF_INET) {
			if (setopt_on(fd, IPPROTO_IP, IP_PKTINFO) == -1)
				goto bad;
		} else if (setopt_on(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO) == -1)
			goto bad;
	}
	/*
	 * Never set DF and ignore ICMP "fragmentation needed" on v4: a forged
	 * ICMP could otherwise shrink the path MTU and force fragments, the
	 * usual way to splice forged data into an answer (NSD, Knot do the
	 * same).  Best effort: older kernels lack IP_PMTUDISC_OMIT.
	 */
	if (l->ss.ss_family == AF_INET)
		(void)setsockopt(fd, IPPROTO_IP, IP_MTU_DISCOVER, &omit,
		    sizeof(omit));
	return fd;
bad:
	return close_failed(fd);
}

int
fd_sock_tcp(const struct fd_conf_listen *l, bool first)
{
	int fd;

	if ((fd = sock_open(l, SOCK_STREAM, first)) == -1)
		return -1;
	if (listen(fd, TCP_BACKLOG) == -1)
		goto bad;
	return fd;
bad:
	return close_failed(fd);
}
