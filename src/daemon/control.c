/*
 * control.c - the control socket server; see control.h.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/listener.h>

#include "flipdns/daemon/control.h"
#include "flipdns/db/txn.h"
#include "flipdns/util/log.h"

struct conn;

/* One request waiting for the batch, or an error waiting its turn. */
struct pending {
	TAILQ_ENTRY(pending) entry;
	struct conn *conn;
	json_t *req;      /* NULL: resp is already made (framing error) */
	json_t *resp;
	struct fd_payload in, out;
	bool wrote;
};
TAILQ_HEAD(pending_list, pending);

struct conn {
	struct fd_control *ctl;
	struct bufferevent *bev;
	LIST_ENTRY(conn) entry;    /* ctl->conns: every connection not freed */
	uid_t uid;
	gid_t gid;
	pid_t pid;
	int npending;      /* queued requests still pointing at us */
	bool dead;         /* peer gone; free when npending drops to 0 */
	bool discarding;   /* inside an oversized line: skip to its end */
	json_t *awaiting;  /* a request whose payload is still arriving */
	size_t payload_len;
	bool close_after_write;
};

struct fd_control {
	const struct fd_cmd_env *env;
	struct event_base *base;
	struct evconnlistener *listener;
	struct event *flush_ev;     /* runs the batch after this loop turn's reads */
	struct event *resume_ev;    /* re-enables accept after EMFILE */
	struct pending_list pending;
	LIST_HEAD(, conn) conns;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
};

static void conn_free(struct conn *c);

static void
queue_push(struct conn *c, json_t *req, json_t *resp, struct fd_payload *in)
{
	struct fd_control *ctl = c->ctl;
	struct pending *p = calloc(1, sizeof(*p));

	if (p == NULL)
		fatal("calloc");
	p->conn = c;
	p->req = req;
	p->resp = resp;
	if (in != NULL)
		p->in = *in;
	c->npending++;
	TAILQ_INSERT_TAIL(&ctl->pending, p, entry);
	event_active(ctl->flush_ev, EV_WRITE, 0);
}

/* A framing error answered in its turn, like any response. */
static void
queue_error(struct conn *c, json_t *id, const char *msg)
{
	queue_push(c, NULL, fd_command_error(id, FD_EPROTO, msg), NULL);
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

/* Run every queued request in one write transaction, then answer them. */
static void
control_flush(evutil_socket_t fd, short what, void *arg)
{
	struct fd_control *ctl = arg;
	struct pending_list batch;
	struct pending *p;
	MDB_txn *txn = NULL;
	bool any_write = false;
	enum fd_err err;

	TAILQ_INIT(&batch);
	TAILQ_CONCAT(&batch, &ctl->pending, entry);
	err = fd_txn_begin_write(ctl->env->st, NULL, &txn);
	TAILQ_FOREACH(p, &batch, entry) {
		if (p->req == NULL)
			continue;
		if (err != FD_OK)
			p->resp = fd_command_error(json_object_get(p->req, "id"),
			    err, "cannot begin a transaction");
		else
			p->resp = fd_command_run(ctl->env, txn, p->conn->uid,
			    p->req, p->in.data ? &p->in : NULL, &p->out,
			    &p->wrote);
		any_write |= p->wrote;
	}
	if (err == FD_OK) {
		/* Durable before acknowledged: commit (with fsync) first. */
		err = any_write ? fd_txn_commit(txn) : (fd_txn_abort(txn), FD_OK);
		if (err != FD_OK) {
			log_warnx("control: commit failed: %s", fd_strerror(err));
			TAILQ_FOREACH(p, &batch, entry) {
				if (!p->wrote)
					continue;
				json_decref(p->resp);
				free(p->out.data);
				p->out.data = NULL;
				p->resp = fd_command_error(json_object_get(p->req,
				    "id"), err, err == FD_EFULL ?
				    "store full: raise storage.map_size" :
				    "commit failed; nothing was changed");
			}
		}
	}
	while ((p = TAILQ_FIRST(&batch)) != NULL) {
		TAILQ_REMOVE(&batch, p, entry);
		if (!p->conn->dead)
			conn_send(p->conn, p->resp, &p->out);
		if (--p->conn->npending == 0 && p->conn->dead)
			conn_free(p->conn);
		json_decref(p->req);
		json_decref(p->resp);
		free(p->in.data);
		free(p->out.data);
		free(p);
	}
}

static void
conn_read(struct bufferevent *bev, void *arg)
{
	struct conn *c = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	json_error_t jerr;
	size_t len;
	char *line;

	for (;;) {
		if (c->awaiting != NULL) {
			struct fd_payload pl;

			if (evbuffer_get_length(in) < c->payload_len)
				return;
			pl.len = c->payload_len;
			if ((pl.data = malloc(pl.len + 1)) == NULL)
				fatal("malloc");
			evbuffer_remove(in, pl.data, pl.len);
			pl.data[pl.len] = '\0';
			queue_push(c, c->awaiting, NULL, &pl);
			c->awaiting = NULL;
			continue;
		}
		if (c->discarding) {
			struct evbuffer_ptr nl = evbuffer_search(in, "\n", 1, NULL);

			if (nl.pos < 0) {
				evbuffer_drain(in, evbuffer_get_length(in));
				return;
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
			return;
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
			    json_integer_value(plen) < 0 ||
			    (size_t)json_integer_value(plen) > FD_PAYLOAD_MAX)) {
				/* no way to know where the next request starts */
				queue_error(c, json_object_get(req, "id"),
				    "bad payload length");
				json_decref(req);
				c->close_after_write = true;
				bufferevent_disable(bev, EV_READ);
				free(line);
				return;
			} else if (plen != NULL) {
				c->awaiting = req;
				c->payload_len = (size_t)json_integer_value(plen);
			} else {
				queue_push(c, req, NULL, NULL);
			}
		}
		free(line);
	}
}

