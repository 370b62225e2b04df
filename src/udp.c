/*
 * udp.c - DNS over UDP: a batch of datagrams in, a batch of answers out.
 *
 * One recvmmsg(2) takes up to UDP_BATCH queries; the worker's read
 * transaction is renewed once for the batch and reset as soon as the last
 * answer is built, before any sending or logging; one sendmmsg(2) sends the
 * answers.  Every buffer lives in struct fd_udp, allocated once per worker:
 * nothing on this path allocates.
 *
 * Response rate limiting (rrl.h), when on, judges each answer once it is
 * built (a query dropped by fd_answer costs no tokens): it is sent, dropped,
 * or sent in its slipped form (TC=1, question and OPT only).  The table is
 * the worker's own, so the limit holds per worker; TCP is never limited.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <event2/event.h>

#include "flipdns/answer.h"
#include "flipdns/log.h"
#include "flipdns/rrl.h"
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

struct udp_sock {
	struct fd_udp *u;
	struct event *ev;
};

struct fd_udp {
	struct fd_worker *w;
	struct fd_rrl *rrl;         /* NULL: rrl.rate is 0 */
	int nsock;
	struct udp_sock sock[FD_CONF_MAX_LISTEN];

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

static void
udp_read(evutil_socket_t fd, short what, void *arg)
{
	struct udp_sock *s = arg;
	struct fd_udp *u = s->u;
	struct fd_worker *w = u->w;
	struct msghdr *m, *t;
	uint64_t now = 0;
	size_t len;
	int i, n, nout = 0;

	for (i = 0; i < UDP_BATCH; i++) {
		u->rx[i].msg_hdr.msg_namelen = sizeof(u->peer[i]);
		u->rx[i].msg_hdr.msg_controllen = sizeof(u->rxctl[i]);
		u->rx[i].msg_hdr.msg_flags = 0;
	}
	/* One batch per wakeup: the loop stays fair to the other sockets. */
	n = recvmmsg(fd, u->rx, UDP_BATCH, MSG_DONTWAIT, NULL);
	if (n <= 0) {
		if (n == -1 && errno != EAGAIN && errno != EWOULDBLOCK &&
		    errno != EINTR)
			log_warn("worker %d: udp recvmmsg", w->id);
		return;
	}

	/* One clock read per batch: the batch arrived at once. */
	if (u->rrl != NULL)
		now = fd_rrl_now();
	if (fd_reader_begin(&w->reader) != FD_OK) {
		log_warnx("worker %d: no read transaction, %d queries dropped",
		    w->id, n);
		return;
	}
	for (i = 0; i < n; i++) {
		m = &u->rx[i].msg_hdr;
		if (m->msg_flags & MSG_TRUNC)
			continue;
		len = fd_answer(w->zone, w->st, w->reader.txn, u->query[i],
		    u->rx[i].msg_len, u->answer[i], sizeof(u->answer[i]), false,
		    &u->info[i]);
		if (len == 0)
			continue;
		if (u->rrl != NULL)
			switch (fd_rrl_check(u->rrl,
			    (struct sockaddr *)&u->peer[i], now)) {
			case FD_RRL_SEND:
				break;
			case FD_RRL_DROP:
				continue;
			case FD_RRL_SLIP:
				if ((len = fd_rrl_slip(u->answer[i], len)) == 0)
					continue;
				u->info[i].truncated = true;
				u->info[i].answer_len = (uint16_t)len;
				break;
			}
		u->txiov[i].iov_base = u->answer[i];
		u->txiov[i].iov_len = len;
		t = &u->tx[nout].msg_hdr;
		t->msg_name = &u->peer[i];
		t->msg_namelen = m->msg_namelen;
		t->msg_iov = &u->txiov[i];
		t->msg_iovlen = 1;
		t->msg_controllen = reply_pktinfo(m, &u->txctl[i]);
		t->msg_control = t->msg_controllen ? &u->txctl[i] : NULL;
		t->msg_flags = 0;
		u->from[nout++] = i;
	}
	fd_reader_end(&w->reader);

	udp_send(fd, u->tx, nout);
	if (w->zone->log_queries)
		for (i = 0; i < nout; i++)
			fd_log_query("udp",
			    (struct sockaddr *)&u->peer[u->from[i]],
			    &u->info[u->from[i]]);
}

enum fd_err
fd_udp_init(struct fd_worker *w)
{
	struct fd_udp *u;
	struct msghdr *m;
	struct udp_sock *s;
	enum fd_err err;
	int i;

	/* Large, so calloc maps fresh pages: touched only as they are used. */
	if ((u = calloc(1, sizeof(*u))) == NULL)
		return FD_ENOMEM;
	u->w = w;
	if (w->rrl_rate > 0) {
		err = fd_rrl_new(w->rrl_rate, w->rrl_slip, FD_RRL_BUCKETS, NULL,
		    &u->rrl);
		if (err != FD_OK) {
			free(u);
			return err;
		}
	}
	for (i = 0; i < UDP_BATCH; i++) {
		u->rxiov[i].iov_base = u->query[i];
		u->rxiov[i].iov_len = sizeof(u->query[i]);
		m = &u->rx[i].msg_hdr;
		m->msg_name = &u->peer[i];
		m->msg_iov = &u->rxiov[i];
		m->msg_iovlen = 1;
		m->msg_control = &u->rxctl[i];
	}
	for (i = 0; i < w->nsock; i++) {
		s = &u->sock[i];
		s->u = u;
		s->ev = event_new(w->base, w->udp_fd[i], EV_READ | EV_PERSIST,
		    udp_read, s);
		u->nsock++;
		if (s->ev == NULL || event_add(s->ev, NULL) == -1) {
			fd_udp_free(u);
			return FD_ENOMEM;
		}
	}
	w->udp = u;
	return FD_OK;
}

void
fd_udp_free(struct fd_udp *u)
{
	struct fd_rrl_stats st;
	int i;

	if (u == NULL)
		return;
	for (i = 0; i < u->nsock; i++)
		if (u->sock[i].ev != NULL)
			event_free(u->sock[i].ev);
	if (u->rrl != NULL) {
		fd_rrl_stats(u->rrl, &st);
		if (st.limited > 0)
			log_info("worker %d: rrl limited %llu answers "
			    "(%llu dropped, %llu slipped)", u->w->id,
			    (unsigned long long)st.limited,
			    (unsigned long long)st.dropped,
			    (unsigned long long)st.slipped);
		fd_rrl_free(u->rrl);
	}
	free(u);
}
