/*
 * check.c - the start-up check of an existing store; see check.h.
 *
 * One read transaction walks, in order: the meta table (schema, serial,
 * identity), LMDB's free list (every page number in it inside the file,
 * so the writer can never hand out a page it cannot map), the apps (each
 * record readable, its endpoints well-formed), the groups (each record
 * readable, the apps it names present; their primary and active counts
 * summed per app), the status labels, the tombstones, the history rows'
 * keys, the tokens' and the IXFR journal's pages, the app-to-groups
 * index (one entry per app a group names), and the health tables (each
 * check and health record readable and of an app that exists, each
 * policy readable and of a group that exists).
 * Then each app's counters must equal what its groups say.  Each table's
 * walked entries must equal the count LMDB keeps for it.
 *
 * It reads each page once, in key order, and allocates only a table of
 * the apps (there are few): at a million groups it takes well under a
 * second (README: the measured figure), and the pages it touched are the
 * ones the workers are about to serve from anyway.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "check.h"
#include "flipdns/db/appindex.h"
#include "flipdns/db/health.h"
#include "flipdns/db/store.h"
#include "flipdns/util/log.h"
#include "flipdns/util/names.h"
#include "flipdns/util/siphash.h"

/* What the message says to do about a store that fails (datadir.c too). */
#define RESTORE_HINT "restore it from a backup (stop flipdnsd, move the " \
	"directory away, flipdnsd --restore FILE)"

/* LMDB's free-page table: dbi 0 in every environment (lmdb.h, mdb.c). */
#define FREE_DBI 0

/* One app: its counters as stored, and as its groups say they must be. */
struct app_slot {
	char name[FD_APP_NAME_MAX + 1];     /* "" while the slot is free */
	char status[FD_STATUS_LABEL_LEN];
	uint32_t ref_count, active_count;   /* in its record */
	uint32_t refs, actives;             /* counted from the groups */
	bool status_seen;
};

struct walk {
	MDB_txn *txn;
	MDB_dbi dbi[FD_DB_COUNT];
	bool have[FD_DB_COUNT];     /* older schemas lack the newer tables */
	uint64_t last_pgno;
	struct app_slot *apps;
	size_t mask;
	uint64_t k0, k1;
	size_t index_want;          /* index entries the groups imply */
	size_t groups;
	MDB_cursor *cur;            /* the walk's, closed even after a fault */
	const char *where;          /* the table being walked, for messages */
	char why[320];              /* what is wrong, for the message */
};

/*
 * A fault (SIGBUS past the end of the file, SIGSEGV past the map) while
 * the walk reads: back to fd_store_check, which refuses the store.  The
 * check runs before any other thread exists, so one static jump buffer
 * serves.
 */
static sigjmp_buf fault_jmp;
static volatile sig_atomic_t fault_sig;

static void
on_fault(int sig)
{
	fault_sig = sig;
	siglongjmp(fault_jmp, 1);
}

#define BAD(w, ...) \
	(snprintf((w)->why, sizeof((w)->why), __VA_ARGS__), FD_ESTORE)

/* A key of at most max bytes as a C string in buf (max + 1 bytes). */
static bool
key_text(const MDB_val *k, char *buf, size_t max)
{
	if (k->mv_size == 0 || k->mv_size > max)
		return false;
	memcpy(buf, k->mv_data, k->mv_size);
	buf[k->mv_size] = '\0';
	return strlen(buf) == k->mv_size;
}

/* The slot of app name (len bytes): its own, or NULL when absent. */
static struct app_slot *
app_find(struct walk *w, const char *name, size_t len, bool insert)
{
	size_t i;

	if (w->apps == NULL || len == 0 || len > FD_APP_NAME_MAX)
		return NULL;
	i = fd_siphash(w->k0, w->k1, name, len) & w->mask;
	while (w->apps[i].name[0] != '\0') {
		if (strlen(w->apps[i].name) == len &&
		    memcmp(w->apps[i].name, name, len) == 0)
			return &w->apps[i];
		i = (i + 1) & w->mask;
	}
	if (!insert)
		return NULL;
	memcpy(w->apps[i].name, name, len);
	w->apps[i].name[len] = '\0';
	return &w->apps[i];
}

