/*
 * cnames.h - the rules for an app whose host name is inside our own zone
 * (db/ internal; changes.c calls them).
 *
 * A CNAME into the zone is answered by following it (answer.c, up to 8
 * links), so two mistakes would break customers silently: a target that
 * does not exist (the chain ends in NXDOMAIN) and a loop (group shop ->
 * app x -> shop.<origin> -> ...).  The edges followed are group -> each of
 * its apps (both sides: a loop through the backup would appear at the
 * next switch, in an outage, when no one should meet a refusal) -> the
 * group its host name names.  Since every change is checked, the store
 * never holds a loop, so a walk from the thing that changed finds any
 * loop the change would make.
 *
 * What exists follows the record model (records.h): the apex, a group
 * label in the table, and names in the subtree of a label that an
 * in-zone name reserves (a nameserver, _status: the change does not know
 * each of those names, so they are taken as they are; a status name is
 * no host name anyway, its '_' is refused first).
 */
#ifndef FLIPDNS_DB_CNAMES_H
#define FLIPDNS_DB_CNAMES_H

#include "flipdns/db/changes.h"

/*
 * Groups one walk visits at most: far beyond any sane chain (the answer
 * follows 8 links); past it the change is refused rather than the writer
 * held by a walk over a pathological store.
 */
#define FD_CNAME_WALK_MAX 1024

/* An app's new endpoints ep: refused when its host name is in the zone
 * and names nothing there. */
enum fd_err fd_cname_target_exists(struct fd_change *c, const char *app,
    const struct fd_endpoints *ep);
/* Group label as now written: refused when its apps lead back to it. */
enum fd_err fd_cname_loop_from_group(struct fd_change *c, const char *label);
/* App as now written: refused when its host name leads back to it. */
enum fd_err fd_cname_loop_from_app(struct fd_change *c, const char *app);
/* Group label is going away: refused while an app's host name names it. */
enum fd_err fd_cname_unreferenced(struct fd_change *c, const char *label);

/* Is label taken by an in-zone name (changes.c)? */
bool fd_change_label_reserved(const struct fd_change *c, const char *label);

#endif
