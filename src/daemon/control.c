/*
 * control.c - the control socket server; see control.h and
 * control_conn.h.
 *
 * Reads request lines (and payloads), answers each connection's requests
 * in order: reads in a snapshot of the control's own reader, writes
 * through the writer (writer.h), streams through control_stream.c.
 */
#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/listener.h>

#include "control_conn.h"
#include "flipdns/daemon/metrics.h"
#include "flipdns/daemon/writer.h"
#include "flipdns/util/log.h"

static void conn_free(struct conn *c);

static struct request *
request_push(struct conn *c, json_t *req, json_t *resp, struct fd_payload *in)
{
	struct request *r = calloc(1, sizeof(*r));

	if (r == NULL)
		fatal("calloc");
	r->conn = c;
	r->req = req;
	r->resp = resp;
	/* decoded on arrival: a bad request is answered in its turn */
	if (req != NULL && (r->resp = fd_command_decode(req, &r->cmd)) == NULL)
		r->state = REQ_NEW;
	else
		r->state = REQ_DONE;
	/* the read-only role: a change is refused, in its turn (a dry run
	 * of one is no change) */
	if (r->state == REQ_NEW && c->role != ROLE_WRITE &&
	    fd_command_changes(r->cmd, req)) {
		char msg[200];

		log_warnx("control: uid %u may only read: a change refused",
		    (unsigned)c->actor.uid);
		snprintf(msg, sizeof(msg), "permission denied: uid %u may only "
		    "read (control.read_uids/read_gids); changes need "
		    "control.allow_uids/allow_gids", (unsigned)c->actor.uid);
		r->resp = fd_command_error(json_object_get(req, "id"),
		    FD_EDENIED, msg);
		r->state = REQ_DONE;
	}
	if (in != NULL)
		r->in = *in;
	TAILQ_INSERT_TAIL(&c->requests, r, entry);
	c->nrequests++;
	return r;
}

static void
request_remove(struct conn *c, struct request *r)
{
	TAILQ_REMOVE(&c->requests, r, entry);
	c->nrequests--;
}

static void
request_free(struct request *r)
{
	json_decref(r->req);
	json_decref(r->resp);
	free(r->in.data);
	free(r->out.data);
	free(r);
}

/* A framing error answered in its turn, like any response. */
static void
queue_error(struct conn *c, json_t *id, const char *msg)
{
	request_push(c, NULL, fd_command_error(id, FD_EPROTO, msg), NULL);
}

static void
payload_free(const void *data, size_t len, void *arg)
{
	free((void *)data);
}

/* Send a response line, then its payload (whose ownership goes along). */
static void
conn_send(struct conn *c, json_t *resp, struct fd_payload *out)
{
	struct evbuffer *ob = bufferevent_get_output(c->bev);
	char *line = resp != NULL ? json_dumps(resp, JSON_COMPACT) : NULL;
	struct fd_main_stats *ms = c->ctl->env->ms;

	if (ms != NULL)
		ms->control[fd_metrics_result(resp)]++;
	/*
	 * Every request gets its line, in order, even when its response
	 * could not be built or encoded (out of memory): the client is told,
	 * and the daemon goes on.
	 */
	if (line == NULL) {
		log_warnx("control: a response could not be encoded");
		evbuffer_add_printf(ob, "{\"v\":%d,\"id\":null,\"ok\":false,"
		    "\"error\":{\"code\":\"internal\",\"message\":"
		    "\"response could not be encoded\"}}\n", FD_PROTO_VERSION);
	} else
		evbuffer_add_printf(ob, "%s\n", line);
	free(line);
	if (out != NULL && out->data != NULL) {
		evbuffer_add_reference(ob, out->data, out->len, payload_free, NULL);
		out->data = NULL;
	}
}

/* The writer's side of a write request: run the command in its change. */
static enum fd_err
request_apply(struct fd_change *chg, void *arg)
{
	struct request *r = arg;
	enum fd_err err;

	r->resp = fd_command_write(r->conn->ctl->env, r->cmd, chg, r->req,
	    r->in.data ? &r->in : NULL, &r->out, &err);
	return err;
}

