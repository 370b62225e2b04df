/*
 * writer.h - the one writer: every change to the store, from any source
 * (the control socket today; health checks, reload and imports later),
 * goes through here, and only here is a write transaction begun.
 *
 * A source submits a change: a function that makes it inside a write
 * transaction (the changes.h functions), who asks (the actor), and a
 * completion callback.  Changes submitted in one turn of the event loop
 * form a batch: each runs in a nested transaction of one write
 * transaction, so a refused change undoes only itself, and the batch
 * costs one commit (LMDB's two synchronous writes).  Then, in this order:
 *   1. every completion callback, with its change's outcome: the change
 *      is durable before anyone is told it happened;
 *   2. the post-commit hooks, once per commit that changed anything, with
 *      the new serial and the names whose records changed (NOTIFY, IXFR,
 *      logs and metrics hang here).  A batch with no change, or whose
 *      commit failed, runs no hook.
 * If the commit fails, every change of the batch that had succeeded is
 * completed with the commit's error instead: nothing of it was kept.
 *
 * The writer lives on the daemon's main event loop and is not
 * thread-safe: submit from that loop's thread.
 */
#ifndef FLIPDNS_DAEMON_WRITER_H
#define FLIPDNS_DAEMON_WRITER_H

#include <stddef.h>
#include <stdint.h>
#include <event2/event.h>
#include <jansson.h>
#include <lmdb.h>

#include "flipdns/db/changes.h"

struct fd_writer;

/*
 * Make one change in c (c->txn is a nested write transaction; c->st,
 * actor, now, origin and reserved labels are filled in).  Return FD_OK to
 * keep it, anything else to undo it; on error c->msg says why.
 */
typedef enum fd_err (*fd_write_apply_fn)(struct fd_change *c, void *arg);
/*
 * The outcome, after the batch's commit: err is FD_OK when the change is
 * durable (c->changed false: it was a no-op), else why it was refused or
 * why the commit failed (c->msg).  c and its touched list are freed when
 * this returns.
 */
typedef void (*fd_write_done_fn)(void *arg, enum fd_err err,
    const struct fd_change *c);

/* What one commit changed, for the post-commit hooks. */
struct fd_commit_info {
	uint32_t serial;      /* the zone serial after the commit */
	size_t changes;       /* changes in the batch that changed something */
	size_t refused;       /* changes in the batch that were undone */
	/*
	 * Names whose records changed, relative to the origin (changes.h
	 * "touched"), in change order and possibly repeated; or json true
	 * when a change touched too many names to list (a bulk import).
	 */
	const json_t *touched;
};
typedef void (*fd_commit_hook_fn)(void *arg, const struct fd_commit_info *ci);

/* Labels in the zone that name something other than a group. */
struct fd_write_env {
	const char *origin;             /* text, trailing dot */
	const char *const *reserved;    /* labels taken by in-zone names */
	int n_reserved;
	bool allow_zero_ttl;            /* zone.allow_zero_ttl */
};

/*
 * base, st and env must outlive the writer; env is read at each change,
 * so a reload may change its reserved labels (and allow_zero_ttl)
 * between batches.
 */
enum fd_err fd_writer_new(struct event_base *base, struct fd_store *st,
    const struct fd_write_env *env, struct fd_writer **out);

/*
 * Queue a change for this turn's batch.  done is always called exactly
 * once, later (never from inside fd_writer_submit).  FD_ENOMEM, with
 * nothing queued, when the request cannot be held.
 */
enum fd_err fd_writer_submit(struct fd_writer *w, const struct fd_actor *actor,
    fd_write_apply_fn apply, fd_write_done_fn done, void *arg);

/* Run hook after every commit that changed something; at most 8 hooks. */
enum fd_err fd_writer_hook_add(struct fd_writer *w, fd_commit_hook_fn hook,
    void *arg);

/*
 * One step inside each batch's write transaction, after its changes and
 * before the commit: the IXFR journal, which must be durable exactly when
 * the changes are.  before is a read snapshot of the store as the batch
 * found it (serial_before), txn holds the batch's changes (serial), and
 * touched is as the hooks get it.  An error fails the whole batch, as a
 * failed commit does (nothing of it is kept, every change is told).
 */
struct fd_precommit_info {
	MDB_txn *txn;
	MDB_txn *before;
	uint32_t serial_before, serial;
	const json_t *touched;
};
typedef enum fd_err (*fd_precommit_fn)(void *arg,
    const struct fd_precommit_info *pi);
/* At most one; NULL removes it. */
void fd_writer_precommit_set(struct fd_writer *w, fd_precommit_fn fn,
    void *arg);

/* Commit what is queued now (shutdown), instead of at the end of the turn. */
void fd_writer_flush(struct fd_writer *w);

/* Commits made so far, for status and tests. */
uint64_t fd_writer_commits(const struct fd_writer *w);

/* Flushes what is queued, then frees. */
void fd_writer_free(struct fd_writer *w);

#endif
