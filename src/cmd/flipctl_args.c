/*
 * flipctl_args.c - the words after the command: positional arguments and
 * options, turned into the request's "args" object.
 *
 * Options may come before, between or after positional arguments
 * ("group switch ADDR --to backup"), as "--opt VALUE" or "--opt=VALUE";
 * "--" ends them.  Values are checked only as far as the command line
 * goes (a number is a number); the rules about names, addresses and
 * ranges belong to the daemon, so they are stated once.
 */
#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flipdns/conf/config.h"
#include "flipctl.h"

/* A day: longer than any commit can take, and fits poll(2)'s int ms. */
#define CTL_TIMEOUT_MAX  86400

#define STR(x)   STR_(x)
#define STR_(x)  #x

/*
 * Indexed by CTL_OPT_*; a row's opts bits say which it accepts.  The
 * metavar and help are what `flipctl help`, flipctl(8) and the bash
 * completion say about the option (flipctl_doc.c).
 */
const struct ctl_opt ctl_opts[CTL_OPT_COUNT] = {
	[CTL_OPT_CNAME] = {"--cname", "cname", CTL_KIND_STRING, "HOST",
	    "the app's endpoint: a host name, answered as a CNAME"},
	[CTL_OPT_ADDR] = {"--addr", "addrs", CTL_KIND_LIST, "IP",
	    "an IPv4 or IPv6 address of the app, answered as A or AAAA; "
	    "repeat it for more (up to 64)"},
	[CTL_OPT_PRIMARY] = {"--primary", "primary", CTL_KIND_APP, "APP",
	    "the app on the group's primary side; none for no app"},
	[CTL_OPT_BACKUP] = {"--backup", "backup", CTL_KIND_APP, "APP",
	    "the app on the group's backup side; none for no app"},
	[CTL_OPT_TTL] = {"--ttl", "ttl", CTL_KIND_TTL, "SECONDS",
	    "the TTL of the group's answers, 0.." STR(FD_TTL_MAX) " (0 only "
	    "where the "
	    "daemon's zone.allow_zero_ttl is true; default: zone.ttl)"},
	[CTL_OPT_LABEL] = {"--label", "label", CTL_KIND_STRING, "LABEL",
	    "this label instead of a random one (never a deleted one)"},
	[CTL_OPT_TO] = {"--to", "to", CTL_KIND_SIDE, "primary|backup",
	    "make this side active instead of toggling"},
	[CTL_OPT_LIMIT] = {"--limit", "limit", CTL_KIND_NUMBER, "N",
	    "at most N entries (default 50)"},
	[CTL_OPT_ROLE] = {"--role", "role", CTL_KIND_STRING, "read|write",
	    "what the token may do: read, or read and change"},
	[CTL_OPT_DRY_RUN] = {"--dry-run", "dry_run", CTL_KIND_FLAG, NULL,
	    "print the plan and change nothing (what diff does)"},
	[CTL_OPT_YES] = {"--yes", NULL, CTL_KIND_FLAG, NULL,
	    "do it without asking: a destructive command asks for "
	    "confirmation on a terminal, and without one refuses unless "
	    "given --yes"},
	[CTL_OPT_TYPE] = {"--type", "type", CTL_KIND_STRING,
	    "tcp|http|https|none", "the check: tcp connects, http and https "
	    "GET a path; none removes the app's check"},
	[CTL_OPT_PORT] = {"--port", "port", CTL_KIND_NUMBER, "N",
	    "the port the check connects to at each of the app's endpoints"},
	[CTL_OPT_PATH] = {"--path", "path", CTL_KIND_STRING, "PATH",
	    "what http and https GET (default /)"},
	[CTL_OPT_HOST] = {"--host", "host", CTL_KIND_STRING, "HOST",
	    "the Host header and TLS name (SNI, and the name the certificate "
	    "must carry); default: the app's --cname, else none"},
	[CTL_OPT_EXPECT] = {"--expect", "expect", CTL_KIND_STRING, "CODES",
	    "the HTTP status codes that pass, as 200,204 or 200-299 "
	    "(default 200-399)"},
	[CTL_OPT_BODY] = {"--body", "body", CTL_KIND_STRING, "TEXT",
	    "pass only when the first 64 KiB of the answer hold TEXT"},
	[CTL_OPT_INTERVAL] = {"--interval", "interval", CTL_KIND_STRING,
	    "SECONDS", "probe each endpoint this often (default 5; "
	    "decimals allowed, at least health.min_interval)"},
	[CTL_OPT_TIMEOUT] = {"--timeout", "timeout", CTL_KIND_STRING,
	    "SECONDS", "a probe that takes longer fails (default 2, or the "
	    "interval if shorter; at most the interval); after app check's "
	    "words it is the check's, not flipctl's own --timeout"},
	[CTL_OPT_FALL] = {"--fall", "fall", CTL_KIND_NUMBER, "N",
	    "failed probes in a row that make an endpoint down (default 3)"},
	[CTL_OPT_RISE] = {"--rise", "rise", CTL_KIND_NUMBER, "N",
	    "passed probes in a row that make an endpoint up (default 2)"},
	[CTL_OPT_POLICY] = {"--policy", "policy", CTL_KIND_STRING,
	    "manual|auto", "manual: checks only report; auto: switch to the "
	    "other side when the active one is down and the other up"},
	[CTL_OPT_FAILBACK] = {"--failback", "failback", CTL_KIND_FLAG, NULL,
	    "with --policy auto: return to the primary once it has been up "
	    "for --hold seconds (without it, a failover is sticky)"},
	[CTL_OPT_HOLD] = {"--hold", "hold", CTL_KIND_NUMBER, "SECONDS",
	    "how long the primary must have been up before failback "
	    "(default 300)"},
	[CTL_OPT_BOTH_DOWN] = {"--both-down", "both_down", CTL_KIND_STRING,
	    "keep|primary", "with --policy auto, when both sides are down: "
	    "keep the group where it is (default), or return it to primary"},
};

