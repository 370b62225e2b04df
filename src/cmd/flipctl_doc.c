/*
 * flipctl_doc.c - what flipctl says about itself, made from its tables:
 * `flipctl help`, the OPTIONS, COMMANDS and EXIT STATUS sections of
 * flipctl(8) (scdoc source, assembled by man/CMakeLists.txt), and the
 * bash completion.  A command, option or exit status added to a table
 * shows up in all three at the next build; none is written twice.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "flipctl.h"

/*
 * Scripts branch on these: a number keeps its meaning once published.
 * Before 5 and 6 existed, not found and already exists exited 1.
 */
const struct ctl_exit_doc ctl_exit_docs[] = {
	{CTL_OK, "ok", "success"},
	{CTL_EFAIL, "refused", "the daemon refused the request: a rule "
	    "forbids it (code refused) or a value is invalid (invalid), or "
	    "it failed (store_full, store, internal); or a file could not be "
	    "read or the output written (io); or the confirmation question "
	    "was not answered yes (declined); the message says why"},
	{CTL_EUSAGE, "usage", "a bad command line, a configuration file (-c) "
	    "that cannot be read, or a destructive command without --yes "
	    "and without a terminal to ask on: nothing was sent (code usage)"},
	{CTL_EUNREACH, "daemon unreachable", "the daemon could not be reached, "
	    "did not answer in time or was too busy to take the request "
	    "(codes unreachable, busy), or its answer (an export, a backup) "
	    "was cut short: trying again later may work"},
	{CTL_EDENIED, "permission denied", "the control socket's mode and "
	    "group, or the daemon's control.allow_uids/allow_gids (and "
	    "read_uids/read_gids for reading), do not let this user in; a "
	    "hint says which setting would (code denied)"},
	{CTL_ENOTFOUND, "not found", "the app or group the request "
	    "names does not exist (code not_found; 1 until 5 and 6 were "
	    "added)"},
	{CTL_EEXISTS, "already exists", "what the request would create "
	    "exists already, or its label belonged to a deleted group (code "
	    "exists; 1 until 5 and 6 were added)"},
	{0, NULL, NULL},
};

#define USAGE_LINE "flipctl [-s SOCKET | -c FILE] [--json] " \
	"[--timeout SECONDS] COMMAND ..."

/* "-s, --socket SOCKET" */
static void
global_name(FILE *out, const struct ctl_global *g, const char *bold,
    const char *ul)
{
	if (g->shortname != NULL)
		fprintf(out, "%s%s%s, ", bold, g->shortname, bold);
	fprintf(out, "%s%s%s", bold, g->longname, bold);
	if (g->metavar != NULL)
		fprintf(out, " %s%s%s", ul, g->metavar, ul);
}

static void
print_words(FILE *out, const struct ctl_cmd *cmd)
{
	fprintf(out, "%s%s%s", cmd->words, *cmd->synopsis != '\0' ? " " : "",
	    cmd->synopsis);
}

void
ctl_help(FILE *out)
{
	const struct ctl_global *g;
	const struct ctl_cmd *cmd;
	const struct ctl_exit_doc *e;
	int k;

	fprintf(out, "usage: " USAGE_LINE "\n\noptions:\n");
	for (g = ctl_globals; g->longname != NULL; g++) {
		fputs("  ", out);
		global_name(out, g, "", "");
		fprintf(out, "\n        %s\n", g->help);
	}
	fprintf(out, "\ncommands:\n");
	for (cmd = ctl_cmds; cmd->words != NULL; cmd++) {
		fputs("  ", out);
		print_words(out, cmd);
		fprintf(out, "\n        %s\n", cmd->help);
	}
	fprintf(out, "\ncommand options:\n");
	for (k = 0; k < CTL_OPT_COUNT; k++)
		fprintf(out, "  %s%s%s\n        %s\n", ctl_opts[k].name,
		    ctl_opts[k].metavar ? " " : "",
		    ctl_opts[k].metavar ? ctl_opts[k].metavar : "",
		    ctl_opts[k].help);
	fprintf(out, "\nexit status:");
	for (e = ctl_exit_docs; e->text != NULL; e++)
		fprintf(out, "%s %d %s", e == ctl_exit_docs ? "" : ",",
		    e->status, e->brief);
	fputc('\n', out);
}

/* -- flipctl(8) ---------------------------------------------------------- */

/* Text with scdoc's markup characters escaped. */
static void
scd_text(FILE *out, const char *s)
{
	for (; *s != '\0'; s++) {
		if (*s == '*' || *s == '_' || *s == '\\')
			fputc('\\', out);
		fputc(*s, out);
	}
}

/*
 * A synopsis in man page style: options bold, placeholders (upper-case
 * words: NAME, APP, SECONDS) underlined, the rest as it is.
 */
