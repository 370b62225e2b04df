/*
 * notify.h - telling the service manager how the daemon is doing.
 *
 * Under systemd (Type=notify, NOTIFY_SOCKET set) each call sends one
 * sd_notify(3) message; anywhere else ($NOTIFY_SOCKET unset) each is a
 * no-op, so the daemon calls them unconditionally.  A failed send is
 * logged once and otherwise ignored: the service manager's view is not
 * worth stopping DNS for.
 *
 * The protocol, as systemd reads it (sd_notify(3), systemd.service(5)):
 *   fd_notify_ready       READY=1: start-up is over, the sockets answer;
 *                         also the end of a reload
 *   fd_notify_reloading   RELOADING=1 (+ MONOTONIC_USEC): a reload began;
 *                         the reload then ends with fd_notify_ready()
 *   fd_notify_stopping    STOPPING=1: shutting down
 *   fd_notify_status      STATUS=...: one line `systemctl status` shows
 */
#ifndef FLIPDNS_NOTIFY_H
#define FLIPDNS_NOTIFY_H

void fd_notify_ready(void);
void fd_notify_reloading(void);
void fd_notify_stopping(void);
/* text is copied; a newline in it would end the field, so it becomes ' '. */
void fd_notify_status(const char *text);

#endif
