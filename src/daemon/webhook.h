/*
 * webhook.h - notifications to notify.webhooks (daemon/ internal): each
 * event a JSON POST to every URL, signed, in order, each once, retried
 * while a receiver is down.
 *
 * Runs on the prober thread, on its curl multi: events arrive from the
 * main thread's post-commit hook through the prober's queue, so sending
 * never holds the writer.  Each URL has its own queue with one post in
 * flight: the next event goes once the receiver answered the one before
 * with a 2xx status, which keeps the order, and gives each event once to
 * a receiver that answers (a receiver that takes the post and fails to
 * answer sees it again: each carries its history "serial" to tell).  A
 * failed post is tried again after 0.5 s, doubling up to
 * notify.retry_max.  The queue lives in memory: events of a receiver
 * still down when flipdnsd stops are lost (and logged).
 *
 * X-Signature: sha256=HEX(HMAC-SHA256(notify.secret, body)).
 */
#ifndef FLIPDNS_DAEMON_WEBHOOK_H
#define FLIPDNS_DAEMON_WEBHOOK_H

#include <stddef.h>
#include <stdint.h>
#include <event2/event.h>

#include "curlev.h"
#include "flipdns/conf/config.h"

/*
 * Events one receiver may owe before the oldest are dropped: a few KB
 * each, so 10000 of them are tens of MB at worst, and a receiver behind
 * by that many switches needs a person more than the events.
 */
#define FD_WEBHOOK_QUEUE_MAX 10000
/* A receiver that takes longer than this to answer is down for now. */
#define FD_WEBHOOK_TIMEOUT_MS 10000
/* The first retry; then doubling up to notify.retry_max. */
#define FD_WEBHOOK_RETRY_MIN_MS 500

struct fd_webhooks;

struct fd_webhook_stats {
	uint64_t sent;        /* posts a receiver took (2xx) */
	uint64_t failed;      /* tries that failed (retried) */
	uint64_t dropped;     /* events dropped from a full queue */
	uint64_t queued;      /* events waiting now, every receiver */
};

/* cfg's notify.* must outlive it; none configured: a no-op sender. */
enum fd_err fd_webhooks_new(struct event_base *base, struct fd_curlev *cv,
    const struct fd_config *cfg, struct fd_webhooks **out);
/* Queue body (JSON text; event names it for X-Flipdns-Event) to every URL. */
void fd_webhooks_post(struct fd_webhooks *w, const char *event,
    const char *body);
void fd_webhooks_stats(const struct fd_webhooks *w,
    struct fd_webhook_stats *s);
/* Cancels posts in flight; logs what was never delivered. */
void fd_webhooks_free(struct fd_webhooks *w);

/* "sha256=" and 64 hex digits of HMAC-SHA256(key, body), into out (72+). */
void fd_webhook_sign(const char *key, const char *body, size_t len,
    char *out, size_t outlen);

#endif
