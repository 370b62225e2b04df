/*
 * flipctl_conn.c - one request, one reply over the control socket.
 *
 * Framing is a JSON object per line each way (README, "Control
 * protocol"); a line with "payload": N is followed by N raw bytes
 * (import's YAML going in); a reply with "stream": true is followed by
 * chunks, each a line with its length and that many bytes, until a line
 * "0" (export's zone file coming out, never whole in the daemon).  flipctl sends
 * one request per connection, so the reply's id needs no matching.  A
 * refused peer may be answered and disconnected before its request is
 * read: a failed write is not the end, the reply may still be waiting.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <grp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "flipctl.h"

#define CTL_PROTO_VERSION  1
/* Bounds memory on a runaway reply line; a full history is far smaller. */
#define CTL_LINE_MAX       (64u << 20)
/* The daemon's own limit (FD_PAYLOAD_MAX). */
#define CTL_PAYLOAD_MAX    ((size_t)1 << 30)

/* The reply as it arrives: the line, then any payload, in one buffer. */
struct reader {
	const struct ctl *c;
	int fd;
	long long deadline;     /* CLOCK_MONOTONIC ms */
	char *buf;
	size_t len, cap;
};

static int
connect_socket(const char *path)
{
	struct sockaddr_un sun;
	int fd, saved;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	strcpy(sun.sun_path, path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return -1;
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		saved = errno;
		close(fd);
		errno = saved;
		return -1;
	}
	return fd;
}

/* Write all of buf; false on error (the reply may still be readable). */
static bool
send_all(int fd, const char *buf, size_t len)
{
	ssize_t n;

	while (len > 0) {
		/* MSG_NOSIGNAL: a closed peer is an error here, not SIGPIPE. */
		n = send(fd, buf, len, MSG_NOSIGNAL);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			return false;
		buf += n;
		len -= (size_t)n;
	}
	return true;
}

static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Room for want more bytes (plus a NUL); CTL_OK or CTL_EUNREACH reported. */
static int
reserve(struct reader *r, size_t want)
{
	size_t cap = r->cap ? r->cap : 8192;
	char *nbuf;

	while (cap < r->len + want + 1)
		cap *= 2;
	if (cap == r->cap)
		return CTL_OK;
	if ((nbuf = realloc(r->buf, cap)) == NULL)
		return ctl_fail(CTL_EUNREACH, "internal", "out of memory");
	r->buf = nbuf;
	r->cap = cap;
	return CTL_OK;
}

/* Read what has arrived, waiting until the deadline; reports failures. */
static int
fill(struct reader *r)
{
	struct pollfd pfd = {.fd = r->fd, .events = POLLIN};
	ssize_t n;
	int left;

	for (;;) {
		if ((left = (int)(r->deadline - now_ms())) <= 0 ||
		    (n = poll(&pfd, 1, left)) == 0)
			return ctl_fail(CTL_EUNREACH, "unreachable", "no answer "
			    "from %s after %u s", r->c->socket, r->c->timeout);
		if (n != -1)
			n = read(r->fd, r->buf + r->len, r->cap - r->len - 1);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			if (errno != ECONNRESET)
				return ctl_fail(CTL_EUNREACH, "unreachable",
				    "reading from %s: %s", r->c->socket,
				    strerror(errno));
			/* A peer closed on our unread request. */
			n = 0;
		}
		if (n == 0)
			return ctl_fail(CTL_EUNREACH, "unreachable", "%s closed "
			    "the connection without answering", r->c->socket);
		r->len += (size_t)n;
		return CTL_OK;
	}
}

/* Read until a whole line is in; *linelen excludes the '\n'. */
static int
read_line(struct reader *r, size_t *linelen)
{
	size_t scanned = 0;
	char *nl;
	int rc;

	for (;;) {
		if (r->len > scanned &&
		    (nl = memchr(r->buf + scanned, '\n', r->len - scanned))) {
			*linelen = (size_t)(nl - r->buf);
			return CTL_OK;
		}
		scanned = r->len;
		if (r->len >= CTL_LINE_MAX)
			return ctl_fail(CTL_EUNREACH, "unreachable", "reply from "
			    "%s longer than %u bytes", r->c->socket,
			    CTL_LINE_MAX);
		if ((rc = reserve(r, 4096)) != CTL_OK ||
		    (rc = fill(r)) != CTL_OK)
			return rc;
	}
}

