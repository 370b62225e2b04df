/*
 * config.h - flipdnsd's configuration, parsed from YAML with libyaml.
 *
 * The parser is table-driven (a row per key: name, type, range, default)
 * and strict: unknown keys, wrong types, bad names or addresses and
 * out-of-range numbers are errors reported as "FILE:LINE:COL: message".
 * It never exits: a reload with a bad file keeps the old configuration.
 * Relative paths (storage.path, control.socket) are kept as written and
 * resolve against the daemon's working directory.
 */
#ifndef FLIPDNS_CONFIG_H
#define FLIPDNS_CONFIG_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stddef.h>
#include <limits.h>
#include <sys/socket.h>
#include <sys/types.h>

#include "flipdns/util/error.h"
#include "flipdns/util/log.h"
#include "flipdns/util/names.h"

/* Limits: a zone has a handful of nameservers; these bound fixed arrays. */
#define FD_CONF_MAX_NS        8
#define FD_CONF_MAX_NS_ADDRS  8
#define FD_CONF_MAX_LISTEN    16
#define FD_CONF_MAX_IDS       32
/* A resolver list, as resolv.conf's: more than a few is never needed. */
#define FD_CONF_MAX_RESOLVERS 8
/* Webhook receivers: a handful of endpoints (chat, paging, a log). */
#define FD_CONF_MAX_WEBHOOKS  8
/* A URL with a token in its query fits in this; longer is a mistake. */
#define FD_CONF_URL_MAX       512
/* An HMAC key longer than SHA-256's block (64) is hashed first anyway. */
#define FD_CONF_SECRET_MAX    256

/* control.socket_group not given: no gid is (gid_t)-1 (chown's "keep"). */
#define FD_CONF_GID_UNSET UINT32_MAX

struct fd_ipaddr {
	int family;          /* AF_INET or AF_INET6 */
	uint8_t bytes[16];   /* 4 or 16 bytes used, network order */
};

struct fd_conf_ns {
	char name[FD_DNAME_TEXT_MAX];        /* lower case, absolute, trailing dot */
	int naddrs;
	struct fd_ipaddr addrs[FD_CONF_MAX_NS_ADDRS];
};

/*
 * A group's TTL, the same bounds everywhere (zone.ttl, --ttl, the
 * protocol, an import): at most a day, since failover TTLs are short by
 * design and a longer one only delays every switch for caches.  0 makes
 * caches keep nothing, so every query of every customer comes to us: it
 * is refused unless zone.allow_zero_ttl says so.
 */
#define FD_TTL_MAX 86400

/* The largest edns.udp_size: no UDP answer is longer than this. */
#define FD_UDP_SIZE_MAX 4096

struct fd_conf_listen {
	struct sockaddr_storage ss;  /* address and port */
	socklen_t sslen;
	char text[64];               /* as written, e.g. "[::1]:5353" */
};

/*
 * Zone transfers (transfer:).  A secondary is a handful of addresses and
 * keys; 32 keys, 64 allow entries and 32 NOTIFY targets cover a fleet
 * per region with room, and bound fixed arrays copied into every zone.
 */
#define FD_CONF_MAX_TSIG_KEYS  32
#define FD_CONF_MAX_XFR_ALLOW  64
#define FD_CONF_MAX_NOTIFY     32
/*
 * A TSIG secret: tsig-keygen makes one HMAC block (64 bytes for SHA-256,
 * 128 for SHA-512); HMAC hashes a longer key down to its digest anyway.
 */
#define FD_TSIG_SECRET_MAX     128

/* The TSIG algorithms we verify and sign with (RFC 8945 6). */
enum fd_tsig_alg { FD_TSIG_HMAC_SHA256 = 1, FD_TSIG_HMAC_SHA512 = 2 };

struct fd_tsig_key {
	char name[FD_DNAME_TEXT_MAX];      /* lower case, trailing dot */
	enum fd_tsig_alg alg;
	uint8_t secret[FD_TSIG_SECRET_MAX];
	size_t secret_len;
};

