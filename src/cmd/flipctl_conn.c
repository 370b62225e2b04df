/*
 * flipctl_conn.c - one request, one reply over the control socket.
 *
 * Framing is a JSON object per line each way (README, "Control
 * protocol").  flipctl sends one request per connection, so the reply's
 * id needs no matching.  A refused peer may be answered and disconnected
 * before its request is read: a failed write is not the end, the reply
 * may still be waiting to be read.
 */
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "flipctl.h"

#define CTL_PROTO_VERSION  1
/* Bounds memory on a runaway reply; a full history is far smaller. */
#define CTL_REPLY_MAX      (64u << 20)

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

/*
 * Read up to and excluding the first '\n' into *line (malloc'd, NUL-
 * terminated).  Returns CTL_OK or CTL_EUNREACH after reporting.
 */
static int
read_line(const struct ctl *c, int fd, char **line, size_t *linelen)
{
	long long deadline = now_ms() + (long long)c->timeout * 1000;
	struct pollfd pfd = {.fd = fd, .events = POLLIN};
	char *buf = NULL, *nl, *nbuf;
	size_t len = 0, cap = 0;
	ssize_t n;
	int left;

	for (;;) {
		if (len + 4096 + 1 > cap) {
			cap = cap ? cap * 2 : 8192;
			if (cap > CTL_REPLY_MAX) {
				fprintf(stderr, "flipctl: reply from %s "
				    "longer than %u bytes\n", c->socket,
				    CTL_REPLY_MAX);
				goto done;
			}
			if ((nbuf = realloc(buf, cap)) == NULL) {
				fprintf(stderr, "flipctl: out of memory\n");
				goto done;
			}
			buf = nbuf;
		}
		if ((left = (int)(deadline - now_ms())) <= 0 ||
		    (n = poll(&pfd, 1, left)) == 0) {
			fprintf(stderr, "flipctl: no answer from %s after "
			    "%u s\n", c->socket, c->timeout);
			goto done;
		}
		if (n == -1 || (n = read(fd, buf + len, cap - len - 1)) == -1) {
			if (errno == EINTR)
				continue;
			if (errno != ECONNRESET) {
				fprintf(stderr, "flipctl: reading from "
				    "%s: %s\n", c->socket, strerror(errno));
				goto done;
			}
			/* A peer closed on our unread request. */
			n = 0;
		}
		if (n == 0) {
			fprintf(stderr, "flipctl: %s closed the connection "
			    "without answering\n", c->socket);
			goto done;
		}
		if ((nl = memchr(buf + len, '\n', (size_t)n)) != NULL) {
			*nl = '\0';
			*linelen = (size_t)(nl - buf);
			*line = buf;
			return CTL_OK;
		}
		len += (size_t)n;
	}
done:
	free(buf);
	return CTL_EUNREACH;
}

/* Turn the reply line into *result, or report the daemon's error. */
static int
decode_reply(const struct ctl *c, const char *line, size_t len,
    json_t **result)
{
	json_t *reply, *ok, *err, *res;
	json_error_t jerr;
	const char *msg;
	int rc = CTL_EUNREACH;

	if ((reply = json_loadb(line, len, 0, &jerr)) == NULL ||
	    !json_is_object(reply) ||
	    !json_is_boolean(ok = json_object_get(reply, "ok"))) {
		fprintf(stderr, "flipctl: malformed reply from %s: %s\n",
		    c->socket, reply == NULL ? jerr.text : "no \"ok\" member");
		goto done;
	}
	if (json_is_true(ok)) {
		res = json_object_get(reply, "result");
		*result = res != NULL ? json_incref(res) : json_object();
		rc = CTL_OK;
		goto done;
	}
	err = json_object_get(reply, "error");
	msg = json_string_value(json_object_get(err, "message"));
	if (msg == NULL &&
	    (msg = json_string_value(json_object_get(err, "code"))) == NULL)
		msg = "request failed (no message)";
	fprintf(stderr, "flipctl: %s\n", msg);
	rc = CTL_EFAIL;
done:
	json_decref(reply);
	return rc;
}

int
ctl_call(const struct ctl *c, const char *cmd, json_t *args, json_t **result)
{
	json_t *req;
	char *text = NULL, *line = NULL;
	size_t linelen;
	int fd = -1, rc = CTL_EUNREACH;

	req = json_pack("{s:i, s:i, s:s, s:O}", "v", CTL_PROTO_VERSION,
	    "id", 1, "cmd", cmd, "args", args);
	if (req == NULL || (text = json_dumps(req, JSON_COMPACT)) == NULL) {
		fprintf(stderr, "flipctl: out of memory\n");
		rc = CTL_EFAIL;
		goto done;
	}
	if ((fd = connect_socket(c->socket)) == -1) {
		fprintf(stderr, "flipctl: cannot connect to %s: %s\n",
		    c->socket, strerror(errno));
		goto done;
	}
	/* A failed write is not reported: the daemon may have answered. */
	if (send_all(fd, text, strlen(text)))
		send_all(fd, "\n", 1);
	if ((rc = read_line(c, fd, &line, &linelen)) != CTL_OK)
		goto done;
	rc = decode_reply(c, line, linelen, result);
done:
	if (fd != -1)
		close(fd);
	free(line);
	free(text);
	json_decref(req);
	return rc;
}
