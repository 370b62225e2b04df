/*
 * tcp.c - DNS over TCP (RFC 7766): framed, pipelined, never blocking.
 *
 * Each worker accepts on its own SO_REUSEPORT listeners.  A connection has
 * two fixed buffers: the bytes read so far (whole queries, the last one
 * possibly partial) and the one framed answer being written.  Queries are
 * answered one at a time, in order; while an answer is still being
 * written the connection is not read, so a client that does not read its
 * answers gets backpressure rather than our memory.
 *
 * A connection with no partial query and no pending answer is idle.  The
 * worker keeps its idle connections on a list, oldest first.  The cap
 * (tcp_max_clients) is split evenly over the workers, as NSD's tcp-count
 * is per server process: a worker only ever closes connections it owns, so
 * a worker at its share closes its own oldest idle connection to make room
 * for a new client, with no cross-thread eviction.  SO_REUSEPORT spreads
 * connections evenly, and the total never exceeds the cap by more than
 * workers - 1 (the rounding up of each share).  A connection that makes no progress for
 * tcp_idle_timeout seconds is closed by its timer; progress is a whole
 * query received or answer bytes sent, so a client trickling a query a
 * byte at a time cannot hold its slot forever.
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "flipdns/dns/answer.h"
#include "flipdns/util/log.h"
#include "worker.h"

/*
 * After EMFILE/ENFILE the listener stays readable, and libevent would call
 * us in a busy loop; stop accepting this long, as relayd does.  Long
 * enough for closing connections to free descriptors, short enough that
 * clients merely see a slow connect.
 */
static const struct timeval accept_pause = {1, 0};

/* Seconds between "cap reached" warnings per worker: not one per refusal. */
#define CAP_WARN_INTERVAL 60

struct tcp_listener {
	struct fd_tcp *t;
	const char *text;       /* the listen address, for messages */
	struct event *ev;       /* readable: accept */
	struct event *pause;    /* timer putting ev back after EMFILE */
};

struct tcp_conn {
	struct fd_tcp *t;
	int fd;
	struct event *rev, *wev, *timer;
	LIST_ENTRY(tcp_conn) entry;        /* the worker's connections */
	TAILQ_ENTRY(tcp_conn) idle_entry;  /* on t->idle while is_idle */
	bool is_idle;
	struct sockaddr_storage peer;
	size_t rlen;            /* bytes in rbuf */
	size_t wlen, woff;      /* framed answer in wbuf; bytes already sent */
	/* Last, so the fields above share a page: */
	uint8_t rbuf[2 + FD_MSG_MAX];
	uint8_t wbuf[2 + FD_MSG_MAX];
};

struct fd_tcp {
	struct fd_worker *w;
	int nlis;
	struct tcp_listener lis[FD_CONF_MAX_LISTEN];
	LIST_HEAD(, tcp_conn) conns;
	TAILQ_HEAD(, tcp_conn) idle;
	unsigned nopen;         /* connections this worker holds */
	time_t last_cap_warn;
	struct fd_stats stats;  /* this loop's alone: stats.h */
};

/* This worker's share of tcp_max_clients, rounded up. */
static unsigned
slot_share(const struct fd_worker *w)
{
	unsigned n = w->limits->workers;

	return (w->limits->max + n - 1) / n;
}

/* Take one of this worker's connection slots; false at its share. */
static bool
slot_take(struct fd_tcp *t)
{
	if (t->nopen >= slot_share(t->w))
		return false;
	t->nopen++;
	atomic_fetch_add(&t->w->limits->open, 1);
	return true;
}

static void
slot_release(struct fd_tcp *t)
{
	t->nopen--;
	atomic_fetch_sub(&t->w->limits->open, 1);
}

static void
conn_set_idle(struct tcp_conn *c, bool idle)
{
	if (idle == c->is_idle)
		return;
	if (idle)
		TAILQ_INSERT_TAIL(&c->t->idle, c, idle_entry);
	else
		TAILQ_REMOVE(&c->t->idle, c, idle_entry);
	c->is_idle = idle;
}

/* keep_slot: the slot passes to a new connection instead of being freed. */
static void
conn_close(struct tcp_conn *c, bool keep_slot)
{
	conn_set_idle(c, false);
	LIST_REMOVE(c, entry);
	if (c->rev != NULL)
		event_free(c->rev);
	if (c->wev != NULL)
		event_free(c->wev);
	if (c->timer != NULL)
		event_free(c->timer);
	close(c->fd);
	if (!keep_slot)
		slot_release(c->t);
	free(c);
}

static void
conn_touch(struct tcp_conn *c)
{
	evtimer_add(c->timer, &c->t->w->limits->idle);
}

