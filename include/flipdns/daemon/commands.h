/*
 * commands.h - the control protocol's commands: a table of
 * {name, handler, writes, arguments}, run against the store.
 *
 * fd_command_decode() checks a request (version, command, arguments) and
 * finds its row.  A read command then runs in a read transaction of the
 * caller's (fd_command_read), never in the writer's, so reads wait for no
 * change and no change waits for them; a write command runs inside a
 * change the writer hands it (fd_command_write, from the writer's apply
 * callback: writer.h), and its response is sent only once the writer has
 * committed (or turned into an error if the commit failed).
 */
#ifndef FLIPDNS_COMMANDS_H
#define FLIPDNS_COMMANDS_H

#include <stdbool.h>
#include <time.h>
#include <sys/types.h>
#include <jansson.h>
#include <lmdb.h>

#include "flipdns/conf/config.h"
#include "flipdns/db/store.h"
#include "flipdns/dns/zonefile.h"

#define FD_PROTO_VERSION 1

/*
 * Raw bytes that travel after a request or response line: a line with
 * "payload": N is followed by exactly N bytes (import's YAML in, export's
 * zone file out), so big documents skip JSON string escaping.
 */
/*
 * The most the protocol allows: 1 GiB, ~15M groups of YAML.  The daemon
 * takes at most control.max_payload (64 MiB by default, this at most).
 */
#define FD_PAYLOAD_MAX ((size_t)1 << 30)
struct fd_payload {
	char *data;      /* malloc'd, owned by whoever holds the struct */
	size_t len;
};

struct fd_zone;
struct fd_health;
struct fd_metrics_src;
struct fd_main_stats;
struct fd_secondaries;

struct fd_cmd_env {
	struct fd_store *st;
	const struct fd_zone *zone;
	const struct fd_config *cfg;
	const char *const *reserved;   /* labels taken by in-zone names */
	int n_reserved;
	time_t started;
	/*
	 * Re-read and apply the configuration (the `reload` command);
	 * on error msg says why and nothing changed.
	 */
	enum fd_err (*reload)(void *arg, char *msg, size_t len);
	void *reload_arg;
	/* The `stats` command's numbers; the control counts its results. */
	const struct fd_metrics_src *metrics;
	struct fd_main_stats *ms;
	/* `secondaries`: NOTIFY and transfers per secondary; may be NULL */
	struct fd_secondaries *sec;
	/* The prober's live view, for `app health`; NULL: not checking. */
	struct fd_health *health;
};

struct fd_command;   /* one row of the command table */
struct fd_change;

/*
 * Decode request req: returns NULL and sets *cmd, or returns the error
 * response (unknown command, unknown argument, wrong version) to send.
 */
json_t *fd_command_decode(json_t *req, const struct fd_command **cmd);
/* Changes the store: goes through the writer. */
bool fd_command_writes(const struct fd_command *cmd);
/*
 * Would request req (decoded to cmd) change the store?  A write command
 * does, unless it is a trial of one (apply with "dry_run": true: its
 * steps are made and undone in the writer's transaction): the read-only
 * role may ask for that.
 */
bool fd_command_changes(const struct fd_command *cmd, json_t *req);
/* Answers with a stream after its response line (export): control.c. */
bool fd_command_streams(const struct fd_command *cmd);
/* What streams after the response line (control_stream.c). */
enum fd_stream {
	FD_STREAM_NONE,
	FD_STREAM_ZONE,     /* export: the zone as a master file */
	FD_STREAM_COPY,     /* backup: a compacted copy of the store */
};
enum fd_stream fd_command_stream(const struct fd_command *cmd);
/* The format an export request asks for: its "format" argument. */
enum fd_zonefile_format fd_command_zone_format(json_t *req);

/*
 * Run read command cmd in read transaction txn; in is the request's
 * payload (NULL when none), out receives a response payload (out->data
 * NULL when none).  Returns the response; never NULL (an allocation
 * failure aborts: the control plane cannot answer anyway).
 */
json_t *fd_command_read(const struct fd_cmd_env *env,
    const struct fd_command *cmd, MDB_txn *txn, json_t *req,
    const struct fd_payload *in, struct fd_payload *out);
/*
 * Run write command cmd inside change c (the writer's nested
 * transaction, c->actor set); *err is FD_OK when the change is to be
 * kept.  Returns the response to send once the batch is committed.
 */
json_t *fd_command_write(const struct fd_cmd_env *env,
    const struct fd_command *cmd, struct fd_change *c, json_t *req,
    const struct fd_payload *in, struct fd_payload *out, enum fd_err *err);

/* An error response, for failures outside a command (framing, denial). */
json_t *fd_command_error(json_t *id, enum fd_err err, const char *msg);

#endif
