/*
 * daemon.h - flipdnsd's life: bind, open the store, drop privileges,
 * serve DNS on the workers and control requests on the main loop,
 * re-read the configuration on SIGHUP or `flipctl reload`, and shut down
 * cleanly on SIGTERM/SIGINT.
 */
#ifndef FLIPDNS_DAEMON_H
#define FLIPDNS_DAEMON_H

#include "flipdns/conf/config.h"

/*
 * Run with cfg, read from config_path (which a reload reads again), until
 * SIGTERM or SIGINT; returns the process exit status.
 */
int fd_daemon_run(const char *config_path, const struct fd_config *cfg);

/*
 * Switch to user (and its group), as root after binding: setgroups,
 * setgid, setuid in that order, each checked, then verified irreversible.
 * Already running as user (and its group), e.g. under systemd's User=,
 * it changes nothing and succeeds.
 * FD_ENOTFOUND for an unknown user, FD_ESYS otherwise.
 */
enum fd_err fd_privdrop(const char *user);

#endif
