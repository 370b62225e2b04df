/*
 * endpoints.c - an app's endpoints from user text, checked; see
 * changes.h.
 *
 * An endpoint that no client can use is refused here, with the reason,
 * rather than served: a customer's name would go dark with no error
 * anywhere.  Addresses that work only inside some network (loopback,
 * private ranges) are allowed, since tests and internal deployments use
 * them, but fd_addr_warning() names them so the operator is told.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "flipdns/db/changes.h"

enum addr_verdict { ADDR_REFUSE, ADDR_WARN };

/* Checked in order, the first match decides; everything else is fine. */
static const struct addr_rule {
	int af;
	uint8_t prefix[16];
	int bits;
	enum addr_verdict verdict;
	const char *why;
} addr_rules[] = {
	{AF_INET, {255, 255, 255, 255}, 32, ADDR_REFUSE,
	    "the broadcast address: no client can reach an app there"},
	{AF_INET, {0}, 8, ADDR_REFUSE,
	    "in 0.0.0.0/8, \"this network\" (0.0.0.0 is the unspecified "
	    "address): no client can reach an app there"},
	{AF_INET, {224}, 4, ADDR_REFUSE,
	    "a multicast address (224.0.0.0/4): no client can reach an app "
	    "there"},
	{AF_INET6, {0}, 128, ADDR_REFUSE,
	    "the unspecified address (::): no client can reach an app there"},
	{AF_INET6, {0xff}, 8, ADDR_REFUSE,
	    "a multicast address (ff00::/8): no client can reach an app "
	    "there"},
	{AF_INET6, {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff}, 96, ADDR_REFUSE,
	    "an IPv4-mapped IPv6 address (::ffff:0:0/96), which no client "
	    "uses on the wire: give the IPv4 address itself"},
	{AF_INET, {127}, 8, ADDR_WARN,
	    "a loopback address: each client reaches itself, not the app"},
	{AF_INET6, {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}, 128,
	    ADDR_WARN,
	    "the loopback address: each client reaches itself, not the app"},
	{AF_INET, {10}, 8, ADDR_WARN,
	    "a private address (10.0.0.0/8, RFC 1918): only clients inside "
	    "that network reach it"},
	{AF_INET, {172, 16}, 12, ADDR_WARN,
	    "a private address (172.16.0.0/12, RFC 1918): only clients "
	    "inside that network reach it"},
	{AF_INET, {192, 168}, 16, ADDR_WARN,
	    "a private address (192.168.0.0/16, RFC 1918): only clients "
	    "inside that network reach it"},
	{AF_INET, {100, 64}, 10, ADDR_WARN,
	    "shared address space (100.64.0.0/10, RFC 6598): only clients "
	    "behind that carrier's NAT reach it"},
	{AF_INET, {169, 254}, 16, ADDR_WARN,
	    "a link-local address (169.254.0.0/16): only clients on that "
	    "link reach it"},
	{AF_INET6, {0xfc}, 7, ADDR_WARN,
	    "a unique local address (fc00::/7): only clients inside that "
	    "network reach it"},
	{AF_INET6, {0xfe, 0x80}, 10, ADDR_WARN,
	    "a link-local address (fe80::/10): only clients on that link "
	    "reach it"},
};

static bool
prefix_match(const uint8_t *a, const uint8_t *prefix, int bits)
{
	int full = bits / 8, rest = bits % 8;

	if (memcmp(a, prefix, (size_t)full) != 0)
		return false;
	return rest == 0 || ((a[full] ^ prefix[full]) &
	    (uint8_t)(0xff << (8 - rest))) == 0;
}

static const struct addr_rule *
addr_rule(int af, const uint8_t *bytes)
{
	for (size_t i = 0; i < sizeof(addr_rules) / sizeof(addr_rules[0]); i++)
		if (addr_rules[i].af == af &&
		    prefix_match(bytes, addr_rules[i].prefix, addr_rules[i].bits))
			return &addr_rules[i];
	return NULL;
}

