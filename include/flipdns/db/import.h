/*
 * import.h - bulk creation of apps and groups from a YAML document:
 *
 *   apps:
 *     - {name: web1, cname: lb-1.example.com}
 *     - {name: web2, addrs: [192.0.2.10, "2001:db8::10"],
 *        check: {type: http, port: 80, path: /health, interval: 2}}
 *   groups:
 *     - {primary: web1, backup: web2}
 *     - {label: shop, primary: web1, backup: web2, active: backup, ttl: 60,
 *        policy: auto, failback: true, hold: 600, both_down: keep}
 *
 * An app's check takes the fields of `flipctl app check` (health.h),
 * checked against min_interval_ms (health.min_interval).
 *
 * Read as a stream of libyaml events (a million groups would not fit a
 * document tree), in order: a group names apps from earlier in the file or
 * already in the store.  Every entry goes through the same change
 * functions as a single command, so every rule holds; the whole import is
 * one transaction with one serial bump and one history row.
 */
#ifndef FLIPDNS_IMPORT_H
#define FLIPDNS_IMPORT_H

#include <stddef.h>

#include "flipdns/db/changes.h"

/*
 * On error c->msg holds "NAME:LINE:COL: what is wrong" for the first bad
 * entry and the caller aborts the transaction.
 */
enum fd_err fd_import_yaml(struct fd_change *c, const char *name,
    const char *buf, size_t len, uint32_t default_ttl,
    uint32_t min_interval_ms, size_t *napps, size_t *ngroups);

#endif
