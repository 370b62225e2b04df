/*
 * store.c - the LMDB environment: open, schema, error mapping, and the
 * allocation-free read side used by the DNS workers.  See store.h.
 */
#include <endian.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "datadir.h"
#include "flipdns/util/log.h"
#include "flipdns/util/siphash.h"
#include "flipdns/db/appindex.h"
#include "flipdns/db/store.h"

struct fd_store {
	MDB_env *env;
	MDB_dbi dbi[FD_DB_COUNT];
	uint32_t keep_rows, keep_days;   /* history retention; 0: no bound */
	int lock_fd;        /* the data directory's lock (datadir.h) */
	int marker_fd;      /* the directory's marker, for fd_store_mark */
	uint8_t id[FD_STORE_ID_LEN];    /* the store's identity */
};

/* Named databases; the index is enum fd_store_db (check.c walks them). */
const char *const fd_store_db_names[FD_DB_COUNT] = {
	[FD_DB_APPS] = "apps",
	[FD_DB_GROUPS] = "groups",
	[FD_DB_STATUS] = "status",
	[FD_DB_TOMBSTONES] = "tombstones",
	[FD_DB_META] = "meta",
	[FD_DB_HISTORY] = "history",
	[FD_DB_APP_GROUPS] = "app_groups",
	[FD_DB_TOKENS] = "tokens",
	[FD_DB_JOURNAL] = "journal",
	[FD_DB_CHECKS] = "checks",
	[FD_DB_HEALTH] = "health",
	[FD_DB_POLICIES] = "policies",
};

/*
 * The schema that brought each table: a copy of an older store lacks the
 * later ones (fd_store_open_file, check.c).
 */
const uint32_t fd_store_db_since[FD_DB_COUNT] = {
	[FD_DB_APPS] = 1, [FD_DB_GROUPS] = 1, [FD_DB_STATUS] = 1,
	[FD_DB_TOMBSTONES] = 1, [FD_DB_META] = 1, [FD_DB_HISTORY] = 1,
	[FD_DB_APP_GROUPS] = 2, [FD_DB_TOKENS] = 3, [FD_DB_CHECKS] = 4,
	[FD_DB_HEALTH] = 4, [FD_DB_POLICIES] = 4,
	/* 0: of no schema; the first open with zone transfers makes it */
	[FD_DB_JOURNAL] = 0,
};

enum fd_err
fd_store_err(int rc)
{
	switch (rc) {
	case MDB_SUCCESS:
		return FD_OK;
	case MDB_NOTFOUND:
		return FD_ENOTFOUND;
	case MDB_KEYEXIST:
		return FD_EEXISTS;
	case MDB_MAP_FULL:
	case MDB_TXN_FULL:
	case MDB_PAGE_FULL:
		return FD_EFULL;
	case MDB_VERSION_MISMATCH:
	case MDB_INVALID:
		return FD_EVERSION;
	case ENOMEM:
		return FD_ENOMEM;
	default:
		return FD_ESTORE;
	}
}

MDB_env *
fd_store_env(const struct fd_store *st)
{
	return st->env;
}

MDB_dbi
fd_store_dbi(const struct fd_store *st, enum fd_store_db db)
{
	return st->dbi[db];
}

void
fd_store_set_history_keep(struct fd_store *st, uint32_t rows, uint32_t days)
{
	st->keep_rows = rows;
	st->keep_days = days;
}

void
fd_store_history_keep(const struct fd_store *st, uint32_t *rows,
    uint32_t *days)
{
	*rows = st->keep_rows;
	*days = st->keep_days;
}

static enum fd_err
store_put_schema(struct fd_store *st, MDB_txn *txn, uint32_t ver)
{
	MDB_val k = {6, "schema"}, v = {sizeof(ver), &ver};

	return fd_store_err(mdb_put(txn, st->dbi[FD_DB_META], &k, &v, 0));
}

/*
 * Schema 1 -> 2: build the app-to-groups index from the groups table,
 * in the opening transaction, so the upgrade commits whole or not at all
 * (a crash halfway leaves a schema 1 store that upgrades next time).
 */
