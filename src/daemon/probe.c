/* probe.c - one health probe as a libcurl easy handle; see probe.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "probe.h"

#define UA "flipdns-health/" FLIPDNS_VERSION

/* Keep the first FD_CHECK_READ_MAX bytes; read and drop the rest. */
static size_t
on_body(char *data, size_t size, size_t n, void *arg)
{
	struct fd_probe *p = arg;
	size_t len = size * n, take;

	if (!p->want_body || p->body_len >= FD_CHECK_READ_MAX)
		return len;
	take = len < FD_CHECK_READ_MAX - p->body_len ? len :
	    FD_CHECK_READ_MAX - p->body_len;
	if (p->body_len + take > p->body_cap) {
		size_t cap = p->body_cap ? p->body_cap * 2 : 4096;
		char *nb;

		while (cap < p->body_len + take)
			cap *= 2;
		if ((nb = realloc(p->body, cap)) == NULL)
			return 0;    /* the transfer fails: counted as down */
		p->body = nb;
		p->body_cap = cap;
	}
	memcpy(p->body + p->body_len, data, take);
	p->body_len += take;
	return len;
}

static const char *const schemes[] = {
	[FD_CHECK_TCP] = "http", [FD_CHECK_HTTP] = "http",
	[FD_CHECK_HTTPS] = "https",
};

enum fd_err
fd_probe_init(struct fd_probe *p, const struct fd_check *ck,
    const char *addr_text, int family, const char *host, const char *ca_file)
{
	char lit[64];
	CURL *e;

	memset(p, 0, sizeof(*p));
	if ((e = curl_easy_init()) == NULL)
		return FD_ENOMEM;
	p->easy = e;
	snprintf(lit, sizeof(lit), family == AF_INET6 ? "[%s]" : "%s",
	    addr_text);
	/* the name in the URL is Host, SNI and the certificate's name */
	snprintf(p->url, sizeof(p->url), "%s://%s:%u%s",
	    schemes[ck->type], host[0] ? host : lit, ck->port,
	    ck->type == FD_CHECK_TCP ? "/" : ck->path[0] ? ck->path : "/");
	if (host[0] != '\0') {
		/* ... and the connection goes to the address under check */
		snprintf(p->connect_to, sizeof(p->connect_to), "%s:%u:%s:%u",
		    host, ck->port, lit, ck->port);
		if ((p->connect_list = curl_slist_append(NULL, p->connect_to)) ==
		    NULL) {
			fd_probe_clear(p);
			return FD_ENOMEM;
		}
		curl_easy_setopt(e, CURLOPT_CONNECT_TO, p->connect_list);
	}
	curl_easy_setopt(e, CURLOPT_URL, p->url);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	/* "": no proxy, whatever http_proxy says in our environment */
	curl_easy_setopt(e, CURLOPT_PROXY, "");
	curl_easy_setopt(e, CURLOPT_FORBID_REUSE, 1L);
	curl_easy_setopt(e, CURLOPT_FRESH_CONNECT, 1L);
	curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)ck->timeout_ms);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, (long)ck->timeout_ms);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, p->errbuf);
	curl_easy_setopt(e, CURLOPT_USERAGENT, UA);
	if (ck->type == FD_CHECK_TCP) {
		curl_easy_setopt(e, CURLOPT_CONNECT_ONLY, 1L);
		return FD_OK;
	}
	curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
	curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, NULL);
	p->want_body = ck->body[0] != '\0';
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, p);
	if (ck->type == FD_CHECK_HTTPS) {
		curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L);
		curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L);
		if (ca_file[0] != '\0')
			curl_easy_setopt(e, CURLOPT_CAINFO, ca_file);
	}
	return FD_OK;
}

void
fd_probe_outcome(struct fd_probe *p, const struct fd_check *ck, CURLcode rc,
    struct fd_probe_result *out)
{
	curl_off_t us = 0;
	long code = 0;

	memset(out, 0, sizeof(*out));
	curl_easy_getinfo(p->easy, ck->type == FD_CHECK_TCP ?
	    CURLINFO_CONNECT_TIME_T : CURLINFO_TOTAL_TIME_T, &us);
	out->latency_us = us > UINT32_MAX ? UINT32_MAX : (uint32_t)us;
	if (rc != CURLE_OK) {
		snprintf(out->text, sizeof(out->text), "%.199s",
		    p->errbuf[0] ? p->errbuf : curl_easy_strerror(rc));
		return;
	}
	if (ck->type == FD_CHECK_TCP) {
		out->ok = true;
		snprintf(out->text, sizeof(out->text), "connected");
		return;
	}
	curl_easy_getinfo(p->easy, CURLINFO_RESPONSE_CODE, &code);
	if (!fd_check_expects(ck, (unsigned)code)) {
		char want[128];

		fd_check_expect_text(ck, want, sizeof(want));
		snprintf(out->text, sizeof(out->text), "HTTP %ld, expected %s",
		    code, want);
		return;
	}
	if (p->want_body && (p->body == NULL || memmem(p->body, p->body_len,
	    ck->body, strlen(ck->body)) == NULL)) {
		snprintf(out->text, sizeof(out->text), "HTTP %ld, but the body "
		    "lacks \"%.60s\"", code, ck->body);
		return;
	}
	out->ok = true;
	snprintf(out->text, sizeof(out->text), "HTTP %ld", code);
}

void
fd_probe_clear(struct fd_probe *p)
{
	if (p->easy != NULL)
		curl_easy_cleanup(p->easy);
	curl_slist_free_all(p->connect_list);
	free(p->body);
	memset(p, 0, sizeof(*p));
}
