/*
 * strmap.h - a map from strings to pointers (daemon/ internal): the
 * prober's apps and endpoints, the health module's fresh states and
 * failback timers.  Chained buckets that double as the map grows, so
 * lookups stay O(1) from ten entries to a hundred thousand.  Keys are
 * copied; values are the caller's.  Not thread-safe.
 */
#ifndef FLIPDNS_DAEMON_STRMAP_H
#define FLIPDNS_DAEMON_STRMAP_H

#include <stdbool.h>
#include <stddef.h>

struct strmap_node {
	struct strmap_node *next;
	void *value;
	char key[];
};

struct strmap {
	struct strmap_node **b;
	size_t nb, n;
};

void strmap_init(struct strmap *m);
void *strmap_get(const struct strmap *m, const char *key);
/* Set key to value (a new key, or a new value): false when out of memory. */
bool strmap_put(struct strmap *m, const char *key, void *value);
/* Remove key: its value, or NULL when it was not there. */
void *strmap_del(struct strmap *m, const char *key);
/* Call fn for each entry; fn must not change the map. */
void strmap_each(const struct strmap *m,
    void (*fn)(void *arg, const char *key, void *value), void *arg);
/* Remove every entry (free_value, when not NULL, gets each value). */
void strmap_clear(struct strmap *m, void (*free_value)(void *));

#endif