static enum fd_err
store_upgrade_1(struct fd_store *st, MDB_txn *txn)
{
	enum fd_err err;
	size_t n = 0;

	if ((err = fd_appindex_build(st, txn, &n)) != FD_OK)
		return err;
	log_info("store schema 1 -> 2: app-to-groups index of %zu entries", n);
	return FD_OK;
}

/* Schema 2 -> 3: the tokens table, created empty when the store opens. */
static enum fd_err
store_upgrade_2(struct fd_store *st, MDB_txn *txn)
{
	log_info("store schema 2 -> 3: a tokens table for the HTTP API");
	return FD_OK;
}

/*
 * Schema 3 -> 4: the health tables, created empty by the open (no app
 * has a check yet, every group is manual), so nothing to build.
 */
static enum fd_err
store_upgrade_3(struct fd_store *st, MDB_txn *txn)
{
	log_info("store schema 3 -> 4: health check tables");
	return FD_OK;
}

/* upgrades[v] takes a store of schema v to v + 1; NULL: no way up. */
typedef enum fd_err (*upgrade_fn)(struct fd_store *, MDB_txn *);
static const upgrade_fn upgrades[FD_SCHEMA_VERSION] = {
	[1] = store_upgrade_1,
	[2] = store_upgrade_2,
	[3] = store_upgrade_3,
};

/*
 * Record the schema version in a new store (create), or check an
 * existing one.  create is an open that may write (fd_store_open): an
 * older schema is upgraded in its transaction.  A read-only open (a
 * backup file) takes an older schema this code can upgrade as it is: it
 * is upgraded when it is opened as a store.  *found gets the schema
 * found there.
 */
static enum fd_err
store_check_schema(struct fd_store *st, MDB_txn *txn, bool create,
    uint32_t *found)
{
	MDB_val k = {6, "schema"}, v;
	uint32_t ver = FD_SCHEMA_VERSION, serial = 1;
	enum fd_err err;
	int rc;

	*found = ver;

	rc = mdb_get(txn, st->dbi[FD_DB_META], &k, &v);
	if (rc == MDB_NOTFOUND && !create)
		return FD_EVERSION;
	if (rc == MDB_NOTFOUND) {
		if ((err = store_put_schema(st, txn, ver)) != FD_OK)
			return err;
		k.mv_size = 6;
		k.mv_data = "serial";
		v.mv_size = sizeof(serial);
		v.mv_data = &serial;
		return fd_store_err(mdb_put(txn, st->dbi[FD_DB_META], &k, &v, 0));
	}
	if (rc != 0)
		return fd_store_err(rc);
	if (v.mv_size != sizeof(ver))
		return FD_EVERSION;
	memcpy(&ver, v.mv_data, sizeof(ver));
	*found = ver;
	if (ver == FD_SCHEMA_VERSION)
		return FD_OK;
	if (ver == 0 || ver > FD_SCHEMA_VERSION || upgrades[ver] == NULL) {
		log_warnx("store schema version %u, this flipdns reads %u", ver,
		    FD_SCHEMA_VERSION);
		return FD_EVERSION;
	}
	if (!create)
		return FD_OK;
	for (; ver < FD_SCHEMA_VERSION; ver++)
		if ((err = upgrades[ver](st, txn)) != FD_OK)
			return err;
	return store_put_schema(st, txn, ver);
}

/*
 * LMDB's default key order, written out so that the byte compare is
 * inlined: the default calls memcmp for every probe of every binary
 * search, and with a million groups this compare measured 7% less CPU per
 * answer (bench/README.md).  The order must stay exactly LMDB's: stores
 * written before, mdb_dump and mdb_load all use the default.
 */
int
fd_store_key_cmp(const MDB_val *a, const MDB_val *b)
{
	const unsigned char *p = a->mv_data, *q = b->mv_data;
	size_t n = a->mv_size < b->mv_size ? a->mv_size : b->mv_size;
	uint64_t x, y;

	for (; n >= 8; n -= 8, p += 8, q += 8) {
		memcpy(&x, p, 8);
		memcpy(&y, q, 8);
		if (x != y)     /* as big-endian numbers: in byte order */
			return be64toh(x) < be64toh(y) ? -1 : 1;
	}
	for (; n > 0; n--, p++, q++)
		if (*p != *q)
			return *p < *q ? -1 : 1;
	return a->mv_size < b->mv_size ? -1 : a->mv_size > b->mv_size;
}

