/*
 * test_health_parts.c - the small parts under health checking that need
 * no socket: the string map the prober and the health module keep their
 * tables in, and the webhook signature (RFC 4231's HMAC-SHA256 vectors).
 */
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "strmap.h"
#include "webhook.h"

static void
count_one(void *arg, const char *key, void *value)
{
	(*(size_t *)arg)++;
}

static void
test_strmap(void **state)
{
	struct strmap m;
	char key[32];
	size_t n = 0;

	strmap_init(&m);
	assert_null(strmap_get(&m, "x"));
	assert_null(strmap_del(&m, "x"));
	/* enough to grow the buckets several times */
	for (uintptr_t i = 1; i <= 5000; i++) {
		snprintf(key, sizeof(key), "k%lu", (unsigned long)i);
		assert_true(strmap_put(&m, key, (void *)i));
	}
	assert_int_equal(m.n, 5000);
	/* the buckets grew with it: chains stay short, lookups O(1) */
	assert_true(m.nb >= m.n);
	for (uintptr_t i = 1; i <= 5000; i++) {
		snprintf(key, sizeof(key), "k%lu", (unsigned long)i);
		assert_ptr_equal(strmap_get(&m, key), (void *)i);
	}
	/* a put of a key that is there replaces its value */
	assert_true(strmap_put(&m, "k7", (void *)77));
	assert_ptr_equal(strmap_get(&m, "k7"), (void *)77);
	assert_int_equal(m.n, 5000);
	for (uintptr_t i = 1; i <= 5000; i += 2) {
		snprintf(key, sizeof(key), "k%lu", (unsigned long)i);
		assert_non_null(strmap_del(&m, key));
	}
	assert_int_equal(m.n, 2500);
	assert_null(strmap_get(&m, "k1"));
	assert_ptr_equal(strmap_get(&m, "k2"), (void *)2);
	strmap_each(&m, count_one, &n);
	assert_int_equal(n, 2500);
	strmap_clear(&m, NULL);
	assert_int_equal(m.n, 0);
	assert_null(strmap_get(&m, "k2"));
}

/* RFC 4231, test cases 2 and 3 (a text key; data of 0xdd bytes). */
static void
test_webhook_signature(void **state)
{
	char sig[80], key[21], data[51];

	fd_webhook_sign("Jefe", "what do ya want for nothing?", 28, sig,
	    sizeof(sig));
	assert_string_equal(sig, "sha256=5bdcc146bf60754e6a042426089575c7"
	    "5a003f089d2739839dec58b964ec3843");
	memset(key, 0xaa, 20);
	key[20] = '\0';
	memset(data, 0xdd, 50);
	data[50] = '\0';
	fd_webhook_sign(key, data, 50, sig, sizeof(sig));
	assert_string_equal(sig, "sha256=773ea91e36800e46854db8ebd09181a7"
	    "2959098b3ef8c122d9635514ced565fe");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_strmap),
		cmocka_unit_test(test_webhook_signature),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
