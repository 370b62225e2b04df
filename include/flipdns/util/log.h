/*
 * log.h - a tiny logging API in the relayd tradition.
 *
 * log_warn() appends strerror(errno), log_warnx() does not; fatal() logs
 * and exits 1.  Messages go to stderr, and to syslog once log_init() was
 * asked to.  Thread-safe: each message is one write(2)/syslog(3) call.
 */
#ifndef FLIPDNS_LOG_H
#define FLIPDNS_LOG_H

#include <stdbool.h>

void log_init(const char *ident, bool use_syslog, bool debug);
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
void fatalx(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

#endif