/* After the commit: the response made in the transaction, or why not. */
static void
request_done(void *arg, enum fd_err err, const struct fd_change *chg)
{
	struct request *r = arg;
	struct conn *c = r->conn;

	if (err != FD_OK && (r->resp == NULL ||
	    json_is_true(json_object_get(r->resp, "ok")))) {
		/* refused by the commit, not by the command: nothing kept */
		json_decref(r->resp);
		free(r->out.data);
		r->out.data = NULL;
		r->resp = fd_command_error(json_object_get(r->req, "id"), err,
		    chg->msg);
	}
	r->state = REQ_DONE;
	c->nsubmitted--;
	if (c->dead) {
		if (c->nsubmitted == 0)
			conn_free(c);
		return;
	}
	conn_advance(c);
}

/* Hand r and the writes right behind it to the writer, as one burst. */
static void
submit_writes(struct conn *c, struct request *r)
{
	struct fd_writer *w = c->ctl->writer;

	for (; r != NULL && r->state == REQ_NEW && fd_command_writes(r->cmd);
	    r = TAILQ_NEXT(r, entry)) {
		if (fd_writer_submit(w, &c->actor, request_apply, request_done,
		    r) != FD_OK) {
			r->resp = fd_command_error(json_object_get(r->req, "id"),
			    FD_ENOMEM, NULL);
			r->state = REQ_DONE;
			return;
		}
		r->state = REQ_SUBMITTED;
		c->nsubmitted++;
	}
}

/* A read command in a fresh snapshot: it sees every committed change. */
static void
run_read(struct conn *c, struct request *r)
{
	struct fd_control *ctl = c->ctl;
	enum fd_err err;

	if ((err = fd_reader_begin(&ctl->reader)) != FD_OK) {
		r->resp = fd_command_error(json_object_get(r->req, "id"), err,
		    "cannot begin a read transaction");
	} else {
		r->resp = fd_command_read(ctl->env, r->cmd, ctl->reader.txn,
		    r->req, r->in.data ? &r->in : NULL, &r->out);
		fd_reader_end(&ctl->reader);
	}
	r->state = REQ_DONE;
}

/* Unsent output past which the connection's requests wait (control.h). */
static bool
output_full(const struct conn *c)
{
	return evbuffer_get_length(bufferevent_get_output(c->bev)) >=
	    FD_CONTROL_OUT_HIGH;
}

static void conn_parse(struct conn *c);

/* Answer the requests at the head that can be answered now, in order. */
static void
run_requests(struct conn *c)
{
	struct request *r;

	while (!c->dead && c->stream == NULL &&
	    (r = TAILQ_FIRST(&c->requests)) != NULL) {
		if (r->state == REQ_SUBMITTED)
			return;    /* its commit comes first */
		/* Backpressure: more once the peer has read (conn_write). */
		if (output_full(c))
			return;
		if (r->state == REQ_NEW) {
			if (fd_command_writes(r->cmd)) {
				submit_writes(c, r);
				continue;
			} else if (fd_command_streams(r->cmd)) {
				request_remove(c, r);
				if (stream_start(c, r) != FD_OK)
					conn_send(c, r->resp, NULL);
				request_free(r);
				continue;
			} else
				run_read(c, r);
		}
		request_remove(c, r);
		conn_send(c, r->resp, &r->out);
		request_free(r);
	}
}

void
conn_advance(struct conn *c)
{
	int before;

	/* Answer, then let in what was held back, while that goes on. */
	for (;;) {
		run_requests(c);
		if (c->dead || c->stream != NULL || c->close_after_write ||
		    output_full(c) || c->nrequests >= FD_CONTROL_QUEUE_MAX)
			break;
		before = c->nrequests;
		conn_parse(c);
		if (c->nrequests == before)
			break;
	}
	if (c->dead)
		return;
	if (c->close_after_write && TAILQ_EMPTY(&c->requests) &&
	    c->stream == NULL) {
		bufferevent_enable(c->bev, EV_WRITE);
		return;
	}
	/*
	 * Read more only while the peer reads what it asked for: a client
	 * that sends without reading stops being read once its answers fill
	 * FD_CONTROL_OUT_HIGH or its requests fill FD_CONTROL_QUEUE_MAX, and
	 * its socket buffer then blocks it, not our memory.  conn_write
	 * takes it up again when the output drains.
	 */
	if (c->close_after_write)
		return;
	if (output_full(c) || c->nrequests >= FD_CONTROL_QUEUE_MAX)
		bufferevent_disable(c->bev, EV_READ);
	else
		bufferevent_enable(c->bev, EV_READ);
}

