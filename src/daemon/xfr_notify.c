/*
 * xfr_notify.c - NOTIFY (RFC 1996) to the secondaries after each commit;
 * see xfr_notify.h.
 *
 * Each transfer.notify target has a UDP socket of its own, connected to
 * it (so only its answers are read, and an ICMP error shows up there),
 * bound to transfer.notify_source of its family when one is given.  Per
 * target at most one NOTIFY is in flight; a commit while one is in
 * flight only raises the serial to announce, and the newest goes out
 * when the one in flight is answered (coalescing: a burst of flips is a
 * NOTIFY or two, not one per commit).  Unanswered, it is sent again
 * after 1 s, then 2, 4, ... up to 60 s between tries, until answered:
 * a secondary that was down hears of the newest serial when it is back
 * (and polls the SOA on its refresh timer anyway).
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "flipdns/dns/dnswire.h"
#include "flipdns/dns/records.h"
#include "flipdns/dns/tsig.h"
#include "flipdns/util/log.h"
#include "secondaries.h"
#include "xfr_notify.h"

/* RFC 1996 3.7 suggests retrying; first after a second, doubling. */
#define RETRY_FIRST_MS 1000
/* Past a minute between tries nothing is gained: refresh polls anyway. */
#define RETRY_MAX_MS   60000
/* A NOTIFY and its answer: header, question, SOA, TSIG; well below this. */
#define NOTIFY_MSG_MAX 1024
/* RFC 1996 3.2: NOTIFY is opcode 4. */
#define OPCODE_NOTIFY  4

struct target {
	struct fd_notifier *n;
	int idx;                        /* transfer.notify index */
	char text[64];
	char key[FD_DNAME_TEXT_MAX];    /* "" : unsigned */
	int fd;
	struct event *rev, *timer;
	bool want_set;                  /* a serial waits to be announced */
	uint32_t want;
	bool busy;                      /* one in flight */
	uint32_t inflight;
	uint16_t id;
	int signed_with;                /* key index used, -1: unsigned */
	struct fd_tsig tsig;            /* of the one in flight */
	struct fd_tsig_wkey wkey;       /* its key, kept to check the answer */
	unsigned backoff_ms;
	bool failing;                   /* logged as failing; say when it heals */
	struct timespec sent_at;
};

struct fd_notifier {
	struct event_base *base;
	const struct fd_zone *const *zone;   /* the main thread's current */
	struct fd_secondaries *sec;
	int n;
	struct target t[FD_CONF_MAX_NOTIFY];
};

static void target_send(struct target *t);

static int
open_socket(const struct fd_conf_notify *nt, const struct fd_config *cfg)
{
	struct sockaddr_storage src;
	socklen_t srclen = 0;
	int family = nt->to.ss.ss_family, fd, i;

	if ((fd = socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0)) == -1)
		return -1;
	for (i = 0; i < cfg->n_notify_source; i++) {
		const struct fd_ipaddr *a = &cfg->notify_source[i];

		if (a->family != family)
			continue;
		memset(&src, 0, sizeof(src));
		if (family == AF_INET) {
			struct sockaddr_in *s = (struct sockaddr_in *)&src;

			s->sin_family = AF_INET;
			memcpy(&s->sin_addr, a->bytes, 4);
			srclen = sizeof(*s);
		} else {
			struct sockaddr_in6 *s = (struct sockaddr_in6 *)&src;

			s->sin6_family = AF_INET6;
			memcpy(&s->sin6_addr, a->bytes, 16);
			srclen = sizeof(*s);
		}
	}
	if ((srclen > 0 && bind(fd, (struct sockaddr *)&src, srclen) == -1) ||
	    connect(fd, (const struct sockaddr *)&nt->to.ss, nt->to.sslen) ==
	    -1) {
		int saved = errno;

		close(fd);
		errno = saved;
		return -1;
	}
	return fd;
}

/* The key of this name in the zone now, or -1. */
static int
key_index(const struct fd_zone *z, const char *name)
{
	uint8_t wire[FD_DNAME_WIRE_MAX];
	int len;

	if (name[0] == '\0' || (len = fd_dname_from_text(name, wire)) <= 0)
		return -1;
	for (int i = 0; i < z->n_keys; i++)
		if (z->keys[i].name_len == len &&
		    memcmp(z->keys[i].name, wire, (size_t)len) == 0)
			return i;
	return -1;
}