/* Send what is left of the answer: 1 all sent, 0 would block, -1 error. */
static int
conn_flush(struct tcp_conn *c)
{
	ssize_t n;

	while (c->woff < c->wlen) {
		n = send(c->fd, c->wbuf + c->woff, c->wlen - c->woff,
		    MSG_NOSIGNAL);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return 0;
			log_debug("tcp: send: %s", strerror(errno));
			return -1;
		}
		c->woff += (size_t)n;
	}
	c->wlen = c->woff = 0;
	return 1;
}

/*
 * Answer the complete queries in rbuf, in order, until one answer cannot
 * be sent at once; then wait for the socket to drain before going on.
 */
static void
conn_process(struct tcp_conn *c)
{
	struct fd_worker *w = c->t->w;
	struct fd_query_info info;
	const struct fd_zone *zone;
	size_t off = 0, mlen, alen;
	bool log_queries;

	while (c->wlen == 0 && c->rlen - off >= 2) {
		mlen = (size_t)c->rbuf[off] << 8 | c->rbuf[off + 1];
		if (c->rlen - off < 2 + mlen)
			break;
		/* Per query: no snapshot is held while waiting on I/O. */
		if (fd_reader_begin(&w->reader) != FD_OK) {
			log_warnx("worker %d: no read transaction, tcp "
			    "connection closed", w->id);
			goto close;
		}
		zone = fd_zone_enter(w->zones, w->zslot);
		log_queries = zone->log_queries;
		alen = fd_answer(zone, w->st, w->reader.txn,
		    c->rbuf + off + 2, mlen, c->wbuf + 2, FD_MSG_MAX, true,
		    &info);
		fd_zone_leave(w->zslot);
		fd_reader_end(&w->reader);
		fd_stats_query(&c->t->stats, FD_PROTO_TCP, &info);
		off += 2 + mlen;
		/* No header, or QR=1: the peer does not speak DNS to us. */
		if (alen == 0)
			goto close;
		if (log_queries)
			fd_log_query("tcp", (struct sockaddr *)&c->peer, &info);
		c->wbuf[0] = (uint8_t)(alen >> 8);
		c->wbuf[1] = (uint8_t)alen;
		c->wlen = 2 + alen;
		c->woff = 0;
		conn_touch(c);
		if (conn_flush(c) == -1)
			goto close;
	}

	/* Keep the unanswered tail: one partial query, or queries queued
	 * behind a pending answer.  It always fits: rbuf holds one maximal
	 * message. */
	if (off > 0) {
		memmove(c->rbuf, c->rbuf + off, c->rlen - off);
		c->rlen -= off;
	}
	if (c->wlen > 0) {
		event_del(c->rev);
		event_add(c->wev, NULL);
	} else {
		event_del(c->wev);
		event_add(c->rev, NULL);
		if (c->rlen == 0)
			conn_set_idle(c, true);
	}
	return;
close:
	conn_close(c, false);
}

static void
conn_read(evutil_socket_t fd, short what, void *arg)
{
	struct tcp_conn *c = arg;
	size_t room = sizeof(c->rbuf) - c->rlen;
	ssize_t n;

	/* Cannot happen (see conn_process), but never spin on a full buffer. */
	if (room == 0)
		goto close;
	n = recv(fd, c->rbuf + c->rlen, room, 0);
	if (n == -1) {
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
			return;
		log_debug("tcp: recv: %s", strerror(errno));
		goto close;
	}
	/* EOF: every complete query was answered before we read again. */
	if (n == 0)
		goto close;
	c->rlen += (size_t)n;
	conn_set_idle(c, false);
	conn_process(c);
	return;
close:
	conn_close(c, false);
}

static void
conn_write(evutil_socket_t fd, short what, void *arg)
{
	struct tcp_conn *c = arg;
	size_t before = c->woff;
	int r;

	if ((r = conn_flush(c)) == -1) {
		conn_close(c, false);
		return;
	}
	/* A slow reader that still reads is not idle. */
	if (r == 1 || c->woff > before)
		conn_touch(c);
	if (r == 1)
		conn_process(c);
}

static void
conn_timeout(evutil_socket_t fd, short what, void *arg)
{
	struct tcp_conn *c = arg;

	log_debug("tcp: connection idle for %lds, closed",
	    (long)c->t->w->limits->idle.tv_sec);
	conn_close(c, false);
}

