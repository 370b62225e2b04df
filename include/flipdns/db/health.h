/*
 * health.h - what health checking keeps in the store: each app's check,
 * each app's health state, each group's failover policy, and the rule
 * that decides an automatic switch from them.
 *
 * Three tables, each record starting with a format version byte:
 *   checks    app name    -> the app's check (at most one per app)
 *   health    app name    -> its state (up, down; absent: unknown), since
 *                            when, and the evidence of the last transition
 *   policies  group label -> its policy (absent: manual, the default)
 * The change functions (changes.h) keep them: an app's check and health
 * go with the app, a group's policy with the group.
 *
 * Only transitions are written: the prober (daemon/prober.c) counts
 * probe results in memory and reports an app's state when it changes, so
 * a flapping check costs a write per transition at most, never per probe.
 * States survive a restart; the daemon decides nothing from them until
 * fresh evidence confirms them (daemon/health.c).
 */
#ifndef FLIPDNS_DB_HEALTH_H
#define FLIPDNS_DB_HEALTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>
#include <lmdb.h>

#include "flipdns/db/store.h"

#define FD_CHECK_VERSION   1
#define FD_HEALTH_VERSION  1
#define FD_POLICY_VERSION  1

enum fd_check_type { FD_CHECK_NONE = 0, FD_CHECK_TCP, FD_CHECK_HTTP,
    FD_CHECK_HTTPS };

/*
 * Limits of a check, each with its reason:
 *  - a path is one request line's target, short for a health URL; 255
 *    keeps its length in one byte;
 *  - expected codes: a few ranges ("200-299,301,302") say any sane
 *    rule; 8 of them fit a small fixed array;
 *  - the body substring is matched in the first FD_CHECK_READ_MAX bytes
 *    of the answer: a health page is small, and reading no more bounds
 *    what a broken endpoint can make the prober hold;
 *  - interval at most an hour: a check older than that says nothing about
 *    now; the least is health.min_interval (1 s unless a test lowers it);
 *  - timeout at most the interval, so one probe per endpoint is in
 *    flight at a time, and at least 10 ms (below it a loopback TLS
 *    handshake does not finish);
 *  - fall and rise 1..100: past 100 probes, detection takes longer than
 *    anyone would wait.
 */
#define FD_CHECK_PATH_MAX      255
#define FD_CHECK_BODY_MAX      255
#define FD_CHECK_EXPECT_MAX    8
#define FD_CHECK_READ_MAX      65536
#define FD_CHECK_INTERVAL_MAX  3600000u   /* ms */
#define FD_CHECK_TIMEOUT_MIN   10u        /* ms */
#define FD_CHECK_RUN_MAX       100
/* The defaults: detection in fall x interval + timeout = 17 s. */
#define FD_CHECK_INTERVAL_DEFAULT 5000u
#define FD_CHECK_TIMEOUT_DEFAULT  2000u
#define FD_CHECK_FALL_DEFAULT     3
#define FD_CHECK_RISE_DEFAULT     2

struct fd_check_range {
	uint16_t lo, hi;
};

struct fd_check {
	enum fd_check_type type;     /* FD_CHECK_NONE: no check */
	uint16_t port;
	uint32_t interval_ms, timeout_ms;
	uint8_t fall, rise;
	uint8_t n_expect;            /* 0: 200-399 (http, https) */
	struct fd_check_range expect[FD_CHECK_EXPECT_MAX];
	char path[FD_CHECK_PATH_MAX + 1];    /* "" is "/" */
	char host[FD_DNAME_TEXT_MAX];        /* Host and SNI; "" none given */
	char body[FD_CHECK_BODY_MAX + 1];    /* "" no body check */
};

/* Every field at its default, type none. */
void fd_check_defaults(struct fd_check *ck);
/*
 * For a check given without a timeout, once its interval is set: the
 * default timeout, or the interval when that is shorter.
 */
void fd_check_default_timeout(struct fd_check *ck);
const char *fd_check_type_name(enum fd_check_type t);

/*
 * Set one field from its text, as `flipctl app check` options and import
 * files give it: type, port, path, host, expect, body, interval, timeout
 * (seconds, decimals allowed: "0.2"), fall, rise.  FD_EINVAL with msg
 * for a bad value, FD_ENOTFOUND for a field that does not exist.
 */
enum fd_err fd_check_set(struct fd_check *ck, const char *field,
    const char *value, char *msg, size_t msglen);
/* The field names fd_check_set takes, NULL-terminated. */
extern const char *const fd_check_fields[];
/*
 * The rules across fields (type-specific fields, port given, timeout
 * within interval, interval at least min_interval_ms).  FD_EINVAL with
 * msg.
 */
