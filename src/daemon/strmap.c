/* strmap.c - strings to pointers, chained; see strmap.h. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "strmap.h"

/* FNV-1a: short keys, no adversary (the keys are ours), fast enough. */
static size_t
hash(const char *s)
{
	uint64_t h = 1469598103934665603ULL;

	for (; *s != '\0'; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return (size_t)h;
}

void
strmap_init(struct strmap *m)
{
	memset(m, 0, sizeof(*m));
}

static struct strmap_node **
find(const struct strmap *m, const char *key)
{
	struct strmap_node **p;

	if (m->nb == 0)
		return NULL;
	for (p = &m->b[hash(key) & (m->nb - 1)]; *p != NULL; p = &(*p)->next)
		if (strcmp((*p)->key, key) == 0)
			return p;
	return p;
}

void *
strmap_get(const struct strmap *m, const char *key)
{
	struct strmap_node **p = find(m, key);

	return p != NULL && *p != NULL ? (*p)->value : NULL;
}

/* Twice the buckets once there are as many entries as buckets. */
static bool
grow(struct strmap *m)
{
	size_t nb = m->nb ? m->nb * 2 : 16;
	struct strmap_node **b = calloc(nb, sizeof(*b)), *e, *next;

	if (b == NULL)
		return false;
	for (size_t i = 0; i < m->nb; i++)
		for (e = m->b[i]; e != NULL; e = next) {
			next = e->next;
			e->next = b[hash(e->key) & (nb - 1)];
			b[hash(e->key) & (nb - 1)] = e;
		}
	free(m->b);
	m->b = b;
	m->nb = nb;
	return true;
}

bool
strmap_put(struct strmap *m, const char *key, void *value)
{
	struct strmap_node **p, *e;
	size_t len = strlen(key);

	if (m->n >= m->nb && !grow(m))
		return false;
	p = find(m, key);
	if (*p != NULL) {
		(*p)->value = value;
		return true;
	}
	if ((e = malloc(sizeof(*e) + len + 1)) == NULL)
		return false;
	memcpy(e->key, key, len + 1);
	e->value = value;
	e->next = NULL;
	*p = e;
	m->n++;
	return true;
}

void *
strmap_del(struct strmap *m, const char *key)
{
	struct strmap_node **p = find(m, key), *e;
	void *v;

	if (p == NULL || *p == NULL)
		return NULL;
	e = *p;
	*p = e->next;
	v = e->value;
	free(e);
	m->n--;
	return v;
}

void
strmap_each(const struct strmap *m,
    void (*fn)(void *arg, const char *key, void *value), void *arg)
{
	for (size_t i = 0; i < m->nb; i++)
		for (struct strmap_node *e = m->b[i]; e != NULL; e = e->next)
			fn(arg, e->key, e->value);
}

void
strmap_clear(struct strmap *m, void (*free_value)(void *))
{
	struct strmap_node *e, *next;

	for (size_t i = 0; i < m->nb; i++)
		for (e = m->b[i]; e != NULL; e = next) {
			next = e->next;
			if (free_value != NULL)
				free_value(e->value);
			free(e);
		}
	free(m->b);
	memset(m, 0, sizeof(*m));
}