typedef enum fd_err (*entry_fn)(struct walk *, const MDB_val *k,
    const MDB_val *v);

/* Every entry of table dbi through fn, and their number against LMDB's. */
static enum fd_err
walk_table(struct walk *w, MDB_dbi dbi, entry_fn fn, size_t *count)
{
	MDB_cursor *cur;
	MDB_stat ms;
	MDB_val k, v;
	enum fd_err err = FD_OK;
	size_t n = 0;
	int rc;

	if ((rc = mdb_cursor_open(w->txn, dbi, &cur)) != 0)
		return BAD(w, "%s", mdb_strerror(rc));
	w->cur = cur;
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
	    rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		n++;
		if ((err = fn(w, &k, &v)) != FD_OK)
			break;
	}
	mdb_cursor_close(cur);
	w->cur = NULL;
	if (err != FD_OK)
		return err;
	if (rc != MDB_NOTFOUND)
		return BAD(w, "entry %zu: %s", n + 1, mdb_strerror(rc));
	if ((rc = mdb_stat(w->txn, dbi, &ms)) != 0)
		return BAD(w, "%s", mdb_strerror(rc));
	if (ms.ms_entries != n)
		return BAD(w, "%zu entries found, %zu recorded", n,
		    (size_t)ms.ms_entries);
	if (count != NULL)
		*count = n;
	return FD_OK;
}

/* Meta keys are few and read by name (read_meta): their pages here. */
static enum fd_err
check_any(struct walk *w, const MDB_val *k, const MDB_val *v)
{
	return FD_OK;
}

/* A free-list record: the pages it lists exist (IDL: count, then ids). */
static enum fd_err
check_free(struct walk *w, const MDB_val *k, const MDB_val *v)
{
	const char *p = v->mv_data;
	size_t n, i, id;

	if (k->mv_size != sizeof(size_t) || v->mv_size < sizeof(size_t) ||
	    v->mv_size % sizeof(size_t) != 0)
		return BAD(w, "a record is malformed");
	memcpy(&n, p, sizeof(n));
	if ((n + 1) * sizeof(size_t) != v->mv_size)
		return BAD(w, "a record's page count is wrong");
	for (i = 1; i <= n; i++) {
		memcpy(&id, p + i * sizeof(size_t), sizeof(id));
		/* pages 0 and 1 are the meta pages, never free */
		if (id < 2 || id > w->last_pgno)
			return BAD(w, "it lists page %zu, outside the file", id);
	}
	return FD_OK;
}

static enum fd_err
check_app(struct walk *w, const MDB_val *k, const MDB_val *v)
{
	char name[FD_APP_NAME_MAX + 1], text[FD_DNAME_TEXT_MAX];
	uint8_t wire[FD_DNAME_WIRE_MAX];
	struct fd_app_view a;
	struct app_slot *s;

	if (!key_text(k, name, FD_APP_NAME_MAX) || !fd_app_name_valid(name))
		return BAD(w, "a key is not an app name");
	if (fd_app_decode(v->mv_data, v->mv_size, &a) != FD_OK)
		return BAD(w, "app %s: its record cannot be read", name);
	/* the host name as the answer will copy it: canonical wire, whole */
	if (a.kind == FD_APP_CNAME &&
	    (fd_dname_to_text(a.cname_wire, a.cname_len, text,
	    sizeof(text)) < 0 || fd_dname_from_text(text, wire) !=
	    (int)a.cname_len || memcmp(wire, a.cname_wire, a.cname_len) != 0))
		return BAD(w, "app %s: its host name cannot be read", name);
	if (a.kind == FD_APP_ADDRS &&
	    (a.n4 + a.n6 == 0 || a.n4 + a.n6 > FD_APP_MAX_ADDRS))
		return BAD(w, "app %s: it has %u addresses", name,
		    (unsigned)(a.n4 + a.n6));
	if (strlen(a.status_label) != FD_STATUS_LABEL_LEN)
		return BAD(w, "app %s: its status label cannot be read", name);
	if ((s = app_find(w, name, k->mv_size, true)) == NULL)
		return BAD(w, "app %s: more apps than counted", name);
	s->ref_count = a.ref_count;
	s->active_count = a.active_count;
	memcpy(s->status, a.status_label, FD_STATUS_LABEL_LEN);
	return FD_OK;
}

