/*
 * fuzz_control.c - libFuzzer target: one control-protocol request,
 * decoded and run by the command table (fd_command_decode, then
 * fd_command_read or fd_command_write) against the fixed store of
 * fixture.c.
 *
 * Input: the request's JSON text, optionally followed by a NUL byte and
 * the request's payload (the YAML document of "import").  The JSON is
 * decoded as control.c decodes a request line.  The command runs inside a
 * write transaction that is aborted afterwards, so every input sees the
 * same small store and nothing accumulates between runs.
 *
 * The payload is copied into a buffer of exactly its length, with no NUL
 * after it: struct fd_payload promises none, so reading past len is a
 * bug that ASan reports here.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "flipdns/daemon/commands.h"
#include "flipdns/db/changes.h"
#include "flipdns/db/txn.h"
#include "fixture.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct fd_cmd_env env;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const struct fixture *fx = fx_get();

	env.st = fx->st;
	env.zone = &fx->zone;
	env.cfg = &fx->cfg;
	env.reserved = fx->reserved;
	env.n_reserved = fx->n_reserved;
	env.started = time(NULL);
	return 0;
}

/* Every response is an object with a boolean "ok" that serializes. */
static void
check(json_t *resp)
{
	char *text;

	if (!json_is_object(resp) ||
	    !json_is_boolean(json_object_get(resp, "ok"))) {
		fprintf(stderr, "fuzz_control: response without \"ok\"\n");
		abort();
	}
	if ((text = json_dumps(resp, JSON_COMPACT)) == NULL) {
		fprintf(stderr, "fuzz_control: response does not serialize\n");
		abort();
	}
	free(text);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nul = memchr(data, '\0', size);
	size_t reqlen = nul ? (size_t)(nul - data) : size;
	struct fd_payload in = {NULL, 0}, out = {NULL, 0};
	const struct fd_command *cmd;
	struct fd_change chg;
	json_error_t jerr;
	json_t *req, *resp;
	MDB_txn *txn;
	enum fd_err err;

	if ((req = json_loadb((const char *)data, reqlen, 0, &jerr)) == NULL)
		return 0;
	if (nul != NULL) {
		in.len = size - reqlen - 1;
		/* at least one byte: malloc(0) may return NULL */
		if ((in.data = malloc(in.len ? in.len : 1)) == NULL)
			abort();
		memcpy(in.data, nul + 1, in.len);
	}
	if (fd_txn_begin_write(env.st, NULL, &txn) != FD_OK)
		abort();
	if ((resp = fd_command_decode(req, &cmd)) == NULL) {
		if (fd_command_writes(cmd)) {
			/* as the writer would run it (writer.c run_one) */
			memset(&chg, 0, sizeof(chg));
			chg.st = env.st;
			chg.txn = txn;
			chg.now = (uint64_t)time(NULL);
			chg.origin = env.cfg->origin;
			chg.reserved = env.reserved;
			chg.n_reserved = env.n_reserved;
			resp = fd_command_write(&env, cmd, &chg, req,
			    nul ? &in : NULL, &out, &err);
			json_decref(chg.touched);
		} else
			resp = fd_command_read(&env, cmd, txn, req,
			    nul ? &in : NULL, &out);
	}
	check(resp);
	fd_txn_abort(txn);
	json_decref(resp);
	json_decref(req);
	free(out.data);
	free(in.data);
	return 0;
}
