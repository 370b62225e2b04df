/*
 * changes.h - every change to the table, with the rules that guard it.
 *
 * Each function runs inside the caller's write transaction and either
 * makes the whole change (records, app counters, the app-to-groups index,
 * zone serial, one history row, the touched names) or returns an error
 * having written nothing the caller would keep: the caller aborts the
 * transaction on any error.  On error, c->msg names what is wrong in
 * words a user can act on.
 *
 * Rules enforced here (README "Behaviour"):
 *  - a group has no app, a primary alone, or both; never a backup alone;
 *    primary and backup differ;
 *  - switching to an empty side is refused; a change that empties the
 *    active side returns it to primary;
 *  - a group is deleted only when it points at no app, and its label is
 *    tombstoned forever; labels are never reissued;
 *  - an app is removed only when no group points at it (the refusal
 *    names the first few groups that do);
 *  - a TTL is 0..FD_TTL_MAX, and 0 only with allow_zero_ttl;
 *  - an app's host name inside the zone names something that exists
 *    there, and no host name makes a loop through the zone's groups; a
 *    group an app's host name names is not deleted (cnames.h).
 */
#ifndef FLIPDNS_CHANGES_H
#define FLIPDNS_CHANGES_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <jansson.h>
#include <lmdb.h>

#include "flipdns/conf/config.h"    /* FD_TTL_MAX */
#include "flipdns/db/health.h"
#include "flipdns/db/store.h"


/*
 * Names in one change's touched list before it becomes true (the whole
 * zone): the list stays bounded (some hundreds of KB of JSON) however
 * large the change, an import of a million groups included, and a hook
 * handed ten thousand names does about the work of a pass over the zone
 * anyway.
 */
#define FD_TOUCHED_MAX 10000

/*
 * Who made a change, for history and logs: a local user (name and uid, from
 * the control socket's peer credentials), or a source inside the daemon
 * ("health", "import", "reload") with uid FD_ACTOR_NO_UID.
 */
#define FD_ACTOR_NO_UID ((uid_t)-1)
#define FD_ACTOR_NAME_MAX 64
struct fd_actor {
	char name[FD_ACTOR_NAME_MAX];
	uid_t uid;
};

struct fd_change {
	struct fd_store *st;
	MDB_txn *txn;          /* a write transaction */
	struct fd_actor actor; /* who asked, for history */
	uint64_t now;          /* unix seconds, for created/updated/history */
	const char *origin;    /* zone origin text, trailing dot */
	/* labels taken by in-zone names (nameservers, "_status") */
	const char *const *reserved;
	int n_reserved;
	bool allow_zero_ttl;   /* zone.allow_zero_ttl: a TTL of 0 is allowed */
	bool bulk;             /* part of an import: no per-change history
	                          row, serial or touched; the import writes
	                          them once */
	uint32_t serial;       /* out: the zone serial after the change */
	bool changed;          /* out: false when the request was a no-op */
	/*
	 * out: wrote bookkeeping that is not a change of the zone (a token's
	 * last use): committed, but no history row, serial or hook.
	 */
	bool quiet;
	/*
	 * out: the names whose records the change altered, relative to the
	 * origin ("k3x9q2m7ab4c", "<status label>._status"), as a JSON array
	 * of strings, created on first use and owned by the caller (who
	 * json_decref()s it).  The writer hands them to its post-commit hooks
	 * (NOTIFY, IXFR, logs, metrics).  NULL when nothing changed.
	 * They are the labels in the history row's "moved", the status names
	 * of apps whose FAILOVER_STATUS changed, and those of apps added or
	 * removed; the apex SOA (its serial) changes with every change and is
	 * not listed.  Past FD_TOUCHED_MAX names (an import of many groups,
	 * an app set of an app active in very many) touched is JSON true:
	 * "the whole zone may have changed", and hooks act as for a new zone
	 * (IXFR answers with the whole zone, as RFC 1995 section 4 allows).
	 * A change made into a c whose touched is already set adds to it.
	 */
	json_t *touched;
	/*
	 * in: why a source inside the daemon makes the change (health: the
	 * policy's reason and each side's checks), written into the history
	 * row as "evidence"; NULL for none.  The caller keeps its reference.
	 */
	json_t *evidence;
	char msg[640];         /* out: what is wrong, on error */
};

/* Side selector for fd_change_group_switch. */
enum fd_switch_to { FD_SWITCH_TOGGLE = -1, FD_SWITCH_PRIMARY = 0,
    FD_SWITCH_BACKUP = 1 };

/* An optional app reference in group_set: keep, set to none, or set. */
struct fd_app_ref {
	bool given;            /* false: leave as is */
	const char *name;      /* NULL with given: none */
};

enum fd_err fd_change_app_add(struct fd_change *c, const char *name,
    const struct fd_endpoints *ep);
enum fd_err fd_change_app_set(struct fd_change *c, const char *name,
    const struct fd_endpoints *ep);
