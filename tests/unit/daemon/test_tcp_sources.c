/*
 * test_tcp_sources.c - the per-source TCP connection counts: the cap per
 * source, what a source is (an IPv4 address, an IPv6 /64, a mapped IPv4
 * address as itself), and the table kept exact through many takes and
 * releases of colliding sources (checked against a plain model).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "flipdns/daemon/tcp_sources.h"
#include "testutil.h"

static struct sockaddr_storage
addr(const char *text)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;

	memset(&ss, 0, sizeof(ss));
	if (inet_pton(AF_INET, text, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
	} else {
		assert_int_equal(inet_pton(AF_INET6, text, &sin6->sin6_addr), 1);
		sin6->sin6_family = AF_INET6;
	}
	return ss;
}

static bool
take(struct fd_tcp_sources *t, const char *text)
{
	struct sockaddr_storage ss = addr(text);

	return fd_tcp_sources_take(t, &ss);
}

static void
release(struct fd_tcp_sources *t, const char *text)
{
	struct sockaddr_storage ss = addr(text);

	fd_tcp_sources_release(t, &ss);
}

static unsigned
count(struct fd_tcp_sources *t, const char *text)
{
	struct sockaddr_storage ss = addr(text);

	return fd_tcp_sources_count(t, &ss);
}

static void
test_cap_per_source(void **state)
{
	struct fd_tcp_sources *t;

	assert_int_equal(fd_tcp_sources_new(100, 3, &t), FD_OK);
	assert_true(take(t, "192.0.2.1"));
	assert_true(take(t, "192.0.2.1"));
	assert_true(take(t, "192.0.2.1"));
	assert_false(take(t, "192.0.2.1"));
	assert_int_equal(count(t, "192.0.2.1"), 3);
	/* The neighbour is another source: /32 for IPv4. */
	assert_true(take(t, "192.0.2.2"));
	/* A mapped address is its IPv4 address. */
	assert_false(take(t, "::ffff:192.0.2.1"));
	release(t, "::ffff:192.0.2.1");
	assert_true(take(t, "192.0.2.1"));
	/* IPv6: the /64 is one source. */
	assert_true(take(t, "2001:db8:0:1::1"));
	assert_true(take(t, "2001:db8:0:1:ffff::2"));
	assert_true(take(t, "2001:db8:0:1::3"));
	assert_false(take(t, "2001:db8:0:1::4"));
	assert_true(take(t, "2001:db8:0:2::1"));
	/* Releasing to zero frees the entry; a release too many is ignored. */
	release(t, "192.0.2.2");
	release(t, "192.0.2.2");
	assert_int_equal(count(t, "192.0.2.2"), 0);
	fd_tcp_sources_free(t);
	/* No cap: no table, everything taken. */
	assert_int_equal(fd_tcp_sources_new(100, 0, &t), FD_OK);
	assert_null(t);
	assert_true(take(t, "192.0.2.1"));
	release(t, "192.0.2.1");
	fd_tcp_sources_free(t);
}

/*
 * A table for 32 connections (64 slots), 32 sources live at a time in
 * random order: long probe chains, wrap-around and backward shifts on
 * every release.  Each count must match the model, always.
 */
static void
test_random_against_model(void **state)
{
	enum { NSRC = 200, LIVE = 32, CAP = 4, STEPS = 200000 };
	struct fd_tcp_sources *t;
	unsigned model[NSRC];
	unsigned live = 0;
	char text[NSRC][40];
	int i, k;

	for (i = 0; i < NSRC; i++)
		snprintf(text[i], sizeof(text[i]), i % 2 ? "10.%d.%d.1" :
		    "2001:db8:%x:%x::1", i / 7, i % 7 + 1);
	memset(model, 0, sizeof(model));
	assert_int_equal(fd_tcp_sources_new(LIVE, CAP, &t), FD_OK);
	srandom(7);
	for (k = 0; k < STEPS; k++) {
		i = (int)(random() % NSRC);
		if (model[i] > 0 && (live >= LIVE || random() % 2)) {
			release(t, text[i]);
			model[i]--;
			live--;
		} else if (live < LIVE) {
			assert_int_equal(take(t, text[i]), model[i] < CAP);
			if (model[i] < CAP) {
				model[i]++;
				live++;
			}
		}
		if (k % 97 == 0)
			for (i = 0; i < NSRC; i++)
				assert_int_equal(count(t, text[i]), model[i]);
	}
	fd_tcp_sources_free(t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cap_per_source),
		cmocka_unit_test(test_random_against_model),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