/*
 * The store's identity in its meta table, drawn now for a store that has
 * none (new, or from before identities): FD_OK and *id.
 */
static enum fd_err
store_ensure_id(struct fd_store *st, MDB_txn *txn, uint8_t id[FD_STORE_ID_LEN])
{
	MDB_val k = {2, "id"}, v;
	uint64_t r[2];
	int rc;

	rc = mdb_get(txn, st->dbi[FD_DB_META], &k, &v);
	if (rc == 0 && v.mv_size == FD_STORE_ID_LEN) {
		memcpy(id, v.mv_data, FD_STORE_ID_LEN);
		return FD_OK;
	}
	if (rc != 0 && rc != MDB_NOTFOUND)
		return fd_store_err(rc);
	if (fd_siphash_key(r) != FD_OK)     /* 16 bytes from getrandom(2) */
		return FD_ESYS;
	memcpy(id, r, FD_STORE_ID_LEN);
	v.mv_size = FD_STORE_ID_LEN;
	v.mv_data = id;
	return fd_store_err(mdb_put(txn, st->dbi[FD_DB_META], &k, &v, 0));
}

/*
 * The marker against the store: the same identity, and a serial the
 * store has reached (RFC 1982 order: the serial wraps).  A store without
 * an identity yet, or a directory without a marker, is taken as it is
 * (a store from before markers, a restored one); an unreadable marker
 * is written anew, with a warning.
 */
static enum fd_err
store_check_marker(const char *dir, const struct fd_check_facts *f)
{
	uint8_t id[FD_STORE_ID_LEN];
	uint32_t serial;
	enum fd_err err;

	err = fd_datadir_marker_read(dir, id, &serial);
	if (err == FD_ENOTFOUND)
		return FD_OK;
	if (err != FD_OK) {
		log_warnx("store %s: its marker %s cannot be read; writing it "
		    "anew", dir, FD_DATADIR_MARKER);
		return FD_OK;
	}
	if (f->has_id && memcmp(id, f->id, FD_STORE_ID_LEN) != 0) {
		log_warnx("store %s: %s is another store than the one this "
		    "directory held (%s names another identity): refusing to "
		    "serve it: restore this directory's store from a backup "
		    "(stop flipdnsd, move the directory away, flipdnsd "
		    "--restore FILE), or if the other store was put there on "
		    "purpose, remove %s/%s", dir, FD_DATADIR_DATA,
		    FD_DATADIR_MARKER, dir, FD_DATADIR_MARKER);
		return FD_ESTORE;
	}
	if ((int32_t)(f->serial - serial) < 0) {
		log_warnx("store %s: its serial is %u, but it was at %u: "
		    "%s went back in time (a stale copy, or lost commits); "
		    "refusing to serve it: restore it from a backup (stop "
		    "flipdnsd, move the directory away, flipdnsd --restore "
		    "FILE), or if this copy is to be served as it is, remove "
		    "%s/%s", dir, f->serial, serial, FD_DATADIR_DATA, dir,
		    FD_DATADIR_MARKER);
		return FD_ESTORE;
	}
	return FD_OK;
}

enum fd_err
fd_store_open(const char *dir, uint64_t map_size, unsigned max_readers,
    struct fd_store **out)
{
	struct fd_check_facts facts;
	struct fd_store *st;
	MDB_txn *txn = NULL;
	enum fd_err err;
	uint32_t ver;
	bool fresh;
	int rc;