/* A side of a group: a valid name of an app that exists, counted. */
static enum fd_err
group_side(struct walk *w, const char *label, const char *app, size_t len,
    const char *side)
{
	char name[FD_APP_NAME_MAX + 1];
	struct app_slot *s;

	if (len > FD_APP_NAME_MAX)
		return BAD(w, "group %s: its %s cannot be read", label, side);
	memcpy(name, app, len);
	name[len] = '\0';
	if (!fd_app_name_valid(name) ||
	    (s = app_find(w, app, len, false)) == NULL)
		return BAD(w, "group %s: its %s app %s does not exist", label,
		    side, name);
	s->refs++;
	w->index_want++;
	return FD_OK;
}

static enum fd_err
check_group(struct walk *w, const MDB_val *k, const MDB_val *v)
{
	char label[FD_LABEL_MAX + 1];
	struct fd_group_view g;
	struct app_slot *s;
	const char *active;
	size_t len;
	enum fd_err err;

	if (!key_text(k, label, FD_LABEL_MAX) || !fd_group_label_valid(label))
		return BAD(w, "a key is not a group label");
	if (fd_group_decode(v->mv_data, v->mv_size, &g) != FD_OK)
		return BAD(w, "group %s: its record cannot be read", label);
	if (g.backup != NULL && g.primary == NULL)
		return BAD(w, "group %s: a backup without a primary", label);
	if (g.primary != NULL && (err = group_side(w, label, g.primary,
	    g.primary_len, "primary")) != FD_OK)
		return err;
	if (g.backup != NULL && (err = group_side(w, label, g.backup,
	    g.backup_len, "backup")) != FD_OK)
		return err;
	active = fd_side_app(g.active, g.primary, g.primary_len, g.backup,
	    g.backup_len, &len);
	if (active != NULL && (s = app_find(w, active, len, false)) != NULL)
		s->actives++;
	return FD_OK;
}

static enum fd_err
check_status(struct walk *w, const MDB_val *k, const MDB_val *v)
{
	struct app_slot *s;

	if (k->mv_size != FD_STATUS_LABEL_LEN ||
	    (s = app_find(w, v->mv_data, v->mv_size, false)) == NULL ||
	    memcmp(s->status, k->mv_data, FD_STATUS_LABEL_LEN) != 0)
		return BAD(w, "a status label does not name its app");
	s->status_seen = true;
	return FD_OK;
}

static enum fd_err
check_tombstone(struct walk *w, const MDB_val *k, const MDB_val *v)
{
	char label[FD_LABEL_MAX + 1];

	if (!key_text(k, label, FD_LABEL_MAX) || !fd_group_label_valid(label))
		return BAD(w, "a key is not a group label");
	return FD_OK;
}

/* History rows are JSON, read with bounds by jansson: their keys here. */
static enum fd_err
check_history(struct walk *w, const MDB_val *k, const MDB_val *v)
{
	if (k->mv_size != sizeof(uint64_t) || v->mv_size < 2 ||
	    *(const char *)v->mv_data != '{')
		return BAD(w, "a row is malformed");
	return FD_OK;
}

/* app -> check (health.h): readable, of an app there is */
static enum fd_err
check_check(struct walk *w, const MDB_val *k, const MDB_val *v)
{
	struct fd_check ck;

	if (app_find(w, k->mv_data, k->mv_size, false) == NULL)
		return BAD(w, "a check is of an app that does not exist");
	if (fd_check_decode(v->mv_data, v->mv_size, &ck) != FD_OK)
		return BAD(w, "a check cannot be read");
	return FD_OK;
}

