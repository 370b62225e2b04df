/* log.c - stderr/journald/syslog logging; see log.h. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "flipdns/util/log.h"

static volatile bool log_to_syslog;
static volatile enum log_level log_level = LOG_LEVEL_INFO;
static bool log_journald;
static const char *log_ident = "flipdns";

static const struct {
	enum log_level level;
	const char *name;
} level_names[] = {
	{LOG_LEVEL_ERROR, "error"},
	{LOG_LEVEL_WARNING, "warning"},
	{LOG_LEVEL_INFO, "info"},
	{LOG_LEVEL_DEBUG, "debug"},
};

bool
log_level_parse(const char *name, enum log_level *out)
{
	for (size_t i = 0; i < sizeof(level_names) / sizeof(level_names[0]); i++)
		if (strcmp(level_names[i].name, name) == 0) {
			*out = level_names[i].level;
			return true;
		}
	return false;
}

const char *
log_level_name(enum log_level level)
{
	for (size_t i = 0; i < sizeof(level_names) / sizeof(level_names[0]); i++)
		if (level_names[i].level == level)
			return level_names[i].name;
	/* LOG_CRIT, from fatal() */
	return "critical";
}

/*
 * systemd sets $JOURNAL_STREAM to the device and inode of the stream it
 * connected to stderr; a match means the journal reads our stderr (and a
 * process that inherited the variable but not the stream does not match).
 */
static bool
stderr_is_journal(void)
{
	const char *js = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat sb;

	if (js == NULL || sscanf(js, "%llu:%llu", &dev, &ino) != 2 ||
	    fstat(STDERR_FILENO, &sb) != 0)
		return false;
	return (unsigned long long)sb.st_dev == dev &&
	    (unsigned long long)sb.st_ino == ino;
}

void
log_init(const char *ident, bool use_syslog, enum log_level level)
{
	log_ident = ident;
	log_journald = stderr_is_journal();
	log_configure(use_syslog, level);
}

void
log_configure(bool use_syslog, enum log_level level)
{
	if (use_syslog && !log_to_syslog)
		openlog(log_ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
	else if (!use_syslog && log_to_syslog)
		closelog();
	log_to_syslog = use_syslog;
	log_level = level;
}

/* One write(2) per message so lines from worker threads never interleave. */
static void
log_emit(int prio, const char *fmt, va_list ap, const char *suffix)
{
	char msg[1024], stamp[40], line[1200];
	struct timespec ts;
	struct tm tm;
	int n;

	if (prio > (int)log_level)
		return;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (log_to_syslog) {
		if (suffix)
			syslog(prio, "%s: %s", msg, suffix);
		else
			syslog(prio, "%s", msg);
	}
	if (log_journald) {
		n = snprintf(line, sizeof(line), "<%d>%s%s%s\n", prio, msg,
		    suffix ? ": " : "", suffix ? suffix : "");
	} else {
		clock_gettime(CLOCK_REALTIME, &ts);
		gmtime_r(&ts.tv_sec, &tm);
		strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);
		n = snprintf(line, sizeof(line), "%s.%03ldZ %s[%d]: %s: %s%s%s\n",
		    stamp, ts.tv_nsec / 1000000, log_ident, (int)getpid(),
		    log_level_name((enum log_level)prio), msg,
		    suffix ? ": " : "", suffix ? suffix : "");
	}
	if (n > (int)sizeof(line) - 1) {
		n = sizeof(line) - 1;
		line[n - 1] = '\n';
	}
	if (n > 0 && write(STDERR_FILENO, line, (size_t)n) < 0) {
		/* nowhere left to report it */
	}
}

void
log_debug(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_emit(LOG_DEBUG, fmt, ap, NULL);
	va_end(ap);
}

void
log_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_emit(LOG_INFO, fmt, ap, NULL);
	va_end(ap);
}

void
log_warn(const char *fmt, ...)
{
	va_list ap;
	int saved = errno;

	va_start(ap, fmt);
	log_emit(LOG_WARNING, fmt, ap, strerror(saved));
	va_end(ap);
	errno = saved;
}

void
log_warnx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_emit(LOG_WARNING, fmt, ap, NULL);
	va_end(ap);
}

void
fatal(const char *fmt, ...)
{
	va_list ap;
	int saved = errno;

	va_start(ap, fmt);
	log_emit(LOG_CRIT, fmt, ap, strerror(saved));
	va_end(ap);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_emit(LOG_CRIT, fmt, ap, NULL);
	va_end(ap);
	exit(1);
}
