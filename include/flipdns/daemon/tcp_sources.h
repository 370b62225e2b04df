/*
 * tcp_sources.h - open TCP connections per source address, shared by the
 * workers, for tcp.max_per_source (RFC 7766 6.2: what one client may hold).
 *
 * A source is an IPv4 address or an IPv6 /64; an IPv4-mapped address is
 * its IPv4 address.  The table is allocated once for the connections the
 * server can hold and locked by a mutex: taken per accept and per close,
 * never per query.
 */
#ifndef FLIPDNS_TCP_SOURCES_H
#define FLIPDNS_TCP_SOURCES_H

#include <stdbool.h>
#include <sys/socket.h>

#include "flipdns/util/error.h"

struct fd_tcp_sources;

/*
 * A table for max_conns connections at once, at most per_source from
 * each source.  *out stays NULL when per_source is 0 (no cap); the
 * functions below take a NULL table as "no cap".  Errors: FD_ENOMEM,
 * FD_ESYS (no random key).
 */
enum fd_err fd_tcp_sources_new(unsigned max_conns, unsigned per_source,
    struct fd_tcp_sources **out);
void fd_tcp_sources_free(struct fd_tcp_sources *t);

/*
 * Count one more connection from peer's source; false (nothing counted)
 * when it is at the cap.  A peer of another family is never capped.  The
 * caller must not hold more than max_conns at once.
 */
bool fd_tcp_sources_take(struct fd_tcp_sources *t,
    const struct sockaddr_storage *peer);
/* Undo one successful take for peer. */
void fd_tcp_sources_release(struct fd_tcp_sources *t,
    const struct sockaddr_storage *peer);
/* Connections counted for peer's source now (for tests). */
unsigned fd_tcp_sources_count(struct fd_tcp_sources *t,
    const struct sockaddr_storage *peer);

#endif
