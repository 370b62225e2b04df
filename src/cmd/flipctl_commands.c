/*
 * flipctl_commands.c - the command table and its handlers.
 *
 * A row names the words that select it, the control command it sends,
 * how many positional arguments and which options it takes, and how its
 * result is printed.  Most rows share cmd_remote; a handler of its own
 * exists only for a rule the table cannot express.  Help and usage lines
 * are printed from the same rows, so they cannot drift from the parser.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "flipctl.h"

static ctl_handler cmd_remote, cmd_app_write, cmd_app_show, cmd_group_create,
    cmd_group_set, cmd_list, cmd_help, cmd_app_check;

#define APP_ENDPOINTS  "(--cname HOST | --addr IP [--addr IP ...])"

const struct ctl_cmd ctl_cmds[] = {
	{"app add", cmd_app_write, "app.add", "name", 1, 1,
	    CTL_O(CNAME) | CTL_O(ADDR), ctl_print_app,
	    "NAME " APP_ENDPOINTS,
	    "add an app: one host name, or 1..64 IPv4/IPv6 addresses", NULL},
	{"app set", cmd_app_write, "app.set", "name", 1, 1,
	    CTL_O(CNAME) | CTL_O(ADDR), ctl_print_app,
	    "NAME " APP_ENDPOINTS,
	    "replace an app's endpoints", NULL},
	{"app list", cmd_list, "app.list", NULL, 0, 0, 0, ctl_print_apps,
	    "", "list the apps", NULL},
	{"app show", cmd_app_show, "app.show", "name", 1, 1, 0,
	    ctl_print_app_show,
	    "NAME", "show one app and the groups that follow it", NULL},
	{"app remove", cmd_remote, "app.remove", "name", 1, 1, CTL_O(YES),
	    ctl_print_app_removed,
	    "NAME [--yes]", "remove an app that no group points at",
	    "Remove app %s? Its endpoints and its status name go with it."},
	{"app failover", cmd_remote, "app.failover", "name", 1, 1, CTL_O(TO),
	    ctl_print_failover,
	    "NAME [--to primary|backup]",
	    "switch every group whose active side is NAME to its other side, "
	    "as one change (an app's outage); with --to, make that side "
	    "active in every group NAME is in. A group with no app on that "
	    "side stays, and is listed", NULL},
	{"app status", cmd_remote, "app.status", "name", 1, 1, 0,
	    ctl_print_app_status,
	    "NAME", "print online, offline or none", NULL},
	{"app check", cmd_app_check, "app.check", "name", 1, 1,
	    CTL_O(TYPE) | CTL_O(PORT) | CTL_O(PATH) | CTL_O(HOST) |
	    CTL_O(EXPECT) | CTL_O(BODY) | CTL_O(INTERVAL) | CTL_O(TIMEOUT) |
	    CTL_O(FALL) | CTL_O(RISE), ctl_print_app,
	    "NAME --type tcp|http|https|none [--port N] [--path PATH] "
	    "[--host HOST] [--expect CODES] [--body TEXT] [--interval SECONDS] "
	    "[--timeout SECONDS] [--fall N] [--rise N]",
	    "set the app's health check, replacing the one it had (what is "
	    "not given takes its default), or remove it with --type none; its "
	    "probes start at once, at every endpoint", NULL},
	{"app health", cmd_remote, "app.health", "name", 1, 1, 0,
	    ctl_print_app_health, "NAME",
	    "show the app's health (up, down or unknown, since when and why) "
	    "and each endpoint's state, last check, latency and last error",
	    NULL},
	{"env", cmd_remote, "app.status", "name", 1, 1, 0, ctl_print_env,
	    "NAME",
	    "print FAILOVER_STATUS=<status>, for eval or an EnvironmentFile", NULL},
	{"group create", cmd_group_create, "group.create", NULL, 0, 0,
	    CTL_O(PRIMARY) | CTL_O(BACKUP) | CTL_O(TTL) | CTL_O(LABEL),
	    ctl_print_group_address,
	    "[--primary APP] [--backup APP] [--ttl SECONDS] [--label LABEL]",
	    "create a group and print its address", NULL},
	{"group list", cmd_list, "group.list", NULL, 0, 0, 0,
	    ctl_print_groups, "", "list the groups", NULL},
	{"group show", cmd_remote, "group.show", "address", 1, 1, 0,
	    ctl_print_group, "ADDRESS", "show one group", NULL},
	{"group set", cmd_group_set, "group.set", "address", 1, 1,
	    CTL_O(PRIMARY) | CTL_O(BACKUP) | CTL_O(TTL) | CTL_O(POLICY) |
	    CTL_O(FAILBACK) | CTL_O(HOLD) | CTL_O(BOTH_DOWN), ctl_print_group,
	    "ADDRESS [--primary APP|none] [--backup APP|none] [--ttl SECONDS] "
	    "[--policy manual|auto [--failback [--hold SECONDS]] "
	    "[--both-down keep|primary]]",
	    "change a group's apps, TTL or failover policy (set whole: what "
	    "is not given takes its default)", NULL},
	{"group switch", cmd_remote, "group.switch", "address", 1, 1,
	    CTL_O(TO), ctl_print_group,
	    "ADDRESS [--to primary|backup]",
	    "toggle the active side, or set it with --to", NULL},
	{"group delete", cmd_remote, "group.delete", "address", 1, 1,
	    CTL_O(YES), ctl_print_group_deleted,
	    "ADDRESS [--yes]",
	    "delete a group that points at no app; its address is gone for "
	    "good: the label is never issued again",
	    "Delete group %s? Its address is gone for good: its label is "
	    "never issued again, and every name that points at it will get "
	    "NXDOMAIN."},
	{"history", cmd_remote, "history", "name", 0, 1, CTL_O(LIMIT),
	    ctl_print_history,
	    "[APP|ADDRESS] [--limit N]",
	    "show recent changes, newest first: all, an app's (its own and "
	    "those that changed its status) or a group's", NULL},
	{"import", ctl_cmd_file, "import", "name", 1, 1, 0, ctl_print_import,
	    "FILE",
	    "import apps and groups from a YAML file (- for stdin), all or "
	    "nothing", NULL},
	{"apply", ctl_cmd_file, "apply", "name", 1, 1, CTL_O(DRY_RUN),
	    ctl_print_plan,
	    "FILE [--dry-run]",
	    "make apps and groups what FILE (the import format, groups keyed "
	    "by label; - for stdin) says, as one change: create what is "
	    "missing, update what differs, delete only entries marked delete: "
	    "true; print the steps. Again with the same file changes nothing",
	    NULL},
	{"diff", ctl_cmd_diff, "apply", "name", 1, 1, 0, ctl_print_plan,
	    "FILE",
	    "print what apply FILE would do now, and change nothing", NULL},
	{"export", ctl_cmd_export, "export", NULL, 0, 0, 0, NULL,
	    "", "print the zone as served, as a master file; with --json, "
	    "one JSON object per RRset and line ({name, type, ttl, data})",
	    NULL},
	{"status", cmd_remote, "status", NULL, 0, 0, 0, ctl_print_status,
	    "", "show version, uptime, zone, serial and counts", NULL},
	{"stats", cmd_remote, "stats", NULL, 0, 0, 0, ctl_print_stats,
	    "", "show the daemon's counters (what /metrics serves)", NULL},
	{"secondaries", cmd_remote, "secondaries", NULL, 0, 0, 0,
	    ctl_print_secondaries,
	    "", "per secondary: the last NOTIFY sent and acknowledged, the "
	    "last transfer (kind, serial, when) and how many serials behind "
	    "it is", NULL},
	{"reload", cmd_remote, "reload", NULL, 0, 0, 0, ctl_print_message,
	    "", "re-read the daemon's configuration file and apply it, or "
	    "refuse it whole", NULL},
	{"backup", ctl_cmd_backup, "backup", NULL, 1, 1, 0, NULL,
	    "FILE",
	    "write a consistent, compacted copy of the store to FILE (- for "
	    "stdout) while the daemon serves; flipdnsd --restore puts it "
	    "back", NULL},
	{"token create", cmd_remote, "token.create", "name", 1, 1,
	    CTL_O(ROLE), ctl_print_token, "NAME --role read|write",
	    "create a bearer token for the HTTP API and print it: it is shown "
	    "this once, and stored only hashed", NULL},
	{"token list", cmd_remote, "token.list", NULL, 0, 0, 0,
	    ctl_print_tokens, "", "list the tokens (never their secrets)",
	    NULL},
	{"token revoke", cmd_remote, "token.revoke", "name", 1, 1, 0, NULL,
	    "NAME", "revoke a token: it stops working at once", NULL},
	{"help", cmd_help, NULL, NULL, 0, 3, 0, NULL,
	    "[CMD]", "show this help; with a command's words, that command's "
	    "usage, arguments and options, or the commands under a word", NULL},
	{NULL, NULL, NULL, NULL, 0, 0, 0, NULL, NULL, NULL, NULL},
};

/* How many of the words argv[0..argc) match all of words; 0 if not all do. */
static int
words_match(const char *words, int argc, char **argv)
{
	const char *w = words;
	size_t len;
	int n;

	for (n = 0; *w != '\0'; n++) {
		len = strcspn(w, " ");
		if (n >= argc || strlen(argv[n]) != len ||
		    strncmp(w, argv[n], len) != 0)
			return 0;
		w += len;
		if (*w == ' ')
			w++;
	}
	return n;
}