	*out = NULL;
	if (mkdir(dir, 0750) != 0 && errno != EEXIST)
		return FD_ESYS;
	if ((st = calloc(1, sizeof(*st))) == NULL)
		return FD_ENOMEM;
	st->marker_fd = -1;
	/* Before LMDB touches anything: a second daemon stops here. */
	if ((err = fd_datadir_lock(dir, &st->lock_fd)) != FD_OK) {
		free(st);
		return err;
	}
	/* LMDB would make an empty or missing data.mdb a fresh store. */
	if ((err = fd_datadir_inspect(dir, &fresh)) != FD_OK) {
		close(st->lock_fd);
		free(st);
		return err;
	}
	if ((rc = mdb_env_create(&st->env)) != 0) {
		close(st->lock_fd);
		free(st);
		return fd_store_err(rc);
	}
	mdb_env_set_maxdbs(st->env, FD_DB_COUNT);
	mdb_env_set_mapsize(st->env, (size_t)map_size);
	if (max_readers > 0)
		mdb_env_set_maxreaders(st->env, max_readers);
	/*
	 * MDB_NOTLS: a worker's read transaction is owned by its handle, not
	 * by the thread's TLS slot, so reset/renew works per batch.
	 * No MDB_NOSYNC/MDB_NOMETASYNC: a change is acknowledged only once it
	 * is on disk.
	 */
	rc = mdb_env_open(st->env, dir, MDB_NOTLS, 0640);
	if (rc != 0 && !fresh && (rc == MDB_INVALID || rc == MDB_CORRUPTED ||
	    rc == MDB_PAGE_NOTFOUND || rc == EIO)) {
		log_warnx("store %s is damaged: %s: %s; refusing to serve it: "
		    "restore it from a backup (stop flipdnsd, move the "
		    "directory away, flipdnsd --restore FILE)", dir,
		    FD_DATADIR_DATA, mdb_strerror(rc));
		err = FD_ESTORE;
		goto bad;
	}
	if (rc != 0) {
		err = fd_store_err(rc);
		if (rc > 0) {
			errno = rc;
			err = FD_ESYS;
		}
		goto bad;
	}
	/* Every page read once, every record checked, before any write. */
	memset(&facts, 0, sizeof(facts));
	if (!fresh) {
		if ((err = fd_store_check(st->env, dir, &facts)) != FD_OK ||
		    (err = store_check_marker(dir, &facts)) != FD_OK)
			goto bad;
		log_info("store %s: checked %zu groups in %.3f s, serial %u",
		    dir, facts.groups, facts.seconds, facts.serial);
	}
	if ((rc = mdb_txn_begin(st->env, NULL, 0, &txn)) != 0) {
		err = fd_store_err(rc);
		goto bad;
	}
	for (int i = 0; i < FD_DB_COUNT; i++) {
		rc = mdb_dbi_open(txn, fd_store_db_names[i], MDB_CREATE, &st->dbi[i]);
		if (rc == 0)
			rc = mdb_set_compare(txn, st->dbi[i], fd_store_key_cmp);
		if (rc != 0) {
			err = fd_store_err(rc);
			goto bad;
		}
	}
	if ((err = store_check_schema(st, txn, true, &ver)) != FD_OK ||
	    (err = store_ensure_id(st, txn, st->id)) != FD_OK)
		goto bad;
	facts.serial = fd_store_serial(st, txn);
	rc = mdb_txn_commit(txn);
	txn = NULL;
	if (rc != 0) {
		err = fd_store_err(rc);
		goto bad;
	}
	/* Durable before the store is served: it names what is here now. */
	if ((err = fd_datadir_marker_write(dir, st->id, facts.serial,
	    &st->marker_fd)) != FD_OK)
		goto bad;
	*out = st;
	return FD_OK;
bad:
	if (txn != NULL)
		mdb_txn_abort(txn);
	mdb_env_close(st->env);
	close(st->lock_fd);
	free(st);
	return err;
}

void
fd_store_mark(struct fd_store *st, uint32_t serial)
{
	if (st != NULL)
		fd_datadir_marker_update(st->marker_fd, st->id, serial);
}

enum fd_err
fd_store_id(const struct fd_store *st, MDB_txn *txn,
    uint8_t id[FD_STORE_ID_LEN])
{
	MDB_val k = {2, "id"}, v;
	int rc;

	if ((rc = mdb_get(txn, st->dbi[FD_DB_META], &k, &v)) != 0)
		return fd_store_err(rc);
	if (v.mv_size != FD_STORE_ID_LEN)
		return FD_EVERSION;
	memcpy(id, v.mv_data, FD_STORE_ID_LEN);
	return FD_OK;
}

