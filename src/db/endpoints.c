/* endpoints.c - an app's endpoints from user text, checked; see changes.h. */
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "flipdns/db/changes.h"

enum fd_err
fd_endpoints_cname(struct fd_endpoints *ep, const char *host, char *msg,
    size_t msglen)
{
	int len;

	memset(ep, 0, sizeof(*ep));
	ep->kind = FD_APP_CNAME;
	if (!fd_hostname_valid(host) ||
	    (len = fd_dname_from_text(host, ep->cname_wire)) < 2) {
		snprintf(msg, msglen, "'%s' is not a valid host name", host);
		return FD_EINVAL;
	}
	ep->cname_len = (uint16_t)len;
	return FD_OK;
}

void
fd_endpoints_clear_addrs(struct fd_endpoints *ep)
{
	memset(ep, 0, sizeof(*ep));
	ep->kind = FD_APP_ADDRS;
}

enum fd_err
fd_endpoints_add_addr(struct fd_endpoints *ep, const char *ip, char *msg,
    size_t msglen)
{
	uint8_t bytes[16];
	int af = fd_ip_parse(ip, bytes);

	if (af == 0) {
		snprintf(msg, msglen, "'%s' is not an IPv4 or IPv6 address", ip);
		return FD_EINVAL;
	}
	if (ep->n4 + ep->n6 >= FD_APP_MAX_ADDRS) {
		snprintf(msg, msglen, "too many addresses (at most %d)",
		    FD_APP_MAX_ADDRS);
		return FD_EINVAL;
	}
	/* an RRset holds each address once */
	if (af == AF_INET) {
		for (int i = 0; i < ep->n4; i++)
			if (memcmp(ep->a4[i], bytes, 4) == 0)
				goto dup;
		memcpy(ep->a4[ep->n4++], bytes, 4);
	} else {
		for (int i = 0; i < ep->n6; i++)
			if (memcmp(ep->a6[i], bytes, 16) == 0)
				goto dup;
		memcpy(ep->a6[ep->n6++], bytes, 16);
	}
	return FD_OK;
dup:
	snprintf(msg, msglen, "address %s is given twice", ip);
	return FD_EINVAL;
}
