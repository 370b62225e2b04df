/*
 * effects.h - what a change did to the answers (db/ internal).
 *
 * While a change runs (or a whole import), it notes here the groups whose
 * answers it changed and, before it alters them, the apps whose counters
 * it may alter.  At the end fd_effects_finish() reads each noted app's
 * status again and turns it all into the history row's "moved" and
 * "status" members (history.h) and the change's touched names
 * (changes.h).  Memory stays bounded however large the change: at most
 * FD_HISTORY_LIST_MAX labels and apps go into the row, at most
 * FD_TOUCHED_MAX names into touched (past it, touched is the whole zone),
 * and at most FD_TOUCHED_MAX apps are noted.
 */
#ifndef FLIPDNS_DB_EFFECTS_H
#define FLIPDNS_DB_EFFECTS_H

#include <stdbool.h>
#include <stddef.h>
#include <jansson.h>
#include <lmdb.h>

#include "flipdns/db/store.h"

struct fd_effects {
	struct fd_store *st;
	MDB_txn *txn;
	bool on;           /* false: every call is a no-op (an import's parts) */
	bool failed;       /* an allocation failed: finish says FD_ENOMEM */
	json_t *moved;     /* the first FD_HISTORY_LIST_MAX labels moved */
	size_t nmoved;     /* every label moved, listed or not */
	json_t *names;     /* touched names so far; NULL once everything */
	bool everything;   /* touched is the whole zone */
	json_t *apps;      /* app -> [status before or null, status label] */
	size_t napps;
	bool apps_cut;     /* stopped noting apps: "status" may be incomplete */
};

/* Start empty; with on false nothing is gathered (nothing to free). */
void fd_effects_init(struct fd_effects *fx, struct fd_store *st,
    MDB_txn *txn, bool on);
void fd_effects_free(struct fd_effects *fx);

/* The group's answers changed (or it appeared or went away). */
void fd_effects_moved(struct fd_effects *fx, const char *label);
/* n more groups moved whose labels were not read: touched is everything. */
void fd_effects_moved_unnamed(struct fd_effects *fx, size_t n);
/*
 * Note app's status as it is now, before the change touches the app;
 * the first note of an app counts.  An app that does not exist yet is
 * being added.  "" and NULL are ignored.
 */
void fd_effects_app(struct fd_effects *fx, const char *name);

/*
 * The end of the change: *row gets a new object of the history row's
 * members {"moved", "status", ...}, *touched the touched names (a new
 * array, true for the whole zone, or NULL for none; see changes.h).
 * FD_ENOMEM when an allocation failed on the way.
 */
enum fd_err fd_effects_finish(struct fd_effects *fx, json_t **row,
    json_t **touched);

/*
 * The end of a change made of many (an import, an app failover, an
 * apply, whose parts ran with c->bulk set): finish fx into one history
 * row (op, subject, after, which is taken) and one serial bump, and add
 * the touched names to c's.  On error c->msg says why.  fx is still the
 * caller's to free.
 */
struct fd_change;
enum fd_err fd_effects_commit(struct fd_effects *fx, struct fd_change *c,
    const char *op, const char *subject, json_t *after);

/*
 * Add more (taken; NULL is nothing) to *touched: an array created on
 * first use, true once it is or would be past FD_TOUCHED_MAX names.
 */
void fd_touched_add(json_t **touched, json_t *more);

#endif
