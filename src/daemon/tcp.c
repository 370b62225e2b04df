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
 * Slow and idle clients (RFC 7766 6.2).  A connection is idle when it has
 * nothing in progress (no byte of a query, no answer being sent), else
 * busy.  Each state has one clock, started when the connection enters it
 * and never restarted by partial progress: an idle connection is closed
 * tcp.idle_timeout after its last answer (or its accept); a busy one must
 * finish its unit of work, a whole query from its first byte or a whole
 * answer from when it was queued, within tcp.query_timeout.  A client
 * trickling a byte now and then therefore holds its slot no longer than
 * that, however it times the bytes; only whole answers delivered keep a
 * connection alive.
 *
 * Admission.  The cap (tcp_max_clients) is split evenly over the workers,
 * as NSD's tcp-count is per server process: a worker only ever closes
 * connections it owns, so there is no cross-thread eviction.  A worker at
 * its share makes room for a new client rather than refusing it: it
 * closes its oldest idle connection, or when none is idle, its slowest
 * busy one (the one longest in its current unit of work).  Each state
 * keeps its connections on a list in the order their clock started, so
 * both are the list's head.  SO_REUSEPORT spreads connections evenly,
 * and the total never exceeds the cap by more than workers - 1 (the
 * rounding up of each share).  One source (an IPv4 address, an IPv6 /64)
 * holds at most tcp.max_per_source connections across all workers
 * (tcp_sources.c): beyond it a new connection from there is closed at
 * once, so one client cannot evict everyone else.
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
#include "xfr_out.h"

/*
 * After EMFILE/ENFILE the listener stays readable, and libevent would call
 * us in a busy loop; stop accepting this long, as relayd does.  Long
 * enough for closing connections to free descriptors, short enough that
 * clients merely see a slow connect.
 */
static const struct timeval accept_pause = {1, 0};

/* Seconds between warnings of one kind per worker: not one per client. */
#define WARN_INTERVAL 60

struct tcp_listener {
	struct fd_tcp *t;
	const char *text;       /* the listen address, for messages */
	struct event *ev;       /* readable: accept */
	struct event *pause;    /* timer putting ev back after EMFILE */
};

/* What a connection is doing, each with its clock (see the top). */
enum conn_state {
	CONN_IDLE,      /* nothing in progress: tcp.idle_timeout */
	CONN_BUSY,      /* a query arriving or an answer leaving: query_timeout */
	CONN_NSTATES
};

TAILQ_HEAD(conn_list, tcp_conn);

struct tcp_conn {
	struct fd_tcp *t;
	int fd;
	struct event *rev, *wev, *timer;
	LIST_ENTRY(tcp_conn) entry;        /* the worker's connections */
	TAILQ_ENTRY(tcp_conn) state_entry; /* on t->by_state[state] */
	enum conn_state state;
	struct sockaddr_storage peer;
	size_t rlen;            /* bytes in rbuf */
	size_t wlen, woff;      /* framed answer in wbuf; bytes already sent */
	struct fd_xfr_out *xfr; /* a zone transfer under way, or NULL */
	/* Last, so the fields above share a page: */
	uint8_t rbuf[2 + FD_MSG_MAX];
	uint8_t wbuf[2 + FD_MSG_MAX];
};

