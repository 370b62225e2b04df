/* secondaries.c - the table behind `flipctl secondaries`; see secondaries.h. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "secondaries.h"

struct entry {
	int family;
	uint8_t addr[16];
	char text[64];            /* as configured, or the peer's address */
	bool notify;              /* a transfer.notify target */
	uint32_t sent_serial, acked_serial;
	time_t sent_at, acked_at; /* 0: never */
	char kind[24];            /* last transfer; "" : none */
	uint32_t xfr_serial;
	time_t xfr_at;
};

struct fd_secondaries {
	pthread_mutex_t lock;
	int n;
	struct entry e[FD_SECONDARIES_MAX];
};

struct fd_secondaries *
fd_secondaries_new(void)
{
	struct fd_secondaries *s = calloc(1, sizeof(*s));

	if (s != NULL)
		pthread_mutex_init(&s->lock, NULL);
	return s;
}

void
fd_secondaries_free(struct fd_secondaries *s)
{
	if (s == NULL)
		return;
	pthread_mutex_destroy(&s->lock);
	free(s);
}

/* An address's family and bytes (IPv4-mapped IPv6 as IPv4). */
static int
addr_of(const struct sockaddr *sa, uint8_t *bytes)
{
	static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	    0xff, 0xff};
	const uint8_t *a6;

	if (sa->sa_family == AF_INET) {
		memcpy(bytes, &((const struct sockaddr_in *)sa)->sin_addr, 4);
		return AF_INET;
	}
	if (sa->sa_family != AF_INET6)
		return 0;
	a6 = ((const struct sockaddr_in6 *)sa)->sin6_addr.s6_addr;
	if (memcmp(a6, mapped, 12) == 0) {
		memcpy(bytes, a6 + 12, 4);
		return AF_INET;
	}
	memcpy(bytes, a6, 16);
	return AF_INET6;
}

void
fd_secondaries_configure(struct fd_secondaries *s, const struct fd_config *cfg)
{
	struct entry old[FD_SECONDARIES_MAX];
	int nold, i, j;

	pthread_mutex_lock(&s->lock);
	memcpy(old, s->e, sizeof(old));
	nold = s->n;
	s->n = 0;
	memset(s->e, 0, sizeof(s->e));
	for (i = 0; i < cfg->n_notify && s->n < FD_SECONDARIES_MAX; i++) {
		struct entry *e = &s->e[s->n++];

		e->family = addr_of((const struct sockaddr *)&cfg->notify[i].to.ss,
		    e->addr);
		snprintf(e->text, sizeof(e->text), "%s", cfg->notify[i].to.text);
		e->notify = true;
		/* what a target kept through a reload keeps its history */
		for (j = 0; j < nold; j++)
			if (old[j].notify && strcmp(old[j].text, e->text) == 0) {
				*e = old[j];
				break;
			}
	}
	/* peers seen transferring stay, after the targets */
	for (j = 0; j < nold && s->n < FD_SECONDARIES_MAX; j++)
		if (!old[j].notify)
			s->e[s->n++] = old[j];
	pthread_mutex_unlock(&s->lock);
}

void
fd_secondaries_transferred(struct fd_secondaries *s,
    const struct sockaddr *peer, const char *kind, uint32_t serial)
{
	uint8_t bytes[16];
	int family, i;
	struct entry *e = NULL;

	if (s == NULL || (family = addr_of(peer, bytes)) == 0)
		return;
	pthread_mutex_lock(&s->lock);
	for (i = 0; i < s->n; i++) {
		if (s->e[i].family == family && memcmp(s->e[i].addr, bytes,
		    family == AF_INET ? 4 : 16) == 0) {
			e = &s->e[i];
			/* a target at this address takes it, if any */
			if (e->notify)
				break;
		}
	}
	if (e == NULL && s->n < FD_SECONDARIES_MAX) {
		e = &s->e[s->n++];
		memset(e, 0, sizeof(*e));
		e->family = family;
		memcpy(e->addr, bytes, 16);
		inet_ntop(family, bytes, e->text, sizeof(e->text));
	}
	if (e != NULL) {
		snprintf(e->kind, sizeof(e->kind), "%s", kind);
		e->xfr_serial = serial;
		e->xfr_at = time(NULL);
	}
	pthread_mutex_unlock(&s->lock);
}

void
fd_secondaries_notify_sent(struct fd_secondaries *s, int i, uint32_t serial)
{
	pthread_mutex_lock(&s->lock);
	if (i >= 0 && i < s->n && s->e[i].notify) {
		s->e[i].sent_serial = serial;
		s->e[i].sent_at = time(NULL);
	}
	pthread_mutex_unlock(&s->lock);
}

void
fd_secondaries_notify_acked(struct fd_secondaries *s, int i, uint32_t serial)
{
	pthread_mutex_lock(&s->lock);
	if (i >= 0 && i < s->n && s->e[i].notify) {
		s->e[i].acked_serial = serial;
		s->e[i].acked_at = time(NULL);
	}
	pthread_mutex_unlock(&s->lock);
}

static json_t *
when(uint32_t serial, time_t at)
{
	return at == 0 ? json_null() : json_pack("{s:I, s:I}", "serial",
	    (json_int_t)serial, "time", (json_int_t)at);
}

json_t *
fd_secondaries_json(struct fd_secondaries *s, uint32_t serial)
{
	json_t *list = json_array(), *one;

	pthread_mutex_lock(&s->lock);
	for (int i = 0; i < s->n; i++) {
		const struct entry *e = &s->e[i];

		one = json_pack("{s:s, s:o, s:o, s:o, s:o}",
		    "address", e->text,
		    "notify_sent", e->notify ? when(e->sent_serial, e->sent_at) :
		    json_null(),
		    "notify_acked", e->notify ? when(e->acked_serial,
		    e->acked_at) : json_null(),
		    "transfer", e->xfr_at == 0 ? json_null() :
		    json_pack("{s:s, s:I, s:I}", "kind", e->kind, "serial",
		    (json_int_t)e->xfr_serial, "time", (json_int_t)e->xfr_at),
		    /* RFC 1982: how many serials behind */
		    "lag", e->xfr_at == 0 ? json_null() :
		    json_integer((int32_t)(serial - e->xfr_serial)));
		json_array_append_new(list, one);
	}
	pthread_mutex_unlock(&s->lock);
	return json_pack("{s:I, s:o}", "serial", (json_int_t)serial,
	    "secondaries", list);
}
