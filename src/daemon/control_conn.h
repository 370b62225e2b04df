/*
 * control_conn.h - a control connection and its requests, shared by
 * control.c (framing, order, the writer) and control_stream.c (export).
 *
 * Each connection answers its requests in the order they came: a read
 * runs once every request before it is answered (so it sees their
 * changes), consecutive writes go to the writer together (one commit for
 * a pipelined burst), and a stream (export) holds the line until it ends.
 */
#ifndef FLIPDNS_CONTROL_CONN_H
#define FLIPDNS_CONTROL_CONN_H

#include <stdbool.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/un.h>
#include <event2/bufferevent.h>

#include "flipdns/daemon/commands.h"
#include "flipdns/daemon/control.h"
#include "flipdns/db/changes.h"

struct conn;
struct stream;

/* What a peer may do (control_peer.c); ordered, most privileged last. */
enum peer_role {
	ROLE_NONE,       /* denied at connect */
	ROLE_READ,       /* read commands only */
	ROLE_WRITE,      /* every command */
};

enum request_state {
	REQ_NEW,         /* waiting for the requests before it */
	REQ_SUBMITTED,   /* with the writer */
	REQ_DONE,        /* resp (and out) ready to send */
};

struct request {
	TAILQ_ENTRY(request) entry;    /* conn->requests */
	struct conn *conn;
	json_t *req;                   /* NULL: a framing error, resp made */
	const struct fd_command *cmd;
	json_t *resp;
	struct fd_payload in, out;
	enum request_state state;
};
TAILQ_HEAD(request_list, request);

struct conn {
	struct fd_control *ctl;
	struct bufferevent *bev;
	LIST_ENTRY(conn) entry;    /* ctl->conns: every connection not freed */
	struct fd_actor actor;     /* the peer, for history */
	gid_t gid;
	pid_t pid;
	enum peer_role role;
	struct request_list requests;
	int nrequests;     /* on requests: at most FD_CONTROL_QUEUE_MAX */
	int nsubmitted;    /* requests the writer still holds */
	struct stream *stream;     /* an export being sent, or NULL */
	bool dead;         /* peer gone; free once the writer let go */
	bool discarding;   /* inside an oversized line: skip to its end */
	json_t *awaiting;  /* a request whose payload is still arriving */
	size_t payload_len;
	bool close_after_write;
};

struct fd_control {
	const struct fd_cmd_env *env;
	struct fd_writer *writer;
	struct event_base *base;
	struct evconnlistener *listener;
	struct event *resume_ev;    /* re-enables accept after EMFILE */
	struct fd_reader reader;    /* read commands' snapshots */
	int nstreams;               /* exports in progress */
	int nconns;                 /* on conns: at most FD_CONTROL_MAX_CONNS */
	LIST_HEAD(, conn) conns;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
};

/*
 * The role of the peer on fd, whose credentials are cr: by its uid and
 * every group it has (control_peer.c).
 */
enum peer_role control_peer_role(int fd, const struct fd_config *cfg,
    const struct ucred *cr);

/* Answer what can be answered now, in order; control.c. */
void conn_advance(struct conn *c);

/*
 * Start streaming the response of stream command r (export): its own
 * read snapshot, the response line, then the zone in chunks as the peer
 * reads.  Sets c->stream until the end; FD_EBUSY when too many exports
 * are running (r->resp is then an error to send).  control_stream.c.
 */
enum fd_err stream_start(struct conn *c, struct request *r);
/* Send more of c->stream if the peer has room; ends it when done. */
void stream_fill(struct conn *c);
/* Drop c->stream (the peer went away, or shutdown). */
void stream_free(struct conn *c);

#endif
