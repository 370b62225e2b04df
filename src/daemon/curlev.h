/*
 * curlev.h - a libcurl multi handle driven by a libevent base (daemon/
 * internal): the prober thread's probes and webhook posts share it.
 *
 * libcurl tells which sockets to watch and when its next timeout is
 * (CURLMOPT_SOCKETFUNCTION, CURLMOPT_TIMERFUNCTION); those become events
 * of the base, and each event hands the socket back to
 * curl_multi_socket_action.  A finished transfer is removed from the
 * multi handle and its done callback called with the easy handle, which
 * the callback then owns.  Not thread-safe: the base's thread only.
 */
#ifndef FLIPDNS_DAEMON_CURLEV_H
#define FLIPDNS_DAEMON_CURLEV_H

#include <curl/curl.h>
#include <event2/event.h>

#include "flipdns/util/error.h"

struct fd_curlev;

/* rc is the transfer's result; easy is the callback's to clean up. */
typedef void (*fd_curl_done_fn)(void *arg, CURL *easy, CURLcode rc);

enum fd_err fd_curlev_new(struct event_base *base, struct fd_curlev **out);
/*
 * Start a transfer.  done is called exactly once, from the base's loop
 * (never from inside this call), unless fd_curlev_cancel comes first.
 * FD_ENOMEM with nothing started.
 */
enum fd_err fd_curlev_add(struct fd_curlev *cv, CURL *easy,
    fd_curl_done_fn done, void *arg);
/* Stop a transfer before it is done: done is not called; easy is the
 * caller's again. */
void fd_curlev_cancel(struct fd_curlev *cv, CURL *easy);
/* Transfers running now. */
int fd_curlev_running(const struct fd_curlev *cv);
/* Cancels what runs (no done callbacks), then frees. */
void fd_curlev_free(struct fd_curlev *cv);

#endif
