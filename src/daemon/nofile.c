/*
 * nofile.c - the descriptor budget; see daemon.h.
 *
 * Every TCP client holds a descriptor.  Were the workers allowed to take
 * them all, accept() on the control socket would fail with EMFILE exactly
 * when an operator needs it most (under a flood of idle connections,
 * to fail over).  So the daemon adds up, before it binds anything, what
 * it can ever hold open: its own files and event loops, each worker's
 * sockets and event loop, tcp.max_clients connections, the HTTP API's
 * http.max_connections, and a reserve for the control socket (and the
 * listeners still to come); raises its soft
 * limit to the hard one; and refuses to start when the sum does not fit,
 * saying how far tcp.max_clients would have to come down.
 *
 * The counts below were measured on a running daemon (/proc/PID/fd):
 * 12 descriptors of its own with one worker (stdio, the log, the store's
 * lock and LMDB's three files, the main event loop's epoll and wake-up
 * descriptors and signal pipe, the control listener) and 4 per worker
 * besides its sockets (epoll, eventfd, a notification pipe).
 */
#include <errno.h>
#include <sys/resource.h>

#include "flipdns/daemon/control.h"
#include "flipdns/daemon/daemon.h"
#include "flipdns/util/log.h"

/*
 * The daemon's own: the 12 measured, with room for syslog, the marker
 * file, name lookups (getpwnam opens nsswitch's files) and libraries.
 */
#define NOFILE_BASE 32
/* Per worker besides its sockets: epoll, eventfd, a pipe (measured 4). */
#define NOFILE_WORKER 4
/*
 * Kept for the metrics listener and its scrapers (a few) and listeners
 * still to come (zone transfers), so adding one does not eat into the
 * control reserve unnoticed.
 */
#define NOFILE_FUTURE 16
/* Linux's default fs.nr_open, for a hard limit of "unlimited". */
#define NOFILE_CEILING (1u << 20)

/* Everything but the TCP clients. */
static rlim_t
nofile_fixed(const struct fd_config *cfg)
{
	rlim_t workers = (rlim_t)cfg->workers;
	/* the HTTP API's listener and the connections it admits */
	rlim_t http = cfg->http_listen.sslen > 0 ?
	    1 + (rlim_t)cfg->http_max_connections : 0;

	return NOFILE_BASE + NOFILE_FUTURE + http +
	    /* each worker's UDP and TCP socket per address, and its loop */
	    workers * (NOFILE_WORKER + 2 * (rlim_t)cfg->n_listen) +
	    /* the control clients, and one more to be told "busy" */
	    FD_CONTROL_MAX_CONNS + 1 +
	    /*
	     * Each worker's share of tcp.max_clients is rounded up (at
	     * most workers - 1 over), and a worker at its share holds
	     * one accepted newcomer for an instant while it evicts.
	     */
	    2 * workers;
}

enum fd_err
fd_nofile_budget(const struct fd_config *cfg)
{
	struct rlimit rl;
	rlim_t need, fixed, was;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0) {
		log_warn("getrlimit(RLIMIT_NOFILE)");
		return FD_ESYS;
	}
	was = rl.rlim_cur;
	if (rl.rlim_max == RLIM_INFINITY || rl.rlim_max > NOFILE_CEILING)
		rl.rlim_max = rl.rlim_max == RLIM_INFINITY ? NOFILE_CEILING :
		    rl.rlim_max;
	if (rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) != 0) {
			log_warn("setrlimit(RLIMIT_NOFILE, %llu)",
			    (unsigned long long)rl.rlim_cur);
			rl.rlim_cur = was;
		}
	}
	fixed = nofile_fixed(cfg);
	need = fixed + cfg->tcp_max_clients;
	if (need > rl.rlim_cur) {
		log_warnx("descriptors: tcp.max_clients %u needs %llu open "
		    "files in all (%llu of them kept for the daemon, its "
		    "workers and the control socket), but the limit is %llu "
		    "(RLIMIT_NOFILE hard limit: raise it, e.g. LimitNOFILE= "
		    "or ulimit -Hn, or lower tcp.max_clients to %llu)",
		    cfg->tcp_max_clients, (unsigned long long)need,
		    (unsigned long long)fixed, (unsigned long long)rl.rlim_cur,
		    rl.rlim_cur > fixed ?
		    (unsigned long long)(rl.rlim_cur - fixed) : 0ULL);
		return FD_ECONFIG;
	}
	log_info("descriptors: limit %llu%s, %llu needed (tcp.max_clients "
	    "%u, %d kept for control)", (unsigned long long)rl.rlim_cur,
	    rl.rlim_cur != was ? " (raised to the hard limit)" : "",
	    (unsigned long long)need, cfg->tcp_max_clients,
	    FD_CONTROL_MAX_CONNS);
	return FD_OK;
}
