/*
 * probe.h - one health probe of one endpoint, as a libcurl easy handle
 * (daemon/ internal; the prober runs them on its curl multi).
 *
 * tcp connects and nothing more (CURLOPT_CONNECT_ONLY).  http and https
 * send GET path to the endpoint's address, with the check's host name
 * (or the app's, for an app given by --cname) in the URL: so it is the
 * Host header, the TLS SNI and the name the certificate must carry,
 * while CURLOPT_CONNECT_TO sends the connection to the address being
 * checked, never to wherever DNS says.  Certificates are always verified
 * (the system's CA store, or health.ca_file).  No proxy from the
 * environment, no redirects, no connection reuse: each probe is a fresh
 * connection, as a client's would be.
 */
#ifndef FLIPDNS_DAEMON_PROBE_H
#define FLIPDNS_DAEMON_PROBE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <curl/curl.h>

#include "flipdns/db/health.h"

/* What one probe in flight holds besides its easy handle. */
struct fd_probe {
	CURL *easy;
	char *body;                  /* what was read, up to FD_CHECK_READ_MAX */
	size_t body_len, body_cap;
	bool want_body;              /* the check matches a body substring */
	char errbuf[CURL_ERROR_SIZE];
	char url[FD_CHECK_PATH_MAX + FD_DNAME_TEXT_MAX + 64];
	char connect_to[FD_DNAME_TEXT_MAX + 96];
	struct curl_slist *connect_list;
};

/* The outcome: passed or not, how long it took, and in words. */
struct fd_probe_result {
	bool ok;
	uint32_t latency_us;
	char text[200];              /* "HTTP 200", "connection refused", ... */
};

/*
 * Prepare p for check ck of the endpoint at addr (text form addr_text,
 * IPv6 without brackets), with host the name for Host and SNI ("" for
 * none: the address itself), verifying with ca_file ("" for the system
 * store).  FD_ENOMEM when curl cannot make a handle.
 */
enum fd_err fd_probe_init(struct fd_probe *p, const struct fd_check *ck,
    const char *addr_text, int family, const char *host, const char *ca_file);
/* Read what a finished probe says (rc: the transfer's result). */
void fd_probe_outcome(struct fd_probe *p, const struct fd_check *ck,
    CURLcode rc, struct fd_probe_result *out);
/* Free what fd_probe_init made (the easy handle too). */
void fd_probe_clear(struct fd_probe *p);

#endif
