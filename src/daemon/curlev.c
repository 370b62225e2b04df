/*
 * curlev.c - libcurl's multi interface on a libevent base: the socket
 * and timer callbacks of curl's "multi_socket" API, as its hiperfifo
 * example does it.  See curlev.h.
 */
#include <stdlib.h>
#include <string.h>

#include "curlev.h"
#include "flipdns/util/log.h"

struct fd_curlev {
	struct event_base *base;
	CURLM *multi;
	struct event *timer;
	int running;         /* transfers added and not yet done */
};

/* One transfer: what to call when it is done. */
struct xfer {
	fd_curl_done_fn done;
	void *arg;
};

/* One socket curl asked us to watch. */
struct sock {
	struct event *ev;
	struct fd_curlev *cv;
};

static void
check_done(struct fd_curlev *cv)
{
	struct xfer *x;
	CURLMsg *msg;
	CURL *easy;
	CURLcode rc;
	int left;

	while ((msg = curl_multi_info_read(cv->multi, &left)) != NULL) {
		if (msg->msg != CURLMSG_DONE)
			continue;
		easy = msg->easy_handle;
		rc = msg->data.result;
		x = NULL;
		curl_easy_getinfo(easy, CURLINFO_PRIVATE, (char **)&x);
		curl_multi_remove_handle(cv->multi, easy);
		curl_easy_setopt(easy, CURLOPT_PRIVATE, NULL);
		cv->running--;
		if (x != NULL) {
			/* the callback may add transfers: msg is not used after */
			fd_curl_done_fn done = x->done;
			void *arg = x->arg;

			free(x);
			done(arg, easy, rc);
		}
	}
}

static void
on_socket(evutil_socket_t fd, short what, void *arg)
{
	struct fd_curlev *cv = arg;
	int action = (what & EV_READ ? CURL_CSELECT_IN : 0) |
	    (what & EV_WRITE ? CURL_CSELECT_OUT : 0);
	int still;

	curl_multi_socket_action(cv->multi, fd, action, &still);
	check_done(cv);
}

static void
on_timer(evutil_socket_t fd, short what, void *arg)
{
	struct fd_curlev *cv = arg;
	int still;

	curl_multi_socket_action(cv->multi, CURL_SOCKET_TIMEOUT, 0, &still);
	check_done(cv);
}

/* CURLMOPT_TIMERFUNCTION: curl's next timeout, -1 for none. */
static int
timer_cb(CURLM *multi, long timeout_ms, void *arg)
{
	struct fd_curlev *cv = arg;
	struct timeval tv;

	if (timeout_ms < 0)
		return evtimer_del(cv->timer);
	tv.tv_sec = timeout_ms / 1000;
	tv.tv_usec = (timeout_ms % 1000) * 1000;
	/* 0 too goes through the loop: never call back into curl from here */
	return evtimer_add(cv->timer, &tv);
}

/* CURLMOPT_SOCKETFUNCTION: watch s for what, or stop watching it. */
static int
socket_cb(CURL *easy, curl_socket_t s, int what, void *arg, void *sockp)
{
	struct fd_curlev *cv = arg;
	struct sock *sk = sockp;
	short kind = EV_PERSIST;

	if (what == CURL_POLL_REMOVE) {
		if (sk != NULL) {
			event_free(sk->ev);
			free(sk);
			curl_multi_assign(cv->multi, s, NULL);
		}
		return 0;
	}
	if (what & CURL_POLL_IN)
		kind |= EV_READ;
	if (what & CURL_POLL_OUT)
		kind |= EV_WRITE;
	if (sk == NULL) {
		if ((sk = calloc(1, sizeof(*sk))) == NULL)
			return -1;
		sk->cv = cv;
		curl_multi_assign(cv->multi, s, sk);
	} else {
		event_free(sk->ev);
	}
	if ((sk->ev = event_new(cv->base, s, kind, on_socket, cv)) == NULL ||
	    event_add(sk->ev, NULL) != 0) {
		log_warnx("curl: cannot watch a socket");
		return -1;
	}
	return 0;
}

enum fd_err
fd_curlev_new(struct event_base *base, struct fd_curlev **out)
{
	struct fd_curlev *cv;

	*out = NULL;
	if ((cv = calloc(1, sizeof(*cv))) == NULL)
		return FD_ENOMEM;
	cv->base = base;
	if ((cv->multi = curl_multi_init()) == NULL ||
	    (cv->timer = evtimer_new(base, on_timer, cv)) == NULL) {
		if (cv->multi != NULL)
			curl_multi_cleanup(cv->multi);
		free(cv);
		return FD_ENOMEM;
	}
	curl_multi_setopt(cv->multi, CURLMOPT_SOCKETFUNCTION, socket_cb);
	curl_multi_setopt(cv->multi, CURLMOPT_SOCKETDATA, cv);
	curl_multi_setopt(cv->multi, CURLMOPT_TIMERFUNCTION, timer_cb);
	curl_multi_setopt(cv->multi, CURLMOPT_TIMERDATA, cv);
	*out = cv;
	return FD_OK;
}

enum fd_err
fd_curlev_add(struct fd_curlev *cv, CURL *easy, fd_curl_done_fn done,
    void *arg)
{
	struct xfer *x;

	if ((x = malloc(sizeof(*x))) == NULL)
		return FD_ENOMEM;
	x->done = done;
	x->arg = arg;
	curl_easy_setopt(easy, CURLOPT_PRIVATE, x);
	if (curl_multi_add_handle(cv->multi, easy) != CURLM_OK) {
		curl_easy_setopt(easy, CURLOPT_PRIVATE, NULL);
		free(x);
		return FD_ENOMEM;
	}
	cv->running++;
	return FD_OK;
}

void
fd_curlev_cancel(struct fd_curlev *cv, CURL *easy)
{
	struct xfer *x = NULL;

	curl_easy_getinfo(easy, CURLINFO_PRIVATE, (char **)&x);
	if (x == NULL)
		return;
	curl_multi_remove_handle(cv->multi, easy);
	curl_easy_setopt(easy, CURLOPT_PRIVATE, NULL);
	free(x);
	cv->running--;
}

int
fd_curlev_running(const struct fd_curlev *cv)
{
	return cv->running;
}

void
fd_curlev_free(struct fd_curlev *cv)
{
	if (cv == NULL)
		return;
	curl_multi_cleanup(cv->multi);
	event_free(cv->timer);
	free(cv);
}