enum fd_err fd_check_validate(const struct fd_check *ck,
    uint32_t min_interval_ms, char *msg, size_t msglen);
/* Is HTTP status code in the check's expected codes? */
bool fd_check_expects(const struct fd_check *ck, unsigned code);
/* "200-299,301" */
void fd_check_expect_text(const struct fd_check *ck, char *buf, size_t len);
bool fd_check_equal(const struct fd_check *a, const struct fd_check *b);
/* The check as JSON ({"type": ..., ...}), for show, history and webhooks. */
json_t *fd_check_json(const struct fd_check *ck);

/* Record codecs: 0 when it does not fit; FD_EVERSION for a bad record. */
size_t fd_check_encode(uint8_t *buf, size_t cap, const struct fd_check *ck);
enum fd_err fd_check_decode(const void *data, size_t len,
    struct fd_check *out);
/* The app's check; FD_ENOTFOUND when it has none. */
enum fd_err fd_check_get(const struct fd_store *st, MDB_txn *txn,
    const char *app, size_t len, struct fd_check *out);

/* An app's health. */
enum fd_health_state { FD_HEALTH_UNKNOWN = 0, FD_HEALTH_UP, FD_HEALTH_DOWN };
const char *fd_health_name(enum fd_health_state h);

/* The evidence of a transition, as a person reads it: one line. */
#define FD_HEALTH_WHY_MAX 400
struct fd_health_rec {
	enum fd_health_state state;
	uint64_t since;              /* unix seconds of the transition */
	char why[FD_HEALTH_WHY_MAX + 1];
};
size_t fd_health_encode(uint8_t *buf, size_t cap,
    const struct fd_health_rec *h);
enum fd_err fd_health_decode(const void *data, size_t len,
    struct fd_health_rec *out);
/* The app's stored health; unknown (and FD_OK) when none is stored. */
enum fd_err fd_health_get(const struct fd_store *st, MDB_txn *txn,
    const char *app, size_t len, struct fd_health_rec *out);
/* {"state", "since", "why"}, or null for unknown. */
json_t *fd_health_json(const struct fd_health_rec *h);

/* A group's failover policy (README "Health checks"). */
enum fd_policy_mode { FD_POLICY_MANUAL = 0, FD_POLICY_AUTO };
enum fd_both_down { FD_BOTH_DOWN_KEEP = 0, FD_BOTH_DOWN_PRIMARY };
/*
 * Failback waits this long by default: a primary that has stayed up for
 * five minutes has outlived a restart loop or a flapping link, and
 * sticky is the default anyway (failback is off unless asked for).
 */
#define FD_POLICY_HOLD_DEFAULT 300
/* A day: past it failback is as good as off, and "off" says that better. */
#define FD_POLICY_HOLD_MAX 86400
struct fd_policy {
	enum fd_policy_mode mode;
	bool failback;
	uint32_t hold;               /* seconds */
	enum fd_both_down both_down;
};
void fd_policy_defaults(struct fd_policy *p);
bool fd_policy_equal(const struct fd_policy *a, const struct fd_policy *b);
size_t fd_policy_encode(uint8_t *buf, size_t cap, const struct fd_policy *p);
enum fd_err fd_policy_decode(const void *data, size_t len,
    struct fd_policy *out);
/* The group's policy; the default (manual, FD_OK) when none is stored. */
enum fd_err fd_policy_get(const struct fd_store *st, MDB_txn *txn,
    const char *label, size_t len, struct fd_policy *out);
json_t *fd_policy_json(const struct fd_policy *p);
/* Names as the protocol and import files spell them; false if unknown. */
bool fd_policy_mode_parse(const char *s, enum fd_policy_mode *out);
bool fd_both_down_parse(const char *s, enum fd_both_down *out);

/*
 * The decision for one group: switch to a side, or not, and why.  The
 * rule (README "Health checks", and the truth table in policy.c):
 * manual never switches; auto switches away from an active side that is
 * down when the other side is up; when both are down it keeps the group
 * where it is, or (both_down primary) returns it to primary; failback
 * returns it from backup to a primary that has been up for hold seconds.
 * Unknown is neither up nor down: it never causes a switch, and never
 * counts as the "up" side to switch to.
 */
struct fd_side_health {
	bool present;                /* the side names an app */
	enum fd_health_state state;        /* unknown unless confirmed fresh */
	uint64_t since;
};
struct fd_decision {
	int to;                      /* -1: stay; else enum fd_side */
	uint64_t retry_at;           /* failback waiting: decide again then */
	char why[160];
};
void fd_policy_decide(const struct fd_policy *p, enum fd_side active,
    const struct fd_side_health *primary, const struct fd_side_health *backup,
    uint64_t now, struct fd_decision *d);

#endif
