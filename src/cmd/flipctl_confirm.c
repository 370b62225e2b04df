/*
 * flipctl_confirm.c - the question a destructive command asks first.
 *
 * On a terminal (stdin is a tty) the row's question is asked on stderr
 * and only "y" or "yes" goes ahead.  Without a terminal there is no one
 * to ask, and a script must neither hang on a read nor destroy what it
 * did not mean to: it is refused (exit 2) unless it says --yes, as knotc
 * refuses its destructive commands without --force.  A script that
 * forgot --yes fails at once and the message names the fix; the same
 * command typed or piped never behaves differently without a word.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "flipctl.h"

int
ctl_confirm(const struct ctl_cmd *cmd, const struct ctl_argv *a)
{
	const char *subject = a->npos > 0 ? a->pos[0] : "";
	char answer[64], *word = answer;
	size_t len;

	if (!isatty(STDIN_FILENO))
		return ctl_usage(cmd, "%s is destructive and there is no "
		    "terminal to ask on: give --yes to do it (nothing was "
		    "sent)", cmd->words);
	/* the question is a format with one %s: the row's first argument */
	fprintf(stderr, cmd->confirm, subject);
	fprintf(stderr, " [y/N] ");
	fflush(stderr);
	if (fgets(answer, sizeof(answer), stdin) == NULL)
		answer[0] = '\0';
	len = strcspn(answer, "\r\n");
	answer[len] = '\0';
	while (len > 0 && isspace((unsigned char)answer[len - 1]))
		answer[--len] = '\0';
	while (isspace((unsigned char)*word))
		word++;
	if (strcasecmp(word, "y") == 0 || strcasecmp(word, "yes") == 0)
		return CTL_OK;
	return ctl_fail(CTL_EFAIL, "declined", "%s %s: not confirmed, nothing "
	    "was changed", cmd->words, subject);
}