enum fd_err fd_change_app_remove(struct fd_change *c, const char *name);

/*
 * label NULL: a fresh random label.  primary/backup may be NULL.
 * ttl_given false: the zone default ttl.  The new label is written to
 * label_out (FD_LABEL_MAX + 1 bytes).
 */
enum fd_err fd_change_group_create(struct fd_change *c, const char *label,
    const char *primary, const char *backup, bool ttl_given, uint32_t ttl,
    uint32_t default_ttl, char *label_out);
enum fd_err fd_change_group_set(struct fd_change *c, const char *label,
    struct fd_app_ref primary, struct fd_app_ref backup, bool ttl_given,
    uint32_t ttl);
/*
 * The same, also setting the group's failover policy (health.h) when
 * policy is not NULL: one change, one history row, whose before and
 * after show the policy.
 */
enum fd_err fd_change_group_set_policy(struct fd_change *c, const char *label,
    struct fd_app_ref primary, struct fd_app_ref backup, bool ttl_given,
    uint32_t ttl, const struct fd_policy *policy);
enum fd_err fd_change_group_switch(struct fd_change *c, const char *label,
    enum fd_switch_to to);
enum fd_err fd_change_group_delete(struct fd_change *c, const char *label);

/*
 * App failover (failover.c): every group that follows app is switched as
 * group switch would, in this one change (one serial, one history row
 * "app.failover", none when nothing moved).  to FD_SWITCH_TOGGLE: each
 * group whose active side is app goes to its other side; to a side: each
 * group app is in goes to that side.  A group whose target side has no
 * app stays, and is listed in out->stayed with why.  out's arrays are
 * new ({label, active} and {label, reason}, at most FD_TOUCHED_MAX
 * each; the counts count all), the caller's to json_decref, and NULL on
 * error.  FD_ENOTFOUND when there is no such app.
 */
struct fd_failover {
	json_t *switched;
	json_t *stayed;
	size_t nswitched, nstayed;
};
enum fd_err fd_change_app_failover(struct fd_change *c, const char *app,
    enum fd_switch_to to, struct fd_failover *out);

/*
 * Health (changes_health.c; health.h).
 *
 * Set an app's check (type none: remove it, and its health with it); a
 * check equal to the stored one is a no-op.  The check must pass
 * fd_check_validate with min_interval_ms.  History op "app.check".
 */
enum fd_err fd_change_app_check(struct fd_change *c, const char *name,
    const struct fd_check *ck, uint32_t min_interval_ms);
/*
 * Record a transition of the app's health to state (up or down), with
 * the evidence why (one line).  The same state as stored is a no-op, so
 * only transitions are written.  Refused (FD_EREFUSED) when the app has
 * no check any more: a late report of a removed check.  History op
 * "app.health".
 */
enum fd_err fd_change_app_health(struct fd_change *c, const char *name,
    enum fd_health_state state, const char *why);
/*
 * May app's stored health state be acted on?  The daemon trusts a stored
 * state only once fresh probes have confirmed it (after a restart, or a
 * changed check), so a restart never switches anything by itself.
 */
typedef bool (*fd_fresh_fn)(void *arg, const char *app,
    enum fd_health_state stored);
/*
 * Apply group label's policy to its sides' health now: switch it (a
 * group.switch with c->actor, and the evidence in its history row) when
 * fd_policy_decide says so, else nothing.  A group that is gone, or
 * manual, is a no-op.  *d gets the decision (d->retry_at: failback is
 * waiting for its hold).
 */
enum fd_err fd_change_health_decide(struct fd_change *c, const char *label,
    fd_fresh_fn fresh, void *arg, struct fd_decision *d);

/*
 * Endpoint parsing (endpoints.c), for the commands and the import.
 * FD_EINVAL with msg saying why for what no client could use: a host
 * name that is an IP address or a single label; an address that is
 * unspecified (0.0.0.0/8, ::), multicast, broadcast or IPv4-mapped.
 */
enum fd_err fd_endpoints_cname(struct fd_endpoints *ep, const char *host,
    char *msg, size_t msglen);
void fd_endpoints_clear_addrs(struct fd_endpoints *ep);
enum fd_err fd_endpoints_add_addr(struct fd_endpoints *ep, const char *ip,
    char *msg, size_t msglen);
/*
 * Is the address (af AF_INET or AF_INET6, 4 or 16 bytes) one that only
 * some clients can reach (loopback, private, shared, link-local)?  Then
 * true, with "ADDRESS is ...: why" in msg, for a warning to the user.
 */
bool fd_addr_warning(int af, const uint8_t *bytes, char *msg,
    size_t msglen);
/* Do a and b answer the same (the bytes in use compared)? */
bool fd_endpoints_equal(const struct fd_endpoints *a,
    const struct fd_endpoints *b);
/* A stored app's endpoints, copied out of LMDB's memory. */
void fd_endpoints_of(const struct fd_app_view *v, struct fd_endpoints *ep);

#endif
