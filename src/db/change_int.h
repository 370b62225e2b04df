/*
 * change_int.h - what changes.c shares with the other change files of
 * db/ (changes_health.c): the end of every change, and the JSON shapes
 * of before and after (db/ internal).
 */
#ifndef FLIPDNS_DB_CHANGE_INT_H
#define FLIPDNS_DB_CHANGE_INT_H

#include <jansson.h>

#include "flipdns/db/changes.h"
#include "effects.h"

/* Start gathering what the change moves (nothing for an import's parts). */
void fd_change_effects_begin(struct fd_change *c, struct fd_effects *fx);
/*
 * The end of every change: serial, history row (with c->evidence, if
 * any), touched names.  Takes before and after, frees fx.
 */
enum fd_err fd_change_record(struct fd_change *c, const char *op,
    const char *subject, json_t *before, json_t *after,
    struct fd_effects *fx);
/* The app as stored now in c's transaction (NULL in an import). */
json_t *fd_change_app_json(struct fd_change *c, const char *name);

/*
 * changes_health.c, for changes.c: an app removed takes its check and
 * health with it, a group deleted its policy; a group set may write the
 * policy (the default policy is stored as no record).
 */
enum fd_err fd_change_app_forget_health(struct fd_change *c,
    const char *name);
enum fd_err fd_change_policy_put(struct fd_change *c, const char *label,
    const struct fd_policy *p);

#endif