static json_t *
conv_string(const char *v)
{
	return json_string(v);   /* NULL unless valid UTF-8 */
}

/* "none" clears the app slot: JSON null. */
static json_t *
conv_app(const char *v)
{
	return strcmp(v, "none") == 0 ? json_null() : json_string(v);
}

/* Protocol numbers (TTL, limit) are unsigned 32-bit. */
static json_t *
conv_number(const char *v)
{
	unsigned long n;

	if (ctl_parse_uint(v, UINT32_MAX, &n) != CTL_OK)
		return NULL;
	return json_integer((json_int_t)n);
}

/* The bounds every TTL has (config.h); 0 is the daemon's to refuse. */
static json_t *
conv_ttl(const char *v)
{
	unsigned long n;

	if (ctl_parse_uint(v, FD_TTL_MAX, &n) != CTL_OK)
		return NULL;
	return json_integer((json_int_t)n);
}

static json_t *
conv_side(const char *v)
{
	if (strcmp(v, "primary") != 0 && strcmp(v, "backup") != 0)
		return NULL;
	return json_string(v);
}

static const struct {
	json_t *(*conv)(const char *);
	const char *expect;      /* for the usage error */
} opt_kinds[] = {
	[CTL_KIND_STRING] = {conv_string, "UTF-8 text"},
	[CTL_KIND_APP] = {conv_app, "an app name or none"},
	[CTL_KIND_LIST] = {conv_string, "UTF-8 text"},
	[CTL_KIND_NUMBER] = {conv_number, "a whole number 0..4294967295"},
	[CTL_KIND_SIDE] = {conv_side, "primary or backup"},
	[CTL_KIND_TTL] = {conv_ttl, "seconds, 0.." STR(FD_TTL_MAX)},
	[CTL_KIND_FLAG] = {NULL, NULL},
};

int
ctl_parse_uint(const char *s, unsigned long max, unsigned long *out)
{
	char *end;
	unsigned long n;

	/* strtoul accepts signs and blanks; a count is digits only. */
	if (!isdigit((unsigned char)*s))
		return CTL_EUSAGE;
	errno = 0;
	n = strtoul(s, &end, 10);
	if (errno != 0 || *end != '\0' || n > max)
		return CTL_EUSAGE;
	*out = n;
	return CTL_OK;
}

/*
 * Does arg name option name?  Then *val is NULL when the value (if any)
 * is the next word, or points into arg for a long option written
 * "--name=VALUE".
 */
static bool
opt_match(const char *arg, const char *name, const char **val)
{
	size_t len = strlen(name);

	if (strncmp(arg, name, len) != 0)
		return false;
	if (arg[len] == '\0') {
		*val = NULL;
		return true;
	}
	if (arg[len] == '=' && name[1] == '-') {
		*val = arg + len + 1;
		return true;
	}
	return false;
}

static int
set_socket(struct ctl *c, const char *v)
{
	if (*v == '\0') {
		ctl_fail(CTL_EUSAGE, "usage", "empty socket path");
		return -1;
	}
	c->socket_opt = v;
	return 1;
}