/* The NOTIFY for serial: the zone's SOA in the answer (RFC 1996 3.7). */
static size_t
build(struct target *t, const struct fd_zone *z, uint32_t serial,
    uint8_t *buf)
{
	struct fd_wbuf w;
	struct fd_hdr h = {0};
	struct fd_rrset soa = {0};
	size_t mark;
	uint64_t now = (uint64_t)time(NULL);

	fd_wbuf_init(&w, buf, NOTIFY_MSG_MAX);
	w.len = FD_HDR_LEN;
	soa.type = FD_T_SOA;
	soa.count = 1;
	soa.ttl = z->soa_ttl;
	soa.rd.soa = z;
	soa.serial = serial;
	if (!fd_put_name(&w, z->origin, z->origin_len, NULL) ||
	    !fd_put_u16(&w, FD_T_SOA) || !fd_put_u16(&w, FD_C_IN) ||
	    !fd_rr_begin(&w, z->origin, z->origin_len, FD_T_SOA, FD_C_IN,
	    soa.ttl, &mark) || !fd_rrset_put_rdata(&w, &soa, 0))
		return 0;
	fd_rr_end(&w, mark);
	h.id = t->id;
	h.flags = (uint16_t)(OPCODE_NOTIFY << 11) | FD_F_AA;
	h.qdcount = 1;
	h.ancount = 1;
	fd_hdr_write(buf, &h);
	t->signed_with = key_index(z, t->key);
	if (t->key[0] != '\0' && t->signed_with < 0)
		return 0;    /* the key went away in a reload */
	if (t->signed_with >= 0) {
		t->wkey = z->keys[t->signed_with];
		if (!fd_tsig_sign_request(&w, &t->wkey, now, &t->tsig))
			return 0;
	}
	return w.len;
}

static void
arm_retry(struct target *t)
{
	struct timeval tv = {t->backoff_ms / 1000,
	    (t->backoff_ms % 1000) * 1000};

	evtimer_add(t->timer, &tv);
	t->backoff_ms = t->backoff_ms * 2 > RETRY_MAX_MS ? RETRY_MAX_MS :
	    t->backoff_ms * 2;
}

/* Send the newest serial; the retry timer runs until it is answered. */
static void
target_send(struct target *t)
{
	uint8_t buf[NOTIFY_MSG_MAX];
	size_t len;
	uint16_t id;

	if (getrandom(&id, sizeof(id), GRND_NONBLOCK) != sizeof(id))
		id = (uint16_t)(t->id * 31 + 7);
	t->id = id;
	t->busy = true;
	t->inflight = t->want;
	t->want_set = false;
	if ((len = build(t, *t->n->zone, t->inflight, buf)) == 0) {
		log_warnx("notify %s: cannot build the message (is its key "
		    "still in transfer.keys?)", t->text);
	} else if (send(t->fd, buf, len, 0) == -1 && errno != EAGAIN) {
		if (!t->failing)
			log_warn("notify %s: send", t->text);
		t->failing = true;
	} else {
		clock_gettime(CLOCK_MONOTONIC, &t->sent_at);
		fd_secondaries_notify_sent(t->n->sec, t->idx, t->inflight);
	}
	arm_retry(t);
}

static void
on_timeout(evutil_socket_t fd, short what, void *arg)
{
	struct target *t = arg;

	if (!t->busy)
		return;
	if (!t->failing)
		log_info("notify %s: serial %u not acknowledged yet, trying "
		    "again (and on, backing off to %d s)", t->text, t->inflight,
		    RETRY_MAX_MS / 1000);
	t->failing = true;
	/* the newest serial, if a commit came meanwhile */
	if (!t->want_set)
		t->want = t->inflight;
	target_send(t);
}

