/* webhook.c - signed JSON posts, in order, retried; see webhook.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "flipdns/util/log.h"
#include "webhook.h"

struct event_msg {
	TAILQ_ENTRY(event_msg) entry;
	char *body;
	char sig[80];
	char kind[24];
};
TAILQ_HEAD(event_list, event_msg);

/* One receiver: its queue, the post in flight, the retry timer. */
struct receiver {
	struct fd_webhooks *w;
	const char *url;
	struct event_list queue;
	size_t queued;
	CURL *easy;                  /* the post in flight, or NULL */
	struct curl_slist *headers;
	struct event *retry;
	uint32_t backoff_ms;
	char errbuf[CURL_ERROR_SIZE];
};

struct fd_webhooks {
	struct event_base *base;
	struct fd_curlev *cv;
	const struct fd_config *cfg;
	int n;
	struct receiver rx[FD_CONF_MAX_WEBHOOKS];
	struct fd_webhook_stats st;
};

void
fd_webhook_sign(const char *key, const char *body, size_t len, char *out,
    size_t outlen)
{
	unsigned char mac[EVP_MAX_MD_SIZE];
	unsigned int maclen = 0;
	size_t at;

	HMAC(EVP_sha256(), key, (int)strlen(key), (const unsigned char *)body,
	    len, mac, &maclen);
	at = (size_t)snprintf(out, outlen, "sha256=");
	for (unsigned i = 0; i < maclen && at + 2 < outlen; i++)
		at += (size_t)snprintf(out + at, outlen - at, "%02x", mac[i]);
}

static void send_head(struct receiver *r);

static void
event_free_one(struct event_msg *m)
{
	free(m->body);
	free(m);
}

static void
on_done(void *arg, CURL *easy, CURLcode rc)
{
	struct receiver *r = arg;
	struct event_msg *m = TAILQ_FIRST(&r->queue);
	long code = 0;
	struct timeval tv;

	curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &code);
	curl_easy_cleanup(easy);
	curl_slist_free_all(r->headers);
	r->easy = NULL;
	r->headers = NULL;
	if (rc == CURLE_OK && code >= 200 && code <= 299) {
		/* taken: the next one goes at once */
		TAILQ_REMOVE(&r->queue, m, entry);
		event_free_one(m);
		r->queued--;
		r->w->st.sent++;
		r->w->st.queued--;
		r->backoff_ms = 0;
		send_head(r);
		return;
	}
	r->w->st.failed++;
	r->backoff_ms = r->backoff_ms == 0 ? FD_WEBHOOK_RETRY_MIN_MS :
	    r->backoff_ms * 2;
	if (r->backoff_ms > r->w->cfg->notify_retry_max * 1000)
		r->backoff_ms = r->w->cfg->notify_retry_max * 1000;
	log_debug("webhook %s: %s; again in %u ms", r->url, rc != CURLE_OK ?
	    (r->errbuf[0] ? r->errbuf : curl_easy_strerror(rc)) :
	    "not a 2xx answer", r->backoff_ms);
	tv.tv_sec = r->backoff_ms / 1000;
	tv.tv_usec = (r->backoff_ms % 1000) * 1000;
	evtimer_add(r->retry, &tv);
}

static void
on_retry(evutil_socket_t fd, short what, void *arg)
{
	send_head(arg);
}

/* Post the oldest event, unless one is in flight or a retry waits. */
static void
send_head(struct receiver *r)
{
	struct event_msg *m = TAILQ_FIRST(&r->queue);
	char sig[96], kind[64];
	CURL *e;

	if (m == NULL || r->easy != NULL || evtimer_pending(r->retry, NULL))
		return;
	if ((e = curl_easy_init()) == NULL)
		goto later;
	snprintf(sig, sizeof(sig), "X-Signature: %s", m->sig);
	snprintf(kind, sizeof(kind), "X-Flipdns-Event: %s", m->kind);
	r->headers = curl_slist_append(NULL, "Content-Type: application/json");
	r->headers = curl_slist_append(r->headers, sig);
	r->headers = curl_slist_append(r->headers, kind);
	r->errbuf[0] = '\0';
	curl_easy_setopt(e, CURLOPT_URL, r->url);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_PROXY, "");
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, r->headers);
	curl_easy_setopt(e, CURLOPT_POSTFIELDS, m->body);
	curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE, (long)strlen(m->body));
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)FD_WEBHOOK_TIMEOUT_MS);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, r->errbuf);
	curl_easy_setopt(e, CURLOPT_USERAGENT, "flipdns/" FLIPDNS_VERSION);
	if (r->w->cfg->health_ca_file[0] != '\0')
		curl_easy_setopt(e, CURLOPT_CAINFO, r->w->cfg->health_ca_file);
	if (r->headers == NULL || fd_curlev_add(r->w->cv, e, on_done, r) !=
	    FD_OK) {
		curl_easy_cleanup(e);
		curl_slist_free_all(r->headers);
		r->headers = NULL;
		goto later;
	}
	r->easy = e;
	return;