/* app -> health (health.h): readable, of an app there is */
static enum fd_err
check_health(struct walk *w, const MDB_val *k, const MDB_val *v)
{
	struct fd_health_rec h;

	if (app_find(w, k->mv_data, k->mv_size, false) == NULL)
		return BAD(w, "a health state is of an app that does not exist");
	if (fd_health_decode(v->mv_data, v->mv_size, &h) != FD_OK)
		return BAD(w, "a health state cannot be read");
	return FD_OK;
}

/* label -> policy (health.h): readable, of a group there is */
static enum fd_err
check_policy(struct walk *w, const MDB_val *k, const MDB_val *v)
{
	struct fd_policy p;
	MDB_val g = *k, gv;

	if (mdb_get(w->txn, w->dbi[FD_DB_GROUPS], &g, &gv) != 0)
		return BAD(w, "a policy is of a group that does not exist");
	if (fd_policy_decode(v->mv_data, v->mv_size, &p) != FD_OK)
		return BAD(w, "a policy cannot be read");
	return FD_OK;
}

/* Each health table: its walk, where messages say it is. */
static const struct {
	enum fd_store_db db;
	const char *where;
	enum fd_err (*fn)(struct walk *, const MDB_val *, const MDB_val *);
} health_walks[] = {
	{FD_DB_CHECKS, "checks", check_check},
	{FD_DB_HEALTH, "health", check_health},
	{FD_DB_POLICIES, "policies", check_policy},
};

/* app NUL label -> version, role (appindex.h) */
static enum fd_err
check_index(struct walk *w, const MDB_val *k, const MDB_val *v)
{
	const char *key = k->mv_data, *nul;
	const uint8_t *val = v->mv_data;
	char label[FD_LABEL_MAX + 1];
	MDB_val lk;

	if ((nul = memchr(key, '\0', k->mv_size)) == NULL ||
	    app_find(w, key, (size_t)(nul - key), false) == NULL)
		return BAD(w, "an entry names no app");
	lk.mv_data = (void *)(nul + 1);
	lk.mv_size = k->mv_size - (size_t)(nul - key) - 1;
	if (!key_text(&lk, label, FD_LABEL_MAX) ||
	    !fd_group_label_valid(label))
		return BAD(w, "an entry names no group label");
	if (v->mv_size != 2 || val[0] != FD_APPINDEX_VERSION ||
	    val[1] > FD_SIDE_BACKUP)
		return BAD(w, "an entry is malformed");
	return FD_OK;
}

/* schema, serial and identity from the meta table. */
static enum fd_err
read_meta(struct walk *w, struct fd_check_facts *f)
{
	MDB_val k, v;
	int rc;

	k.mv_size = 6;
	k.mv_data = "schema";
	if ((rc = mdb_get(w->txn, w->dbi[FD_DB_META], &k, &v)) != 0 ||
	    v.mv_size != sizeof(f->schema))
		return BAD(w, "no schema version");
	memcpy(&f->schema, v.mv_data, sizeof(f->schema));
	k.mv_data = "serial";
	if ((rc = mdb_get(w->txn, w->dbi[FD_DB_META], &k, &v)) != 0 ||
	    v.mv_size != sizeof(f->serial))
		return BAD(w, "no serial");
	memcpy(&f->serial, v.mv_data, sizeof(f->serial));
	k.mv_size = 2;
	k.mv_data = "id";
	rc = mdb_get(w->txn, w->dbi[FD_DB_META], &k, &v);
	if (rc == 0 && (v.mv_size != FD_STORE_ID_LEN))
		return BAD(w, "the store identity is malformed");
	if ((f->has_id = rc == 0))
		memcpy(f->id, v.mv_data, FD_STORE_ID_LEN);
	return FD_OK;
}

