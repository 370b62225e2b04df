/*
 * udp.c - DNS over UDP: a batch of datagrams in, a batch of answers out.
 *
 * Each UDP socket of a worker has a thread of its own that blocks in
 * recvmmsg(2) (MSG_WAITFORONE: it sleeps only while there is nothing to
 * read, then takes what has arrived, up to UDP_BATCH).  No event loop sits
 * in between: a socket watched by epoll has the watcher on its wait queue,
 * so every sent datagram's release (sock_wfree) ran epoll's callback, and
 * each batch cost an epoll_wait; a thread blocked in the read itself costs
 * neither (7% less CPU per answer measured, bench/README.md).  The thread's
 * read transaction is renewed once per batch and reset as soon as the last
 * answer is built, before any sending or logging; one sendmmsg(2) sends
 * the answers.  Every buffer lives in struct udp_thread, allocated once:
 * nothing on this path allocates.
 *
 * Response rate limiting (rrl.h), when on, judges each answer once it is
 * built (a query dropped by fd_answer costs no tokens): it is sent, dropped,
 * or sent in its slipped form (TC=1, question and OPT only).  The table is
 * the thread's own, so the limit holds per UDP thread; TCP is never limited.
 *
 * Stopping: fd_udp_free() raises the stop flag and shuts the sockets down
 * for reading, which wakes a thread blocked in recvmmsg (it then reads
 * nothing), and joins the threads.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "flipdns/dns/answer.h"
#include "flipdns/util/log.h"
#include "flipdns/dns/rrl.h"
#include "worker.h"

/*
 * Datagrams per recvmmsg/sendmmsg.  Answering from memory is cheap, so a
 * system call per packet would dominate; a batch also shares one read
 * transaction renewal and, on loopback, one wakeup of the client.  64
 * measured 3-5% less server CPU per answer than 32 under full load
 * (bench/README.md); under light load a batch holds what has arrived,
 * so it adds no wait.
 */
#define UDP_BATCH 64

/*
 * Receive buffer per datagram.  A real query is a header, one question
 * (at most 4 + 255 bytes) and an OPT record with a few options: well under
 * 1 KiB.  Anything longer than this arrives with MSG_TRUNC and is dropped
 * unanswered, since its tail (the OPT record) is lost.
 */
#define UDP_QUERY_MAX 4096

/* Room for the one control message we ask for: the query's destination. */
union udp_ctl {
	struct cmsghdr align;
	uint8_t buf[CMSG_SPACE(sizeof(struct in6_pktinfo))];
};

/* One UDP socket's thread and everything it touches. */
struct udp_thread {
	struct fd_udp *u;
	int fd;
	int id;                     /* index of the listen address */
	struct fd_reader reader;
	bool reader_open;
	struct fd_zone_slot *zslot;
	pthread_t thread;
	bool joinable;
	struct fd_rrl *rrl;         /* NULL: rrl.rate is 0 */
	uint32_t rrl_rate, rrl_slip;   /* what rrl was made with */
	struct fd_stats stats;      /* this thread's alone: stats.h */

	/* Slot i of every array below belongs to the i-th datagram. */
	struct mmsghdr rx[UDP_BATCH];
	struct iovec rxiov[UDP_BATCH];
	struct sockaddr_storage peer[UDP_BATCH];
	union udp_ctl rxctl[UDP_BATCH];
	struct fd_query_info info[UDP_BATCH];
	uint8_t query[UDP_BATCH][UDP_QUERY_MAX];

	/* Answers: tx[j] is the j-th answer to send, for datagram from[j]. */
	struct mmsghdr tx[UDP_BATCH];
	struct iovec txiov[UDP_BATCH];
	union udp_ctl txctl[UDP_BATCH];
	int from[UDP_BATCH];
	uint8_t answer[UDP_BATCH][FD_UDP_SIZE_MAX];  /* edns.udp_size bounds them */
};

struct fd_udp {
	struct fd_worker *w;
	atomic_bool stop;
	int n;
	struct udp_thread *t[FD_CONF_MAX_LISTEN];
};

