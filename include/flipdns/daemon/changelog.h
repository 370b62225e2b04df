/*
 * changelog.h - one log line per committed change: serial, actor,
 * operation, subject, and what changed (before -> after), so the log
 * tells what happened without `flipctl history`.
 *
 * It is a post-commit hook of the writer (writer.h): it runs once the
 * change is durable, reads the commit's history rows from a snapshot of
 * its own, and never for a refused change.
 */
#ifndef FLIPDNS_DAEMON_CHANGELOG_H
#define FLIPDNS_DAEMON_CHANGELOG_H

#include <stddef.h>

#include "flipdns/daemon/metrics.h"
#include "flipdns/daemon/writer.h"

/* The hook's argument: where to read, what to count. */
struct changelog_arg {
	struct fd_store *st;
	struct fd_main_stats *ms;   /* changes and switches */
};
void fd_changelog_hook(void *arg, const struct fd_commit_info *ci);

/*
 * "ttl 30 -> 60, active primary -> backup" for two JSON objects (either
 * may be null: "created" / "deleted"), the keys whose values differ,
 * timestamps left out; cut short with "..." to fit len.
 */
void fd_changelog_diff(const json_t *before, const json_t *after, char *buf,
    size_t len);

#endif
