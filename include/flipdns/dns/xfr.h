/*
 * xfr.h - zone transfers out (AXFR, RFC 5936; IXFR, RFC 1995) without
 * sockets: who may transfer, and the messages of a transfer, built one at
 * a time from one store snapshot.
 */
#ifndef FLIPDNS_DNS_XFR_H
#define FLIPDNS_DNS_XFR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "flipdns/dns/tsig.h"
#include "flipdns/dns/zone.h"

/* What transfer.allow says of a request. */
enum fd_xfr_acl {
	FD_XFR_ALLOW,
	FD_XFR_REFUSE_ADDR,   /* the peer is in no entry: REFUSED */
	FD_XFR_REFUSE_KEY,    /* in one, but without its key: NOTAUTH */
};

/*
 * The first entry that lets peer transfer with the request's TSIG t
 * (verified: t->error 0) wins; with none, REFUSE_KEY if the peer is in
 * some entry's prefix, else REFUSE_ADDR.  An IPv4-mapped IPv6 peer is
 * matched as IPv4.  peer NULL: REFUSE_ADDR.
 */
enum fd_xfr_acl fd_xfr_acl(const struct fd_zone *z,
    const struct sockaddr *peer, const struct fd_tsig *t);

#endif
