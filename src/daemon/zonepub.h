/*
 * zonepub.h - the zone the workers answer from, replaced whole on reload
 * without a lock on the query path (internal to daemon/).
 *
 * The main thread publishes a new struct fd_zone; each reading thread
 * (a UDP thread, a worker's TCP loop) brackets the use of the zone with
 * fd_zone_enter()/fd_zone_leave() around a batch or one TCP query, as it
 * brackets its LMDB snapshot.  A replaced zone is freed only once every
 * reader has left or has entered since the swap: a reader never sees a
 * zone freed under it, and never waits.  The cost per batch is two
 * atomic stores and two loads.
 *
 * Why this works (all operations sequentially consistent): a reader
 * stores the generation it read into its slot before it loads the zone
 * pointer; the publisher swaps the pointer before it bumps the
 * generation to g.  A reader whose slot holds a value below g may have
 * loaded the old pointer; one whose slot holds 0 (outside) or >= g has
 * not.  Retired zones are freed when no slot holds a value in (0, g).
 */
#ifndef FLIPDNS_DAEMON_ZONEPUB_H
#define FLIPDNS_DAEMON_ZONEPUB_H

#include <stdatomic.h>
#include <stdint.h>

#include "flipdns/dns/zone.h"
#include "flipdns/util/error.h"

/* Zones replaced and not yet freed: reloads are rare, a few at most. */
#define FD_ZONEPUB_RETIRED_MAX 16

struct fd_zone_slot {
	_Atomic uint64_t in;     /* 0 outside, else the generation read */
};

struct fd_zonepub {
	_Atomic(struct fd_zone *) cur;
	_Atomic uint64_t gen;    /* starts at 1, bumped per publish */
	struct fd_zone_slot *slots;
	int nslots;
	struct {
		struct fd_zone *zone;
		uint64_t gen;
	} retired[FD_ZONEPUB_RETIRED_MAX];
	int nretired;
};

/* nslots reader slots; zone (malloc'd) becomes the pub's to free. */
enum fd_err fd_zonepub_init(struct fd_zonepub *p, int nslots,
    struct fd_zone *zone);
/* Frees every zone: call once no reader is left. */
void fd_zonepub_free(struct fd_zonepub *p);

/*
 * Publish zone (malloc'd; the pub's from now on) in place of the current
 * one; frees the zones no reader can still hold.  Main thread only.
 * FD_EBUSY (nothing published) when too many old zones are still held.
 */
enum fd_err fd_zonepub_set(struct fd_zonepub *p, struct fd_zone *zone);
/* Free the replaced zones no reader can still hold; main thread only. */
void fd_zonepub_reclaim(struct fd_zonepub *p);
/* The current zone, for the publishing thread itself. */
const struct fd_zone *fd_zonepub_current(struct fd_zonepub *p);

static inline const struct fd_zone *
fd_zone_enter(struct fd_zonepub *p, struct fd_zone_slot *s)
{
	atomic_store(&s->in, atomic_load(&p->gen));
	return atomic_load(&p->cur);
}

static inline void
fd_zone_leave(struct fd_zone_slot *s)
{
	atomic_store(&s->in, 0);
}

#endif