/* Read until end bytes are in: the line, its '\n' and the payload. */
static int
read_payload(struct reader *r, size_t end)
{
	int rc;

	if (end > r->len && (rc = reserve(r, end - r->len)) != CTL_OK)
		return rc;
	while (r->len < end)
		if ((rc = fill(r)) != CTL_OK)
			return rc;
	return CTL_OK;
}

/*
 * The chunks of a stream after the reply line (which ends at consumed),
 * written to out->sink.  The clock restarts with each chunk: a long
 * export is fine as long as it moves.
 */
static int
read_stream(struct reader *r, size_t consumed, struct ctl_payload *out)
{
	size_t linelen, n;
	char *end;
	int rc;

	for (;;) {
		memmove(r->buf, r->buf + consumed, r->len - consumed);
		r->len -= consumed;
		r->deadline = now_ms() + (long long)r->c->timeout * 1000;
		if ((rc = read_line(r, &linelen)) != CTL_OK)
			goto short_stream;
		r->buf[linelen] = '\0';
		n = strtoull(r->buf, &end, 10);
		if (linelen == 0 || *end != '\0' || r->buf[0] == '-' ||
		    n > CTL_PAYLOAD_MAX)
			return ctl_fail(CTL_EUNREACH, "unreachable", "malformed "
			    "stream from %s", r->c->socket);
		if (n == 0)
			return CTL_OK;
		if ((rc = read_payload(r, linelen + 1 + n)) != CTL_OK)
			goto short_stream;
		if (fwrite(r->buf + linelen + 1, 1, n, out->sink) != n)
			return ctl_fail(CTL_EFAIL, "io", "writing the output "
			    "failed");
		consumed = linelen + 1 + n;
	}
short_stream:
	ctl_fail(rc, "unreachable", "the stream from %s ended early: the "
	    "output is incomplete", r->c->socket);
	return rc;
}

/* The error's protocol code, "" when it has none. */
static const char *
code_of(json_t *err)
{
	const char *code = json_string_value(json_object_get(err, "code"));

	return code != NULL ? code : "";
}

/*
 * The socket would not let us connect: say who may (its mode and group,
 * which the daemon set from control.socket_mode and socket_group).
 */
static void
hint_socket_denied(const char *path)
{
	struct stat sb;
	struct group *gr;

	if (stat(path, &sb) != 0)
		return;
	gr = getgrgid(sb.st_gid);
	fprintf(stderr, "flipctl: hint: %s is mode %04o, group %s (%u): "
	    "connecting needs that group (control.socket_group in flipdnsd's "
	    "config) or the owner's user, and then a place in "
	    "control.allow_uids/allow_gids or read_uids/read_gids\n", path,
	    (unsigned)(sb.st_mode & 07777), gr != NULL ? gr->gr_name : "-",
	    (unsigned)sb.st_gid);
}

/* Turn the reply into *result (and *out), or report the daemon's error. */
static int
decode_reply(struct reader *r, size_t linelen, json_t **result,
    struct ctl_payload *out)
{
	json_t *reply, *ok, *err, *res, *plen;
	json_error_t jerr;
	const char *msg;
	size_t n;
	int rc = CTL_EUNREACH;

