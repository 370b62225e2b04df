/*
 * flipctl.h - shared parts of flipctl, the control client of flipdnsd.
 *
 * flipctl turns one command line into one control request (README,
 * "Control protocol"), sends it, and prints the result.  The modules:
 *   flipctl.c           main: global options, dispatch
 *   flipctl_commands.c  the command table and its handlers
 *   flipctl_args.c      command-line words -> positional args + JSON args
 *   flipctl_conn.c      the unix socket: connect, one request, one reply
 *   flipctl_transfer.c  import, export, backup: files and payloads
 *   flipctl_print.c     human output of results
 *   flipctl_table.c     aligned text tables
 *   flipctl_error.c     failures: stderr, --json error objects, exit status
 *   flipctl_doc.c       help, man page sections, bash completion
 *   flipctl_help.c      help CMD, the commands under a word, "did you mean"
 * The exit status is part of the interface: scripts test it.
 */
#ifndef FLIPCTL_H
#define FLIPCTL_H

#include <stdbool.h>
#include <stdio.h>
#include <jansson.h>

/*
 * Exit statuses, by class of failure (ctl_exit_docs says each to people).
 * 0-3 keep the meaning they always had, except that 1 no longer covers
 * "not found" and "already exists": those have 5 and 6.
 */
enum ctl_exit {
	CTL_OK = 0,
	CTL_EFAIL = 1,      /* refused by a rule, an invalid value, a failure */
	CTL_EUSAGE = 2,     /* bad command line; nothing was sent */
	CTL_EUNREACH = 3,   /* no connection, no answer, or busy: retry */
	CTL_EDENIED = 4,    /* permission denied: by the socket or the daemon */
	CTL_ENOTFOUND = 5,  /* what the request names does not exist */
	CTL_EEXISTS = 6,    /* what it would create exists (or existed) */
};

/*
 * Without -s, -c or $FLIPDNS_SOCKET: what conf/flipdns.yaml configures,
 * or in a build for installing (FLIPDNS_SYSTEM_DEFAULTS) what the
 * installed flipdns.yaml does (CMakeLists.txt sets it).
 */
#ifndef FLIPDNS_DEFAULT_SOCKET
#define FLIPDNS_DEFAULT_SOCKET "./var/flipdns.sock"
#endif
#define CTL_DEFAULT_SOCKET   FLIPDNS_DEFAULT_SOCKET
/* Long enough for an fsync-heavy commit on a slow disk. */
#define CTL_DEFAULT_TIMEOUT  30
/* Command-line positional arguments beyond any command's needs. */
#define CTL_MAX_POS          4

/* What one invocation needs to talk to the daemon and print. */
struct ctl {
	const char *socket;
	const char *socket_opt;   /* -s SOCKET */
	const char *config;       /* -c FILE: control.socket from there */
	char socket_buf[128];     /* sun_path's 108 bytes and a margin */
	bool json;          /* print the daemon's result as JSON */
	unsigned timeout;   /* seconds to wait for the reply */
	bool help;          /* -h / --help was given */
	bool version;       /* --version was given */
};

/* The command line after the command words, as flipctl_args.c parses it. */
struct ctl_argv {
	const char *pos[CTL_MAX_POS];
	int npos;
	json_t *args;       /* options as protocol arguments (owned) */
	unsigned given;     /* options given: bits of CTL_OPT_* */
};

/* Raw bytes after a request or reply line (README: "Payloads"). */
struct ctl_payload {
	char *data;
	size_t len;
	/*
	 * Set by the caller of ctl_call: a reply's stream (export) is
	 * written here as it arrives instead of being held in data.
	 */
	FILE *sink;
};

struct ctl_cmd;
typedef int ctl_handler(struct ctl *, const struct ctl_cmd *,
    struct ctl_argv *);
typedef void ctl_printer(json_t *result);

/* One row of the command table. */
struct ctl_cmd {
	const char *words;       /* "group switch" */
	ctl_handler *handler;
	const char *proto;       /* control command, NULL for a local one */
	const char *pos_key;     /* protocol name of the positional argument */
	int min_args, max_args;
	unsigned opts;           /* allowed options: bits of CTL_OPT_* */
	ctl_printer *print;      /* human output; NULL prints nothing */
	const char *synopsis;    /* arguments and options, for usage lines */
	const char *help;
	/*
	 * Destructive: the question asked on a terminal before the request
	 * is sent, with %s for the first argument; the row takes --yes.
	 * NULL for the rest.
	 */
	const char *confirm;
};