/*
 * The control message making the answer leave from the address the query
 * was sent to (sockets on a wildcard address only; see sockets.c).
 * Returns its length in out, 0 when the query carried none.
 */
static size_t
reply_pktinfo(struct msghdr *rx, union udp_ctl *out)
{
	struct cmsghdr *c, *o = &out->align;
	struct in_pktinfo pi;

	for (c = CMSG_FIRSTHDR(rx); c != NULL; c = CMSG_NXTHDR(rx, c)) {
		if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
			memcpy(&pi, CMSG_DATA(c), sizeof(pi));
			/* From the query's destination; routing picks the
			 * interface. */
			pi.ipi_spec_dst = pi.ipi_addr;
			pi.ipi_ifindex = 0;
			o->cmsg_level = IPPROTO_IP;
			o->cmsg_type = IP_PKTINFO;
			o->cmsg_len = CMSG_LEN(sizeof(pi));
			memcpy(CMSG_DATA(o), &pi, sizeof(pi));
			return CMSG_SPACE(sizeof(pi));
		}
		if (c->cmsg_level == IPPROTO_IPV6 &&
		    c->cmsg_type == IPV6_PKTINFO) {
			/* As received: address and interface (link-local
			 * addresses need the interface). */
			memcpy(o, c, CMSG_LEN(sizeof(struct in6_pktinfo)));
			return CMSG_SPACE(sizeof(struct in6_pktinfo));
		}
	}
	return 0;
}

static void
udp_send(int fd, struct mmsghdr *tx, int n)
{
	int done = 0, r;

	while (done < n) {
		r = sendmmsg(fd, tx + done, (unsigned)(n - done), MSG_DONTWAIT);
		if (r > 0) {
			done += r;
			continue;
		}
		if (errno == EINTR)
			continue;
		/* Socket buffer full: the rest would fail too.  Drop them,
		 * as a congested link would. */
		if (errno == EAGAIN || errno == EWOULDBLOCK ||
		    errno == ENOBUFS) {
			log_debug("udp: send buffer full, %d answers dropped",
			    n - done);
			return;
		}
		/* This datagram cannot be sent (say, to port 0): skip it. */
		log_debug("udp: sendmmsg: %s", strerror(errno));
		done++;
	}
}

static void udp_rrl_follow(struct udp_thread *t,
    const struct fd_zone *zone);

/*
 * One batch: wait for at least one datagram, answer all that came, send.
 * Returns false once the server is stopping.
 */