/*
 * Turn what has arrived into requests, in order, while the queue has
 * room; the rest stays in the input buffer until conn_advance lets more
 * in.  A payload is taken once it is all there (at most
 * control.max_payload: checked when its request line arrives).
 */
static void
conn_parse(struct conn *c)
{
	struct bufferevent *bev = c->bev;
	struct evbuffer *in = bufferevent_get_input(bev);
	json_error_t jerr;
	size_t len, max_payload = c->ctl->env->cfg->control_max_payload;
	char *line;

	while (!c->close_after_write && c->nrequests < FD_CONTROL_QUEUE_MAX) {
		if (c->awaiting != NULL) {
			struct fd_payload pl;

			if (evbuffer_get_length(in) < c->payload_len)
				break;
			pl.len = c->payload_len;
			if ((pl.data = malloc(pl.len + 1)) == NULL)
				fatal("malloc");
			evbuffer_remove(in, pl.data, pl.len);
			pl.data[pl.len] = '\0';
			request_push(c, c->awaiting, NULL, &pl);
			c->awaiting = NULL;
			continue;
		}
		if (c->discarding) {
			struct evbuffer_ptr nl = evbuffer_search(in, "\n", 1, NULL);

			if (nl.pos < 0) {
				evbuffer_drain(in, evbuffer_get_length(in));
				break;
			}
			evbuffer_drain(in, (size_t)nl.pos + 1);
			c->discarding = false;
		}
		line = evbuffer_readln(in, &len, EVBUFFER_EOL_LF);
		if (line == NULL) {
			if (evbuffer_get_length(in) > FD_CONTROL_MAX_LINE) {
				c->discarding = true;
				queue_error(c, NULL, "request longer than 64 KiB");
				continue;
			}
			break;
		}
		if (len > FD_CONTROL_MAX_LINE) {
			queue_error(c, NULL, "request longer than 64 KiB");
		} else if (len > 0) {
			json_t *req = json_loadb(line, len, 0, &jerr);
			json_t *plen = req ? json_object_get(req, "payload") : NULL;

			if (req == NULL) {
				char msg[256];

				snprintf(msg, sizeof(msg), "malformed JSON at column "
				    "%d: %s", jerr.column, jerr.text);
				queue_error(c, NULL, msg);
			} else if (plen != NULL && (!json_is_integer(plen) ||
			    json_integer_value(plen) < 0)) {
				/* no way to know where the next request starts */
				queue_error(c, json_object_get(req, "id"),
				    "bad payload length");
				json_decref(req);
				c->close_after_write = true;
				bufferevent_disable(bev, EV_READ);
				free(line);
				break;
			} else if (plen != NULL &&
			    (uint64_t)json_integer_value(plen) > max_payload) {
				/* said before a byte of it is buffered */
				char msg[160];

				snprintf(msg, sizeof(msg), "payload of %lld bytes "
				    "is over control.max_payload (%zu bytes)",
				    (long long)json_integer_value(plen),
				    max_payload);
				queue_error(c, json_object_get(req, "id"), msg);
				json_decref(req);
				c->close_after_write = true;
				bufferevent_disable(bev, EV_READ);
				free(line);
				break;
			} else if (plen != NULL) {
				c->awaiting = req;
				c->payload_len = (size_t)json_integer_value(plen);
			} else {
				request_push(c, req, NULL, NULL);
			}
		}
		free(line);
	}
}

static void
conn_read(struct bufferevent *bev, void *arg)
{
	conn_advance(arg);
}

/*
 * The output drained to FD_CONTROL_OUT_LOW (the write low watermark; 0
 * once the connection is to close, so that it closes with all of it
 * sent): more of a stream, or the requests and bytes held back.
 */
