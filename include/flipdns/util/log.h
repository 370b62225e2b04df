/*
 * log.h - a tiny logging API in the relayd tradition.
 *
 * log_warn() appends strerror(errno), log_warnx() does not: use log_warn
 * only right after the call that set errno, so no message ends in a stale
 * one.  fatal() logs and exits 1.  Every line carries its level.
 *
 * Where lines go: stderr always; to syslog too when asked.  On stderr a
 * line is "TIME IDENT[PID]: LEVEL: message", except under journald
 * (stderr is the journal's stream, $JOURNAL_STREAM), which stamps lines
 * itself: there each line starts with sd-daemon(3)'s "<N>" priority so
 * the journal files it at its level.  Lines below the level set are not
 * written.  Thread-safe: each message is one write(2)/syslog(3) call, and
 * the settings are plain words a reload may change between messages.
 */
#ifndef FLIPDNS_LOG_H
#define FLIPDNS_LOG_H

#include <stdbool.h>

/* In order of severity; the numbers are syslog's. */
enum log_level {
	LOG_LEVEL_ERROR = 3,
	LOG_LEVEL_WARNING = 4,
	LOG_LEVEL_INFO = 6,
	LOG_LEVEL_DEBUG = 7,
};

void log_init(const char *ident, bool use_syslog, enum log_level level);
/* For a reload: the new level and syslog setting. */
void log_configure(bool use_syslog, enum log_level level);
/* "debug", "info", "warning", "error" -> level; false if none of them. */
bool log_level_parse(const char *name, enum log_level *out);
const char *log_level_name(enum log_level level);

void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
void fatalx(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

#endif
