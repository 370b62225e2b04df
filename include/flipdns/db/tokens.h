/*
 * tokens.h - the HTTP API's bearer tokens, in the store's tokens table.
 *
 * A token is a name (an app-name-shaped label: who shows up in history
 * as the actor), a role, and a secret that is shown once, when it is
 * created, and never stored: the table keeps its SHA-256.  The secret is
 * "fdt_" and 64 hex digits of 32 random bytes (getrandom), so a hash
 * without a salt is enough: there is nothing to guess from.
 *
 * Value layout (little-endian): version 1, role, created u64, last_used
 * u64, SHA-256 (32 bytes) = 50 bytes.
 *
 * Creating and revoking a token are changes with a history row
 * ("token.create", "token.revoke"; neither row holds the secret or its
 * hash).  Recording its last use is bookkeeping (fd_change.quiet): no
 * row, no serial.
 */
#ifndef FLIPDNS_DB_TOKENS_H
#define FLIPDNS_DB_TOKENS_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>
#include <lmdb.h>

#include "flipdns/db/changes.h"
#include "flipdns/db/store.h"

enum fd_token_role { FD_TOKEN_READ = 1, FD_TOKEN_WRITE = 2 };

/* "fdt_" + 64 hex digits */
#define FD_TOKEN_SECRET_LEN 68
/* An app name's limit: a label. */
#define FD_TOKEN_NAME_MAX 64

struct fd_token {
	char name[FD_TOKEN_NAME_MAX];
	enum fd_token_role role;
	uint64_t created, last_used;   /* unix seconds; 0: never used */
};

/* "read" / "write" <-> role; FD_EINVAL for another word. */
const char *fd_token_role_name(enum fd_token_role role);
enum fd_err fd_token_role_parse(const char *s, enum fd_token_role *out);

/*
 * Create token name with role in change c and write its secret to
 * secret (NUL-terminated).  FD_EINVAL for a bad name, FD_EEXISTS when the
 * name is taken (revoke it first), FD_ESYS when no random bytes.
 */
enum fd_err fd_token_create(struct fd_change *c, const char *name,
    enum fd_token_role role, char secret[FD_TOKEN_SECRET_LEN + 1]);
/* Delete token name: it stops working at this commit.  FD_ENOTFOUND. */
enum fd_err fd_token_revoke(struct fd_change *c, const char *name);
/*
 * Record that token name was used at when (if later than what is
 * recorded).  A quiet change: c->quiet is set, nothing else.  FD_OK when
 * the token is gone (revoked since).
 */
enum fd_err fd_token_touch(struct fd_change *c, const char *name,
    uint64_t when);

/* [{name, role, created, last_used}] in name order: never a secret. */
json_t *fd_token_list(struct fd_store *st, MDB_txn *txn);

/*
 * The token whose secret is secret (len bytes), in txn.  FD_EDENIED when
 * no token has it (malformed, unknown or revoked: the caller need not
 * say which).  Compares hashes in constant time.
 */
enum fd_err fd_token_auth(struct fd_store *st, MDB_txn *txn,
    const char *secret, size_t len, struct fd_token *out);

#endif
