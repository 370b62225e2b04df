/*
 * querylog.c - the per-query log line, when zone.log_queries is on.
 *
 * "udp 192.0.2.7#5353 app.example.test. AAAA NOERROR": transport, client,
 * name, type (class too when not IN), rcode, and TC when truncated.
 * Called after the read transaction is reset, never inside it.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>

#include "flipdns/util/log.h"
#include "worker.h"

struct code_name {
	unsigned code;
	const char *name;
};

/* The types a client of this zone plausibly asks; others print as TYPEnn. */
static const struct code_name type_names[] = {
	{1, "A"}, {2, "NS"}, {5, "CNAME"}, {6, "SOA"}, {12, "PTR"},
	{15, "MX"}, {16, "TXT"}, {28, "AAAA"}, {33, "SRV"}, {35, "NAPTR"},
	{43, "DS"}, {46, "RRSIG"}, {47, "NSEC"}, {48, "DNSKEY"}, {64, "SVCB"},
	{65, "HTTPS"}, {251, "IXFR"}, {252, "AXFR"}, {255, "ANY"},
	{257, "CAA"},
};

static const struct code_name class_names[] = {
	{1, "IN"}, {3, "CH"}, {4, "HS"}, {254, "NONE"}, {255, "ANY"},
};

static const char *const rcode_names[] = {
	"NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED",
	"YXDOMAIN", "YXRRSET", "NXRRSET", "NOTAUTH", "NOTZONE",
};

static const char *
code_name(const struct code_name *tab, size_t n, unsigned code,
    const char *prefix, char *buf, size_t buflen)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (tab[i].code == code)
			return tab[i].name;
	snprintf(buf, buflen, "%s%u", prefix, code);
	return buf;
}

void
fd_log_query(const char *proto, const struct sockaddr *peer,
    const struct fd_query_info *info)
{
	const struct sockaddr_in *sin = (const struct sockaddr_in *)peer;
	const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)peer;
	char addr[INET6_ADDRSTRLEN] = "?";
	char tbuf[16], cbuf[16], rbuf[16];
	const char *type, *class = "", *rcode;
	unsigned port = 0;

	if (peer->sa_family == AF_INET) {
		inet_ntop(AF_INET, &sin->sin_addr, addr, sizeof(addr));
		port = ntohs(sin->sin_port);
	} else if (peer->sa_family == AF_INET6) {
		inet_ntop(AF_INET6, &sin6->sin6_addr, addr, sizeof(addr));
		port = ntohs(sin6->sin6_port);
	}
	type = code_name(type_names, sizeof(type_names) / sizeof(type_names[0]),
	    info->qtype, "TYPE", tbuf, sizeof(tbuf));
	if (info->qclass != 1)
		class = code_name(class_names,
		    sizeof(class_names) / sizeof(class_names[0]), info->qclass,
		    "CLASS", cbuf, sizeof(cbuf));
	if (info->rcode < sizeof(rcode_names) / sizeof(rcode_names[0]))
		rcode = rcode_names[info->rcode];
	else {
		snprintf(rbuf, sizeof(rbuf), "RCODE%u", info->rcode);
		rcode = rbuf;
	}
	log_info("%s %s#%u %s %s%s%s %s%s", proto, addr, port,
	    info->qname[0] != '\0' ? info->qname : "-", class,
	    *class != '\0' ? " " : "", type, rcode,
	    info->truncated ? " TC" : "");
}