enum fd_err
fd_store_open_file(const char *path, struct fd_store **out)
{
	struct fd_store *st;
	MDB_txn *txn = NULL;
	uint32_t ver, missing_since = 0;
	enum fd_err err;
	int rc;

	*out = NULL;
	if ((st = calloc(1, sizeof(*st))) == NULL)
		return FD_ENOMEM;
	st->lock_fd = -1;       /* a file of its own: no directory to lock */
	st->marker_fd = -1;
	if ((rc = mdb_env_create(&st->env)) != 0) {
		free(st);
		return fd_store_err(rc);
	}
	mdb_env_set_maxdbs(st->env, FD_DB_COUNT);
	/*
	 * One file (MDB_NOSUBDIR), only read, with no lock file next to it
	 * (MDB_NOLOCK): a backup has no other user, and its directory need
	 * not be writable.
	 */
	rc = mdb_env_open(st->env, path, MDB_NOSUBDIR | MDB_RDONLY |
	    MDB_NOLOCK | MDB_NOTLS, 0);
	if (rc != 0) {
		err = fd_store_err(rc);
		if (rc > 0) {
			errno = rc;
			err = FD_ESYS;
		}
		goto bad;
	}
	if ((rc = mdb_txn_begin(st->env, NULL, MDB_RDONLY, &txn)) != 0) {
		err = fd_store_err(rc);
		goto bad;
	}
	for (int i = 0; i < FD_DB_COUNT; i++) {
		rc = mdb_dbi_open(txn, fd_store_db_names[i], 0, &st->dbi[i]);
		/*
		 * a table of a later schema: only an older copy may lack it;
		 * the IXFR journal (since 0): any copy may
		 */
		if (rc == MDB_NOTFOUND && fd_store_db_since[i] != 1) {
			if (fd_store_db_since[i] > 1 && (missing_since == 0 ||
			    fd_store_db_since[i] < missing_since))
				missing_since = fd_store_db_since[i];
			continue;
		}
		if (rc == 0)
			rc = mdb_set_compare(txn, st->dbi[i], fd_store_key_cmp);
		if (rc != 0) {
			/* a table missing: some other LMDB file, not a store */
			err = rc == MDB_NOTFOUND ? FD_EVERSION : fd_store_err(rc);
			goto bad;
		}
	}
	if ((err = store_check_schema(st, txn, false, &ver)) != FD_OK)
		goto bad;
	if (missing_since != 0 && ver >= missing_since) {
		err = FD_EVERSION;
		goto bad;
	}
	/* a read-only commit keeps the table handles open */
	rc = mdb_txn_commit(txn);
	txn = NULL;
	if (rc != 0) {
		err = fd_store_err(rc);
		goto bad;
	}
	*out = st;
	return FD_OK;
bad:
	if (txn != NULL)
		mdb_txn_abort(txn);
	mdb_env_close(st->env);
	free(st);
	return err;
}

void
fd_store_close(struct fd_store *st)
{
	if (st == NULL)
		return;
	mdb_env_close(st->env);
	/* Last: the store is closed before another process may open it. */
	if (st->marker_fd >= 0)
		close(st->marker_fd);
	if (st->lock_fd >= 0)
		close(st->lock_fd);
	free(st);
}

enum fd_err
fd_reader_open(struct fd_store *st, struct fd_reader *r)
{
	int rc;

	r->st = st;
	r->active = false;
	rc = mdb_txn_begin(st->env, NULL, MDB_RDONLY, &r->txn);
	if (rc != 0)
		return fd_store_err(rc);
	mdb_txn_reset(r->txn);
	return FD_OK;
}

enum fd_err
fd_reader_begin(struct fd_reader *r)
{
	int rc;

	if (r->active)
		return FD_OK;
	if ((rc = mdb_txn_renew(r->txn)) != 0)
		return fd_store_err(rc);
	r->active = true;
	return FD_OK;
}

void
fd_reader_end(struct fd_reader *r)
{
	if (!r->active)
		return;
	mdb_txn_reset(r->txn);
	r->active = false;
}

void
fd_reader_close(struct fd_reader *r)
{
	if (r->txn == NULL)
		return;
	mdb_txn_abort(r->txn);
	r->txn = NULL;
	r->active = false;
}