	if ((reply = json_loadb(r->buf, linelen, 0, &jerr)) == NULL ||
	    !json_is_object(reply) ||
	    !json_is_boolean(ok = json_object_get(reply, "ok"))) {
		ctl_fail(rc, "unreachable", "malformed reply from %s: %s",
		    r->c->socket, reply == NULL ? jerr.text :
		    "no \"ok\" member");
		goto done;
	}
	if (!json_is_true(ok)) {
		err = json_object_get(reply, "error");
		msg = json_string_value(json_object_get(err, "message"));
		if (msg == NULL &&
		    (msg = json_string_value(json_object_get(err, "code"))) ==
		    NULL)
			msg = "request failed (no message)";
		rc = ctl_fail_daemon(code_of(err), msg);
		/* after the error, which --json prints first */
		if (rc == CTL_EDENIED)
			fprintf(stderr, "flipctl: hint: an administrator can "
			    "list your user or one of your groups in flipdnsd's "
			    "control.allow_uids/allow_gids (changes) or "
			    "control.read_uids/read_gids (reading only)\n");
		goto done;
	}
	if ((plen = json_object_get(reply, "payload")) != NULL) {
		if (!json_is_integer(plen) || json_integer_value(plen) < 0 ||
		    (size_t)json_integer_value(plen) > CTL_PAYLOAD_MAX) {
			ctl_fail(rc, "unreachable", "malformed reply from %s: "
			    "bad payload length", r->c->socket);
			goto done;
		}
		n = (size_t)json_integer_value(plen);
		if (out != NULL) {
			if ((rc = read_payload(r, linelen + 1 + n)) != CTL_OK)
				goto done;
			/* The payload becomes the caller's buffer. */
			memmove(r->buf, r->buf + linelen + 1, n);
			out->data = r->buf;
			out->len = n;
			r->buf = NULL;
		}
	}
	if (json_is_true(json_object_get(reply, "stream"))) {
		if (out == NULL || out->sink == NULL) {
			ctl_fail(rc, "unreachable", "unexpected stream from %s",
			    r->c->socket);
			goto done;
		}
		if ((rc = read_stream(r, linelen + 1, out)) != CTL_OK)
			goto done;
	}
	res = json_object_get(reply, "result");
	*result = res != NULL ? json_incref(res) : json_object();
	rc = CTL_OK;
done:
	json_decref(reply);
	return rc;
}

int
ctl_call(const struct ctl *c, const char *cmd, json_t *args,
    const struct ctl_payload *in, json_t **result, struct ctl_payload *out)
{
	struct reader r;
	json_t *req;
	char *text = NULL;
	size_t linelen;
	int rc = CTL_EUNREACH;

	memset(&r, 0, sizeof(r));
	if (out != NULL) {
		out->data = NULL;
		out->len = 0;
	}
	r.c = c;
	r.fd = -1;
	req = json_pack("{s:i, s:i, s:s, s:O}", "v", CTL_PROTO_VERSION,
	    "id", 1, "cmd", cmd, "args", args);
	if (req != NULL && in != NULL)
		json_object_set_new(req, "payload",
		    json_integer((json_int_t)in->len));
	if (req == NULL || (text = json_dumps(req, JSON_COMPACT)) == NULL) {
		rc = ctl_fail(CTL_EFAIL, "internal", "out of memory");
		goto done;
	}
	if ((r.fd = connect_socket(c->socket)) == -1) {
		int e = errno;

		/* the socket's mode and group keep out who may not talk */
		if (e == EACCES || e == EPERM) {
			rc = ctl_fail(CTL_EDENIED, "denied", "cannot connect "
			    "to %s: %s", c->socket, strerror(e));
			hint_socket_denied(c->socket);
		} else
			ctl_fail(rc, "unreachable", "cannot connect to %s: %s",
			    c->socket, strerror(e));
		goto done;
	}
	/* A failed write is not reported: the daemon may have answered. */
	if (send_all(r.fd, text, strlen(text)) && send_all(r.fd, "\n", 1) &&
	    in != NULL)
		send_all(r.fd, in->data, in->len);
	/* The clock starts once the request is out: a big import takes long. */
	r.deadline = now_ms() + (long long)c->timeout * 1000;
	if ((rc = read_line(&r, &linelen)) != CTL_OK)
		goto done;
	rc = decode_reply(&r, linelen, result, out);
done:
	if (r.fd != -1)
		close(r.fd);
	free(r.buf);
	free(text);
	json_decref(req);
	return rc;
}