/* An address and how many leading bits of it a peer must share. */
struct fd_conf_prefix {
	struct fd_ipaddr addr;
	uint8_t bits;                      /* 0..32 or 0..128 */
};

/* transfer.allow entry: peers in from may transfer, signed with key. */
struct fd_conf_xfr_allow {
	struct fd_conf_prefix from;
	char key[FD_DNAME_TEXT_MAX];       /* "" : no key asked */
};

/* transfer.notify entry: a secondary told of every new serial. */
struct fd_conf_notify {
	struct fd_conf_listen to;          /* address and port (53) */
	char key[FD_DNAME_TEXT_MAX];       /* "" : unsigned */
};

struct fd_config {
	/* zone: */
	char origin[FD_DNAME_TEXT_MAX];      /* lower case, trailing dot */
	uint32_t ttl;                        /* default group TTL (0..FD_TTL_MAX, default 30) */
	bool allow_zero_ttl;                 /* TTL 0 allowed (default false) */
	uint32_t ns_ttl;                     /* TTL of NS and glue (default 3600) */
	struct {
		char mname[FD_DNAME_TEXT_MAX];
		char rname[FD_DNAME_TEXT_MAX];
		uint32_t ttl;                /* SOA record TTL (default 3600) */
		uint32_t refresh, retry, expire, minimum;
	} soa;
	int n_ns;
	struct fd_conf_ns ns[FD_CONF_MAX_NS];

	int n_listen;
	struct fd_conf_listen listen[FD_CONF_MAX_LISTEN];

	/* storage: */
	char storage_path[PATH_MAX];         /* LMDB directory, created if missing */
	uint64_t map_size;                   /* bytes, default 4 GiB, min 1 MiB */

	/* control: */
	char control_socket[PATH_MAX];
	int n_allow_uids;
	uid_t allow_uids[FD_CONF_MAX_IDS];
	int n_allow_gids;
	gid_t allow_gids[FD_CONF_MAX_IDS];
	int n_read_uids;                     /* read commands only */
	uid_t read_uids[FD_CONF_MAX_IDS];
	int n_read_gids;
	gid_t read_gids[FD_CONF_MAX_IDS];
	gid_t control_socket_group;          /* FD_CONF_GID_UNSET: user's group */
	uint32_t control_socket_mode;        /* permission bits, default 0660 */
	uint64_t control_max_payload;        /* bytes, 1K..1G, default 64M */

	int workers;                         /* 1..64, default 2 */

	/* edns: */
	uint16_t edns_udp_size;              /* 512..FD_UDP_SIZE_MAX, default 1232 */

	/* tcp: */
	uint32_t tcp_idle_timeout;           /* seconds, 1..3600, default 10 */
	uint32_t tcp_query_timeout;          /* seconds, 1..60, default 2 */
	uint32_t tcp_max_clients;            /* 1..100000, default 1000 */
	uint32_t tcp_max_per_source;         /* per /32 or /64, default 64, 0 = no cap */

	/* chaos: answer CH TXT version.bind / id.server; off by default */
	bool chaos;
	char chaos_id[FD_DNAME_TEXT_MAX];    /* id.server answer, default hostname */

	/* log: */
	bool log_syslog;                     /* default false */
	bool log_queries;                    /* default false */
	enum log_level log_level;            /* default info */

	/* rrl: */
	uint32_t rrl_rate;                   /* answers/s per key (rrl.h), default 200, 0 = off */
	uint32_t rrl_slip;                   /* every Nth limited answer sent TC=1, default 2 */

	/* history: retention, enforced as rows are appended */
	uint32_t history_keep_rows;          /* 1..2^31-1, default 100000 */
	uint32_t history_keep_days;          /* 0..36500, 0 = no age bound (default) */

	char user[64];                       /* drop privileges to this user; "" = none */

	/* metrics: HTTP /metrics (Prometheus text); off when sslen is 0 */
	struct fd_conf_listen metrics_listen;