/* An answer: ours (ID, opcode, QR), signed if we signed. */
static void
on_read(evutil_socket_t fd, short what, void *arg)
{
	struct target *t = arg;
	uint8_t buf[NOTIFY_MSG_MAX];
	struct fd_hdr h;
	struct timespec now;
	ssize_t n;

	while ((n = recv(t->fd, buf, sizeof(buf), 0)) != -1 || errno == EINTR) {
		if (n == -1)
			continue;
		if (!t->busy || !fd_hdr_read(buf, (size_t)n, &h) ||
		    h.id != t->id || !(h.flags & FD_F_QR) ||
		    FD_OPCODE(h.flags) != OPCODE_NOTIFY)
			continue;
		if (t->signed_with >= 0 && !fd_tsig_check_answer(&t->wkey,
		    &t->tsig, buf, (size_t)n, (uint64_t)time(NULL))) {
			log_warnx("notify %s: answer not signed by key %s: "
			    "ignored", t->text, t->key);
			continue;
		}
		if ((h.flags & 0xf) != FD_RCODE_NOERROR) {
			if (!t->failing)
				log_warnx("notify %s: refused (rcode %u); "
				    "trying again", t->text, h.flags & 0xf);
			t->failing = true;
			continue;    /* the retry timer goes on */
		}
		clock_gettime(CLOCK_MONOTONIC, &now);
		log_debug("notify %s: serial %u acknowledged in %.1f ms",
		    t->text, t->inflight, (double)(now.tv_sec -
		    t->sent_at.tv_sec) * 1e3 + (double)(now.tv_nsec -
		    t->sent_at.tv_nsec) / 1e6);
		if (t->failing)
			log_info("notify %s: serial %u acknowledged", t->text,
			    t->inflight);
		t->failing = false;
		fd_secondaries_notify_acked(t->n->sec, t->idx, t->inflight);
		evtimer_del(t->timer);
		t->busy = false;
		t->backoff_ms = RETRY_FIRST_MS;
		if (t->want_set)
			target_send(t);
	}
	/* ECONNREFUSED (ICMP: nobody there) and the like: the timer retries */
}

static void
targets_close(struct fd_notifier *n)
{
	for (int i = 0; i < n->n; i++) {
		struct target *t = &n->t[i];

		if (t->rev != NULL)
			event_free(t->rev);
		if (t->timer != NULL)
			event_free(t->timer);
		if (t->fd != -1)
			close(t->fd);
	}
	n->n = 0;
}

enum fd_err
fd_notifier_configure(struct fd_notifier *n, const struct fd_config *cfg)
{
	targets_close(n);
	for (int i = 0; i < cfg->n_notify; i++) {
		struct target *t = &n->t[n->n];

		memset(t, 0, sizeof(*t));
		t->n = n;
		t->idx = i;
		t->fd = -1;
		t->backoff_ms = RETRY_FIRST_MS;
		snprintf(t->text, sizeof(t->text), "%s", cfg->notify[i].to.text);
		snprintf(t->key, sizeof(t->key), "%s", cfg->notify[i].key);
		n->n++;
		if ((t->fd = open_socket(&cfg->notify[i], cfg)) == -1) {
			log_warn("notify %s: socket", t->text);
			return FD_ESYS;
		}
		t->rev = event_new(n->base, t->fd, EV_READ | EV_PERSIST,
		    on_read, t);
		t->timer = evtimer_new(n->base, on_timeout, t);
		if (t->rev == NULL || t->timer == NULL ||
		    event_add(t->rev, NULL) == -1)
			return FD_ENOMEM;
	}
	return FD_OK;
}

enum fd_err
fd_notifier_new(struct event_base *base, const struct fd_zone *const *zone,
    struct fd_secondaries *sec, const struct fd_config *cfg,
    struct fd_notifier **out)
{
	struct fd_notifier *n;
	enum fd_err err;

	*out = NULL;
	if ((n = calloc(1, sizeof(*n))) == NULL)
		return FD_ENOMEM;
	n->base = base;
	n->zone = zone;
	n->sec = sec;
	if ((err = fd_notifier_configure(n, cfg)) != FD_OK) {
		fd_notifier_free(n);
		return err;
	}
	*out = n;
	return FD_OK;
}

void
fd_notifier_announce(struct fd_notifier *n, uint32_t serial)
{
	for (int i = 0; i < n->n; i++) {
		struct target *t = &n->t[i];

		t->want = serial;
		t->want_set = true;
		if (!t->busy) {
			t->backoff_ms = RETRY_FIRST_MS;
			target_send(t);
		}
	}
}

void
fd_notifier_hook(void *arg, const struct fd_commit_info *ci)
{
	fd_notifier_announce(arg, ci->serial);
}

void
fd_notifier_free(struct fd_notifier *n)
{
	if (n == NULL)
		return;
	targets_close(n);
	free(n);
}