/* Option bits; the option table in flipctl_args.c is indexed by them. */
enum {
	CTL_OPT_CNAME, CTL_OPT_ADDR, CTL_OPT_PRIMARY, CTL_OPT_BACKUP,
	CTL_OPT_TTL, CTL_OPT_LABEL, CTL_OPT_TO, CTL_OPT_LIMIT, CTL_OPT_ROLE,
	CTL_OPT_YES, CTL_OPT_DRY_RUN,
	/* app check */
	CTL_OPT_TYPE, CTL_OPT_PORT, CTL_OPT_PATH, CTL_OPT_HOST, CTL_OPT_EXPECT,
	CTL_OPT_BODY, CTL_OPT_INTERVAL, CTL_OPT_TIMEOUT, CTL_OPT_FALL,
	CTL_OPT_RISE,
	/* group set's policy */
	CTL_OPT_POLICY, CTL_OPT_FAILBACK, CTL_OPT_HOLD, CTL_OPT_BOTH_DOWN,
	CTL_OPT_COUNT
};
/* opts is an unsigned bit set */
_Static_assert(CTL_OPT_COUNT <= 32, "too many command options");
#define CTL_O(x)  (1u << CTL_OPT_##x)

/* How an option's value is read (flipctl_args.c). */
enum ctl_opt_kind {
	CTL_KIND_STRING, CTL_KIND_APP, CTL_KIND_LIST, CTL_KIND_NUMBER,
	CTL_KIND_SIDE, CTL_KIND_TTL,
	CTL_KIND_FLAG       /* takes no value; metavar NULL */
};

/* One command option, a row of ctl_opts[] (flipctl_args.c). */
struct ctl_opt {
	const char *name;        /* "--ttl" */
	const char *key;         /* its protocol argument; NULL: flipctl's own */
	enum ctl_opt_kind kind;
	const char *metavar;     /* what its value is, for people: "SECONDS" */
	const char *help;
};
extern const struct ctl_opt ctl_opts[CTL_OPT_COUNT];

/* One global option, a row of ctl_globals[] (ends with longname NULL). */
struct ctl_global {
	const char *shortname;   /* "-s", or NULL */
	const char *longname;    /* "--socket" */
	const char *metavar;     /* NULL when it takes no value */
	int (*apply)(struct ctl *, const char *);
	const char *help;
};
extern const struct ctl_global ctl_globals[];

/* flipctl_commands.c */
extern const struct ctl_cmd ctl_cmds[];
/*
 * Send cmd's request (with payload in, if not NULL) and print the result:
 * as JSON with --json, else with cmd->print.  Returns the exit status.
 */
int ctl_remote(struct ctl *c, const struct ctl_cmd *cmd, struct ctl_argv *a,
    const struct ctl_payload *in);
/* Flush stdout: CTL_OK, or CTL_EFAIL after reporting a write error. */
int ctl_flush_stdout(void);
/*
 * The row whose words open argv[0..argc); *nwords gets how many words
 * it took.  NULL when no row matches.
 */
