/*
 * flipctl_help.c - help for people at the command line, from the command
 * and option tables: one command's help (`flipctl help CMD`, `flipctl CMD
 * --help`), the commands under a word (`flipctl app`), and "did you mean"
 * for a mistyped command or option.  flipctl_doc.c makes the full help,
 * the man page sections and the completion from the same rows.
 */
#include <stdio.h>
#include <string.h>

#include "flipdns/util/textdist.h"
#include "flipctl.h"

/*
 * What the placeholders of positional arguments stand for; an option's
 * value is described with its option.  A placeholder missing here is
 * simply not described.
 */
static const struct {
	const char *metavar;
	const char *help;
} arg_docs[] = {
	{"NAME", "an app's name: [a-z0-9][a-z0-9-]{0,62}"},
	{"APP", "an app's name"},
	{"ADDRESS", "a group's address: its full name or its bare label"},
	{"FILE", "a file name; - for standard input (or, for backup, "
	    "standard output)"},
	{"CMD", "a command's words, as in 'flipctl help group switch'"},
};

/* Is the whole word w (len bytes) in s, delimited by non-letters? */
static bool
has_word(const char *s, const char *w)
{
	size_t len = strlen(w);
	const char *p;

	for (p = strstr(s, w); p != NULL; p = strstr(p + 1, w))
		if ((p == s || !(p[-1] >= 'A' && p[-1] <= 'Z')) &&
		    !(p[len] >= 'A' && p[len] <= 'Z'))
			return true;
	return false;
}

/* Is w the placeholder of one of cmd's options? */
static bool
option_metavar(const struct ctl_cmd *cmd, const char *w)
{
	int k;

	for (k = 0; k < CTL_OPT_COUNT; k++)
		if ((cmd->opts & (1u << k)) && ctl_opts[k].metavar != NULL &&
		    strcmp(ctl_opts[k].metavar, w) == 0)
			return true;
	return false;
}

void
ctl_help_cmd(FILE *out, const struct ctl_cmd *cmd)
{
	bool any = false;
	size_t i;
	int k;

	fprintf(out, "usage: flipctl %s%s%s\n\n%s.\n", cmd->words,
	    *cmd->synopsis != '\0' ? " " : "", cmd->synopsis, cmd->help);
	for (i = 0; i < sizeof(arg_docs) / sizeof(arg_docs[0]); i++) {
		if (!has_word(cmd->synopsis, arg_docs[i].metavar) ||
		    option_metavar(cmd, arg_docs[i].metavar))
			continue;
		fprintf(out, "%s  %s\n        %s\n", any ? "" :
		    "\narguments:\n", arg_docs[i].metavar, arg_docs[i].help);
		any = true;
	}
	any = false;
	for (k = 0; k < CTL_OPT_COUNT; k++) {
		if (!(cmd->opts & (1u << k)))
			continue;
		fprintf(out, "%s  %s%s%s\n        %s\n", any ? "" :
		    "\noptions:\n", ctl_opts[k].name,
		    ctl_opts[k].metavar ? " " : "",
		    ctl_opts[k].metavar ? ctl_opts[k].metavar : "",
		    ctl_opts[k].help);
		any = true;
	}
	fprintf(out, "\nglobal options (-s, -c, --json, --timeout) and exit "
	    "statuses: flipctl help\n");
}

/* Does the row's words continue prefix ("" matches every row)? */
static bool
under(const struct ctl_cmd *cmd, const char *prefix, size_t plen)
{
	return plen == 0 || (strncmp(cmd->words, prefix, plen) == 0 &&
	    cmd->words[plen] == ' ');
}

bool
ctl_is_command_word(const char *prefix)
{
	const struct ctl_cmd *cmd;

	for (cmd = ctl_cmds; cmd->words != NULL; cmd++)
		if (under(cmd, prefix, strlen(prefix)))
			return true;
	return false;
}

void
ctl_help_word(FILE *out, const char *prefix)
{
	const struct ctl_cmd *cmd;
	size_t plen = strlen(prefix);

	fprintf(out, "flipctl %s: one of these commands\n", prefix);
	for (cmd = ctl_cmds; cmd->words != NULL; cmd++)
		if (under(cmd, prefix, plen))
			fprintf(out, "  %s%s%s\n        %s\n", cmd->words,
			    *cmd->synopsis != '\0' ? " " : "", cmd->synopsis,
			    cmd->help);
	fprintf(out, "\nflipctl help %s COMMAND: its options\n", prefix);
}

/*
 * The words that may follow prefix closest to typed: a typo of one, or
 * what it begins ("sw" -> "switch"), as "'w1'" or "'w1' or 'w2'".
 * Empty when nothing is close.
 */
void
ctl_suggest(const char *prefix, const char *typed, char *buf, size_t len)
{
	const struct ctl_cmd *cmd;
	size_t plen = strlen(prefix), best = FD_TEXTDIST_FAR, d, wl, off = 0;
	char word[FD_TEXTDIST_WORD_MAX + 1];
	const char *w;
	int pass;

	buf[0] = '\0';
	/* first the best distance, then every word at it, each once */
	for (pass = 0; pass < 2; pass++)
		for (cmd = ctl_cmds; cmd->words != NULL; cmd++) {
			if (!under(cmd, prefix, plen))
				continue;
			w = cmd->words + (plen > 0 ? plen + 1 : 0);
			if ((wl = strcspn(w, " ")) >= sizeof(word))
				continue;
			memcpy(word, w, wl);
			word[wl] = '\0';
			if (strlen(typed) >= 2 &&
			    strncmp(word, typed, strlen(typed)) == 0)
				d = 1;
			else if (fd_text_close(typed, word))
				d = fd_text_distance(typed, word);
			else
				continue;
			if (pass == 0) {
				if (d < best)
					best = d;
			} else if (d == best && !strstr(buf, word) &&
			    off < len) {
				off += (size_t)snprintf(buf + off, len - off,
				    "%s'%s%s%s'", off ? " or " : "", prefix,
				    plen ? " " : "", word);
			}
		}
}

/* Keep name in *best when it is closer to opt than what is there. */
static void
closer(const char *opt, const char *name, const char **best, size_t *bestd)
{
	size_t d;

	if (fd_text_close(opt, name) &&
	    (d = fd_text_distance(opt, name)) < *bestd) {
		*bestd = d;
		*best = name;
	}
}

void
ctl_suggest_option(const struct ctl_cmd *cmd, const char *typed, char *buf,
    size_t len)
{
	char opt[FD_TEXTDIST_WORD_MAX + 1];
	const struct ctl_global *g;
	const char *best = NULL;
	size_t bestd = FD_TEXTDIST_FAR;
	int k;

	/* "--tll=5": the name alone */
	snprintf(opt, sizeof(opt), "%.*s", (int)strcspn(typed, "="), typed);
	for (k = 0; cmd != NULL && k < CTL_OPT_COUNT; k++)
		if (cmd->opts & (1u << k))
			closer(opt, ctl_opts[k].name, &best, &bestd);
	for (g = ctl_globals; g->longname != NULL; g++)
		closer(opt, g->longname, &best, &bestd);
	buf[0] = '\0';
	if (best != NULL)
		snprintf(buf, len, "'%s'", best);
}
