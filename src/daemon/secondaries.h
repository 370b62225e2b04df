/*
 * secondaries.h - what flipdns knows of its secondaries, for `flipctl
 * secondaries` (internal to daemon/): per secondary, the last NOTIFY
 * sent and acknowledged, and the last transfer it took.
 *
 * The NOTIFY targets (transfer.notify) are listed first, in config
 * order; a peer that transfers from another address gets an entry of
 * its own, up to FD_SECONDARIES_MAX.  Transfers end on worker threads
 * and NOTIFYs on the main thread, so a mutex guards the table: it is
 * taken once per NOTIFY sent or answered and once per transfer, never on
 * the query path.
 */
#ifndef FLIPDNS_DAEMON_SECONDARIES_H
#define FLIPDNS_DAEMON_SECONDARIES_H

#include <stdint.h>
#include <sys/socket.h>
#include <jansson.h>

#include "flipdns/conf/config.h"

/* NOTIFY targets plus as many other peers: beyond, not remembered. */
#define FD_SECONDARIES_MAX (2 * FD_CONF_MAX_NOTIFY)

struct fd_secondaries;

struct fd_secondaries *fd_secondaries_new(void);
void fd_secondaries_free(struct fd_secondaries *s);

/* The NOTIFY targets of cfg become the first entries (start, reload). */
void fd_secondaries_configure(struct fd_secondaries *s,
    const struct fd_config *cfg);

/* A transfer to peer ended complete (any thread). */
void fd_secondaries_transferred(struct fd_secondaries *s,
    const struct sockaddr *peer, const char *kind, uint32_t serial);

/* NOTIFY target i (transfer.notify index): sent, acknowledged. */
void fd_secondaries_notify_sent(struct fd_secondaries *s, int i,
    uint32_t serial);
void fd_secondaries_notify_acked(struct fd_secondaries *s, int i,
    uint32_t serial);

/*
 * {"serial": N, "secondaries": [{"address", "notify": {...} or null,
 * "transfer": {...} or null, "lag"}...]}; lag is serial minus the last
 * serial the secondary transferred (RFC 1982), null when it never did.
 */
json_t *fd_secondaries_json(struct fd_secondaries *s, uint32_t serial);

#endif