/* A new connection on fd, which holds a slot.  false: nothing was kept. */
static bool
conn_new(struct fd_tcp *t, int fd, const struct sockaddr_storage *peer)
{
	struct event_base *base = t->w->base;
	struct tcp_conn *c;
	int on = 1;

	/*
	 * One allocation per connection, not per query.  malloc, not calloc:
	 * the two 64 KiB buffers are touched only as far as they are used.
	 */
	if ((c = malloc(sizeof(*c))) == NULL)
		return false;
	memset(c, 0, offsetof(struct tcp_conn, rbuf));
	c->t = t;
	c->fd = fd;
	c->peer = *peer;
	c->rev = event_new(base, fd, EV_READ | EV_PERSIST, conn_read, c);
	c->wev = event_new(base, fd, EV_WRITE | EV_PERSIST, conn_write, c);
	c->timer = evtimer_new(base, conn_timeout, c);
	if (c->rev == NULL || c->wev == NULL || c->timer == NULL ||
	    event_add(c->rev, NULL) == -1) {
		if (c->rev != NULL)
			event_free(c->rev);
		if (c->wev != NULL)
			event_free(c->wev);
		if (c->timer != NULL)
			event_free(c->timer);
		free(c);
		return false;
	}
	/* Answers are written whole: Nagle would only delay a pipelined one. */
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
	LIST_INSERT_HEAD(&t->conns, c, entry);
	conn_touch(c);
	conn_set_idle(c, true);
	return true;
}

static void
cap_warn(struct fd_tcp *t)
{
	time_t now = time(NULL);

	if (now - t->last_cap_warn < CAP_WARN_INTERVAL)
		return;
	t->last_cap_warn = now;
	log_warnx("worker %d: its share (%u) of tcp_max_clients (%u) is busy "
	    "and none is idle: refusing new connections", t->w->id,
	    slot_share(t->w), t->w->limits->max);
}

static void
tcp_accept(evutil_socket_t lfd, short what, void *arg)
{
	struct tcp_listener *l = arg;
	struct fd_tcp *t = l->t;
	struct tcp_conn *victim;
	struct sockaddr_storage ss;
	socklen_t sslen = sizeof(ss);
	int fd;

	fd = accept4(lfd, (struct sockaddr *)&ss, &sslen,
	    SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd == -1) {
		switch (errno) {
		case EMFILE:
		case ENFILE:
		case ENOBUFS:
		case ENOMEM:
			log_warn("tcp %s: accept paused", l->text);
			event_del(l->ev);
			evtimer_add(l->pause, &accept_pause);
			break;
		/* Gone before we got to it, or (Linux) a network error
		 * already pending on it: nothing to do. */
		case EAGAIN:
		case EINTR:
		case ECONNABORTED:
		case EPROTO:
		case ENETDOWN:
		case ENOPROTOOPT:
		case EHOSTDOWN:
		case ENONET:
		case EHOSTUNREACH:
		case EOPNOTSUPP:
		case ENETUNREACH:
			break;
		default:
			log_warn("tcp %s: accept", l->text);
		}
		return;
	}

	if (!slot_take(t)) {
		if ((victim = TAILQ_FIRST(&t->idle)) == NULL) {
			cap_warn(t);
			fd_counter_add(&t->stats.tcp_refused, 1);
			close(fd);
			return;
		}
		fd_counter_add(&t->stats.tcp_evicted, 1);
		/* Its slot passes straight to the newcomer. */
		log_debug("tcp: at tcp_max_clients, closing oldest idle "
		    "connection");
		conn_close(victim, true);
	}
	fd_counter_add(&t->stats.tcp_accepted, 1);
	if (!conn_new(t, fd, &ss)) {
		log_warnx("worker %d: out of memory for a tcp connection",
		    t->w->id);
		close(fd);
		slot_release(t);
	}
}

static void
tcp_unpause(evutil_socket_t fd, short what, void *arg)
{
	struct tcp_listener *l = arg;

	event_add(l->ev, NULL);
}

enum fd_err
fd_tcp_init(struct fd_worker *w)
{
	struct fd_tcp *t;
	struct tcp_listener *l;
	int i;

	if ((t = calloc(1, sizeof(*t))) == NULL)
		return FD_ENOMEM;
	t->w = w;
	LIST_INIT(&t->conns);
	TAILQ_INIT(&t->idle);
	for (i = 0; i < w->nsock; i++) {
		l = &t->lis[i];
		l->t = t;
		l->text = w->listen[i].text;
		l->ev = event_new(w->base, w->tcp_fd[i], EV_READ | EV_PERSIST,
		    tcp_accept, l);
		l->pause = evtimer_new(w->base, tcp_unpause, l);
		t->nlis++;
		if (l->ev == NULL || l->pause == NULL ||
		    event_add(l->ev, NULL) == -1) {
			fd_tcp_free(t);
			return FD_ENOMEM;
		}
	}
	w->tcp = t;
	return FD_OK;
}

void
fd_tcp_free(struct fd_tcp *t)
{
	struct tcp_conn *c;
	int i;

	if (t == NULL)
		return;
	while ((c = LIST_FIRST(&t->conns)) != NULL)
		conn_close(c, false);
	for (i = 0; i < t->nlis; i++) {
		if (t->lis[i].ev != NULL)
			event_free(t->lis[i].ev);
		if (t->lis[i].pause != NULL)
			event_free(t->lis[i].pause);
	}
	free(t);
}

void
fd_tcp_stats(const struct fd_tcp *t, struct fd_stats *sum)
{
	fd_stats_add(sum, &t->stats);
}
