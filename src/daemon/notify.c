/* notify.c - sd_notify(3) messages to the service manager; see notify.h. */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <systemd/sd-daemon.h>

#include "flipdns/daemon/notify.h"
#include "flipdns/util/log.h"

/* STATUS= is one line for people; longer text is cut. */
#define STATUS_MAX 256

/*
 * sd_notify() returns 0 when $NOTIFY_SOCKET is unset (not under systemd),
 * >0 when sent, <0 (-errno) on failure.  unset_environment stays 0: the
 * later messages (stopping, reloading) need the variable too.
 */
static void
notify(const char *msg)
{
	static bool warned;
	int rc = sd_notify(0, msg);

	if (rc < 0 && !warned) {
		warned = true;
		log_warnx("sd_notify: %s", strerror(-rc));
	}
}

void
fd_notify_ready(void)
{
	notify("READY=1");
}

/*
 * MONOTONIC_USEC is what systemd 253's Type=notify-reload wants with
 * RELOADING=1; systemd 252 (Debian 12) ignores it.
 */
void
fd_notify_reloading(void)
{
	struct timespec ts;
	char msg[64];

	clock_gettime(CLOCK_MONOTONIC, &ts);
	snprintf(msg, sizeof(msg), "RELOADING=1\nMONOTONIC_USEC=%llu",
	    (unsigned long long)ts.tv_sec * 1000000ULL +
	    (unsigned long long)ts.tv_nsec / 1000ULL);
	notify(msg);
}

void
fd_notify_stopping(void)
{
	notify("STOPPING=1");
}

void
fd_notify_status(const char *text)
{
	char msg[sizeof("STATUS=") + STATUS_MAX];
	char *p;

	snprintf(msg, sizeof(msg), "STATUS=%s", text);
	for (p = msg; *p != '\0'; p++)
		if (*p == '\n')
			*p = ' ';
	notify(msg);
}