static bool
udp_batch(struct udp_thread *t)
{
	struct fd_udp *u = t->u;
	struct fd_worker *w = u->w;
	const struct fd_zone *zone;
	struct msghdr *m, *tm;
	struct fd_client cl = {false, NULL, 0};
	uint64_t now = 0;
	size_t len;
	int i, n, nout = 0;
	bool log_queries;

	for (i = 0; i < UDP_BATCH; i++) {
		t->rx[i].msg_hdr.msg_namelen = sizeof(t->peer[i]);
		t->rx[i].msg_hdr.msg_controllen = sizeof(t->rxctl[i]);
		t->rx[i].msg_hdr.msg_flags = 0;
	}
	n = recvmmsg(t->fd, t->rx, UDP_BATCH, MSG_WAITFORONE, NULL);
	if (atomic_load_explicit(&u->stop, memory_order_relaxed))
		return false;
	if (n == -1) {
		/*
		 * Only stopping ends the thread: a socket without its thread
		 * would go unanswered for good.  An error other than these
		 * is not expected on an unconnected socket; pause so that a
		 * lasting one cannot spin.
		 */
		if (errno != EINTR && errno != EAGAIN && errno != ENOMEM &&
		    errno != ENOBUFS) {
			log_warn("worker %d: udp recvmmsg", w->id);
			usleep(10000);
		}
		return true;
	}

	cl.now = (uint64_t)time(NULL);   /* TSIG's clock: vDSO, no syscall */
	if (fd_reader_begin(&t->reader) != FD_OK) {
		log_warnx("worker %d: no read transaction, %d queries dropped",
		    w->id, n);
		return true;
	}
	/* the zone, like the snapshot, is held for this batch only */
	zone = fd_zone_enter(w->zones, t->zslot);
	log_queries = zone->log_queries;
	if (zone->rrl_rate != t->rrl_rate || zone->rrl_slip != t->rrl_slip)
		udp_rrl_follow(t, zone);
	/* One clock read per batch: the batch arrived at once. */
	if (t->rrl != NULL)
		now = fd_rrl_now();
	for (i = 0; i < n; i++) {
		m = &t->rx[i].msg_hdr;
		if (m->msg_flags & MSG_TRUNC)
			continue;
		cl.peer = (struct sockaddr *)&t->peer[i];
		len = fd_answer(zone, w->st, t->reader.txn, t->query[i],
		    t->rx[i].msg_len, t->answer[i], sizeof(t->answer[i]), &cl,
		    &t->info[i]);
		fd_stats_query(&t->stats, FD_PROTO_UDP, &t->info[i]);
		if (len == 0)
			continue;
		if (t->rrl != NULL)
			switch (fd_rrl_check(t->rrl,
			    (struct sockaddr *)&t->peer[i], t->answer[i], len,
			    now)) {
			case FD_RRL_SEND:
				break;
			case FD_RRL_DROP:
				fd_counter_add(&t->stats.rrl_dropped, 1);
				continue;
			case FD_RRL_SLIP:
				fd_counter_add(&t->stats.rrl_slipped, 1);
				if ((len = fd_rrl_slip(t->answer[i], len)) == 0)
					continue;
				t->info[i].truncated = true;
				t->info[i].answer_len = (uint16_t)len;
				break;
			}
		t->txiov[i].iov_base = t->answer[i];
		t->txiov[i].iov_len = len;
		tm = &t->tx[nout].msg_hdr;
		tm->msg_name = &t->peer[i];
		tm->msg_namelen = m->msg_namelen;
		tm->msg_iov = &t->txiov[i];
		tm->msg_iovlen = 1;
		tm->msg_controllen = reply_pktinfo(m, &t->txctl[i]);
		tm->msg_control = tm->msg_controllen ? &t->txctl[i] : NULL;
		tm->msg_flags = 0;
		t->from[nout++] = i;
	}
	fd_zone_leave(t->zslot);
	fd_reader_end(&t->reader);

	udp_send(t->fd, t->tx, nout);
	if (log_queries)
		for (i = 0; i < nout; i++)
			fd_log_query("udp",
			    (struct sockaddr *)&t->peer[t->from[i]],
			    &t->info[t->from[i]]);
	return true;
}

/*
 * A reload changed rrl.rate or rrl.slip: the table follows, in this
 * thread (its only user).  Made when the limit goes on, freed when it
 * goes off; an allocation failure keeps the old table and tries again
 * next batch.
 */
static void
udp_rrl_follow(struct udp_thread *t, const struct fd_zone *zone)
{
	struct fd_rrl *r;

	if (zone->rrl_rate == 0) {
		fd_rrl_free(t->rrl);
		t->rrl = NULL;
	} else if (t->rrl != NULL) {
		fd_rrl_set_limits(t->rrl, zone->rrl_rate, zone->rrl_slip);
	} else if (fd_rrl_new(zone->rrl_rate, zone->rrl_slip, FD_RRL_BUCKETS,
	    NULL, &r) == FD_OK) {
		t->rrl = r;
	} else
		return;
	t->rrl_rate = zone->rrl_rate;
	t->rrl_slip = zone->rrl_slip;
}

static void *
udp_main(void *arg)
{
	struct udp_thread *t = arg;

	while (udp_batch(t))
		;
	return NULL;
}