later:
	/* out of memory: try again in a while rather than never */
	{
		struct timeval second = {1, 0};

		evtimer_add(r->retry, &second);
	}
}

enum fd_err
fd_webhooks_new(struct event_base *base, struct fd_curlev *cv,
    const struct fd_config *cfg, struct fd_webhooks **out)
{
	struct fd_webhooks *w;

	*out = NULL;
	if ((w = calloc(1, sizeof(*w))) == NULL)
		return FD_ENOMEM;
	w->base = base;
	w->cv = cv;
	w->cfg = cfg;
	for (int i = 0; i < cfg->n_webhooks; i++) {
		struct receiver *r = &w->rx[i];

		r->w = w;
		r->url = cfg->webhooks[i];
		TAILQ_INIT(&r->queue);
		if ((r->retry = evtimer_new(base, on_retry, r)) == NULL) {
			fd_webhooks_free(w);
			return FD_ENOMEM;
		}
		w->n++;
	}
	*out = w;
	return FD_OK;
}

void
fd_webhooks_post(struct fd_webhooks *w, const char *kind, const char *body)
{
	char sig[80];

	if (w->n == 0)
		return;
	fd_webhook_sign(w->cfg->notify_secret, body, strlen(body), sig,
	    sizeof(sig));
	for (int i = 0; i < w->n; i++) {
		struct receiver *r = &w->rx[i];
		struct event_msg *m, *old;

		if (r->queued >= FD_WEBHOOK_QUEUE_MAX) {
			/* the oldest not in flight makes room */
			old = TAILQ_FIRST(&r->queue);
			if (r->easy != NULL)
				old = TAILQ_NEXT(old, entry);
			if (old != NULL) {
				TAILQ_REMOVE(&r->queue, old, entry);
				event_free_one(old);
				r->queued--;
				w->st.queued--;
				w->st.dropped++;
				log_warnx("webhook %s: %d events behind, the "
				    "oldest dropped", r->url,
				    FD_WEBHOOK_QUEUE_MAX);
			}
		}
		if ((m = calloc(1, sizeof(*m))) == NULL ||
		    (m->body = strdup(body)) == NULL) {
			free(m);
			w->st.dropped++;
			log_warnx("webhook %s: out of memory, an event dropped",
			    r->url);
			continue;
		}
		snprintf(m->sig, sizeof(m->sig), "%s", sig);
		snprintf(m->kind, sizeof(m->kind), "%s", kind);
		TAILQ_INSERT_TAIL(&r->queue, m, entry);
		r->queued++;
		w->st.queued++;
		send_head(r);
	}
}

void
fd_webhooks_stats(const struct fd_webhooks *w, struct fd_webhook_stats *s)
{
	*s = w->st;
}

void
fd_webhooks_free(struct fd_webhooks *w)
{
	struct event_msg *m;

	if (w == NULL)
		return;
	for (int i = 0; i < w->n; i++) {
		struct receiver *r = &w->rx[i];

		if (r->easy != NULL) {
			fd_curlev_cancel(w->cv, r->easy);
			curl_easy_cleanup(r->easy);
			curl_slist_free_all(r->headers);
		}
		if (r->queued > 0)
			log_warnx("webhook %s: %zu events never delivered",
			    r->url, r->queued);
		while ((m = TAILQ_FIRST(&r->queue)) != NULL) {
			TAILQ_REMOVE(&r->queue, m, entry);
			event_free_one(m);
		}
		if (r->retry != NULL)
			event_free(r->retry);
	}
	free(w);
}
