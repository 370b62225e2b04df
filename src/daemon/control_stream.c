/*
 * control_stream.c - export as a stream: the zone file from one read
 * snapshot of its own, a chunk at a time as the peer reads it.
 *
 * The response line carries "stream": true; then chunks follow, each a
 * line with the chunk's length in decimal and that many bytes, and a
 * line "0" ends the stream.  A stream cut short (the store failed) ends
 * without it, and the connection closes: the client knows it has not got
 * the whole zone.  Nothing holds the whole zone in memory, and between
 * chunks the event loop runs every other request: changes commit while
 * an export is being read, which sees the zone as it was when it began.
 */
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>

#include "control_conn.h"
#include "flipdns/db/txn.h"
#include "flipdns/dns/zonefile.h"
#include "flipdns/util/log.h"

/*
 * Each export keeps a reader slot and a snapshot (which keeps LMDB from
 * reusing the pages it sees) until it ends; a few at once is plenty, and
 * the store opens 16 spare reader slots (daemon.c).
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

struct stream {
	MDB_txn *txn;
	struct fd_zonefile_walk walk;
	struct evbuffer *chunk;
};

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
	fd_txn_abort(s->txn);
	evbuffer_free(s->chunk);
	free(s);
	c->stream = NULL;
	c->ctl->nstreams--;
	if (!c->dead)
		bufferevent_setwatermark(c->bev, EV_WRITE, 0, 0);
}

enum fd_err
stream_start(struct conn *c, struct request *r)
{
	struct fd_control *ctl = c->ctl;
	json_t *id = json_object_get(r->req, "id");
	struct stream *s;
	enum fd_err err;

	if (ctl->nstreams == STREAMS_MAX) {
		r->resp = fd_command_error(id, FD_EBUSY, "busy: 4 exports are "
		    "running; try again when one has finished");
		return FD_EBUSY;
	}
	if ((s = calloc(1, sizeof(*s))) == NULL ||
	    (s->chunk = evbuffer_new()) == NULL) {
		free(s);
		r->resp = fd_command_error(id, FD_ENOMEM, NULL);
		return FD_ENOMEM;
	}
	if ((err = fd_txn_begin_read(ctl->env->st, &s->txn)) != FD_OK) {
		evbuffer_free(s->chunk);
		free(s);
		r->resp = fd_command_error(id, err, "cannot begin a read "
		    "transaction");
		return err;
	}
	ctl->nstreams++;
	c->stream = s;
	fd_zonefile_begin(&s->walk);
	/* the response line comes from the snapshot the zone is read from */
	r->resp = fd_command_read(ctl->env, r->cmd, s->txn, r->req, NULL,
	    &r->out);
	if (!json_is_true(json_object_get(r->resp, "ok"))) {
		stream_free(c);
		return FD_EPROTO;
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

void
stream_fill(struct conn *c)
{
	struct evbuffer *ob = bufferevent_get_output(c->bev);
	struct stream *s = c->stream;
	enum fd_err err = FD_OK;
	size_t len;

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
		stream_free(c);
		c->close_after_write = true;
		bufferevent_disable(c->bev, EV_READ);
		return;
	}
	if (!fd_zonefile_done(&s->walk))
		return;     /* more when the peer has read this */
	evbuffer_add_printf(ob, "0\n");
	stream_free(c);
	conn_advance(c);
}