struct fd_tcp {
	struct fd_worker *w;
	int nlis;
	struct tcp_listener lis[FD_CONF_MAX_LISTEN];
	LIST_HEAD(, tcp_conn) conns;
	/* Per state, in the order their clocks started: oldest first. */
	struct conn_list by_state[CONN_NSTATES];
	unsigned nopen;         /* connections this worker holds */
	time_t last_evict_warn, last_source_warn;
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

/*
 * Put c in state st and start that state's clock: to the tail of its
 * list, the timer armed with the state's timeout.  Called only when a
 * unit of work begins or ends, never for partial progress.
 */
static void
conn_enter(struct tcp_conn *c, enum conn_state st)
{
	const struct fd_tcp_limits *lim = c->t->w->limits;

	TAILQ_REMOVE(&c->t->by_state[c->state], c, state_entry);
	c->state = st;
	TAILQ_INSERT_TAIL(&c->t->by_state[st], c, state_entry);
	evtimer_add(c->timer, st == CONN_IDLE ? &lim->idle : &lim->query);
}

/* keep_slot: the slot passes to a new connection instead of being freed. */
static void
conn_close(struct tcp_conn *c, bool keep_slot)
{
	TAILQ_REMOVE(&c->t->by_state[c->state], c, state_entry);
	fd_tcp_sources_release(c->t->w->limits->sources, &c->peer);
	fd_xfr_out_end(c->xfr);     /* logged as cut short */
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

/* What one step of a zone transfer came to. */
enum xfr_step { XFR_CLOSE, XFR_QUEUED, XFR_SENT, XFR_DONE };

/*
 * The next message of the connection's transfer into wbuf, sent as far
 * as it goes.  Each message is a unit of work on the busy clock, so a
 * client that stops reading is closed after tcp.query_timeout, and one
 * that reads is never idle mid-transfer.  When the transfer is done it
 * ends (logged) and the connection takes queries again.
 */
static enum xfr_step
xfr_step(struct tcp_conn *c)
{
	size_t n = fd_xfr_out_next(c->xfr, c->wbuf + 2, FD_MSG_MAX);
	int r;

	if (n == 0) {
		bool done = fd_xfr_out_done(c->xfr);

		fd_xfr_out_end(c->xfr);
		c->xfr = NULL;
		return done ? XFR_DONE : XFR_CLOSE;
	}
	c->wbuf[0] = (uint8_t)(n >> 8);
	c->wbuf[1] = (uint8_t)n;
	c->wlen = 2 + n;
	c->woff = 0;
	if ((r = conn_flush(c)) == -1)
		return XFR_CLOSE;
	conn_enter(c, CONN_BUSY);
	return r == 0 ? XFR_QUEUED : XFR_SENT;
}

/*
 * Answer the complete queries in rbuf, in order, until one answer cannot
 * be sent at once; then wait for the socket to drain before going on.
 * answered: an answer has just been sent in full (conn_write).  A zone
 * transfer goes one message per call: each writable event sends one, so
 * the worker's other connections get their turns in between.
 */
static void
conn_process(struct tcp_conn *c, bool answered)
{
	struct fd_worker *w = c->t->w;
	struct fd_query_info info;
	struct fd_client cl = {true, (struct sockaddr *)&c->peer, 0};
	const struct fd_zone *zone;
	size_t off = 0, mlen, alen;
	bool log_queries;
	int r;

	if (c->xfr != NULL && c->wlen == 0) {
		enum xfr_step x = xfr_step(c);

		if (x == XFR_CLOSE)
			goto close;
		answered = x == XFR_DONE;
	}
	while (c->xfr == NULL && c->wlen == 0 && c->rlen - off >= 2) {
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
		cl.now = (uint64_t)time(NULL);
		alen = fd_answer(zone, w->st, w->reader.txn,
		    c->rbuf + off + 2, mlen, c->wbuf + 2, FD_MSG_MAX, &cl,
		    &info);
		if (info.xfr != 0) {
			/* its own snapshot and zone copy: both outlive this */
			c->xfr = fd_xfr_out_start(w->st, &w->limits->xfrs,
			    w->limits->sec, (struct sockaddr *)&c->peer, zone,
			    c->rbuf + off + 2, mlen, &info);
			if (c->xfr == NULL && alen >= FD_HDR_LEN) {
				/* the placeholder, as SERVFAIL: try later */
				c->wbuf[2 + 2] &= (uint8_t)~(FD_F_AA >> 8);
				c->wbuf[2 + 3] = (uint8_t)((c->wbuf[2 + 3] &
				    0xf0) | FD_RCODE_SERVFAIL);
			}
		} else if ((info.qtype == FD_T_AXFR ||
		    info.qtype == FD_T_IXFR) && info.rcode != FD_RCODE_NOERROR)
			fd_xfr_log_refusal((struct sockaddr *)&c->peer, zone,
			    &info);
		fd_zone_leave(w->zslot);
		fd_reader_end(&w->reader);
		fd_stats_query(&c->t->stats, FD_PROTO_TCP, &info);
		off += 2 + mlen;
		if (c->xfr != NULL) {
			if (xfr_step(c) == XFR_CLOSE)
				goto close;
			break;
		}
		/* No header, or QR=1: the peer does not speak DNS to us. */
		if (alen == 0)
			goto close;
		if (log_queries)
			fd_log_query("tcp", (struct sockaddr *)&c->peer, &info);
		c->wbuf[0] = (uint8_t)(alen >> 8);
		c->wbuf[1] = (uint8_t)alen;
		c->wlen = 2 + alen;
		c->woff = 0;
		if ((r = conn_flush(c)) == -1)
			goto close;
		/* Queued, not sent: its own unit of work, on its own clock. */
		if (r == 0)
			conn_enter(c, CONN_BUSY);
		else
			answered = true;
	}

	/* Keep the unanswered tail: one partial query, or queries queued
	 * behind a pending answer or a transfer.  It always fits: rbuf holds
	 * one maximal message. */
	if (off > 0) {
		memmove(c->rbuf, c->rbuf + off, c->rlen - off);
		c->rlen -= off;
	}
	if (c->wlen > 0 || c->xfr != NULL) {
		event_del(c->rev);
		event_add(c->wev, NULL);
		return;
	}
	event_del(c->wev);
	event_add(c->rev, NULL);
	/*
	 * Every answer went out: the connection is idle, or (answers were
	 * sent, part of the next query is here) busy with a new query whose
	 * clock starts now.  Without an answer sent, nothing changes.
	 */
	if (answered && c->rlen == 0)
		conn_enter(c, CONN_IDLE);
	else if (answered)
		conn_enter(c, CONN_BUSY);
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
	/* The first byte of a query starts its clock; more bytes do not. */
	if (c->state == CONN_IDLE)
		conn_enter(c, CONN_BUSY);
	c->rlen += (size_t)n;
	conn_process(c, false);
	return;
close:
	conn_close(c, false);
}

static void
conn_write(evutil_socket_t fd, short what, void *arg)
{
	struct tcp_conn *c = arg;
	int r;

	/* Part of the answer sent is progress, not a new clock. */
	if ((r = conn_flush(c)) == -1) {
		conn_close(c, false);
		return;
	}
	if (r == 1)
		conn_process(c, true);
}

static void
conn_timeout(evutil_socket_t fd, short what, void *arg)
{
	struct tcp_conn *c = arg;
	const struct fd_tcp_limits *lim = c->t->w->limits;

	if (c->state == CONN_IDLE)
		log_debug("tcp: connection idle for %lds, closed",
		    (long)lim->idle.tv_sec);
	else
		log_debug("tcp: query or answer not through in %lds, "
		    "connection closed", (long)lim->query.tv_sec);
	conn_close(c, false);
}

/* A new connection on fd, which holds a slot.  NULL: nothing was kept. */
static struct tcp_conn *
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
		return NULL;
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
		return NULL;
	}
	/* Answers are written whole: Nagle would only delay a pipelined one. */
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
	LIST_INSERT_HEAD(&t->conns, c, entry);
	/* Idle from its accept: conn_enter() moves it from this list on. */
	c->state = CONN_IDLE;
	TAILQ_INSERT_TAIL(&t->by_state[CONN_IDLE], c, state_entry);
	evtimer_add(c->timer, &t->w->limits->idle);
	return c;
}