static void
conn_write(struct bufferevent *bev, void *arg)
{
	struct conn *c = arg;

	if (c->stream != NULL) {
		stream_fill(c);
		return;
	}
	if (c->close_after_write && TAILQ_EMPTY(&c->requests) &&
	    c->nsubmitted == 0) {
		if (evbuffer_get_length(bufferevent_get_output(bev)) > 0) {
			bufferevent_setwatermark(bev, EV_WRITE, 0, 0);
			return;
		}
		c->dead = true;
		conn_free(c);
		return;
	}
	conn_advance(c);
}

static void
conn_event(struct bufferevent *bev, short what, void *arg)
{
	struct conn *c = arg;

	if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR)) {
		c->dead = true;
		stream_free(c);
		if (c->nsubmitted == 0)
			conn_free(c);
		else
			bufferevent_disable(bev, EV_READ | EV_WRITE);
	}
}

static void
conn_free(struct conn *c)
{
	struct request *r;

	stream_free(c);
	while ((r = TAILQ_FIRST(&c->requests)) != NULL) {
		request_remove(c, r);
		request_free(r);
	}
	LIST_REMOVE(c, entry);
	c->ctl->nconns--;
	json_decref(c->awaiting);
	bufferevent_free(c->bev);
	free(c);
}

/* The peer's user name for history; its uid when it has none. */
static void
actor_of(uid_t uid, struct fd_actor *a)
{
	struct passwd pw, *res = NULL;
	char buf[1024];

	a->uid = uid;
	if (getpwuid_r(uid, &pw, buf, sizeof(buf), &res) == 0 && res != NULL)
		snprintf(a->name, sizeof(a->name), "%s", pw.pw_name);
	else
		snprintf(a->name, sizeof(a->name), "uid %u", (unsigned)uid);
}

/*
 * Over FD_CONTROL_MAX_CONNS: one "busy" line, as much as the socket takes
 * at once (all of it: a new socket's buffer is empty), and close.  Its
 * descriptor is the one the budget keeps for this (nofile.c).
 */
static void
refuse_busy(int fd)
{
	char line[160];
	int n;

	n = snprintf(line, sizeof(line), "{\"v\":%d,\"id\":null,\"ok\":false,"
	    "\"error\":{\"code\":\"busy\",\"message\":\"busy: %d control "
	    "connections are open\"}}\n", FD_PROTO_VERSION,
	    FD_CONTROL_MAX_CONNS);
	(void)send(fd, line, (size_t)n, MSG_NOSIGNAL | MSG_DONTWAIT);
	close(fd);
	log_warnx("control: %d connections open, one more refused",
	    FD_CONTROL_MAX_CONNS);
}

static void
control_accept(struct evconnlistener *l, evutil_socket_t fd,
    struct sockaddr *sa, int salen, void *arg)
{
	struct fd_control *ctl = arg;
	struct ucred cred;
	socklen_t len = sizeof(cred);
	struct conn *c;

	if (ctl->nconns >= FD_CONTROL_MAX_CONNS) {
		refuse_busy(fd);
		return;
	}
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0) {
		log_warn("control: SO_PEERCRED");
		close(fd);
		return;
	}
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		close(fd);
		return;
	}
	c->ctl = ctl;
	LIST_INSERT_HEAD(&ctl->conns, c, entry);
	ctl->nconns++;
	TAILQ_INIT(&c->requests);
	actor_of(cred.uid, &c->actor);
	c->gid = cred.gid;
	c->pid = cred.pid;
	c->bev = bufferevent_socket_new(ctl->base, fd, BEV_OPT_CLOSE_ON_FREE);
	if (c->bev == NULL) {
		LIST_REMOVE(c, entry);
		ctl->nconns--;
		close(fd);
		free(c);
		return;
	}
	bufferevent_setcb(c->bev, conn_read, conn_write, conn_event, c);
	bufferevent_setwatermark(c->bev, EV_WRITE, FD_CONTROL_OUT_LOW, 0);
	if ((c->role = control_peer_role(fd, ctl->env->cfg, &cred)) ==
	    ROLE_NONE) {
		char msg[200];
		json_t *e;

		log_warnx("control: refused peer uid %u gid %u pid %d",
		    (unsigned)cred.uid, (unsigned)cred.gid, (int)cred.pid);
		snprintf(msg, sizeof(msg), "permission denied: uid %u is not "
		    "in control.allow_uids/allow_gids or control.read_uids/"
		    "read_gids, nor is any of its groups", (unsigned)cred.uid);
		e = fd_command_error(NULL, FD_EDENIED, msg);
		conn_send(c, e, NULL);
		json_decref(e);
		c->close_after_write = true;
		bufferevent_enable(c->bev, EV_WRITE);
		return;
	}
	bufferevent_enable(c->bev, EV_READ | EV_WRITE);
}