static void
scd_synopsis(FILE *out, const char *s)
{
	const char *w;
	size_t len, i;
	bool upper;

	while (*s != '\0') {
		if (!isalnum((unsigned char)*s) && *s != '-') {
			scd_text(out, (char[]){*s, '\0'});
			s++;
			continue;
		}
		w = s;
		while (isalnum((unsigned char)*s) || *s == '-')
			s++;
		len = (size_t)(s - w);
		upper = true;
		for (i = 0; i < len; i++)
			if (islower((unsigned char)w[i]))
				upper = false;
		if (w[0] == '-' && len > 1)
			fprintf(out, "*%.*s*", (int)len, w);
		else if (upper && isupper((unsigned char)w[0]))
			fprintf(out, "_%.*s_", (int)len, w);
		else
			fprintf(out, "%.*s", (int)len, w);
	}
}

void
ctl_print_man(FILE *out)
{
	const struct ctl_global *g;
	const struct ctl_cmd *cmd;
	const struct ctl_exit_doc *e;
	int k;

	fprintf(out, "# OPTIONS\n\n");
	for (g = ctl_globals; g->longname != NULL; g++) {
		global_name(out, g, "*", "_");
		fprintf(out, "\n\t");
		scd_text(out, g->help);
		fprintf(out, ".\n\n");
	}
	fprintf(out, "# COMMANDS\n\n");
	for (cmd = ctl_cmds; cmd->words != NULL; cmd++) {
		fprintf(out, "*%s*", cmd->words);
		if (*cmd->synopsis != '\0') {
			fputc(' ', out);
			scd_synopsis(out, cmd->synopsis);
		}
		fprintf(out, "\n\t");
		scd_text(out, cmd->help);
		fprintf(out, ".");
		if (cmd->proto != NULL) {
			fprintf(out, " Control command: ");
			scd_text(out, cmd->proto);
			fprintf(out, ".");
		}
		fprintf(out, "\n\n");
	}
	fprintf(out, "# COMMAND OPTIONS\n\n");
	for (k = 0; k < CTL_OPT_COUNT; k++) {
		fprintf(out, "*%s*", ctl_opts[k].name);
		if (ctl_opts[k].metavar != NULL) {
			fputc(' ', out);
			scd_synopsis(out, ctl_opts[k].metavar);
		}
		fprintf(out, "\n\t");
		scd_text(out, ctl_opts[k].help);
		fprintf(out, ".\n\n");
	}
	fprintf(out, "# EXIT STATUS\n\n");
	for (e = ctl_exit_docs; e->text != NULL; e++) {
		fprintf(out, "*%d*\n\t", e->status);
		scd_text(out, e->text);
		fprintf(out, ".\n\n");
	}
}

/* -- bash completion ----------------------------------------------------- */

/* The words that may follow prefix ("" or "group"): "create list ...". */
static void
next_words(FILE *out, const char *prefix)
{
	const struct ctl_cmd *cmd, *prev;
	size_t plen = strlen(prefix), len;
	const char *w;
	bool seen;

	for (cmd = ctl_cmds; cmd->words != NULL; cmd++) {
		if (plen > 0 && (strncmp(cmd->words, prefix, plen) != 0 ||
		    cmd->words[plen] != ' '))
			continue;
		w = cmd->words + (plen > 0 ? plen + 1 : 0);
		len = strcspn(w, " ");
		/* once per word: "app add" and "app set" both give "app" */
		seen = false;
		for (prev = ctl_cmds; prev < cmd && !seen; prev++) {
			const char *pw = prev->words + (plen > 0 ? plen + 1 : 0);

			if ((plen == 0 || (strncmp(prev->words, prefix, plen) ==
			    0 && prev->words[plen] == ' ')) &&
			    strcspn(pw, " ") == len && strncmp(pw, w, len) == 0)
				seen = true;
		}
		if (!seen)
			fprintf(out, " %.*s", (int)len, w);
	}
}

/* Is first (len bytes) the first word of a row before cmd? */
static bool
first_word_seen(const struct ctl_cmd *cmd, const char *first, size_t len)
{
	const struct ctl_cmd *prev;

	for (prev = ctl_cmds; prev < cmd; prev++)
		if (strncmp(prev->words, first, len) == 0 &&
		    prev->words[len] == ' ')
			return true;
	return false;
}

/* Every option name that takes a value, as a case pattern: "-s|--socket|...". */
static void
value_options(FILE *out)
{
	const struct ctl_global *g;
	const char *sep = "";
	int k;

	for (g = ctl_globals; g->longname != NULL; g++) {
		if (g->metavar == NULL)
			continue;
		if (g->shortname != NULL) {
			fprintf(out, "%s%s", sep, g->shortname);
			sep = "|";
		}
		fprintf(out, "%s%s", sep, g->longname);
		sep = "|";
	}
	for (k = 0; k < CTL_OPT_COUNT; k++)
		if (ctl_opts[k].kind != CTL_KIND_FLAG)
			fprintf(out, "|%s", ctl_opts[k].name);
}

