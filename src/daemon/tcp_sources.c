/*
 * tcp_sources.c - open TCP connections per source address; see
 * tcp_sources.h.
 *
 * A source is an IPv4 address (/32) or an IPv6 /64, the block one host
 * or one site usually has.  SO_REUSEPORT spreads one client's connections over every
 * worker, so the counts are shared: one table for the server behind a
 * mutex, taken once per accept and once per close, never per query.
 *
 * The table is open addressing with linear probing, sized once for the
 * most connections the server can hold (tcp.max_clients and the
 * newcomers the workers may hold for an instant) at half load or less,
 * so a probe chain stays short and nothing is allocated after creation.
 * Slots hash through SipHash with a random key: a client cannot pick
 * source addresses (a v6 client has 2^64 of them per /48) that pile onto
 * one chain.  A count falling to 0 frees its slot by backward shifting,
 * so no tombstones accumulate.
 */
#include <netinet/in.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "flipdns/daemon/tcp_sources.h"
#include "flipdns/util/siphash.h"

/* Family tag, then the address bytes that make the source. */
#define SRC_KEY_LEN 9

struct slot {
	uint8_t key[SRC_KEY_LEN];    /* key[0] == 0: empty */
	uint32_t count;
};

struct fd_tcp_sources {
	pthread_mutex_t lock;
	unsigned per_source;
	uint64_t k0, k1;
	size_t mask;
	struct slot s[];
};

/* The source of peer as a key; false when it is neither v4 nor v6. */
static bool
source_key(const struct sockaddr_storage *peer, uint8_t key[SRC_KEY_LEN])
{
	const struct sockaddr_in *sin = (const struct sockaddr_in *)peer;
	const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)peer;

	memset(key, 0, SRC_KEY_LEN);
	if (peer->ss_family == AF_INET) {
		key[0] = 4;
		memcpy(key + 1, &sin->sin_addr, 4);
	} else if (peer->ss_family == AF_INET6 &&
	    IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr)) {
		key[0] = 4;
		memcpy(key + 1, sin6->sin6_addr.s6_addr + 12, 4);
	} else if (peer->ss_family == AF_INET6) {
		key[0] = 6;
		memcpy(key + 1, sin6->sin6_addr.s6_addr, 8);   /* the /64 */
	} else
		return false;
	return true;
}

static size_t
home(const struct fd_tcp_sources *t, const uint8_t *key)
{
	return fd_siphash(t->k0, t->k1, key, SRC_KEY_LEN) & t->mask;
}

/* key's slot, or the empty slot that ends its chain. */
static struct slot *
find(struct fd_tcp_sources *t, const uint8_t *key)
{
	size_t i = home(t, key);

	while (t->s[i].key[0] != 0 &&
	    memcmp(t->s[i].key, key, SRC_KEY_LEN) != 0)
		i = (i + 1) & t->mask;
	return &t->s[i];
}

/* Empty slot i, moving back the entries of the chain behind it. */
static void
remove_at(struct fd_tcp_sources *t, size_t i)
{
	size_t j = i, h;

	for (;;) {
		t->s[i].key[0] = 0;
		for (;;) {
			j = (j + 1) & t->mask;
			if (t->s[j].key[0] == 0)
				return;
			h = home(t, t->s[j].key);
			/* j may move to i unless its home lies in (i, j] */
			if (i <= j ? (h <= i || h > j) : (h <= i && h > j))
				break;
		}
		t->s[i] = t->s[j];
		i = j;
	}
}

enum fd_err
fd_tcp_sources_new(unsigned max_conns, unsigned per_source,
    struct fd_tcp_sources **out)
{
	struct fd_tcp_sources *t;
	uint64_t key[2];
	size_t n = 16;
	enum fd_err err;

	*out = NULL;
	if (per_source == 0)
		return FD_OK;
	while (n < 2 * (size_t)max_conns)
		n <<= 1;
	if ((err = fd_siphash_key(key)) != FD_OK)
		return err;
	if ((t = calloc(1, sizeof(*t) + n * sizeof(t->s[0]))) == NULL)
		return FD_ENOMEM;
	pthread_mutex_init(&t->lock, NULL);
	t->per_source = per_source;
	t->k0 = key[0];
	t->k1 = key[1];
	t->mask = n - 1;
	*out = t;
	return FD_OK;
}

void
fd_tcp_sources_free(struct fd_tcp_sources *t)
{
	if (t == NULL)
		return;
	pthread_mutex_destroy(&t->lock);
	free(t);
}

bool
fd_tcp_sources_take(struct fd_tcp_sources *t,
    const struct sockaddr_storage *peer)
{
	uint8_t key[SRC_KEY_LEN];
	struct slot *s;
	bool ok = true;

	if (t == NULL || !source_key(peer, key))
		return true;
	pthread_mutex_lock(&t->lock);
	s = find(t, key);
	if (s->key[0] == 0) {
		memcpy(s->key, key, SRC_KEY_LEN);
		s->count = 1;
	} else if (s->count >= t->per_source)
		ok = false;
	else
		s->count++;
	pthread_mutex_unlock(&t->lock);
	return ok;
}

void
fd_tcp_sources_release(struct fd_tcp_sources *t,
    const struct sockaddr_storage *peer)
{
	uint8_t key[SRC_KEY_LEN];
	struct slot *s;

	if (t == NULL || !source_key(peer, key))
		return;
	pthread_mutex_lock(&t->lock);
	s = find(t, key);
	if (s->key[0] != 0 && --s->count == 0)
		remove_at(t, (size_t)(s - t->s));
	pthread_mutex_unlock(&t->lock);
}

unsigned
fd_tcp_sources_count(struct fd_tcp_sources *t,
    const struct sockaddr_storage *peer)
{
	uint8_t key[SRC_KEY_LEN];
	struct slot *s;
	unsigned n = 0;

	if (t == NULL || !source_key(peer, key))
		return 0;
	pthread_mutex_lock(&t->lock);
	s = find(t, key);
	if (s->key[0] != 0)
		n = s->count;
	pthread_mutex_unlock(&t->lock);
	return n;
}
