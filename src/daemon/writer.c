/*
 * writer.c - the one writer: a queue of changes, one write transaction
 * per batch, completions after the commit, then the post-commit hooks.
 * See writer.h.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <time.h>

#include "flipdns/daemon/writer.h"
#include "flipdns/db/txn.h"
#include "flipdns/util/log.h"

/* NOTIFY, IXFR journal, logs, metrics: a handful, never a list. */
#define HOOKS_MAX 8

struct write {
	TAILQ_ENTRY(write) entry;
	struct fd_actor actor;
	fd_write_apply_fn apply;
	fd_write_done_fn done;
	void *arg;
	struct fd_change chg;
	enum fd_err err;
};
TAILQ_HEAD(write_list, write);

struct hook {
	fd_commit_hook_fn fn;
	void *arg;
};

struct fd_writer {
	struct event_base *base;
	struct event *flush_ev;
	struct fd_store *st;
	const struct fd_write_env *env;   /* the caller's: reload updates it */
	struct write_list queue;
	struct hook hooks[HOOKS_MAX];
	int nhooks;
	fd_precommit_fn precommit;        /* the IXFR journal, or NULL */
	void *precommit_arg;
	uint64_t commits;
};

static void writer_flush_cb(evutil_socket_t fd, short what, void *arg);

enum fd_err
fd_writer_new(struct event_base *base, struct fd_store *st,
    const struct fd_write_env *env, struct fd_writer **out)
{
	struct fd_writer *w;

	*out = NULL;
	if ((w = calloc(1, sizeof(*w))) == NULL)
		return FD_ENOMEM;
	w->base = base;
	w->st = st;
	w->env = env;
	TAILQ_INIT(&w->queue);
	if ((w->flush_ev = event_new(base, -1, 0, writer_flush_cb, w)) == NULL) {
		free(w);
		return FD_ENOMEM;
	}
	/*
	 * Lowest priority: the batch runs once every read that is ready in
	 * this turn has queued its requests, so a burst shares one commit.
	 */
	event_priority_set(w->flush_ev, event_base_get_npriorities(base) - 1);
	*out = w;
	return FD_OK;
}

enum fd_err
fd_writer_submit(struct fd_writer *w, const struct fd_actor *actor,
    fd_write_apply_fn apply, fd_write_done_fn done, void *arg)
{
	struct write *wr;

	if ((wr = calloc(1, sizeof(*wr))) == NULL)
		return FD_ENOMEM;
	wr->actor = *actor;
	wr->apply = apply;
	wr->done = done;
	wr->arg = arg;
	TAILQ_INSERT_TAIL(&w->queue, wr, entry);
	event_active(w->flush_ev, EV_WRITE, 0);
	return FD_OK;
}

enum fd_err
fd_writer_hook_add(struct fd_writer *w, fd_commit_hook_fn hook, void *arg)
{
	if (w->nhooks == HOOKS_MAX)
		return FD_EFULL;
	w->hooks[w->nhooks].fn = hook;
	w->hooks[w->nhooks].arg = arg;
	w->nhooks++;
	return FD_OK;
}

void
fd_writer_precommit_set(struct fd_writer *w, fd_precommit_fn fn, void *arg)
{
	w->precommit = fn;
	w->precommit_arg = arg;
}

/*
 * The pre-commit step, in the batch's transaction: a snapshot of the
 * store as the batch found it (no change of the batch is visible to a
 * read transaction before the commit) and the names it touched.
 */
static enum fd_err
precommit(struct fd_writer *w, MDB_txn *txn, const struct fd_commit_info *ci)
{
	struct fd_precommit_info pi;
	enum fd_err err;

	if (w->precommit == NULL)
		return FD_OK;
	memset(&pi, 0, sizeof(pi));
	pi.txn = txn;
	pi.serial = ci->serial;
	pi.touched = ci->touched;
	if ((err = fd_txn_begin_read(w->st, &pi.before)) != FD_OK)
		return err;
	pi.serial_before = fd_store_serial(w->st, pi.before);
	err = w->precommit(w->precommit_arg, &pi);
	fd_txn_abort(pi.before);
	return err;
}

uint64_t
fd_writer_commits(const struct fd_writer *w)
{
	return w->commits;
}

