/*
 * control_stream.c - export and backup as streams: the zone file from
 * one read snapshot of its own, or a compacted copy of the store, a
 * chunk at a time as the peer reads it.
 *
 * The response line carries "stream": true; then chunks follow, each a
 * line with the chunk's length in decimal and that many bytes, and a
 * line "0" ends the stream.  A stream cut short (the store failed) ends
 * without it, and the connection closes: the client knows it has not got
 * the whole zone.  Nothing holds the whole zone in memory, and between
 * chunks the event loop runs every other request: changes commit while
 * an export is being read, which sees the zone as it was when it began.
 *
 * A backup is LMDB's copy (fd_backup_write), which blocks until done:
 * it runs in a thread of its own, writing into a pipe that the event
 * loop reads as the peer reads, so a slow peer stalls only the copy.
 * The copy is sent to flipctl rather than written by the daemon to a
 * path: the daemon runs as its own user in a read-only file system
 * (the systemd unit's ProtectSystem=strict), while flipctl writes the
 * file where its user can, owned by that user.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>

#include "control_conn.h"
#include "flipdns/db/backup.h"
#include "flipdns/db/txn.h"
#include "flipdns/dns/zonefile.h"
#include "flipdns/util/log.h"

/*
 * Each export or backup keeps a reader slot and a snapshot (which keeps
 * LMDB from reusing the pages it sees) until it ends; a few at once is
 * plenty, and the store opens 16 spare reader slots (daemon.c).
 */
#define STREAMS_MAX 4
/*
 * Names rendered per step (~60 bytes each) and the output kept queued:
 * a step costs well under a millisecond, so a change waiting behind an
 * export waits no longer than that; 512 KiB queued keeps a fast reader
 * busy, and the next chunk is made once the queue drains to 128 KiB.
 */
#define STREAM_STEP_NAMES 1000
#define STREAM_QUEUE_HIGH (512 * 1024)
#define STREAM_QUEUE_LOW (128 * 1024)
/*
 * A backup chunk: one pipe read.  The pipe is grown to 1 MiB (Linux's
 * default cap for unprivileged pipes), LMDB's copy writes 1 MiB at a
 * time, so the copy thread wakes the loop a few times per MiB.
 */
#define COPY_CHUNK (64 * 1024)
#define COPY_PIPE_SIZE (1024 * 1024)

/* The backup's copy thread and the pipe it writes into. */
struct copy {
	pthread_t thread;
	bool joined;
	int rfd;                 /* the loop's end, nonblocking */
	int wfd;                 /* the thread's end; it closes it when done */
	struct fd_store *st;
	enum fd_err err;         /* the copy's result, read after the join */
	int err_errno;
	struct event *ev;        /* rfd readable */
};

struct stream {
	enum fd_stream kind;
	MDB_txn *txn;                 /* zone: the snapshot walked */
	struct fd_zonefile_walk walk;
	struct evbuffer *chunk;
	struct copy copy;             /* copy */
	struct conn *conn;
};

static void *
copy_main(void *arg)
{
	struct copy *cp = arg;

	cp->err = fd_backup_write(cp->st, cp->wfd);
	cp->err_errno = errno;
	/* end of file for the loop */
	close(cp->wfd);
	cp->wfd = -1;
	return NULL;
}

/*
 * Wait for the thread; a peer that went away was cut off by closing rfd
 * first, so the copy's next write fails (EPIPE; SIGPIPE is ignored) and
 * it ends.
 */
static void
copy_join(struct copy *cp)
{
	if (cp->joined)
		return;
	if (cp->rfd != -1) {
		close(cp->rfd);
		cp->rfd = -1;
	}
	pthread_join(cp->thread, NULL);
	cp->joined = true;
}

static void
copy_readable(evutil_socket_t fd, short what, void *arg)
{
	struct stream *s = arg;

	stream_fill(s->conn);
}