const struct ctl_cmd *
ctl_cmd_find(int argc, char **argv, int *nwords)
{
	const struct ctl_cmd *cmd;

	for (cmd = ctl_cmds; cmd->words != NULL; cmd++)
		if ((*nwords = words_match(cmd->words, argc, argv)) > 0)
			return cmd;
	return NULL;
}

static void
usage_row(FILE *out, const struct ctl_cmd *cmd)
{
	fprintf(out, "usage: flipctl %s%s%s\n", cmd->words,
	    *cmd->synopsis != '\0' ? " " : "", cmd->synopsis);
}

void
ctl_usage_rows(FILE *out, const char *prefix)
{
	const struct ctl_cmd *cmd;
	size_t len = strlen(prefix);

	for (cmd = ctl_cmds; cmd->words != NULL; cmd++)
		if (strncmp(cmd->words, prefix, len) == 0 &&
		    (cmd->words[len] == '\0' || cmd->words[len] == ' '))
			usage_row(out, cmd);
}

int
ctl_usage(const struct ctl_cmd *cmd, const char *fmt, ...)
{
	char what[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	ctl_fail(CTL_EUSAGE, "usage", "%s: %s", cmd->words, what);
	usage_row(stderr, cmd);
	return CTL_EUSAGE;
}

static void
print_json(json_t *result)
{
	/* One line for scripts and pipes; indented for a person. */
	size_t flags = JSON_ENCODE_ANY |
	    (isatty(STDOUT_FILENO) ? JSON_INDENT(2) : JSON_COMPACT);

	json_dumpf(result, stdout, flags);
	fputc('\n', stdout);
}

int
ctl_remote(struct ctl *c, const struct ctl_cmd *cmd, struct ctl_argv *a,
    const struct ctl_payload *in)
{
	json_t *result;
	int rc;

	if ((rc = ctl_call(c, cmd->proto, a->args, in, &result, NULL)) !=
	    CTL_OK)
		return rc;
	ctl_print_warnings(result);
	if (c->json)
		print_json(result);
	else if (cmd->print != NULL)
		cmd->print(result);
	json_decref(result);
	return ctl_flush_stdout();
}

int
ctl_flush_stdout(void)
{
	/* A full disk or a closed pipe must not look like success. */
	if (fflush(stdout) == EOF || ferror(stdout))
		return ctl_fail(CTL_EFAIL, "io", "stdout: %s",
		    strerror(errno));
	return CTL_OK;
}

static int
cmd_remote(struct ctl *c, const struct ctl_cmd *cmd, struct ctl_argv *a)
{
	return ctl_remote(c, cmd, a, NULL);
}

/*
 * The daemon answers lists a page at a time (so one request never renders
 * a million records); walk every page and print them as one list.
 */
#define LIST_PAGE 1000

static int
cmd_list(struct ctl *c, const struct ctl_cmd *cmd, struct ctl_argv *a)
{
	const char *key = strcmp(cmd->proto, "app.list") == 0 ? "apps" :
	    "groups";
	json_t *all = json_array(), *result, *next = NULL, *args;
	int rc = CTL_OK;

	for (;;) {
		args = json_pack("{s:i}", "limit", LIST_PAGE);
		if (next != NULL)
			json_object_set(args, "after", next);
		rc = ctl_call(c, cmd->proto, args, NULL, &result, NULL);
		json_decref(args);
		json_decref(next);
		next = NULL;
		if (rc != CTL_OK)
			break;
		json_array_extend(all, json_object_get(result, key));
		if (json_is_string(json_object_get(result, "next")))
			next = json_incref(json_object_get(result, "next"));
		json_decref(result);
		if (next == NULL)
			break;
	}
	if (rc == CTL_OK) {
		result = json_pack("{s:O}", key, all);
		if (c->json)
			print_json(result);
		else
			cmd->print(result);
		json_decref(result);
		rc = ctl_flush_stdout();
	}
	json_decref(all);
	return rc;
}

/*
 * The app, then every page of the groups that follow it (the daemon sends
 * them a page at a time, as it does lists), printed as one object.
 */
static int
cmd_app_show(struct ctl *c, const struct ctl_cmd *cmd, struct ctl_argv *a)
{
	json_t *app = NULL, *result, *next = NULL;
	int rc;

	for (;;) {
		json_object_set_new(a->args, "limit", json_integer(LIST_PAGE));
		if (next != NULL)
			json_object_set_new(a->args, "after", next);
		next = NULL;
		if ((rc = ctl_call(c, cmd->proto, a->args, NULL, &result,
		    NULL)) != CTL_OK)
			break;
		if (json_is_string(json_object_get(result, "next")))
			next = json_incref(json_object_get(result, "next"));
		if (app == NULL)
			app = result;
		else {
			json_array_extend(json_object_get(app, "followers"),
			    json_object_get(result, "followers"));
			json_decref(result);
		}
		if (next == NULL)
			break;
	}
	if (rc == CTL_OK) {
		json_object_set_new(app, "next", json_null());
		if (c->json)
			print_json(app);
		else
			cmd->print(app);
		rc = ctl_flush_stdout();
	}
	json_decref(app);
	return rc;
}

/* An app has exactly one kind of endpoint: a host name or addresses. */
static int
cmd_app_write(struct ctl *c, const struct ctl_cmd *cmd, struct ctl_argv *a)
{
	bool cname = json_object_get(a->args, "cname") != NULL;
	bool addrs = json_object_get(a->args, "addrs") != NULL;

	if (cname && addrs)
		return ctl_usage(cmd, "--cname and --addr exclude each other");
	if (!cname && !addrs)
		return ctl_usage(cmd, "--cname HOST or --addr IP is required");
	return cmd_remote(c, cmd, a);
}

/* "--primary none" on create means no app: the protocol says it by omission. */
static int
cmd_group_create(struct ctl *c, const struct ctl_cmd *cmd, struct ctl_argv *a)
{
	static const char *const app_keys[] = {"primary", "backup"};
	size_t i;

	for (i = 0; i < sizeof(app_keys) / sizeof(app_keys[0]); i++)
		if (json_is_null(json_object_get(a->args, app_keys[i])))
			json_object_del(a->args, app_keys[i]);
	return cmd_remote(c, cmd, a);
}

/* A set that changes nothing is a typo, not a request. */
static int
cmd_group_set(struct ctl *c, const struct ctl_cmd *cmd, struct ctl_argv *a)
{
	if (json_object_size(a->args) < 2)
		return ctl_usage(cmd, "nothing to change: give --primary, "
		    "--backup, --ttl or --policy");
	return cmd_remote(c, cmd, a);
}

/* A check says what it is: --type is required, even to remove one. */
static int
cmd_app_check(struct ctl *c, const struct ctl_cmd *cmd, struct ctl_argv *a)
{
	if (json_object_get(a->args, "type") == NULL)
		return ctl_usage(cmd, "--type is required (none removes the "
		    "check)");
	return cmd_remote(c, cmd, a);
}

/* help, help WORD..., as flipctl would take WORD... as a command. */
static int
cmd_help(struct ctl *c, const struct ctl_cmd *cmd, struct ctl_argv *a)
{
	const struct ctl_cmd *row;
	char words[128], hint[256];
	size_t off = 0;
	int i, n;

	if (a->npos == 0) {
		ctl_help(stdout);
		return ctl_flush_stdout();
	}
	for (i = 0; i < a->npos && off < sizeof(words); i++)
		off += (size_t)snprintf(words + off, sizeof(words) - off,
		    "%s%s", i ? " " : "", a->pos[i]);
	if ((row = ctl_cmd_find(a->npos, (char **)a->pos, &n)) != NULL &&
	    n == a->npos) {
		ctl_help_cmd(stdout, row);
		return ctl_flush_stdout();
	}
	if (ctl_is_command_word(words)) {
		ctl_help_word(stdout, words);
		return ctl_flush_stdout();
	}
	if (a->npos > 1 && ctl_is_command_word(a->pos[0]))
		ctl_suggest(a->pos[0], a->pos[1], hint, sizeof(hint));
	else
		ctl_suggest("", a->pos[0], hint, sizeof(hint));
	return ctl_usage(cmd, "no command '%s'%s%s%s", words,
	    *hint ? ": did you mean " : "", hint, *hint ? "?" : "");
}
