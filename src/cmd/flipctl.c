/*
 * flipctl.c - main of flipctl: global options, find the command row, run
 * its handler.  Everything else lives in the flipctl_*.c modules.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flipctl.h"

static void
usage_global(void)
{
	fprintf(stderr, "usage: flipctl [-s SOCKET | -c FILE] [--json] "
	    "[--timeout SECONDS] COMMAND ...\n"
	    "run 'flipctl help' for the list of commands\n");
}

/*
 * No row matched.  A word that opens longer commands ("app") alone, or
 * with an option after it, asks what is under it: the list, exit 0.
 * Anything else is a mistake: name it, suggest what is close, exit 2.
 */
static int
unknown_command(int argc, char **argv)
{
	char hint[256];

	if (ctl_is_command_word(argv[0])) {
		if (argc == 1 || argv[1][0] == '-') {
			ctl_help_word(stdout, argv[0]);
			return ctl_flush_stdout();
		}
		ctl_suggest(argv[0], argv[1], hint, sizeof(hint));
		ctl_fail(CTL_EUSAGE, "usage", "unknown command '%s %s'%s%s%s",
		    argv[0], argv[1], *hint ? ": did you mean " : "", hint,
		    *hint ? "?" : "");
		ctl_usage_rows(stderr, argv[0]);
		return CTL_EUSAGE;
	}
	ctl_suggest("", argv[0], hint, sizeof(hint));
	ctl_fail(CTL_EUSAGE, "usage", "unknown command '%s'%s%s%s", argv[0],
	    *hint ? ": did you mean " : "", hint, *hint ? "?" : "");
	usage_global();
	return CTL_EUSAGE;
}

int
main(int argc, char **argv)
{
	struct ctl c;
	struct ctl_argv a;
	const struct ctl_cmd *cmd;
	char hint[128];
	int i, nwords, rc;

	/* The build makes flipctl(8) and the completion this way. */
	if (argc == 2 && strcmp(argv[1], "--print-man") == 0) {
		ctl_print_man(stdout);
		return ctl_flush_stdout();
	}
	if (argc == 2 && strcmp(argv[1], "--print-completion") == 0) {
		ctl_print_completion(stdout);
		return ctl_flush_stdout();
	}
	memset(&c, 0, sizeof(c));
	c.timeout = CTL_DEFAULT_TIMEOUT;
	/*
	 * A script asking for JSON gets its errors as JSON too, even those
	 * found before the parser reaches --json on the command line.
	 */
	for (i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
		if (strcmp(argv[i], "--json") == 0)
			ctl_error_json(true);
	i = 1;
	while (i < argc && argv[i][0] == '-') {
		if ((rc = ctl_global_opt(&c, argc, argv, &i)) < 0) {
			usage_global();
			return CTL_EUSAGE;
		}
		if (rc == 0) {
			ctl_suggest_option(NULL, argv[i], hint, sizeof(hint));
			ctl_fail(CTL_EUSAGE, "usage", "unknown option %s%s%s%s",
			    argv[i], *hint ? ": did you mean " : "", hint,
			    *hint ? "?" : "");
			usage_global();
			return CTL_EUSAGE;
		}
	}
	if (c.version) {
		printf("flipctl %s\n", FLIPDNS_VERSION);
		return ctl_flush_stdout();
	}
	if (c.help) {
		ctl_help(stdout);
		return ctl_flush_stdout();
	}
	if (i == argc) {
		ctl_fail(CTL_EUSAGE, "usage", "missing command");
		usage_global();
		return CTL_EUSAGE;
	}
	if ((cmd = ctl_cmd_find(argc - i, argv + i, &nwords)) == NULL)
		return unknown_command(argc - i, argv + i);
	i += nwords;
	if ((rc = ctl_args_parse(&c, cmd, argc - i, argv + i, &a)) != CTL_OK)
		return rc;
	if (c.version) {
		printf("flipctl %s\n", FLIPDNS_VERSION);
		rc = ctl_flush_stdout();
	} else if (c.help) {
		ctl_help_cmd(stdout, cmd);
		rc = ctl_flush_stdout();
	} else if ((cmd->confirm == NULL || (a.given & CTL_O(YES)) ||
	    (rc = ctl_confirm(cmd, &a)) == CTL_OK) &&
	    (rc = ctl_socket_resolve(&c)) == CTL_OK)
		rc = cmd->handler(&c, cmd, &a);
	json_decref(a.args);
	return rc;
}