static enum fd_err
check_counts(struct walk *w)
{
	struct app_slot *s;

	for (s = w->apps; s != NULL && s <= w->apps + w->mask; s++) {
		if (s->name[0] == '\0')
			continue;
		if (s->ref_count != s->refs || s->active_count != s->actives)
			return BAD(w, "app %s: its record counts %u groups (%u "
			    "active), its groups say %u (%u)", s->name,
			    s->ref_count, s->active_count, s->refs, s->actives);
		if (!s->status_seen)
			return BAD(w, "app %s: its status label is missing",
			    s->name);
	}
	return FD_OK;
}

/* Walk the tables in dependency order (see the top). */
static enum fd_err
walk_all(struct walk *w, struct fd_check_facts *f)
{
	MDB_stat ms;
	size_t napps, n;
	enum fd_err err;

	w->where = "meta";
	if ((err = read_meta(w, f)) != FD_OK ||
	    (err = walk_table(w, w->dbi[FD_DB_META], check_any, NULL)) !=
	    FD_OK)
		return err;
	/* not damage: a store this flipdns does not know (store.c says) */
	if (f->schema == 0 || f->schema > FD_SCHEMA_VERSION) {
		log_warnx("store schema version %u, this flipdns reads %u",
		    f->schema, FD_SCHEMA_VERSION);
		return FD_EVERSION;
	}
	/* app_groups came with schema 2, tokens with 3, ... (store.c) */
	for (int i = 0; i < FD_DB_COUNT; i++)
		if (!w->have[i] && fd_store_db_since[i] != 0 &&
		    f->schema >= fd_store_db_since[i])
			return BAD(w, "table %s is missing",
			    fd_store_db_names[i]);
	w->where = "free list";
	if ((err = walk_table(w, FREE_DBI, check_free, NULL)) != FD_OK)
		return err;
	w->where = "apps";
	if (mdb_stat(w->txn, w->dbi[FD_DB_APPS], &ms) != 0)
		return BAD(w, "cannot be read");
	napps = (size_t)ms.ms_entries;
	for (n = 16; n < 2 * napps; n <<= 1)
		;
	if ((w->apps = calloc(n, sizeof(*w->apps))) == NULL)
		return BAD(w, "out of memory for %zu apps", napps);
	w->mask = n - 1;
	if ((err = walk_table(w, w->dbi[FD_DB_APPS], check_app, NULL)) !=
	    FD_OK)
		return err;
	w->where = "groups";
	if ((err = walk_table(w, w->dbi[FD_DB_GROUPS], check_group,
	    &w->groups)) != FD_OK)
		return err;
	w->where = "status";
	if ((err = walk_table(w, w->dbi[FD_DB_STATUS], check_status,
	    NULL)) != FD_OK)
		return err;
	w->where = "apps";
	if ((err = check_counts(w)) != FD_OK)
		return err;
	w->where = "tombstones";
	if ((err = walk_table(w, w->dbi[FD_DB_TOMBSTONES], check_tombstone,
	    NULL)) != FD_OK)
		return err;
	w->where = "history";
	if ((err = walk_table(w, w->dbi[FD_DB_HISTORY], check_history,
	    NULL)) != FD_OK)
		return err;
	/* tokens are read with bounds by the HTTP API: their pages here */
	w->where = "tokens";
	if (w->have[FD_DB_TOKENS] && (err = walk_table(w,
	    w->dbi[FD_DB_TOKENS], check_any, NULL)) != FD_OK)
		return err;
	/* the journal is read with bounds by transfers: its pages here */
	w->where = "journal";
	if (w->have[FD_DB_JOURNAL] && (err = walk_table(w,
	    w->dbi[FD_DB_JOURNAL], check_any, NULL)) != FD_OK)
		return err;
	for (size_t i = 0; i < sizeof(health_walks) / sizeof(health_walks[0]);
	    i++) {
		w->where = health_walks[i].where;
		if (w->have[health_walks[i].db] && (err = walk_table(w,
		    w->dbi[health_walks[i].db], health_walks[i].fn, NULL)) !=
		    FD_OK)
			return err;
	}
	if (!w->have[FD_DB_APP_GROUPS])
		return FD_OK;
	w->where = "app_groups";
	if ((err = walk_table(w, w->dbi[FD_DB_APP_GROUPS], check_index,
	    &n)) != FD_OK)
		return err;
	if (n != w->index_want)
		return BAD(w, "%zu entries, the groups name %zu apps", n,
		    w->index_want);
	return FD_OK;
}

