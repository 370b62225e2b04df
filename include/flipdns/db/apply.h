/*
 * apply.h - the desired state of apps and groups, made so: `flipctl
 * apply FILE` and `flipctl diff FILE`.
 *
 * The file is the import format (import.h), with groups keyed by label,
 * so the same file can be kept in git and applied again:
 *
 *   apps:
 *     - {name: web1, cname: lb-1.example.com}
 *     - {name: web2, addrs: [192.0.2.10, "2001:db8::10"]}
 *     - {name: old, delete: true}
 *   groups:
 *     - {label: shop, primary: web1, backup: web2, ttl: 60}
 *     - {label: blog, primary: web2, backup: null}
 *     - {label: legacy, delete: true}
 *
 * What is missing is created, what differs is updated, everything else is
 * left as it is: an app or group the file does not name is never touched,
 * and nothing is deleted unless its entry says delete: true.  A key an
 * entry leaves out is left as it is in the store (a new group gets the
 * defaults: no app, zone.ttl, primary active); null clears an app side.
 * In particular active is changed only where the file says so, so
 * applying the file in the middle of an outage does not undo a switch.
 *
 * It runs as one change in the writer's transaction, all or nothing, each
 * step the change function the single commands use (every rule holds):
 *   1. groups that do not exist are created (empty, with their ttl), so
 *      an app's host name may name a group of the same file;
 *   2. apps are created or updated;
 *   3. groups get their apps, ttl and active side;
 *   4. groups marked delete are emptied and deleted (tombstoned);
 *   5. apps marked delete are removed.
 * One serial and one history row (op "apply") when anything changed;
 * when nothing differs, nothing is written: applying a file twice changes
 * nothing the second time.
 */
#ifndef FLIPDNS_APPLY_H
#define FLIPDNS_APPLY_H

#include <stdbool.h>
#include <stddef.h>
#include <jansson.h>

#include "flipdns/db/changes.h"

/* Steps listed in a plan at most; the counts count them all. */
#define FD_APPLY_PLAN_MAX 10000

struct fd_apply_result {
	/*
	 * The steps, in the order made: {"op": "create"|"update"|"delete",
	 * "app": NAME or "group": LABEL, "changes": {KEY: [before, after]}};
	 * a new array, the caller's to json_decref.
	 */
	json_t *plan;
	size_t created, updated, deleted, unchanged;
};

/*
 * Apply the YAML document buf (len bytes; name for error positions) in
 * change c.  With dry_run the steps are made in a transaction of their
 * own inside c's and undone: out->plan is exactly what an apply would do
 * now, every rule checked, and nothing is written.  On error c->msg says
 * "NAME:LINE:COL: what is wrong" for the entry at fault and the caller
 * aborts; out->plan is NULL then.
 */
enum fd_err fd_apply_yaml(struct fd_change *c, const char *name,
    const char *buf, size_t len, uint32_t default_ttl, bool dry_run,
    struct fd_apply_result *out);

#endif