static void
control_resume(evutil_socket_t fd, short what, void *arg)
{
	struct fd_control *ctl = arg;

	evconnlistener_enable(ctl->listener);
}

/* Out of descriptors: pause accepting for a second rather than spin. */
static void
control_accept_error(struct evconnlistener *l, void *arg)
{
	struct fd_control *ctl = arg;
	struct timeval one = {1, 0};
	int err = EVUTIL_SOCKET_ERROR();

	log_warnx("control: accept: %s", evutil_socket_error_to_string(err));
	if (err == EMFILE || err == ENFILE) {
		evconnlistener_disable(l);
		evtimer_add(ctl->resume_ev, &one);
	}
}

/*
 * Whoever can write the socket's directory can replace the socket with
 * their own and collect every command sent to it: refuse a directory
 * writable by others unless it is sticky (as /tmp is, where only the
 * owner may remove or rename the socket).
 */
static enum fd_err
socket_dir_safe(const char *path)
{
	char dir[sizeof(((struct sockaddr_un *)0)->sun_path)];
	char *slash;
	struct stat sb;

	snprintf(dir, sizeof(dir), "%s", path);
	if ((slash = strrchr(dir, '/')) == NULL)
		strcpy(dir, ".");
	else if (slash == dir)
		dir[1] = '\0';
	else
		*slash = '\0';
	if (stat(dir, &sb) != 0) {
		log_warn("control: %s", dir);
		return FD_ESYS;
	}
	if ((sb.st_mode & S_IWOTH) && !(sb.st_mode & S_ISVTX)) {
		log_warnx("control: refusing socket %s: its directory %s is "
		    "writable by others (mode %04o) and not sticky, so "
		    "the socket could be replaced", path, dir,
		    (unsigned)(sb.st_mode & 07777));
		return FD_EDENIED;
	}
	return FD_OK;
}

/* A socket file left by a dead daemon is removed; a live one is an error. */
static enum fd_err
socket_claim(const struct sockaddr_un *sun)
{
	struct stat sb;
	int fd;

	if (lstat(sun->sun_path, &sb) != 0)
		return FD_OK;
	if (!S_ISSOCK(sb.st_mode)) {
		log_warnx("control: %s exists and is not a socket", sun->sun_path);
		return FD_EEXISTS;
	}
	if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) < 0)
		return FD_ESYS;
	if (connect(fd, (const struct sockaddr *)sun, sizeof(*sun)) == 0) {
		close(fd);
		log_warnx("control: another daemon answers on %s", sun->sun_path);
		return FD_EEXISTS;
	}
	close(fd);
	if (unlink(sun->sun_path) != 0)
		return FD_ESYS;
	return FD_OK;
}

/*
 * Who owns the socket: the `user:` the daemon runs as (so the socket is
 * its own once root is gone), else whoever runs it; its group is
 * control.socket_group, else that user's primary group.  Members of the
 * group (and the owner) may connect, and are then checked by role
 * (control_peer.c): the group is the first gate, the lists the second.
 */
static enum fd_err
socket_owner(const struct fd_config *cfg, uid_t *owner, gid_t *group)
{
	struct passwd pw, *res = NULL;
	char buf[1024];

	*owner = geteuid();
	*group = getegid();
	if (cfg->user[0] != '\0') {
		if (getpwnam_r(cfg->user, &pw, buf, sizeof(buf), &res) != 0 ||
		    res == NULL) {
			log_warnx("control: user %s not found", cfg->user);
			return FD_ENOTFOUND;
		}
		*owner = pw.pw_uid;
		*group = pw.pw_gid;
	}
	if (cfg->control_socket_group != FD_CONF_GID_UNSET)
		*group = cfg->control_socket_group;
	return FD_OK;
}

