/*
 * commands.h - the control protocol's commands: a table of
 * {name, handler, writes, arguments}, run against the store.
 *
 * fd_command_run() takes one decoded request and returns the response
 * object.  Write commands run in a nested transaction of the caller's
 * batch transaction, so a failing command leaves nothing behind while the
 * others in its batch commit; the caller sends responses only after the
 * batch commit is durable (and turns them into errors if it fails).
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

#define FD_PROTO_VERSION 1

/*
 * Raw bytes that travel after a request or response line: a line with
 * "payload": N is followed by exactly N bytes (import's YAML in, export's
 * zone file out), so big documents skip JSON string escaping.
 */
#define FD_PAYLOAD_MAX ((size_t)1 << 30)   /* 1 GiB: ~15M groups of YAML */
struct fd_payload {
	char *data;      /* malloc'd, owned by whoever holds the struct */
	size_t len;
};

struct fd_zone;

struct fd_cmd_env {
	struct fd_store *st;
	const struct fd_zone *zone;
	const struct fd_config *cfg;
	const char *const *reserved;   /* labels taken by in-zone names */
	int n_reserved;
	time_t started;
};

/*
 * Run request req for peer uid inside write transaction batch, with the
 * request's payload in (NULL when none); a command that answers with a
 * payload fills out (out->data NULL otherwise).
 * *wrote is set when the command committed a change into batch.
 * Never returns NULL (an allocation failure aborts: the control plane
 * cannot answer anyway).
 */
json_t *fd_command_run(const struct fd_cmd_env *env, MDB_txn *batch,
    uid_t uid, json_t *req, const struct fd_payload *in,
    struct fd_payload *out, bool *wrote);

/* An error response, for failures outside a command (framing, denial). */
json_t *fd_command_error(json_t *id, enum fd_err err, const char *msg);

#endif
