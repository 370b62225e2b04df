/*
 * control.h - the control socket: a unix stream socket on the main event
 * loop that takes one JSON request per line (commands.h) and answers one
 * JSON response per line, in order, per connection.
 *
 * Write commands go to the writer (writer.h): those that arrive together
 * share one commit, and each response is sent only once it is durable.
 * Read commands run in a snapshot of their own, never in the writer's
 * transaction; export streams the zone from its own snapshot, a chunk at
 * a time as the peer reads it, so neither holds up a change.  Peers are
 * checked with SO_PEERCRED at accept.
 */
#ifndef FLIPDNS_CONTROL_H
#define FLIPDNS_CONTROL_H

#include <event2/event.h>

#include "flipdns/daemon/commands.h"

/* A request line longer than this is refused: no command needs more. */
#define FD_CONTROL_MAX_LINE (64 * 1024)

/*
 * Control connections open at once; one more is told "busy" and closed.
 * Operators and their scripts need a handful; the bound is what the
 * descriptor budget keeps for them (nofile.c), so DNS clients can never
 * take their descriptors.
 */
#define FD_CONTROL_MAX_CONNS 64

/*
 * Backpressure, per connection: requests read ahead of their turn, and
 * answers not yet taken by the peer.  Past either the connection is not
 * read (its socket buffer fills and its writes block: the kernel holds
 * the backlog, not our heap) and queued requests wait; once the peer has
 * read its answers down to OUT_LOW both go on.  16 requests keep a
 * pipelining script busy; 1 MiB holds several pages of any list and is
 * many times what a socket buffer passes at once.  The most a connection
 * holds is then about OUT_HIGH, one answer (a page of up to 10,000
 * groups is a few MiB) and 16 request lines, so even 64 connections
 * stay far below the memory of one large import.
 */
#define FD_CONTROL_QUEUE_MAX 16
#define FD_CONTROL_OUT_HIGH (1024 * 1024)
#define FD_CONTROL_OUT_LOW (256 * 1024)

struct fd_control;

struct fd_writer;

/*
 * Bind cfg->control_socket (removing a stale socket left by a dead
 * daemon; FD_EEXISTS when a live daemon answers on it) with mode 0660 and
 * start serving on base, submitting changes to writer.  env and writer
 * must outlive the control.
 */
enum fd_err fd_control_open(struct event_base *base,
    const struct fd_cmd_env *env, struct fd_writer *writer,
    struct fd_control **out);

/*
 * Stop accepting; requests with the writer are committed and answered
 * first.  Call before freeing the writer.
 */
void fd_control_close(struct fd_control *ctl);

#endif
