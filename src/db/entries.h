/*
 * entries.h - the entries of an import or apply file, one at a time
 * (db/ internal; import.c and apply.c read their files with it).
 *
 *   apps:
 *     - {name: web1, cname: lb-1.example.com}
 *     - {name: web2, addrs: [192.0.2.10, "2001:db8::10"]}
 *   groups:
 *     - {label: shop, primary: web1, backup: web2, active: backup, ttl: 60}
 *
 * An import also takes an app's check (a mapping of `flipctl app check`'s
 * fields: check: {type: http, port: 80}) and a group's policy (policy,
 * failback, hold, both_down); an apply does not (yet): its entries are
 * the desired state, and compared field by field.
 *
 * Read as a stream of libyaml events (a million groups would not fit a
 * document tree); apps: and groups: may come in any order, and more than
 * once.  Which keys an entry may have is the table in entries.c; a value
 * is checked only for its shape here (a scalar, a list of addresses, a
 * boolean), the rules are the change functions'.  Every error names its
 * place: "NAME:LINE:COL: what is wrong", in c->msg.
 */
#ifndef FLIPDNS_DB_ENTRIES_H
#define FLIPDNS_DB_ENTRIES_H

#include <stdbool.h>
#include <yaml.h>

#include "flipdns/db/changes.h"

/* The keys, as bits of fd_entry.has and .null. */
enum fd_entry_key {
	FD_KEY_NAME, FD_KEY_CNAME, FD_KEY_ADDRS, FD_KEY_LABEL, FD_KEY_PRIMARY,
	FD_KEY_BACKUP, FD_KEY_ACTIVE, FD_KEY_TTL, FD_KEY_DELETE,
	FD_KEY_CHECK, FD_KEY_POLICY, FD_KEY_FAILBACK, FD_KEY_HOLD,
	FD_KEY_BOTH_DOWN
};
#define FD_KEY(k) (1u << FD_KEY_##k)

struct fd_entry {
	bool is_app;               /* from apps:, else from groups: */
	unsigned has;              /* keys given */
	unsigned null;             /* keys given as YAML null (~, null) */
	char name[FD_APP_NAME_MAX + 2];
	char cname[FD_DNAME_TEXT_MAX];
	char label[FD_LABEL_MAX + 2];
	char primary[FD_APP_NAME_MAX + 2];
	char backup[FD_APP_NAME_MAX + 2];
	char active[16];
	char ttl[16];
	bool del;                  /* delete: true */
	char policy[16], failback[8], hold[16], both_down[16];
	struct fd_endpoints ep;    /* addrs, parsed and checked */
	struct fd_check check;     /* check, parsed (fd_check_set) */
	yaml_mark_t mark;          /* where the entry starts */
};

struct fd_entries {
	struct fd_change *c;       /* its msg gets the errors */
	const char *name;          /* the file's, for positions */
	yaml_parser_t parser;
	yaml_event_t ev;
	bool have_ev;
	bool in_list;              /* inside apps: [...] or groups: [...] */
	bool is_app;
	bool allow_delete;         /* delete: is a key (apply, not import) */
	bool done;
};

/* Start reading buf (len bytes); FD_ENOMEM, or a YAML error reported. */
enum fd_err fd_entries_open(struct fd_entries *r, struct fd_change *c,
    const char *name, const char *buf, size_t len, bool allow_delete);
/* The next entry into e; FD_ENOTFOUND after the last one. */
enum fd_err fd_entries_next(struct fd_entries *r, struct fd_entry *e);
void fd_entries_close(struct fd_entries *r);

/* Report "NAME:LINE:COL: what" at mark into c->msg; returns err. */
enum fd_err fd_entries_fail(struct fd_entries *r, yaml_mark_t mark,
    enum fd_err err, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/*
 * An entry's ttl, checked against FD_TTL_MAX (0 is left to the change,
 * which knows zone.allow_zero_ttl); an entry without ttl gives
 * default_ttl and *given false.
 */
enum fd_err fd_entry_ttl(struct fd_entries *r, const struct fd_entry *e,
    uint32_t default_ttl, bool *given, uint32_t *ttl);
/* An entry's active: FD_SWITCH_PRIMARY unless it says backup. */
enum fd_err fd_entry_active(struct fd_entries *r, const struct fd_entry *e,
    enum fd_switch_to *to);
/* An app entry's endpoints into e->ep: its cname or its addrs. */
enum fd_err fd_entry_endpoints(struct fd_entries *r, struct fd_entry *e);
/*
 * A group entry's policy into *p (the defaults for what it does not
 * say), *given false when it has none; failback, hold and both_down
 * without policy are refused.
 */
enum fd_err fd_entry_policy(struct fd_entries *r, const struct fd_entry *e,
    struct fd_policy *p, bool *given);

#endif
