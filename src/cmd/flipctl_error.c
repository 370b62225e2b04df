/*
 * flipctl_error.c - how flipctl fails: one message on stderr for people,
 * and with --json the same error as {"error": {"code", "message"}} on
 * stdout for scripts; the exit status says the class of failure.
 *
 * The daemon's error codes (README, "Control protocol") map to exit
 * statuses by the table below, so a script can tell "not there" from
 * "refused" from "try again later" without parsing a message.  Errors
 * flipctl finds itself use the codes "usage", "unreachable", "denied", "io"
 * (a file or the output) and "internal".
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "flipctl.h"

/* The daemon's codes with a class of their own; every other is CTL_EFAIL. */
static const struct {
	const char *code;
	int status;
} code_status[] = {
	{"not_found", CTL_ENOTFOUND},
	{"exists", CTL_EEXISTS},
	{"denied", CTL_EDENIED},
	/* a bounded resource (streams, connections) is in use: retry */
	{"busy", CTL_EUNREACH},
};

static bool json_mode;
static bool reported;    /* stdout gets one error object, the first */

void
ctl_error_json(bool on)
{
	json_mode = on;
}

int
ctl_code_status(const char *code)
{
	size_t i;

	for (i = 0; code != NULL &&
	    i < sizeof(code_status) / sizeof(code_status[0]); i++)
		if (strcmp(code_status[i].code, code) == 0)
			return code_status[i].status;
	return CTL_EFAIL;
}

static void
report(const char *code, const char *msg)
{
	json_t *e;

	fprintf(stderr, "flipctl: %s\n", msg);
	if (!json_mode || reported)
		return;
	reported = true;
	/* json_string refuses bytes that are not UTF-8: keep the code then */
	e = json_pack("{s:{s:s, s:o*}}", "error", "code", code, "message",
	    json_string(msg));
	if (e != NULL) {
		json_dumpf(e, stdout, JSON_COMPACT);
		fputc('\n', stdout);
		fflush(stdout);
	}
	json_decref(e);
}

int
ctl_fail(int status, const char *code, const char *fmt, ...)
{
	char msg[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	report(code, msg);
	return status;
}

int
ctl_fail_daemon(const char *code, const char *msg)
{
	report(code != NULL ? code : "internal", msg);
	return ctl_code_status(code);
}