const struct ctl_cmd *ctl_cmd_find(int argc, char **argv, int *nwords);
/* "usage: flipctl WORDS SYNOPSIS" for each row whose words open with prefix. */
void ctl_usage_rows(FILE *out, const char *prefix);
/* Report a usage error for cmd (printf-style what), return CTL_EUSAGE. */
int ctl_usage(const struct ctl_cmd *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/*
 * flipctl_args.c: parse argv[0..argc) (what follows the command words)
 * for cmd.  Global options met there (--json, -s, --timeout) go into c.
 * Returns CTL_OK, or CTL_EUSAGE after reporting.  On success a->args is
 * a new object the caller releases with json_decref.
 */
int ctl_args_parse(struct ctl *c, const struct ctl_cmd *cmd, int argc,
    char **argv, struct ctl_argv *a);
/*
 * A global option at argv[*i] (-s, --socket, -c, --config, --json,
 * --timeout, -h, --help): applied to c and *i advanced past it, returns
 * 1.  Returns 0 when argv[*i] is not one, -1 after reporting a usage
 * error.
 */
int ctl_global_opt(struct ctl *c, int argc, char **argv, int *i);
/*
 * Set c->socket once the whole command line is read: -s, else -c FILE's
 * control.socket, else $FLIPDNS_SOCKET, else CTL_DEFAULT_SOCKET.
 * CTL_OK, or CTL_EUSAGE after reporting a config file that cannot be
 * read.
 */
int ctl_socket_resolve(struct ctl *c);
/* Decimal digits only, at most max: CTL_OK, or CTL_EUSAGE (unreported). */
int ctl_parse_uint(const char *s, unsigned long max, unsigned long *out);

/*
 * flipctl_conn.c: send {"cmd": cmd, "args": args}, with payload in when
 * not NULL, and wait for the reply.  On success *result is a new
 * reference to the reply's result and, when out is not NULL, out->data
 * is the reply's payload (malloc'd, the caller frees it; NULL when the
 * reply has none).  Reports errors (ctl_fail) and returns the exit
 * status of the daemon's error code (ctl_code_status), CTL_EDENIED when
 * the socket may not be opened, or CTL_EUNREACH.
 */
int ctl_call(const struct ctl *c, const char *cmd, json_t *args,
    const struct ctl_payload *in, json_t **result, struct ctl_payload *out);

/*
 * flipctl_doc.c: every text made from the tables, so none can drift from
 * the parser: `flipctl help`, the generated sections of flipctl(8)
 * (scdoc) and the bash completion.  The build runs the hidden options
 * --print-man and --print-completion (man/CMakeLists.txt).
 */
void ctl_help(FILE *out);
void ctl_print_man(FILE *out);
void ctl_print_completion(FILE *out);
/* The exit statuses with their meaning; ends with a NULL text. */
struct ctl_exit_doc {
	int status;
	const char *brief;       /* for the one-line summary of help */
	const char *text;
};
extern const struct ctl_exit_doc ctl_exit_docs[];

/* flipctl_help.c: help from the tables, for people at a terminal. */
/* Usage, description, arguments and every option of cmd. */
void ctl_help_cmd(FILE *out, const struct ctl_cmd *cmd);
/* Is prefix ("app") the first word(s) of a longer command? */
bool ctl_is_command_word(const char *prefix);
/* The commands under prefix, with their synopsis and help. */
void ctl_help_word(FILE *out, const char *prefix);
/*
 * "Did you mean": the words that may follow prefix ("" for the first
 * word) closest to typed, quoted with their prefix ("'group switch'"),
 * into buf; empty when none is close.  ctl_suggest_option does the same
 * for an option, among cmd's and the global ones (cmd NULL: only the
 * global ones).
 */
void ctl_suggest(const char *prefix, const char *typed, char *buf,
    size_t len);
void ctl_suggest_option(const struct ctl_cmd *cmd, const char *typed,
    char *buf, size_t len);

/*
 * flipctl_confirm.c: cmd is destructive (cmd->confirm) and --yes was not
 * given: ask on the terminal.  CTL_OK when confirmed; CTL_EFAIL when
 * declined, CTL_EUSAGE when there is no terminal to ask on (stdin is not
 * one), both reported: nothing is sent then.
 */
int ctl_confirm(const struct ctl_cmd *cmd, const struct ctl_argv *a);

/*
 * flipctl_transfer.c: the handlers of import and apply (ctl_cmd_file: the
 * file, or stdin for "-", as the request's payload), diff, export, backup.
 */
ctl_handler ctl_cmd_file, ctl_cmd_diff, ctl_cmd_export, ctl_cmd_backup;

/* flipctl_print.c: human output, one function per result shape. */
void ctl_print_app(json_t *app);
void ctl_print_app_show(json_t *app);
void ctl_print_apps(json_t *result);
void ctl_print_app_status(json_t *result);
void ctl_print_app_health(json_t *result);
void ctl_print_env(json_t *result);
void ctl_print_group(json_t *group);
void ctl_print_group_address(json_t *group);
void ctl_print_groups(json_t *result);
void ctl_print_history(json_t *result);
void ctl_print_import(json_t *result);
void ctl_print_status(json_t *result);
void ctl_print_message(json_t *result);
void ctl_print_group_deleted(json_t *result);
void ctl_print_failover(json_t *result);
void ctl_print_plan(json_t *result);
/* The result's "warnings" (strings), each a line on stderr. */
void ctl_print_warnings(json_t *result);
void ctl_print_app_removed(json_t *result);
void ctl_print_stats(json_t *result);
void ctl_print_token(json_t *result);
void ctl_print_tokens(json_t *result);
void ctl_print_secondaries(json_t *result);

/*
 * flipctl_error.c: report a failure, "flipctl: MESSAGE" on stderr and,
 * with --json, {"error": {"code": code, "message": ...}} on stdout (the
 * first failure only: a script reads one object).  Returns status.
 */
int ctl_fail(int status, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* The daemon's error response: reported as above; its exit status. */
int ctl_fail_daemon(const char *code, const char *msg);
/* The exit status of a daemon error code (CTL_EFAIL for most). */
int ctl_code_status(const char *code);
/* --json is on the command line: errors go to stdout as JSON too. */
void ctl_error_json(bool on);

/* flipctl_table.c: a text table printed with aligned columns. */
struct ctl_table;
struct ctl_table *ctl_table_new(int ncols, const char *const *header);
/* Add a row of ncols cells; NULL cells print as "-".  Cells are copied. */
void ctl_table_add(struct ctl_table *t, const char *const *cells);
/* Print (the header too when there are no rows) and free. */
void ctl_table_print(struct ctl_table *t, FILE *out);

#endif