/* Open every table by name in the walk's transaction, without creating. */
static enum fd_err
open_tables(struct walk *w)
{
	int i, rc;

	for (i = 0; i < FD_DB_COUNT; i++) {
		rc = mdb_dbi_open(w->txn, fd_store_db_names[i], 0, &w->dbi[i]);
		/*
		 * tables of later schemas: walk_all checks against it; the
		 * IXFR journal (of no schema), made by the first open that
		 * has zone transfers, may be missing from any older store
		 */
		if (rc == MDB_NOTFOUND && fd_store_db_since[i] != 1)
			continue;
		w->have[i] = rc == 0;
		if (rc == 0)
			rc = mdb_set_compare(w->txn, w->dbi[i],
			    fd_store_key_cmp);
		if (rc != 0)
			return BAD(w, "table %s: %s", fd_store_db_names[i],
			    rc == MDB_NOTFOUND ? "missing" : mdb_strerror(rc));
	}
	return FD_OK;
}

enum fd_err
fd_store_check(MDB_env *env, const char *dir, struct fd_check_facts *f)
{
	struct sigaction sa, old_bus, old_segv;
	struct timespec t0, t1;
	MDB_envinfo info;
	MDB_stat est;
	struct stat sb;
	struct walk w;
	uint64_t key[2], need;
	enum fd_err err;
	int fd, rc;

	memset(f, 0, sizeof(*f));
	memset(&w, 0, sizeof(w));
	w.where = FD_DATADIR_DATA;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	/* The file holds every page the meta page says is in use. */
	if (mdb_env_info(env, &info) != 0 || mdb_env_stat(env, &est) != 0 ||
	    mdb_env_get_fd(env, &fd) != 0 || fstat(fd, &sb) != 0) {
		err = BAD(&w, "it cannot be examined");
		goto out;
	}
	need = ((uint64_t)info.me_last_pgno + 1) * est.ms_psize;
	if ((uint64_t)sb.st_size < need) {
		err = BAD(&w, "the file is %lld bytes, but its pages in use "
		    "reach %llu: it was cut short", (long long)sb.st_size,
		    (unsigned long long)need);
		goto out;
	}
	if (fd_siphash_key(key) != FD_OK) {
		err = BAD(&w, "no random key for its table of apps");
		goto out;
	}
	w.k0 = key[0];
	w.k1 = key[1];
	w.last_pgno = info.me_last_pgno;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_fault;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGBUS, &sa, &old_bus);
	sigaction(SIGSEGV, &sa, &old_segv);
	if (sigsetjmp(fault_jmp, 1) != 0) {
		err = BAD(&w, "reading it faulted (signal %d): a page points "
		    "outside the file", (int)fault_sig);
		goto restore;
	}
	if ((rc = mdb_txn_begin(env, NULL, MDB_RDONLY, &w.txn)) != 0) {
		w.txn = NULL;
		err = BAD(&w, "%s", mdb_strerror(rc));
		goto restore;
	}
	if ((err = open_tables(&w)) == FD_OK)
		err = walk_all(&w, f);
restore:
	sigaction(SIGBUS, &old_bus, NULL);
	sigaction(SIGSEGV, &old_segv, NULL);
	if (w.cur != NULL)
		mdb_cursor_close(w.cur);
	if (w.txn != NULL)
		mdb_txn_abort(w.txn);
	free(w.apps);
out:
	clock_gettime(CLOCK_MONOTONIC, &t1);
	f->groups = w.groups;
	f->seconds = (double)(t1.tv_sec - t0.tv_sec) +
	    (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	if (err == FD_ESTORE)
		log_warnx("store %s is damaged: %s: %s; refusing to serve it: "
		    RESTORE_HINT, dir, w.where, w.why);
	return err;
}
