/*
 * xfr_journal.h - writing the IXFR journal (db/journal.h) from the
 * writer's pre-commit step (internal to daemon/), so each commit's delta
 * is durable with it.  Written only while transfer.allow lets someone
 * transfer, at most transfer.journal.max_serials deltas; a change that
 * touched too many names to list (a bulk import), or a name that cannot
 * be read, writes a break instead (the next IXFR from before it is an
 * AXFR: RFC 1995 4).
 */
#ifndef FLIPDNS_DAEMON_XFR_JOURNAL_H
#define FLIPDNS_DAEMON_XFR_JOURNAL_H

#include "flipdns/conf/config.h"
#include "flipdns/daemon/writer.h"
#include "flipdns/db/store.h"
#include "flipdns/dns/zone.h"

/* What the step reads: the main thread's zone and config (reload). */
struct fd_journal_writer {
	struct fd_store *st;
	const struct fd_zone *const *zone;
	const struct fd_config *const *cfg;
};

/* The pre-commit step (writer.h); arg is a struct fd_journal_writer. */
enum fd_err fd_journal_step(void *arg, const struct fd_precommit_info *pi);

#endif