enum fd_err
fd_control_open(struct event_base *base, const struct fd_cmd_env *env,
    struct fd_writer *writer, struct fd_control **out)
{
	struct fd_control *ctl;
	struct sockaddr_un sun;
	enum fd_err err;
	uid_t owner;
	gid_t group;
	mode_t old;
	int fd = -1;

	*out = NULL;
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(env->cfg->control_socket) >= sizeof(sun.sun_path)) {
		log_warnx("control: socket path too long: %s",
		    env->cfg->control_socket);
		return FD_ECONFIG;
	}
	strcpy(sun.sun_path, env->cfg->control_socket);
	if ((err = socket_dir_safe(sun.sun_path)) != FD_OK ||
	    (err = socket_claim(&sun)) != FD_OK)
		return err;
	if ((ctl = calloc(1, sizeof(*ctl))) == NULL)
		return FD_ENOMEM;
	ctl->env = env;
	ctl->writer = writer;
	ctl->base = base;
	LIST_INIT(&ctl->conns);
	if ((err = fd_reader_open(env->st, &ctl->reader)) != FD_OK) {
		free(ctl);
		return err;
	}
	strcpy(ctl->path, sun.sun_path);
	if ((err = socket_owner(env->cfg, &owner, &group)) != FD_OK)
		goto bad;
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0)) < 0)
		goto syserr;
	/* Never a window where the socket is reachable by more than mode. */
	old = umask(~(mode_t)env->cfg->control_socket_mode & 0777);
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) != 0) {
		umask(old);
		log_warn("control: bind %s", sun.sun_path);
		goto syserr;
	}
	umask(old);
	/* The group first: until then only root's group had the mode. */
	if (chown(sun.sun_path, owner, group) != 0) {
		log_warn("control: chown %s to %u:%u", sun.sun_path,
		    (unsigned)owner, (unsigned)group);
		goto syserr;
	}
	if (chmod(sun.sun_path, env->cfg->control_socket_mode) != 0) {
		log_warn("control: chmod %s", sun.sun_path);
		goto syserr;
	}
	log_info("control: socket %s, owner %u, group %u, mode %04o",
	    sun.sun_path, (unsigned)owner, (unsigned)group,
	    (unsigned)env->cfg->control_socket_mode);
	ctl->listener = evconnlistener_new(base, control_accept, ctl,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC, 64, fd);
	if (ctl->listener == NULL)
		goto syserr;
	fd = -1;
	evconnlistener_set_error_cb(ctl->listener, control_accept_error);
	ctl->resume_ev = evtimer_new(base, control_resume, ctl);
	*out = ctl;
	return FD_OK;
syserr:
	err = FD_ESYS;
bad:
	if (fd >= 0)
		close(fd);
	if (ctl->listener)
		evconnlistener_free(ctl->listener);
	fd_reader_close(&ctl->reader);
	free(ctl);
	return err;
}

void
fd_control_close(struct fd_control *ctl)
{
	struct conn *c;

	if (ctl == NULL)
		return;
	evconnlistener_free(ctl->listener);
	/* Requests already with the writer are committed and answered. */
	fd_writer_flush(ctl->writer);
	/*
	 * The event loop is over: hand each peer the answers still in its
	 * output buffer (committed changes among them) with one write, as
	 * much as its socket takes without blocking, then close it.  A
	 * socket bufferevent keeps the front of its output frozen (only it
	 * may drain it): thaw it, the bufferevent is freed next anyway.
	 */
	while ((c = LIST_FIRST(&ctl->conns)) != NULL) {
		struct evbuffer *ob = bufferevent_get_output(c->bev);

		if (!c->dead && evbuffer_unfreeze(ob, 1) == 0)
			(void)evbuffer_write(ob, bufferevent_getfd(c->bev));
		conn_free(c);
	}
	event_free(ctl->resume_ev);
	fd_reader_close(&ctl->reader);
	unlink(ctl->path);
	free(ctl);
}
