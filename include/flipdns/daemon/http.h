/*
 * http.h - the HTTP API (/api/v1/) and the dashboard, on libevent's
 * evhttp, on http.listen (off by default).  HTTPS when http.tls.cert and
 * http.tls.key are set (libevent's OpenSSL bufferevents); plain HTTP only
 * on a loopback address (config.c refuses another).
 *
 * One implementation, two transports: a route turns METHOD PATH, its
 * query string and its JSON body into a control request {cmd, args} and
 * runs it through the same command table as the control socket
 * (commands.h): reads in a snapshot of this module's own reader, writes
 * through the writer (writer.h) with the token's name as the actor, and
 * the response is sent only after the commit.  Error codes map to HTTP
 * statuses (not_found 404, exists 409, invalid/proto 400, refused 409,
 * denied 403, store_full 507, busy 503, others 500); the body is the
 * command's result, or {"error": {"code", "message"}}.
 *
 * Every request but the dashboard's files and /api/openapi.json needs
 * "Authorization: Bearer TOKEN" (tokens.h): no token or an unknown one is
 * 401, a read token asking for a change is 403.  Limits: http.max_body
 * (413), http.max_connections (503), http.rate requests per second per
 * token (429).  A token's last use is kept in memory and written at most
 * once a minute, through the writer, as a quiet change.
 */
#ifndef FLIPDNS_DAEMON_HTTP_H
#define FLIPDNS_DAEMON_HTTP_H

#include <event2/event.h>

#include "flipdns/daemon/commands.h"

struct fd_http;
struct fd_writer;

/*
 * Serve on env->cfg->http_listen from base; *out NULL (and FD_OK) when
 * the key is unset.  env and writer must outlive the listener.  FD_ESYS
 * when the address cannot be bound, FD_ECONFIG when the certificate or
 * key cannot be loaded (logged).
 */
enum fd_err fd_http_open(struct event_base *base, const struct fd_cmd_env *env,
    struct fd_writer *writer, struct fd_http **out);
/* Writes the tokens' pending last use (through the writer), then frees. */
void fd_http_close(struct fd_http *h);

#endif