static void
conn_write(struct bufferevent *bev, void *arg)
{
	struct conn *c = arg;

	if (c->close_after_write && c->npending == 0) {
		c->dead = true;
		conn_free(c);
	}
}

static void
conn_event(struct bufferevent *bev, short what, void *arg)
{
	struct conn *c = arg;

	if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR)) {
		c->dead = true;
		if (c->npending == 0)
			conn_free(c);
		else
			bufferevent_disable(bev, EV_READ | EV_WRITE);
	}
}

static void
conn_free(struct conn *c)
{
	LIST_REMOVE(c, entry);
	json_decref(c->awaiting);
	bufferevent_free(c->bev);
	free(c);
}

static bool
peer_allowed(const struct fd_config *cfg, uid_t uid, gid_t gid)
{
	if (uid == 0)
		return true;
	for (int i = 0; i < cfg->n_allow_uids; i++)
		if (cfg->allow_uids[i] == uid)
			return true;
	for (int i = 0; i < cfg->n_allow_gids; i++)
		if (cfg->allow_gids[i] == gid)
			return true;
	return false;
}

static void
control_accept(struct evconnlistener *l, evutil_socket_t fd,
    struct sockaddr *sa, int salen, void *arg)
{
	struct fd_control *ctl = arg;
	struct ucred cred;
	socklen_t len = sizeof(cred);
	struct conn *c;

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
	c->uid = cred.uid;
	c->gid = cred.gid;
	c->pid = cred.pid;
	c->bev = bufferevent_socket_new(ctl->base, fd, BEV_OPT_CLOSE_ON_FREE);
	if (c->bev == NULL) {
		LIST_REMOVE(c, entry);
		close(fd);
		free(c);
		return;
	}
	bufferevent_setcb(c->bev, conn_read, conn_write, conn_event, c);
	if (!peer_allowed(ctl->env->cfg, cred.uid, cred.gid)) {
		log_warnx("control: refused peer uid %u gid %u pid %d",
		    (unsigned)cred.uid, (unsigned)cred.gid, (int)cred.pid);
		{
			json_t *e = fd_command_error(NULL, FD_EDENIED, "permission "
			    "denied: uid not allowed by control.allow_uids/"
			    "allow_gids");

			conn_send(c, e, NULL);
			json_decref(e);
		}
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

enum fd_err
fd_control_open(struct event_base *base, const struct fd_cmd_env *env,
    struct fd_control **out)
{
	struct fd_control *ctl;
	struct sockaddr_un sun;
	enum fd_err err;
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
	ctl->base = base;
	TAILQ_INIT(&ctl->pending);
	LIST_INIT(&ctl->conns);
	strcpy(ctl->path, sun.sun_path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0)) < 0)
		goto syserr;
	/* Never a window where the socket is reachable by others. */
	old = umask(0117);
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) != 0) {
		umask(old);
		log_warn("control: bind %s", sun.sun_path);
		goto syserr;
	}
	umask(old);
	if (chmod(sun.sun_path, 0660) != 0)
		goto syserr;
	ctl->listener = evconnlistener_new(base, control_accept, ctl,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC, 64, fd);
	if (ctl->listener == NULL)
		goto syserr;
	fd = -1;
	evconnlistener_set_error_cb(ctl->listener, control_accept_error);
	ctl->flush_ev = event_new(base, -1, 0, control_flush, ctl);
	ctl->resume_ev = evtimer_new(base, control_resume, ctl);
	/* Lowest priority: the batch runs once every ready read is queued. */
	event_priority_set(ctl->flush_ev, event_base_get_npriorities(base) - 1);
	*out = ctl;
	return FD_OK;
syserr:
	err = FD_ESYS;
	if (fd >= 0)
		close(fd);
	if (ctl->listener)
		evconnlistener_free(ctl->listener);
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
	if (!TAILQ_EMPTY(&ctl->pending))
		control_flush(-1, 0, ctl);
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
	event_free(ctl->flush_ev);
	event_free(ctl->resume_ev);
	unlink(ctl->path);
	free(ctl);
}
