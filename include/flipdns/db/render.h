/*
 * render.h - apps and groups as JSON objects (jansson), the shapes of the
 * control protocol (README "Control protocol") and of history rows.
 * Control plane only: these allocate.  The caller owns the result.
 */
#ifndef FLIPDNS_RENDER_H
#define FLIPDNS_RENDER_H

#include <jansson.h>
#include <lmdb.h>

#include "flipdns/db/store.h"

json_t *fd_json_app(const struct fd_app_view *app, const char *origin);
json_t *fd_json_group(const struct fd_group_view *g, const char *origin);
/*
 * The same with what other tables hold about them, read in txn: an
 * app's "check" (null when none) and "health" (health.h), a group's
 * "policy".  The shapes `show`, `list` and history rows use.
 */
json_t *fd_json_app_full(const struct fd_store *st, MDB_txn *txn,
    const struct fd_app_view *app, const char *origin);
json_t *fd_json_group_full(const struct fd_store *st, MDB_txn *txn,
    const struct fd_group_view *g, const char *origin);

#endif