/*
 * Start the copy thread.  It begins its read transaction before its
 * first write, so once the pipe is readable (or closed) the copy's
 * snapshot is fixed; until then the main loop, where every commit
 * happens, is held here, so the copy is of the snapshot the response's
 * serial came from.  That wait is the copy's first MiB: milliseconds.
 */
static enum fd_err
copy_start(struct fd_control *ctl, struct stream *s)
{
	struct copy *cp = &s->copy;
	struct pollfd pfd;
	int fds[2], rc;

	cp->rfd = cp->wfd = -1;
	cp->joined = true;
	cp->st = ctl->env->st;
	if (pipe2(fds, O_CLOEXEC) != 0)
		return FD_ESYS;
	cp->rfd = fds[0];
	cp->wfd = fds[1];
	(void)fcntl(cp->wfd, F_SETPIPE_SZ, COPY_PIPE_SIZE);
	if (evutil_make_socket_nonblocking(cp->rfd) != 0 ||
	    (cp->ev = event_new(ctl->base, cp->rfd, EV_READ, copy_readable,
	    s)) == NULL)
		goto bad;
	if ((rc = pthread_create(&cp->thread, NULL, copy_main, cp)) != 0) {
		errno = rc;
		goto bad;
	}
	cp->joined = false;
	pfd.fd = cp->rfd;
	pfd.events = POLLIN;
	while (poll(&pfd, 1, -1) == -1 && errno == EINTR)
		;
	return FD_OK;
bad:
	if (cp->ev != NULL)
		event_free(cp->ev);
	cp->ev = NULL;
	close(cp->rfd);
	close(cp->wfd);
	cp->rfd = cp->wfd = -1;
	return FD_ESYS;
}

static int
chunk_emit(void *arg, const char *data, size_t len)
{
	struct stream *s = arg;

	return evbuffer_add(s->chunk, data, len);
}

void
stream_free(struct conn *c)
{
	struct stream *s = c->stream;

	if (s == NULL)
		return;
	if (s->kind == FD_STREAM_COPY) {
		/* the event first: it watches the descriptor the join closes */
		if (s->copy.ev != NULL)
			event_free(s->copy.ev);
		copy_join(&s->copy);
	}
	fd_txn_abort(s->txn);
	evbuffer_free(s->chunk);
	free(s);
	c->stream = NULL;
	c->ctl->nstreams--;
	if (!c->dead)
		bufferevent_setwatermark(c->bev, EV_WRITE, FD_CONTROL_OUT_LOW,
		    0);
}

enum fd_err
stream_start(struct conn *c, struct request *r)
{
	struct fd_control *ctl = c->ctl;
	json_t *id = json_object_get(r->req, "id");
	struct stream *s;
	enum fd_err err;

	if (ctl->nstreams == STREAMS_MAX) {
		r->resp = fd_command_error(id, FD_EBUSY, "busy: 4 exports or "
		    "backups are running; try again when one has finished");
		return FD_EBUSY;
	}
	if ((s = calloc(1, sizeof(*s))) == NULL ||
	    (s->chunk = evbuffer_new()) == NULL) {
		free(s);
		r->resp = fd_command_error(id, FD_ENOMEM, NULL);
		return FD_ENOMEM;
	}
	s->kind = fd_command_stream(r->cmd);
	s->conn = c;
	s->copy.joined = true;
	if ((err = fd_txn_begin_read(ctl->env->st, &s->txn)) != FD_OK) {
		evbuffer_free(s->chunk);
		free(s);
		r->resp = fd_command_error(id, err, "cannot begin a read "
		    "transaction");
		return err;
	}
	ctl->nstreams++;
	c->stream = s;
	/* the response line comes from the snapshot the zone is read from */
	r->resp = fd_command_read(ctl->env, r->cmd, s->txn, r->req, NULL,
	    &r->out);
	if (!json_is_true(json_object_get(r->resp, "ok"))) {
		stream_free(c);
		return FD_EPROTO;
	}
	/* "format" was checked by the command (commands.c, cmd_export) */
	fd_zonefile_begin(&s->walk, fd_command_zone_format(r->req));
	if (s->kind == FD_STREAM_COPY) {
		if (copy_start(ctl, s) != FD_OK) {
			log_warn("control: backup");
			json_decref(r->resp);
			r->resp = fd_command_error(id, FD_ESYS, "cannot start "
			    "the copy");
			stream_free(c);
			return FD_ESYS;
		}
		/* the copy has a snapshot of its own now */
		fd_txn_abort(s->txn);
		s->txn = NULL;
	}
	json_object_set_new(r->resp, "stream", json_true());
	{
		char *line = json_dumps(r->resp, JSON_COMPACT);

		if (line == NULL)
			fatalx("json_dumps: out of memory");
		evbuffer_add_printf(bufferevent_get_output(c->bev), "%s\n", line);
		free(line);
	}
	bufferevent_setwatermark(c->bev, EV_WRITE, STREAM_QUEUE_LOW, 0);
	bufferevent_enable(c->bev, EV_WRITE);
	stream_fill(c);
	return FD_OK;
}