enum fd_err
fd_store_get_app(const struct fd_store *st, MDB_txn *txn, const char *name,
    size_t len, struct fd_app_view *out)
{
	MDB_val k = {len, (void *)name}, v;
	enum fd_err err;
	int rc;

	if (len == 0 || len > FD_APP_NAME_MAX)
		return FD_ENOTFOUND;
	if ((rc = mdb_get(txn, st->dbi[FD_DB_APPS], &k, &v)) != 0)
		return fd_store_err(rc);
	if ((err = fd_app_decode(v.mv_data, v.mv_size, out)) != FD_OK)
		return err;
	out->name = k.mv_data;
	out->name_len = k.mv_size;
	return FD_OK;
}

enum fd_err
fd_store_get_group(const struct fd_store *st, MDB_txn *txn, const char *label,
    size_t len, struct fd_group_view *out)
{
	MDB_val k = {len, (void *)label}, v;
	enum fd_err err;
	int rc;

	if (len == 0 || len > FD_LABEL_MAX)
		return FD_ENOTFOUND;
	if ((rc = mdb_get(txn, st->dbi[FD_DB_GROUPS], &k, &v)) != 0)
		return fd_store_err(rc);
	if ((err = fd_group_decode(v.mv_data, v.mv_size, out)) != FD_OK)
		return err;
	out->label = k.mv_data;
	out->label_len = k.mv_size;
	return FD_OK;
}

enum fd_err
fd_store_get_app_by_status(const struct fd_store *st, MDB_txn *txn,
    const char *status_label, size_t len, struct fd_app_view *out)
{
	MDB_val k = {len, (void *)status_label}, v;
	int rc;

	if (len != FD_STATUS_LABEL_LEN)
		return FD_ENOTFOUND;
	if ((rc = mdb_get(txn, st->dbi[FD_DB_STATUS], &k, &v)) != 0)
		return fd_store_err(rc);
	return fd_store_get_app(st, txn, v.mv_data, v.mv_size, out);
}

bool
fd_store_is_tombstoned(const struct fd_store *st, MDB_txn *txn,
    const char *label, size_t len)
{
	MDB_val k = {len, (void *)label}, v;

	if (len == 0 || len > FD_LABEL_MAX)
		return false;
	return mdb_get(txn, st->dbi[FD_DB_TOMBSTONES], &k, &v) == 0;
}

uint32_t
fd_store_serial(const struct fd_store *st, MDB_txn *txn)
{
	MDB_val k = {6, "serial"}, v;
	uint32_t serial = 1;

	if (mdb_get(txn, st->dbi[FD_DB_META], &k, &v) == 0 &&
	    v.mv_size == sizeof(serial))
		memcpy(&serial, v.mv_data, sizeof(serial));
	return serial;
}

const char *
fd_side_app(enum fd_side active, const char *primary, size_t primary_len,
    const char *backup, size_t backup_len, size_t *len)
{
	const char *name = active == FD_SIDE_BACKUP ? backup : primary;

	*len = active == FD_SIDE_BACKUP ? backup_len : primary_len;
	if (name == NULL || *len == 0) {
		*len = 0;
		return NULL;
	}
	return name;
}

enum fd_err
fd_store_active_app(const struct fd_store *st, MDB_txn *txn,
    const struct fd_group_view *g, struct fd_app_view *out)
{
	const char *name;
	enum fd_err err;
	size_t len;

	name = fd_side_app(g->active, g->primary, g->primary_len, g->backup,
	    g->backup_len, &len);
	if (name == NULL)
		return FD_ENOTFOUND;
	err = fd_store_get_app(st, txn, name, len, out);
	return err == FD_ENOTFOUND ? FD_ESTORE : err;
}

enum fd_app_status
fd_app_status_of(const struct fd_app_view *app)
{
	if (app->active_count > 0)
		return FD_STATUS_ONLINE;
	if (app->ref_count > 0)
		return FD_STATUS_OFFLINE;
	return FD_STATUS_NONE;
}

const char *
fd_app_status_name(enum fd_app_status s)
{
	switch (s) {
	case FD_STATUS_ONLINE:
		return "online";
	case FD_STATUS_OFFLINE:
		return "offline";
	default:
		return "none";
	}
}