/* Everything but the thread: buffers, the reader, the RRL table. */
static enum fd_err
udp_thread_new(struct fd_udp *u, int id, struct udp_thread **out)
{
	struct fd_worker *w = u->w;
	struct udp_thread *t;
	struct msghdr *m;
	enum fd_err err;
	int i, fl;

	/* Large, so calloc maps fresh pages: touched only as they are used. */
	if ((t = calloc(1, sizeof(*t))) == NULL)
		return FD_ENOMEM;
	*out = t;
	t->u = u;
	t->id = id;
	t->fd = w->udp_fd[id];
	t->zslot = &w->zslot[1 + id];
	/* The thread waits in recvmmsg itself. */
	if ((fl = fcntl(t->fd, F_GETFL)) == -1 ||
	    fcntl(t->fd, F_SETFL, fl & ~O_NONBLOCK) == -1)
		return FD_ESYS;
	if ((err = fd_reader_open(w->st, &t->reader)) != FD_OK)
		return err;
	t->reader_open = true;
	if (w->rrl_rate > 0 && (err = fd_rrl_new(w->rrl_rate, w->rrl_slip,
	    FD_RRL_BUCKETS, NULL, &t->rrl)) != FD_OK)
		return err;
	t->rrl_rate = w->rrl_rate;
	t->rrl_slip = w->rrl_slip;
	for (i = 0; i < UDP_BATCH; i++) {
		t->rxiov[i].iov_base = t->query[i];
		t->rxiov[i].iov_len = sizeof(t->query[i]);
		m = &t->rx[i].msg_hdr;
		m->msg_name = &t->peer[i];
		m->msg_iov = &t->rxiov[i];
		m->msg_iovlen = 1;
		m->msg_control = &t->rxctl[i];
	}
	return FD_OK;
}

static void
udp_thread_free(struct udp_thread *t)
{
	struct fd_rrl_stats st;

	if (t->rrl != NULL) {
		fd_rrl_stats(t->rrl, &st);
		if (st.limited > 0)
			log_info("worker %d: %s: rrl limited %llu answers "
			    "(%llu dropped, %llu slipped)", t->u->w->id,
			    t->u->w->listen[t->id].text,
			    (unsigned long long)st.limited,
			    (unsigned long long)st.dropped,
			    (unsigned long long)st.slipped);
		fd_rrl_free(t->rrl);
	}
	if (t->reader_open)
		fd_reader_close(&t->reader);
	free(t);
}

enum fd_err
fd_udp_init(struct fd_worker *w)
{
	struct fd_udp *u;
	struct udp_thread *t;
	enum fd_err err;
	int i, rc;

	if ((u = calloc(1, sizeof(*u))) == NULL)
		return FD_ENOMEM;
	u->w = w;
	atomic_init(&u->stop, false);
	w->udp = u;                 /* fd_udp_free undoes a partial start */
	for (i = 0; i < w->nsock; i++) {
		t = NULL;
		err = udp_thread_new(u, i, &t);
		if (t != NULL)
			u->t[u->n++] = t;
		if (err != FD_OK)
			return err;
		/* The worker blocks every signal; the thread inherits that. */
		if ((rc = pthread_create(&t->thread, NULL, udp_main, t)) != 0) {
			errno = rc;
			log_warn("worker %d: udp thread", w->id);
			return FD_ESYS;
		}
		t->joinable = true;
	}
	return FD_OK;
}

void
fd_udp_free(struct fd_udp *u)
{
	int i;

	if (u == NULL)
		return;
	atomic_store(&u->stop, true);
	for (i = 0; i < u->n; i++)
		if (u->t[i]->joinable)
			shutdown(u->t[i]->fd, SHUT_RD);
	for (i = 0; i < u->n; i++) {
		if (u->t[i]->joinable)
			pthread_join(u->t[i]->thread, NULL);
		udp_thread_free(u->t[i]);
	}
	free(u);
}

void
fd_udp_stats(const struct fd_udp *u, struct fd_stats *sum)
{
	for (int i = 0; i < u->n; i++)
		fd_stats_add(sum, &u->t[i]->stats);
}