void
ctl_print_completion(FILE *out)
{
	const struct ctl_global *g;
	const struct ctl_cmd *cmd;
	char first[32];
	size_t len;
	int k;

	fprintf(out, "# bash completion for flipctl(8).  Generated by "
	    "`flipctl --print-completion`\n# from flipctl's command and "
	    "option tables: do not edit.\n\n_flipctl()\n{\n"
	    "\tlocal cur=${COMP_WORDS[COMP_CWORD]} "
	    "prev=${COMP_WORDS[COMP_CWORD-1]}\n"
	    "\tlocal i w cmd= skip=0 opts= files=0 helping=0\n"
	    "\tlocal globals=\"");
	for (g = ctl_globals; g->longname != NULL; g++)
		fprintf(out, "%s%s", g == ctl_globals ? "" : " ", g->longname);
	fprintf(out, "\"\n\n\tcase $prev in\n");
	/* a global option naming a file or socket completes file names */
	for (g = ctl_globals; g->longname != NULL; g++)
		if (g->metavar != NULL && (strcmp(g->metavar, "FILE") == 0 ||
		    strcmp(g->metavar, "SOCKET") == 0))
			fprintf(out, "\t%s%s%s)\n\t\tCOMPREPLY=($(compgen -f -- "
			    "\"$cur\"))\n\t\treturn ;;\n",
			    g->shortname ? g->shortname : "",
			    g->shortname ? "|" : "", g->longname);
	for (k = 0; k < CTL_OPT_COUNT; k++)
		if (ctl_opts[k].kind == CTL_KIND_SIDE)
			fprintf(out, "\t%s)\n\t\tCOMPREPLY=($(compgen -W "
			    "\"primary backup\" -- \"$cur\"))\n\t\treturn ;;\n",
			    ctl_opts[k].name);
	fprintf(out, "\t");
	value_options(out);
	fprintf(out, ")\n\t\treturn ;;\n\tesac\n\n"
	    "\t# the words typed so far, options and their values left out\n"
	    "\tfor ((i = 1; i < COMP_CWORD; i++)); do\n"
	    "\t\tw=${COMP_WORDS[i]}\n"
	    "\t\tif ((skip)); then skip=0; continue; fi\n"
	    "\t\tcase $w in\n\t\t");
	value_options(out);
	fprintf(out, ") skip=1 ;;\n\t\t-*) ;;\n"
	    "\t\t*) cmd=\"${cmd:+$cmd }$w\" ;;\n\t\tesac\n\tdone\n\n"
	    "\t# help takes a command's words: complete them as if alone\n"
	    "\tif [[ $cmd == help || $cmd == \"help \"* ]]; then\n"
	    "\t\tcmd=${cmd#help}; cmd=${cmd# }; helping=1\n\tfi\n\n"
	    "\tcase \" $cmd \" in\n");
	for (cmd = ctl_cmds; cmd->words != NULL; cmd++) {
		fprintf(out, "\t\" %s \"*)\n\t\topts=\"", cmd->words);
		for (k = 0; k < CTL_OPT_COUNT; k++)
			if (cmd->opts & (1u << k))
				fprintf(out, "%s ", ctl_opts[k].name);
		/* a FILE argument completes file names */
		fprintf(out, "\"\n\t\tfiles=%d ;;\n",
		    strncmp(cmd->synopsis, "FILE", 4) == 0 ? 1 : 0);
	}
	fprintf(out, "\t*)\n\t\t# still choosing the command\n"
	    "\t\tcase $cmd in\n\t\t\"\") w=\"");
	next_words(out, "");
	fprintf(out, "\" ;;\n");
	for (cmd = ctl_cmds; cmd->words != NULL; cmd++) {
		/* one branch per first word of a longer command, at its first row */
		len = strcspn(cmd->words, " ");
		if (cmd->words[len] == '\0' || len >= sizeof(first) ||
		    first_word_seen(cmd, cmd->words, len))
			continue;
		memcpy(first, cmd->words, len);
		first[len] = '\0';
		fprintf(out, "\t\t%s) w=\"", first);
		next_words(out, first);
		fprintf(out, "\" ;;\n");
	}
	fprintf(out, "\t\t*) w= ;;\n\t\tesac\n"
	    "\t\t[[ $cur == -* ]] && w=$globals\n"
	    "\t\tCOMPREPLY=($(compgen -W \"$w\" -- \"$cur\"))\n"
	    "\t\treturn ;;\n\tesac\n"
	    "\t((helping)) && return\n\n"
	    "\tif [[ $cur == -* ]]; then\n"
	    "\t\tCOMPREPLY=($(compgen -W \"$opts$globals\" -- \"$cur\"))\n"
	    "\telif ((files)); then\n"
	    "\t\tCOMPREPLY=($(compgen -f -- \"$cur\"))\n"
	    "\tfi\n}\ncomplete -F _flipctl flipctl\n");
}
