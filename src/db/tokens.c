/* tokens.c - bearer tokens, hashed, in the tokens table; see tokens.h. */
#include <stdio.h>
#include <string.h>
#include <sys/random.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "flipdns/db/history.h"
#include "flipdns/db/tokens.h"

#define TOKEN_VERSION 1
#define TOKEN_VAL_LEN 50
#define HASH_LEN 32
#define SECRET_PREFIX "fdt_"

#define FAIL(c, e, ...) do {                                         \
	snprintf((c)->msg, sizeof((c)->msg), __VA_ARGS__);           \
	return (e);                                                  \
} while (0)

static void
put_u64(unsigned char *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static uint64_t
get_u64(const unsigned char *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

const char *
fd_token_role_name(enum fd_token_role role)
{
	return role == FD_TOKEN_WRITE ? "write" : "read";
}

enum fd_err
fd_token_role_parse(const char *s, enum fd_token_role *out)
{
	if (s != NULL && strcmp(s, "read") == 0)
		*out = FD_TOKEN_READ;
	else if (s != NULL && strcmp(s, "write") == 0)
		*out = FD_TOKEN_WRITE;
	else
		return FD_EINVAL;
	return FD_OK;
}

static enum fd_err
sha256(const char *s, size_t len, unsigned char out[HASH_LEN])
{
	unsigned int n = HASH_LEN;

	return EVP_Digest(s, len, out, &n, EVP_sha256(), NULL) == 1 &&
	    n == HASH_LEN ? FD_OK : FD_ESYS;
}

static bool
decode(const MDB_val *v, struct fd_token *t, const unsigned char **hash)
{
	const unsigned char *p = v->mv_data;

	if (v->mv_size != TOKEN_VAL_LEN || p[0] != TOKEN_VERSION ||
	    (p[1] != FD_TOKEN_READ && p[1] != FD_TOKEN_WRITE))
		return false;
	t->role = p[1];
	t->created = get_u64(p + 2);
	t->last_used = get_u64(p + 10);
	if (hash != NULL)
		*hash = p + 18;
	return true;
}

static void
set_name(struct fd_token *t, const MDB_val *k)
{
	size_t n = k->mv_size < sizeof(t->name) - 1 ? k->mv_size :
	    sizeof(t->name) - 1;

	memcpy(t->name, k->mv_data, n);
	t->name[n] = '\0';
}

static json_t *
token_json(const struct fd_token *t)
{
	return json_pack("{s:s, s:s, s:I, s:o}", "name", t->name,
	    "role", fd_token_role_name(t->role), "created",
	    (json_int_t)t->created, "last_used", t->last_used ?
	    json_integer((json_int_t)t->last_used) : json_null());
}

enum fd_err
fd_token_create(struct fd_change *c, const char *name,
    enum fd_token_role role, char secret[FD_TOKEN_SECRET_LEN + 1])
{
	unsigned char rnd[32], val[TOKEN_VAL_LEN];
	struct fd_token t;
	MDB_val k, v;
	enum fd_err err;
	int rc;

	if (!fd_app_name_valid(name))
		FAIL(c, FD_EINVAL, "'%s' is not a valid token name (as an app "
		    "name: a-z, 0-9, -)", name);
	if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
		FAIL(c, FD_ESYS, "no random bytes for a token");
	strcpy(secret, SECRET_PREFIX);
	for (size_t i = 0; i < sizeof(rnd); i++)
		snprintf(secret + strlen(SECRET_PREFIX) + 2 * i, 3, "%02x", rnd[i]);
	val[0] = TOKEN_VERSION;
	val[1] = (unsigned char)role;
	put_u64(val + 2, c->now);
	put_u64(val + 10, 0);
	if ((err = sha256(secret, FD_TOKEN_SECRET_LEN, val + 18)) != FD_OK)
		FAIL(c, err, "cannot hash the token");
	OPENSSL_cleanse(rnd, sizeof(rnd));
	k.mv_size = strlen(name);
	k.mv_data = (void *)name;
	v.mv_size = sizeof(val);
	v.mv_data = val;
	rc = mdb_put(c->txn, fd_store_dbi(c->st, FD_DB_TOKENS), &k, &v,
	    MDB_NOOVERWRITE);
	if (rc == MDB_KEYEXIST)
		FAIL(c, FD_EEXISTS, "token %s exists; revoke it first", name);
	if (rc != 0)
		FAIL(c, fd_store_err(rc), "%s", fd_strerror(fd_store_err(rc)));
	snprintf(t.name, sizeof(t.name), "%s", name);
	t.role = role;
	t.created = c->now;
	t.last_used = 0;
	c->changed = true;
	err = fd_history_append(c->st, c->txn, c->now, &c->actor,
	    "token.create", name, NULL, token_json(&t), NULL, &c->serial);
	if (err != FD_OK)
		FAIL(c, err, "%s", fd_strerror(err));
	return FD_OK;
}

enum fd_err
fd_token_revoke(struct fd_change *c, const char *name)
{
	struct fd_token t;
	MDB_val k, v;
	enum fd_err err;
	int rc;

	k.mv_size = strlen(name);
	k.mv_data = (void *)name;
	rc = mdb_get(c->txn, fd_store_dbi(c->st, FD_DB_TOKENS), &k, &v);
	if (rc == MDB_NOTFOUND)
		FAIL(c, FD_ENOTFOUND, "token %s not found", name);
	if (rc != 0)
		FAIL(c, fd_store_err(rc), "%s", fd_strerror(fd_store_err(rc)));
	memset(&t, 0, sizeof(t));
	if (!decode(&v, &t, NULL))
		t.role = FD_TOKEN_READ;
	set_name(&t, &k);
	if ((rc = mdb_del(c->txn, fd_store_dbi(c->st, FD_DB_TOKENS), &k,
	    NULL)) != 0)
		FAIL(c, fd_store_err(rc), "%s", fd_strerror(fd_store_err(rc)));
	c->changed = true;
	err = fd_history_append(c->st, c->txn, c->now, &c->actor,
	    "token.revoke", name, token_json(&t), NULL, NULL, &c->serial);
	if (err != FD_OK)
		FAIL(c, err, "%s", fd_strerror(err));
	return FD_OK;
}

enum fd_err
fd_token_touch(struct fd_change *c, const char *name, uint64_t when)
{
	unsigned char val[TOKEN_VAL_LEN];
	struct fd_token t;
	MDB_val k, v;
	int rc;

	k.mv_size = strlen(name);
	k.mv_data = (void *)name;
	rc = mdb_get(c->txn, fd_store_dbi(c->st, FD_DB_TOKENS), &k, &v);
	if (rc == MDB_NOTFOUND)
		return FD_OK;
	if (rc != 0)
		FAIL(c, fd_store_err(rc), "%s", fd_strerror(fd_store_err(rc)));
	if (!decode(&v, &t, NULL) || t.last_used >= when)
		return FD_OK;
	memcpy(val, v.mv_data, sizeof(val));
	put_u64(val + 10, when);
	v.mv_size = sizeof(val);
	v.mv_data = val;
	if ((rc = mdb_put(c->txn, fd_store_dbi(c->st, FD_DB_TOKENS), &k, &v,
	    0)) != 0)
		FAIL(c, fd_store_err(rc), "%s", fd_strerror(fd_store_err(rc)));
	c->quiet = true;
	return FD_OK;
}

json_t *
fd_token_list(struct fd_store *st, MDB_txn *txn)
{
	struct fd_token t;
	MDB_cursor *cur;
	MDB_val k, v;
	json_t *arr = json_array();
	int rc;

	if (mdb_cursor_open(txn, fd_store_dbi(st, FD_DB_TOKENS), &cur) != 0)
		return arr;
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
	    rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		if (!decode(&v, &t, NULL))
			continue;
		set_name(&t, &k);
		json_array_append_new(arr, token_json(&t));
	}
	mdb_cursor_close(cur);
	return arr;
}

enum fd_err
fd_token_auth(struct fd_store *st, MDB_txn *txn, const char *secret,
    size_t len, struct fd_token *out)
{
	unsigned char want[HASH_LEN];
	const unsigned char *hash;
	struct fd_token t;
	MDB_cursor *cur;
	MDB_val k, v;
	enum fd_err err = FD_EDENIED;
	int rc;

	if (len != FD_TOKEN_SECRET_LEN || sha256(secret, len, want) != FD_OK)
		return FD_EDENIED;
	/*
	 * A scan: tokens are few (people and scripts, not customers), and
	 * the hash of a 256-bit secret is compared, never the secret.
	 */
	if (mdb_cursor_open(txn, fd_store_dbi(st, FD_DB_TOKENS), &cur) != 0)
		return FD_ESTORE;
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
	    rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		if (!decode(&v, &t, &hash) ||
		    CRYPTO_memcmp(hash, want, HASH_LEN) != 0)
			continue;
		set_name(&t, &k);
		*out = t;
		err = FD_OK;
		break;
	}
	mdb_cursor_close(cur);
	return err;
}