static int
set_config(struct ctl *c, const char *v)
{
	if (*v == '\0') {
		ctl_fail(CTL_EUSAGE, "usage", "empty config file name");
		return -1;
	}
	c->config = v;
	return 1;
}

static int
set_json(struct ctl *c, const char *v)
{
	c->json = true;
	return 1;
}

static int
set_help(struct ctl *c, const char *v)
{
	c->help = true;
	return 1;
}

static int
set_version(struct ctl *c, const char *v)
{
	c->version = true;
	return 1;
}

static int
set_timeout(struct ctl *c, const char *v)
{
	unsigned long n;

	if (ctl_parse_uint(v, CTL_TIMEOUT_MAX, &n) != CTL_OK || n == 0) {
		ctl_fail(CTL_EUSAGE, "usage", "bad --timeout '%s': expected "
		    "1..%d seconds", v, CTL_TIMEOUT_MAX);
		return -1;
	}
	c->timeout = (unsigned)n;
	return 1;
}

/* The global options; flipctl_doc.c prints help and man text from them. */
const struct ctl_global ctl_globals[] = {
	{"-s", "--socket", "SOCKET", set_socket,
	    "the control socket to talk to (without it: -c FILE's control.socket, "
	    "else $FLIPDNS_SOCKET, else " CTL_DEFAULT_SOCKET ")"},
	{"-c", "--config", "FILE", set_config,
	    "read the control socket's path (control.socket) from flipdnsd's "
	    "configuration FILE; nothing else in it is read"},
	{NULL, "--json", NULL, set_json,
	    "print the daemon's result as JSON (one line, or indented on a "
	    "terminal)"},
	{NULL, "--timeout", "SECONDS", set_timeout,
	    "wait this long for the daemon's reply, 1.." STR(CTL_TIMEOUT_MAX)
	    " (default " STR(CTL_DEFAULT_TIMEOUT) ")"},
	{"-h", "--help", NULL, set_help,
	    "print help; after a command, that command's usage, arguments "
	    "and options (as 'flipctl help COMMAND' does)"},
	{NULL, "--version", NULL, set_version,
	    "print flipctl's version and exit"},
	{NULL, NULL, NULL, NULL, NULL},
};

/* Does argv[*i] name global option g?  Sets *val as opt_match does. */
static bool
global_match(const struct ctl_global *g, const char *arg, const char **val)
{
	return (g->shortname != NULL && opt_match(arg, g->shortname, val)) ||
	    opt_match(arg, g->longname, val);
}

int
ctl_global_opt(struct ctl *c, int argc, char **argv, int *i)
{
	const struct ctl_global *g;
	const char *val, *name = argv[*i];

	for (g = ctl_globals; g->longname != NULL; g++) {
		if (!global_match(g, argv[*i], &val))
			continue;
		if (g->metavar == NULL) {
			if (val != NULL) {
				ctl_fail(CTL_EUSAGE, "usage", "%s takes no "
				    "value", g->longname);
				return -1;
			}
		} else if (val == NULL) {
			if (*i + 1 >= argc) {
				ctl_fail(CTL_EUSAGE, "usage", "%s needs a "
				    "value", name);
				return -1;
			}
			val = argv[++*i];
		}
		(*i)++;
		return g->apply(c, val);
	}
	return 0;
}

int
ctl_socket_resolve(struct ctl *c)
{
	char err[1024];
	const char *env = getenv("FLIPDNS_SOCKET");

	if (c->socket_opt != NULL) {
		c->socket = c->socket_opt;
	} else if (c->config != NULL) {
		if (fd_config_socket(c->config, c->socket_buf,
		    sizeof(c->socket_buf), err, sizeof(err)) != FD_OK)
			return ctl_fail(CTL_EUSAGE, "usage", "%s", err);
		c->socket = c->socket_buf;
	} else if (env != NULL && *env != '\0') {
		c->socket = env;
	} else
		c->socket = CTL_DEFAULT_SOCKET;
	return CTL_OK;
}

/* The command option argv[*i]: its value goes into a->args. */
static int
command_opt(const struct ctl_cmd *cmd, int argc, char **argv, int *i,
    struct ctl_argv *a)
{
	const struct ctl_opt *o = NULL;
	const char *arg = argv[*i], *val = NULL;
	json_t *v, *list;
	int k;

