/*
 * config_parse.h - what config.c and config_values.c share (internal).
 *
 * config.c holds the schema (a struct key row per config key) and walks
 * the YAML mappings against it; config_values.c turns the value node of
 * one row into the typed field the row names.  They meet here: the row,
 * the parse context, the setter contract, and the helpers both use to
 * read nodes and to report errors as FILE:LINE:COL.
 */
#ifndef FLIPDNS_CONFIG_PARSE_H
#define FLIPDNS_CONFIG_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <yaml.h>

#include "flipdns/conf/config.h"
#include "flipdns/util/error.h"

/* Size units: the schema's ranges and the setters' range messages. */
#define KiB		(UINT64_C(1) << 10)
#define MiB		(UINT64_C(1) << 20)
#define GiB		(UINT64_C(1) << 30)
#define TiB		(UINT64_C(1) << 40)

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

enum ktype {
	T_STR,
	T_USER,		/* string naming an existing user, or "" */
	T_DNAME,
	T_U32,		/* stored by field width: uint16_t, uint32_t, int */
	T_BOOL,
	T_SIZE,		/* bytes with optional K/M/G/T suffix */
	T_IPS,		/* list of IP literals */
	T_LISTEN,	/* list of address[:port] */
	T_UIDS,		/* list of uids or user names */
	T_GIDS,		/* list of gids or group names */
	T_GID,		/* one gid or group name */
	T_MODE,		/* file permission bits in octal, e.g. 0660 */
	T_NSLIST,	/* list of {name, addresses} */
	T_LOGLEVEL,	/* debug, info, warning, error (log.h) */
	T_ADDRPORT,	/* one address[:port], as a listen entry */
	T_PREFIX,	/* ADDR or ADDR/BITS */
	T_XFR_ALLOW,	/* list of {from, key} */
	T_NOTIFY,	/* list of {to, key} */
	T_SECONDS,	/* seconds with decimals, stored as milliseconds */
	T_URLS,		/* list of http:// or https:// URLs */
};

#define K_REQUIRED	0x1
#define K_HOSTNAME	0x2	/* strings: the default is the host's name */

/*
 * One schema row.  Paths are dotted and relative to the table's root.
 * min/max bound the number for T_U32 and T_SIZE, the length for strings,
 * the entry count for lists (whose capacity is size / element size).
 */
struct key {
	const char *path;
	enum ktype type;
	unsigned flags;
	uint64_t min, max;
	uint64_t def;		/* numbers and bools */
	const char *sdef;	/* strings; NULL leaves "" */
	size_t off;		/* field in the base struct */
	size_t size;		/* sizeof that field */
	size_t off_n;		/* lists: their int entry count */
};

struct ctx {
	const char *name;		/* file name for messages */
	char *err;
	size_t errlen;
	yaml_document_t *doc;
	struct fd_config *cfg;
	yaml_mark_t ns_mark[FD_CONF_MAX_NS];	/* for the glue check */
	/* where each transfer entry names its key, for the key check */
	yaml_mark_t allow_key_mark[FD_CONF_MAX_XFR_ALLOW];
	yaml_mark_t notify_key_mark[FD_CONF_MAX_NOTIFY];
	yaml_mark_t keys_mark;			/* transfer.keys */
	yaml_mark_t source_mark;		/* transfer.notify_source */
	yaml_mark_t webhooks_mark;	/* for the secret check */
};

/*
 * A setter converts one scalar value, or one list entry, into dst.  path
 * is the key as shown in messages; idx is the list index (0 otherwise).
 */
typedef enum fd_err (*setter)(struct ctx *, const struct key *,
    const char *path, yaml_node_t *, void *dst, int idx);

/*
 * Write "NAME:LINE:COL: message" for mark m into c->err; returns
 * FD_ECONFIG so that callers can return it.
 */
enum fd_err	cfg_err(struct ctx *c, const yaml_mark_t *m, const char *fmt,
		    ...) __attribute__((format(printf, 3, 4)));

/* "scalar", "list", "mapping" or "nothing", for messages. */
const char	*cfg_node_kind(yaml_node_type_t t);

yaml_node_t	*cfg_node(struct ctx *c, int id);

/* The scalar's text; a "\0" escape would silently cut it, so refuse it. */
enum fd_err	cfg_scalar(struct ctx *c, const char *path, yaml_node_t *n,
		    const char **out);

/*
 * Store value n of row k into base: check the node type, then run the
 * row type's setter once or per list entry (config_values.c).
 */
enum fd_err	cfg_set_value(struct ctx *c, const struct key *k,
		    const char *path, yaml_node_t *n, void *base);

/* Write row k's default into its field of base (config_values.c). */
void		cfg_set_default(const struct key *k, void *base);

/* Entries a list row holds (0 for a single value); config_values.c. */
size_t		cfg_list_capacity(const struct key *k);
/* Does row k hold a number (or bool), defaulting to def?  config_values.c. */
bool		cfg_is_number(const struct key *k);

/*
 * The schema: the top-level rows, and those of one zone.nameservers
 * entry (config.c), for the documentation (config_doc.c).
 */
const struct key *cfg_schema(size_t *n, const struct key **ns, size_t *nns);
/* The keys of one entry of a list of mappings of type t; NULL otherwise. */
const struct key *cfg_entry_schema(enum ktype t, size_t *n);

/*
 * The setter of one zone.nameservers entry.  It lives in config.c, with
 * the walker and ns_keys[], because an entry is a mapping walked against
 * its own schema table.
 */
enum fd_err	cfg_set_ns(struct ctx *c, const struct key *k,
		    const char *path, yaml_node_t *n, void *dst, int idx);
/* The same for transfer.allow and transfer.notify entries. */
enum fd_err	cfg_set_xfr_allow(struct ctx *c, const struct key *k,
		    const char *path, yaml_node_t *n, void *dst, int idx);
enum fd_err	cfg_set_notify(struct ctx *c, const struct key *k,
		    const char *path, yaml_node_t *n, void *dst, int idx);

#endif