/* A stream that cannot go on: no "0" line, the connection closes. */
static void
stream_cut(struct conn *c)
{
	stream_free(c);
	c->close_after_write = true;
	bufferevent_disable(c->bev, EV_READ);
}

static void
stream_end(struct conn *c)
{
	evbuffer_add_printf(bufferevent_get_output(c->bev), "0\n");
	stream_free(c);
	conn_advance(c);
}

/* Move what the copy thread wrote to the peer, as it has room. */
static void
copy_fill(struct conn *c)
{
	struct evbuffer *ob = bufferevent_get_output(c->bev);
	struct stream *s = c->stream;
	struct copy *cp = &s->copy;
	size_t len;
	int n;

	while (evbuffer_get_length(ob) < STREAM_QUEUE_HIGH) {
		n = evbuffer_read(s->chunk, cp->rfd, COPY_CHUNK);
		if (n > 0) {
			len = evbuffer_get_length(s->chunk);
			evbuffer_add_printf(ob, "%zu\n", len);
			evbuffer_add_buffer(ob, s->chunk);
			continue;
		}
		if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
			/* more when the thread has written it */
			event_add(cp->ev, NULL);
			return;
		}
		if (n < 0) {
			log_warn("control: backup: reading the copy");
			stream_cut(c);
			return;
		}
		/* end of file: the thread is done */
		copy_join(cp);
		if (cp->err != FD_OK) {
			errno = cp->err_errno;
			if (cp->err == FD_ESYS)
				log_warn("control: backup cut short");
			else
				log_warnx("control: backup cut short: %s",
				    fd_strerror(cp->err));
			stream_cut(c);
			return;
		}
		log_info("control: backup sent to uid %u", (unsigned)c->actor.uid);
		stream_end(c);
		return;
	}
	/* the peer has plenty queued: more once it drains (conn_write) */
}

void
stream_fill(struct conn *c)
{
	struct evbuffer *ob = bufferevent_get_output(c->bev);
	struct stream *s = c->stream;
	enum fd_err err = FD_OK;
	size_t len;

	if (s != NULL && s->kind == FD_STREAM_COPY) {
		copy_fill(c);
		return;
	}
	while (s != NULL && evbuffer_get_length(ob) < STREAM_QUEUE_HIGH &&
	    !fd_zonefile_done(&s->walk)) {
		err = fd_zonefile_step(&s->walk, c->ctl->env->zone,
		    c->ctl->env->st, s->txn, STREAM_STEP_NAMES, chunk_emit, s);
		if (err != FD_OK)
			break;
		if ((len = evbuffer_get_length(s->chunk)) > 0) {
			evbuffer_add_printf(ob, "%zu\n", len);
			evbuffer_add_buffer(ob, s->chunk);
		}
	}
	if (err != FD_OK) {
		log_warnx("control: export cut short: %s", fd_strerror(err));
		stream_cut(c);
		return;
	}
	if (!fd_zonefile_done(&s->walk))
		return;     /* more when the peer has read this */
	stream_end(c);
}
