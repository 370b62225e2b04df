/*
 * xfr_acl.c - who may transfer the zone: transfer.allow, entry by entry.
 * See xfr.h.
 */
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#include "flipdns/dns/xfr.h"

/* The peer's address bytes (IPv4-mapped IPv6 counts as IPv4). */
static int
peer_addr(const struct sockaddr *sa, uint8_t *bytes)
{
	static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	    0xff, 0xff};
	const struct sockaddr_in6 *s6;

	if (sa->sa_family == AF_INET) {
		memcpy(bytes, &((const struct sockaddr_in *)sa)->sin_addr, 4);
		return AF_INET;
	}
	if (sa->sa_family != AF_INET6)
		return 0;
	s6 = (const struct sockaddr_in6 *)sa;
	if (memcmp(s6->sin6_addr.s6_addr, mapped, 12) == 0) {
		memcpy(bytes, s6->sin6_addr.s6_addr + 12, 4);
		return AF_INET;
	}
	memcpy(bytes, s6->sin6_addr.s6_addr, 16);
	return AF_INET6;
}

static bool
in_prefix(const struct fd_zone_acl *e, int family, const uint8_t *bytes)
{
	unsigned full = e->bits / 8, rest = e->bits % 8;

	if (e->family != family)
		return false;
	if (memcmp(e->bytes, bytes, full) != 0)
		return false;
	if (rest == 0)
		return true;
	return ((e->bytes[full] ^ bytes[full]) & (0xff00 >> rest) & 0xff) == 0;
}

enum fd_xfr_acl
fd_xfr_acl(const struct fd_zone *z, const struct sockaddr *peer,
    const struct fd_tsig *t)
{
	enum fd_xfr_acl out = FD_XFR_REFUSE_ADDR;
	uint8_t bytes[16];
	int family;

	if (peer == NULL || (family = peer_addr(peer, bytes)) == 0)
		return FD_XFR_REFUSE_ADDR;
	for (int i = 0; i < z->n_acl; i++) {
		const struct fd_zone_acl *e = &z->acl[i];

		if (!in_prefix(e, family, bytes))
			continue;
		/* a verified request by the entry's key, or no key asked */
		if (e->key < 0 || (t->present && t->error == 0 &&
		    t->key == e->key))
			return FD_XFR_ALLOW;
		out = FD_XFR_REFUSE_KEY;
	}
	return out;
}
