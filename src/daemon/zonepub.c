/* zonepub.c - publishing a new zone to the workers; see zonepub.h. */
#include <stdlib.h>

#include "zonepub.h"

enum fd_err
fd_zonepub_init(struct fd_zonepub *p, int nslots, struct fd_zone *zone)
{
	if ((p->slots = calloc((size_t)nslots, sizeof(*p->slots))) == NULL)
		return FD_ENOMEM;
	p->nslots = nslots;
	for (int i = 0; i < nslots; i++)
		atomic_init(&p->slots[i].in, 0);
	atomic_init(&p->cur, zone);
	atomic_init(&p->gen, 1);
	p->nretired = 0;
	return FD_OK;
}

void
fd_zonepub_reclaim(struct fd_zonepub *p)
{
	int i = 0;

	while (i < p->nretired) {
		uint64_t g = p->retired[i].gen;
		bool held = false;

		for (int s = 0; s < p->nslots && !held; s++) {
			uint64_t in = atomic_load(&p->slots[s].in);

			held = in != 0 && in < g;
		}
		if (held) {
			i++;
			continue;
		}
		free(p->retired[i].zone);
		p->retired[i] = p->retired[--p->nretired];
	}
}

enum fd_err
fd_zonepub_set(struct fd_zonepub *p, struct fd_zone *zone)
{
	struct fd_zone *old;

	fd_zonepub_reclaim(p);
	if (p->nretired == FD_ZONEPUB_RETIRED_MAX)
		return FD_EBUSY;
	old = atomic_exchange(&p->cur, zone);
	p->retired[p->nretired].zone = old;
	p->retired[p->nretired].gen = atomic_fetch_add(&p->gen, 1) + 1;
	p->nretired++;
	fd_zonepub_reclaim(p);
	return FD_OK;
}

const struct fd_zone *
fd_zonepub_current(struct fd_zonepub *p)
{
	return atomic_load(&p->cur);
}

void
fd_zonepub_free(struct fd_zonepub *p)
{
	for (int i = 0; i < p->nretired; i++)
		free(p->retired[i].zone);
	p->nretired = 0;
	free(atomic_load(&p->cur));
	atomic_store(&p->cur, NULL);
	free(p->slots);
	p->slots = NULL;
}