	for (k = 0; k < CTL_OPT_COUNT && o == NULL; k++)
		if ((cmd->opts & (1u << k)) &&
		    opt_match(arg, ctl_opts[k].name, &val))
			o = &ctl_opts[k];
	if (o == NULL) {
		char hint[128];

		ctl_suggest_option(cmd, arg, hint, sizeof(hint));
		return ctl_usage(cmd, "unknown option %s%s%s%s", arg,
		    *hint ? ": did you mean " : "", hint, *hint ? "?" : "");
	}
	if (o->kind == CTL_KIND_FLAG) {
		(*i)++;
		if (val != NULL)
			return ctl_usage(cmd, "%s takes no value", o->name);
		a->given |= 1u << (o - ctl_opts);
		if (o->key != NULL)
			json_object_set_new(a->args, o->key, json_true());
		return CTL_OK;
	}
	if (val == NULL) {
		if (*i + 1 >= argc)
			return ctl_usage(cmd, "%s needs a value", o->name);
		val = argv[++*i];
	}
	(*i)++;
	a->given |= 1u << (o - ctl_opts);
	if ((v = opt_kinds[o->kind].conv(val)) == NULL)
		return ctl_usage(cmd, "bad %s '%s': expected %s", o->name,
		    val, opt_kinds[o->kind].expect);
	if (o->kind == CTL_KIND_LIST) {
		if ((list = json_object_get(a->args, o->key)) == NULL) {
			list = json_array();
			json_object_set_new(a->args, o->key, list);
		}
		json_array_append_new(list, v);
		return CTL_OK;
	}
	if (json_object_get(a->args, o->key) != NULL) {
		json_decref(v);
		return ctl_usage(cmd, "%s given twice", o->name);
	}
	json_object_set_new(a->args, o->key, v);
	return CTL_OK;
}

/* Does cmd take an option named as arg is (its own before a global)? */
static bool
own_option(const struct ctl_cmd *cmd, const char *arg)
{
	const char *val;

	for (int k = 0; k < CTL_OPT_COUNT; k++)
		if ((cmd->opts & (1u << k)) &&
		    opt_match(arg, ctl_opts[k].name, &val))
			return true;
	return false;
}

/* Name the missing argument as the usage line does: its first word. */
static int
missing(const struct ctl_cmd *cmd)
{
	return ctl_usage(cmd, "missing %.*s",
	    (int)strcspn(cmd->synopsis, " "), cmd->synopsis);
}

static int
parse(struct ctl *c, const struct ctl_cmd *cmd, int argc, char **argv,
    struct ctl_argv *a)
{
	bool opts_done = false;
	json_t *v;
	int i = 0, rc;

	while (i < argc) {
		if (!opts_done && strcmp(argv[i], "--") == 0) {
			opts_done = true;
			i++;
		} else if (opts_done || argv[i][0] != '-' ||
		    argv[i][1] == '\0') {
			if (a->npos >= cmd->max_args)
				return ctl_usage(cmd,
				    "unexpected argument '%s'", argv[i]);
			a->pos[a->npos++] = argv[i++];
		} else if (own_option(cmd, argv[i])) {
			/* app check's --timeout is the check's, not flipctl's */
			if ((rc = command_opt(cmd, argc, argv, &i, a)) != CTL_OK)
				return rc;
		} else if ((rc = ctl_global_opt(c, argc, argv, &i)) < 0) {
			ctl_usage_rows(stderr, cmd->words);
			return CTL_EUSAGE;
		} else if (rc == 0 &&
		    (rc = command_opt(cmd, argc, argv, &i, a)) != CTL_OK)
			return rc;
	}
	if (c->help || c->version)
		return CTL_OK;
	if (a->npos < cmd->min_args)
		return missing(cmd);
	if (a->npos > 0 && cmd->pos_key != NULL) {
		if ((v = json_string(a->pos[0])) == NULL)
			return ctl_usage(cmd, "'%s' is not UTF-8 text",
			    a->pos[0]);
		json_object_set_new(a->args, cmd->pos_key, v);
	}
	return CTL_OK;
}

int
ctl_args_parse(struct ctl *c, const struct ctl_cmd *cmd, int argc,
    char **argv, struct ctl_argv *a)
{
	int rc;

	memset(a, 0, sizeof(*a));
	if ((a->args = json_object()) == NULL)
		return ctl_fail(CTL_EFAIL, "internal", "out of memory");
	if ((rc = parse(c, cmd, argc, argv, a)) != CTL_OK) {
		json_decref(a->args);
		a->args = NULL;
	}
	return rc;
}
