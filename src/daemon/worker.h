/*
 * worker.h - what server.c, udp.c, tcp.c and sockets.c share (internal).
 *
 * A worker is a thread with an event loop for its TCP connections, plus a
 * thread of its own for each of its UDP sockets (udp.c), and everything
 * they touch while serving: sockets, one LMDB read handle per thread, UDP
 * batch buffers and TCP connections.  Nothing here is shared between
 * workers except struct fd_tcp_limits, whose counter is atomic.
 */
#ifndef FLIPDNS_WORKER_H
#define FLIPDNS_WORKER_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <sys/socket.h>
#include <sys/time.h>

#include "flipdns/daemon/tcp_sources.h"
#include "flipdns/dns/answer.h"
#include "flipdns/dns/stats.h"
#include "flipdns/conf/config.h"
#include "flipdns/util/error.h"
#include "flipdns/db/store.h"
#include "flipdns/dns/zone.h"
#include "zonepub.h"

/*
 * The largest DNS message: TCP frames carry a 16-bit length, and a TCP
 * answer is given this much room (UDP answers: FD_UDP_SIZE_MAX).
 */
#define FD_MSG_MAX 65535

struct event_base;
struct event;
struct fd_server;
struct fd_udp;
struct fd_tcp;
struct fd_secondaries;

/*
 * Reader slots of the zone publication: each worker's TCP loop, then one
 * per UDP thread (listen address).
 */
#define FD_WORKER_ZONE_SLOTS(nlisten) (1 + (nlisten))

/* Server-wide TCP admission, shared by all workers. */
struct fd_tcp_limits {
	atomic_uint open;           /* connections open now, all workers */
	unsigned max;               /* cfg->tcp_max_clients, split over: */
	unsigned workers;           /* cfg->workers */
	struct timeval idle;        /* cfg->tcp_idle_timeout */
	struct timeval query;       /* cfg->tcp_query_timeout */
	struct fd_tcp_sources *sources;  /* per-source counts; NULL: no cap */
	atomic_uint xfrs;           /* zone transfers running (xfr_out.h) */
	struct fd_secondaries *sec; /* their log for flipctl; may be NULL */
};

struct fd_worker {
	struct fd_server *srv;
	int id;
	/* One UDP and one TCP socket per address, owned by the server. */
	int nsock;
	int udp_fd[FD_CONF_MAX_LISTEN];
	int tcp_fd[FD_CONF_MAX_LISTEN];
	const struct fd_conf_listen *listen;  /* nsock entries, for messages */
	struct fd_tcp_limits *limits;
	uint32_t rrl_rate, rrl_slip;          /* cfg->rrl_*; rate 0: off */

	struct fd_zonepub *zones;             /* the server's: zonepub.h */
	struct fd_zone_slot *zslot;           /* this worker's TCP loop's */
	struct fd_store *st;
	struct fd_reader reader;
	bool reader_open;

	struct event_base *base;
	struct event *stop_ev;
	struct fd_udp *udp;
	struct fd_tcp *tcp;

	pthread_t thread;
	bool joinable;
	enum fd_err init_err;
};

/*
 * sockets.c: a bound, nonblocking SO_REUSEPORT socket; -1 and errno.
 * first: the address's first socket of its type, bound before the
 * option is set, so it fails with EADDRINUSE when another process holds
 * the address (sockets.c says why).
 */
int fd_sock_udp(const struct fd_conf_listen *l, bool first);
int fd_sock_tcp(const struct fd_conf_listen *l, bool first);

/*
 * udp.c: a thread per UDP socket, each with its batch buffers, its LMDB
 * reader and its RRL table (rrl.h) when rrl_rate > 0.  fd_udp_free stops
 * and joins them; it also undoes a failed fd_udp_init (w->udp is set).
 */
enum fd_err fd_udp_init(struct fd_worker *w);
void fd_udp_free(struct fd_udp *u);

/* tcp.c: listeners and connections; fd_tcp_free closes every connection. */
enum fd_err fd_tcp_init(struct fd_worker *w);
void fd_tcp_free(struct fd_tcp *t);

/* Add each thread's counters to sum (from any thread: stats.h). */
void fd_udp_stats(const struct fd_udp *u, struct fd_stats *sum);
void fd_tcp_stats(const struct fd_tcp *t, struct fd_stats *sum);

/* querylog.c: one log_info line per answered query (zone->log_queries). */
void fd_log_query(const char *proto, const struct sockaddr *peer,
    const struct fd_query_info *info);

#endif