/* A warning at most every WARN_INTERVAL seconds per worker and kind. */
static bool
warn_due(time_t *last)
{
	time_t now = time(NULL);

	if (now - *last < WARN_INTERVAL)
		return false;
	*last = now;
	return true;
}

/*
 * At its share: the connection to close for a newcomer.  The oldest
 * idle one; else the slowest busy one (longest in its current query or
 * answer), which a slow or hostile client is more likely to hold than a
 * fast one; never the newcomer refused (RFC 7766 6.2).
 */
static struct tcp_conn *
pick_victim(struct fd_tcp *t)
{
	struct tcp_conn *c;

	if ((c = TAILQ_FIRST(&t->by_state[CONN_IDLE])) != NULL)
		return c;
	c = TAILQ_FIRST(&t->by_state[CONN_BUSY]);
	if (c != NULL && warn_due(&t->last_evict_warn))
		log_warnx("worker %d: its share (%u) of tcp.max_clients (%u) "
		    "is busy and none is idle: closing the slowest for new "
		    "clients (slow or hostile clients?)", t->w->id,
		    slot_share(t->w), t->w->limits->max);
	return c;
}

static void
tcp_accept(evutil_socket_t lfd, short what, void *arg)
{
	struct tcp_listener *l = arg;
	struct fd_tcp *t = l->t;
	struct tcp_conn *victim, *c;
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

	if (!fd_tcp_sources_take(t->w->limits->sources, &ss)) {
		if (warn_due(&t->last_source_warn))
			log_warnx("worker %d: a client holds tcp.max_per_source "
			    "connections: refusing more from it", t->w->id);
		close(fd);
		return;
	}
	if (!slot_take(t)) {
		if ((victim = pick_victim(t)) == NULL) {
			/* Cannot happen: a share is at least one. */
			fd_counter_add(&t->stats.tcp_refused, 1);
			fd_tcp_sources_release(t->w->limits->sources, &ss);
			close(fd);
			return;
		}
		fd_counter_add(&t->stats.tcp_evicted, 1);
		/* Its slot passes straight to the newcomer. */
		log_debug("tcp: at tcp.max_clients, closing the %s connection",
		    victim->state == CONN_IDLE ? "oldest idle" : "slowest");
		conn_close(victim, true);
	}
	fd_counter_add(&t->stats.tcp_accepted, 1);
	if ((c = conn_new(t, fd, &ss)) == NULL) {
		log_warnx("worker %d: out of memory for a tcp connection",
		    t->w->id);
		close(fd);
		slot_release(t);
		fd_tcp_sources_release(t->w->limits->sources, &ss);
		return;
	}
	/*
	 * A client mostly sends its query right behind the handshake: read
	 * it now, so the newcomer is busy (or answered) before another
	 * newcomer could close it as the oldest idle connection.
	 */
	conn_read(fd, EV_READ, c);
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
	TAILQ_INIT(&t->by_state[CONN_IDLE]);
	TAILQ_INIT(&t->by_state[CONN_BUSY]);
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