bool
fd_addr_warning(int af, const uint8_t *bytes, char *msg, size_t msglen)
{
	const struct addr_rule *r = addr_rule(af, bytes);
	char text[INET6_ADDRSTRLEN];

	if (r == NULL || r->verdict != ADDR_WARN)
		return false;
	inet_ntop(af, bytes, text, sizeof(text));
	snprintf(msg, msglen, "%s is %s", text, r->why);
	return true;
}

/* Same answer data, comparing only the bytes that are in use. */
bool
fd_endpoints_equal(const struct fd_endpoints *a, const struct fd_endpoints *b)
{
	if (a->kind != b->kind)
		return false;
	if (a->kind == FD_APP_CNAME)
		return a->cname_len == b->cname_len &&
		    memcmp(a->cname_wire, b->cname_wire, a->cname_len) == 0;
	return a->n4 == b->n4 && a->n6 == b->n6 &&
	    memcmp(a->a4, b->a4, (size_t)a->n4 * 4) == 0 &&
	    memcmp(a->a6, b->a6, (size_t)a->n6 * 16) == 0;
}

void
fd_endpoints_of(const struct fd_app_view *v, struct fd_endpoints *ep)
{
	memset(ep, 0, sizeof(*ep));
	ep->kind = v->kind;
	if (v->kind == FD_APP_CNAME) {
		memcpy(ep->cname_wire, v->cname_wire, v->cname_len);
		ep->cname_len = v->cname_len;
	} else {
		ep->n4 = v->n4;
		ep->n6 = v->n6;
		memcpy(ep->a4, v->a4, (size_t)v->n4 * 4);
		memcpy(ep->a6, v->a6, (size_t)v->n6 * 16);
	}
}

enum fd_err
fd_endpoints_cname(struct fd_endpoints *ep, const char *host, char *msg,
    size_t msglen)
{
	char bare[FD_DNAME_TEXT_MAX];
	uint8_t ip[16];
	size_t len = strlen(host);
	int wlen;

	memset(ep, 0, sizeof(*ep));
	ep->kind = FD_APP_CNAME;
	/* "192.0.2.1." is still an address someone meant as one */
	snprintf(bare, sizeof(bare), "%.*s", len > 0 && host[len - 1] == '.' ?
	    (int)len - 1 : (int)len, host);
	if (fd_ip_parse(bare, ip) != 0) {
		snprintf(msg, msglen, "'%s' is an IP address, not a host name: "
		    "give it as an address (--addr; addrs in a file)", host);
		return FD_EINVAL;
	}
	if (!fd_hostname_valid(host) ||
	    (wlen = fd_dname_from_text(host, ep->cname_wire)) < 2) {
		snprintf(msg, msglen, "'%s' is not a valid host name", host);
		return FD_EINVAL;
	}
	/* one label and the root: a bare "lb1" that every resolver reads
	 * as a top-level domain, never as the host someone meant */
	if ((size_t)ep->cname_wire[0] + 2 == (size_t)wlen) {
		snprintf(msg, msglen, "'%s' is a single label, which resolvers "
		    "take as a top-level domain: give the full host name "
		    "(e.g. %.*s.example.com)", host, (int)strcspn(host, "."),
		    host);
		return FD_EINVAL;
	}
	ep->cname_len = (uint16_t)wlen;
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
	const struct addr_rule *rule;
	uint8_t bytes[16];
	int af = fd_ip_parse(ip, bytes);

	if (af == 0) {
		snprintf(msg, msglen, "'%s' is not an IPv4 or IPv6 address", ip);
		return FD_EINVAL;
	}
	if ((rule = addr_rule(af, bytes)) != NULL &&
	    rule->verdict == ADDR_REFUSE) {
		snprintf(msg, msglen, "%s is %s", ip, rule->why);
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