	/* http: the API and dashboard (daemon/http.h); off when sslen is 0 */
	struct fd_conf_listen http_listen;   /* loopback only without TLS */
	uint32_t http_max_body;              /* bytes, default 64 KiB */
	uint32_t http_max_connections;       /* default 64 */
	uint32_t http_rate;                  /* requests/s per token, default 20 */
	char http_tls_cert[PATH_MAX];        /* PEM chain; "" = plain HTTP */
	char http_tls_key[PATH_MAX];         /* its private key */

	/* transfer: (zone transfers to secondaries) */
	char xfr_keys_path[PATH_MAX];        /* tsig-keygen file; "" none */
	int n_tsig_keys;                     /* read from xfr_keys_path */
	struct fd_tsig_key tsig_keys[FD_CONF_MAX_TSIG_KEYS];
	int n_xfr_allow;
	struct fd_conf_xfr_allow xfr_allow[FD_CONF_MAX_XFR_ALLOW];
	int n_notify;
	struct fd_conf_notify notify[FD_CONF_MAX_NOTIFY];
	int n_notify_source;                 /* at most one per family */
	struct fd_ipaddr notify_source[2];
	uint32_t journal_max_serials;        /* IXFR journal; 0: AXFR only */

	/* health: checks of the apps' endpoints (README "Health checks") */
	uint32_t health_min_interval_ms;     /* least check interval, default 1 s */
	char health_ca_file[PATH_MAX];       /* "" = the system's CA store */

	/* resolver: for apps whose endpoint is a host name; none: resolv.conf */
	int n_resolvers;
	struct fd_conf_listen resolvers[FD_CONF_MAX_RESOLVERS];

	/* notify: webhooks on every switch and health change */
	int n_webhooks;
	char webhooks[FD_CONF_MAX_WEBHOOKS][FD_CONF_URL_MAX];
	char notify_secret[FD_CONF_SECRET_MAX];   /* HMAC-SHA256 key */
	uint32_t notify_retry_max;           /* seconds between retries, at most */
};

/* Fill cfg with every default (no zone origin, no listen address). */
void fd_config_defaults(struct fd_config *cfg);

/*
 * Parse the file at path into cfg (which is first reset to defaults).
 * On failure returns FD_ECONFIG (or FD_ESYS when the file cannot be read)
 * and writes "PATH:LINE:COL: message" into err (always NUL-terminated).
 * Required: zone.origin, zone.soa.mname, zone.soa.rname, at least one
 * zone.nameservers entry, at least one listen address.
 */
enum fd_err fd_config_load(const char *path, struct fd_config *cfg,
    char *err, size_t errlen);

/*
 * Read a TSIG key file in tsig-keygen's format (BIND's key statement):
 *   key "NAME" { algorithm hmac-sha256; secret "BASE64"; };
 * as many as FD_CONF_MAX_TSIG_KEYS.  On error FD_ECONFIG (or FD_ESYS when
 * it cannot be read) with "PATH:LINE:COL: message" in err.  From a
 * buffer: fd_tsig_keys_parse (name used in messages).
 */
enum fd_err fd_tsig_keys_load(const char *path, struct fd_tsig_key *keys,
    int *nkeys, char *err, size_t errlen);
enum fd_err fd_tsig_keys_parse(const char *name, const char *buf, size_t len,
    struct fd_tsig_key *keys, int *nkeys, char *err, size_t errlen);

/* Same, from a memory buffer; name is used in messages.  For tests/fuzzing. */
enum fd_err fd_config_parse(const char *name, const char *buf, size_t len,
    struct fd_config *cfg, char *err, size_t errlen);

/*
 * Only control.socket from the file at path (flipctl -c): its value, or
 * the default when the file sets none, into out (outlen bytes, at least
 * the socket path's limit).  Nothing else in the file is checked.  The
 * errors of fd_config_load for a file that cannot be read, is not YAML,
 * or has a bad control.socket.
 */
enum fd_err fd_config_socket(const char *path, char *out, size_t outlen,
    char *err, size_t errlen);

/*
 * Every key of the schema, one line each: "KEY<TAB>TYPE<TAB>DEFAULT"
 * (type with its range; "required" for a required key), in schema order;
 * an entry's keys as "zone.nameservers[].name".  For flipdns.yaml(5).
 */
void fd_config_print_keys(FILE *out);

#endif