/* Run one change in a nested transaction of batch: kept or undone whole. */
static void
run_one(struct fd_writer *w, MDB_txn *batch, uint64_t now, struct write *wr)
{
	struct fd_change *c = &wr->chg;

	c->st = w->st;
	c->actor = wr->actor;
	c->now = now;
	c->origin = w->env->origin;
	c->reserved = w->env->reserved;
	c->n_reserved = w->env->n_reserved;
	c->allow_zero_ttl = w->env->allow_zero_ttl;
	if ((wr->err = fd_txn_begin_write(w->st, batch, &c->txn)) != FD_OK) {
		snprintf(c->msg, sizeof(c->msg), "%s", fd_strerror(wr->err));
		return;
	}
	wr->err = wr->apply(c, wr->arg);
	if (wr->err == FD_OK)
		wr->err = fd_txn_commit(c->txn);
	else
		fd_txn_abort(c->txn);
	c->txn = NULL;
	if (wr->err != FD_OK) {
		if (c->msg[0] == '\0')
			snprintf(c->msg, sizeof(c->msg), "%s",
			    fd_strerror(wr->err));
		/* what it touched was undone with it */
		json_decref(c->touched);
		c->touched = NULL;
		c->changed = false;
	}
}

/* Append a change's touched names to the batch's (true: too many). */
static void
touched_merge(json_t **all, const json_t *some)
{
	if (some == NULL || json_is_true(*all))
		return;
	if (json_is_true(some)) {
		json_decref(*all);
		*all = json_true();
		return;
	}
	json_array_extend(*all, (json_t *)some);
}

static void
writer_flush(struct fd_writer *w)
{
	struct write_list batch;
	struct fd_commit_info ci;
	struct write *wr;
	MDB_txn *txn = NULL;
	json_t *touched;
	enum fd_err err;
	bool quiet;
	uint64_t now = (uint64_t)time(NULL);

	if (TAILQ_EMPTY(&w->queue))
		return;
	TAILQ_INIT(&batch);
	TAILQ_CONCAT(&batch, &w->queue, entry);
	memset(&ci, 0, sizeof(ci));
	quiet = false;
	err = fd_txn_begin_write(w->st, NULL, &txn);
	TAILQ_FOREACH(wr, &batch, entry) {
		if (err != FD_OK) {
			wr->err = err;
			snprintf(wr->chg.msg, sizeof(wr->chg.msg), "cannot begin "
			    "a transaction: %s", fd_strerror(err));
			continue;
		}
		run_one(w, txn, now, wr);
		if (wr->err == FD_OK && wr->chg.quiet)
			quiet = true;
		if (wr->err != FD_OK)
			ci.refused++;
		else if (wr->chg.changed) {
			ci.changes++;
			ci.serial = wr->chg.serial;
		}
	}
	/* What the batch touched: the pre-commit step's, then the hooks' */
	touched = json_array();
	TAILQ_FOREACH(wr, &batch, entry)
		if (wr->err == FD_OK && wr->chg.changed)
			touched_merge(&touched, wr->chg.touched);
	ci.touched = touched;
	if (err == FD_OK) {
		/* The journal in the same transaction, so durable together. */
		if (ci.changes > 0 && (err = precommit(w, txn, &ci)) != FD_OK) {
			log_warnx("writer: pre-commit step failed: %s",
			    fd_strerror(err));
			fd_txn_abort(txn);
		} else
		/* Durable before acknowledged: commit (with fsync) first. */
		err = ci.changes > 0 || quiet ? fd_txn_commit(txn) :
		    (fd_txn_abort(txn), FD_OK);
		if (err != FD_OK) {
			log_warnx("writer: commit failed: %s", fd_strerror(err));
			TAILQ_FOREACH(wr, &batch, entry) {
				if (wr->err != FD_OK || !wr->chg.changed)
					continue;
				wr->err = err;
				snprintf(wr->chg.msg, sizeof(wr->chg.msg), "%s",
				    err == FD_EFULL ? "store full: raise "
				    "storage.map_size" :
				    "commit failed; nothing was changed");
				json_decref(wr->chg.touched);
				wr->chg.touched = NULL;
				wr->chg.changed = false;
			}
			ci.changes = 0;
		} else if (ci.changes > 0)
			w->commits++;
	}
	/* Tell each source, then the hooks: acknowledgements come first. */
	TAILQ_FOREACH(wr, &batch, entry)
		wr->done(wr->arg, wr->err, &wr->chg);
	if (ci.changes > 0) {
		for (int i = 0; i < w->nhooks; i++)
			w->hooks[i].fn(w->hooks[i].arg, &ci);
	}
	json_decref(touched);
	while ((wr = TAILQ_FIRST(&batch)) != NULL) {
		TAILQ_REMOVE(&batch, wr, entry);
		json_decref(wr->chg.touched);
		free(wr);
	}
}

static void
writer_flush_cb(evutil_socket_t fd, short what, void *arg)
{
	writer_flush(arg);
}

void
fd_writer_flush(struct fd_writer *w)
{
	/* a completion may submit the next request of its connection */
	while (!TAILQ_EMPTY(&w->queue))
		writer_flush(w);
}

void
fd_writer_free(struct fd_writer *w)
{
	if (w == NULL)
		return;
	fd_writer_flush(w);
	event_free(w->flush_ev);
	free(w);
}
