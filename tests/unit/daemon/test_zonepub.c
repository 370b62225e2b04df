/*
 * test_zonepub.c - publishing a new zone to reader threads: a replaced
 * zone stays until every reader that may hold it has left, and is freed
 * then (ASan reports a zone freed twice or never).  Readers are slots
 * driven by hand, so every interleaving here is deterministic.
 */
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "zonepub.h"

static struct fd_zone *
zone_new(uint32_t ttl)
{
	struct fd_zone *z = calloc(1, sizeof(*z));

	assert_non_null(z);
	z->default_ttl = ttl;
	return z;
}

static void
test_replaced_zone_waits_for_its_readers(void **state)
{
	struct fd_zonepub p;
	const struct fd_zone *a, *b;

	assert_int_equal(fd_zonepub_init(&p, 2, zone_new(1)), FD_OK);
	a = fd_zone_enter(&p, &p.slots[0]);        /* reader 0 holds zone 1 */
	assert_int_equal(a->default_ttl, 1);
	assert_int_equal(fd_zonepub_set(&p, zone_new(2)), FD_OK);
	assert_int_equal(p.nretired, 1);           /* zone 1: still held */
	b = fd_zone_enter(&p, &p.slots[1]);        /* reader 1 gets zone 2 */
	assert_int_equal(b->default_ttl, 2);
	assert_int_equal(a->default_ttl, 1);       /* not freed under it */

	fd_zone_leave(&p.slots[0]);
	assert_int_equal(fd_zonepub_set(&p, zone_new(3)), FD_OK);
	/* zone 1 freed; zone 2 retired but reader 1 is still in it */
	assert_int_equal(p.nretired, 1);
	assert_int_equal(b->default_ttl, 2);
	assert_int_equal(fd_zonepub_current(&p)->default_ttl, 3);

	fd_zone_leave(&p.slots[1]);
	fd_zonepub_reclaim(&p);
	assert_int_equal(p.nretired, 0);
	fd_zonepub_free(&p);
}

/* A reader that entered after the swap does not hold the old zone. */
static void
test_late_reader_does_not_hold_old_zone(void **state)
{
	struct fd_zonepub p;

	assert_int_equal(fd_zonepub_init(&p, 1, zone_new(1)), FD_OK);
	assert_int_equal(fd_zonepub_set(&p, zone_new(2)), FD_OK);
	assert_int_equal(p.nretired, 0);           /* nobody was in */
	assert_int_equal(fd_zone_enter(&p, &p.slots[0])->default_ttl, 2);
	assert_int_equal(fd_zonepub_set(&p, zone_new(3)), FD_OK);
	assert_int_equal(p.nretired, 1);           /* zone 2 is held */
	fd_zone_leave(&p.slots[0]);
	assert_int_equal(fd_zone_enter(&p, &p.slots[0])->default_ttl, 3);
	fd_zonepub_reclaim(&p);
	assert_int_equal(p.nretired, 0);           /* zone 2 no longer */
	fd_zone_leave(&p.slots[0]);
	fd_zonepub_free(&p);
}

/* A reader stuck in one zone bounds the old zones kept, and says so. */
static void
test_too_many_held_zones_is_busy(void **state)
{
	struct fd_zonepub p;
	int i;

	assert_int_equal(fd_zonepub_init(&p, 1, zone_new(0)), FD_OK);
	(void)fd_zone_enter(&p, &p.slots[0]);      /* and never leaves */
	for (i = 0; i < FD_ZONEPUB_RETIRED_MAX; i++) {
		assert_int_equal(fd_zonepub_set(&p, zone_new((uint32_t)i + 1)),
		    FD_OK);
	}
	{
		struct fd_zone *z = zone_new(99);

		assert_int_equal(fd_zonepub_set(&p, z), FD_EBUSY);
		free(z);    /* refused: still the caller's */
	}
	fd_zone_leave(&p.slots[0]);
	assert_int_equal(fd_zonepub_set(&p, zone_new(100)), FD_OK);
	assert_int_equal(p.nretired, 0);
	fd_zonepub_free(&p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_replaced_zone_waits_for_its_readers),
		cmocka_unit_test(test_late_reader_does_not_hold_old_zone),
		cmocka_unit_test(test_too_many_held_zones_is_busy),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
