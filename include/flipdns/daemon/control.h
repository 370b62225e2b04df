/*
 * control.h - the control socket: a unix stream socket on the main event
 * loop that takes one JSON request per line (commands.h) and answers one
 * JSON response per line.
 *
 * Requests that arrive together are run as one batch: each write command
 * in a nested transaction of one write transaction, so a burst of flips
 * costs one fsync, and every response is sent only after that commit is
 * durable.  Peers are checked with SO_PEERCRED at accept.
 */
#ifndef FLIPDNS_CONTROL_H
#define FLIPDNS_CONTROL_H

#include <event2/event.h>

#include "flipdns/daemon/commands.h"

/* A request line longer than this is refused: no command needs more. */
#define FD_CONTROL_MAX_LINE (64 * 1024)

struct fd_control;

/*
 * Bind cfg->control_socket (removing a stale socket left by a dead
 * daemon; FD_EEXISTS when a live daemon answers on it) with mode 0660 and
 * start serving on base.  env must outlive the control.
 */
enum fd_err fd_control_open(struct event_base *base,
    const struct fd_cmd_env *env, struct fd_control **out);

/* Stop accepting; requests already read are run and answered first. */
void fd_control_close(struct fd_control *ctl);

#endif
