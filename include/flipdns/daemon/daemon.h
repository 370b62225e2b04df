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
 * The descriptor budget (nofile.c): raise RLIMIT_NOFILE's soft limit to
 * the hard one, then check that everything the daemon may hold open at
 * once fits: its own files, each worker's sockets and event loop,
 * cfg->tcp_max_clients connections, and a reserve kept for the control
 * socket (FD_CONTROL_MAX_CONNS) and listeners to come, so operators
 * always get in however many DNS clients are connected.  FD_ECONFIG
 * (logged, with the largest tcp.max_clients that would fit) when it does
 * not; FD_ESYS when the limit cannot be read.
 */
enum fd_err fd_nofile_budget(const struct fd_config *cfg);

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
