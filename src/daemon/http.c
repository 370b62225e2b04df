/*
 * http.c - the HTTP API and the dashboard on evhttp; see http.h.
 *
 * A request goes: limits (connections, then the token's rate) -> route
 * (a row of routes[]: method, path pattern, command, which path segment
 * fills which argument) -> a control request {cmd, args} built from the
 * path, the query string and the JSON body -> fd_command_decode, the same
 * checks the control socket makes -> a read in this module's snapshot, or
 * a write through the writer, answered after the commit.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include "flipdns/daemon/http.h"
#include "flipdns/daemon/metrics.h"
#include "flipdns/daemon/webfiles.h"
#include "flipdns/daemon/writer.h"
#include "flipdns/db/store.h"
#include "flipdns/db/tokens.h"
#include "flipdns/util/log.h"

/* A last use is worth a write once a minute, not once a request. */
#define TOUCH_INTERVAL 60
/* Path segments a route has at most: /api/v1/groups/ADDRESS/switch */
#define MAX_SEGS 6
/* Headers: a bearer token and a browser's usual dozen fit in 8 KiB. */
#define MAX_HEADERS 8192
/* A slow or idle client holds a connection this long at most. */
#define TIMEOUT_SECS 30

struct route {
	enum evhttp_cmd_type method;
	const char *path;       /* segments; "*" matches any one */
	const char *cmd;        /* control command (commands.c) */
	const char *param;      /* the argument "*" fills, or NULL */
	bool body;              /* takes a JSON object body */
	int created;            /* HTTP status on success (200 or 201) */
};

static const struct route routes[] = {
	{EVHTTP_REQ_GET, "/api/v1/status", "status", NULL, false, 200},
	{EVHTTP_REQ_GET, "/api/v1/groups", "group.list", NULL, false, 200},
	{EVHTTP_REQ_POST, "/api/v1/groups", "group.create", NULL, true, 201},
	{EVHTTP_REQ_GET, "/api/v1/groups/*", "group.show", "address", false,
	    200},
	{EVHTTP_REQ_PATCH, "/api/v1/groups/*", "group.set", "address", true,
	    200},
	{EVHTTP_REQ_POST, "/api/v1/groups/*/switch", "group.switch",
	    "address", true, 200},
	{EVHTTP_REQ_DELETE, "/api/v1/groups/*", "group.delete", "address",
	    false, 200},
	{EVHTTP_REQ_GET, "/api/v1/apps", "app.list", NULL, false, 200},
	{EVHTTP_REQ_POST, "/api/v1/apps", "app.add", NULL, true, 201},
	{EVHTTP_REQ_GET, "/api/v1/apps/*", "app.show", "name", false, 200},
	{EVHTTP_REQ_PUT, "/api/v1/apps/*", "app.set", "name", true, 200},
	{EVHTTP_REQ_DELETE, "/api/v1/apps/*", "app.remove", "name", false,
	    200},
	{EVHTTP_REQ_GET, "/api/v1/apps/*/status", "app.status", "name", false,
	    200},
	{EVHTTP_REQ_GET, "/api/v1/history", "history", NULL, false, 200},
	{EVHTTP_REQ_POST, "/api/v1/apps/*/failover", "app.failover", "name",
	    true, 200},
	{EVHTTP_REQ_PUT, "/api/v1/apps/*/check", "app.check", "name", true,
	    200},
	{EVHTTP_REQ_GET, "/api/v1/apps/*/health", "app.health", "name", false,
	    200},
	{EVHTTP_REQ_GET, "/api/v1/stats", "stats", NULL, false, 200},
	{EVHTTP_REQ_GET, "/api/v1/secondaries", "secondaries", NULL, false,
	    200},
};
#define NROUTES (sizeof(routes) / sizeof(routes[0]))

/* Protocol error code -> HTTP status (http.h). */
static const struct {
	const char *code;
	int status;
} statuses[] = {
	{"not_found", 404}, {"exists", 409}, {"invalid", 400}, {"proto", 400},
	{"refused", 409}, {"denied", 403}, {"store_full", 507}, {"busy", 503},
	{"store", 500}, {"internal", 500},
};

/* One token's rate bucket and last use; kept while the daemon runs. */
struct bucket {
	LIST_ENTRY(bucket) entry;
	char name[FD_TOKEN_NAME_MAX];
	double level;             /* requests it may still make now */
	struct timeval at;        /* when level was computed */
	uint64_t used, written;   /* last use seen, last use stored */
};

/* A connection that has made a request (for http.max_connections). */
struct hconn {
	LIST_ENTRY(hconn) entry;
	struct fd_http *h;
	struct evhttp_connection *evcon;
};

struct fd_http {
	struct evhttp *http;
	SSL_CTX *tls;             /* HTTPS when http.tls.cert is set */
	const struct fd_cmd_env *env;
	struct fd_writer *writer;
	struct fd_reader reader;
	struct event *touch_ev;
	LIST_HEAD(, bucket) buckets;
	LIST_HEAD(, hconn) conns;
	unsigned nconns;
};

/* A write waiting for its commit. */
struct pending {
	struct fd_http *h;
	struct evhttp_request *req;
	const struct fd_command *cmd;
	json_t *jreq, *resp;
	int created;
};

struct touch {
	char name[FD_TOKEN_NAME_MAX];
	uint64_t when;
};

static void
send_json(struct evhttp_request *req, int status, json_t *body)
{
	struct evbuffer *out = evbuffer_new();
	char *text = body != NULL ? json_dumps(body, JSON_COMPACT) : NULL;
	struct evkeyvalq *oh = evhttp_request_get_output_headers(req);

	if (out == NULL || text == NULL) {
		free(text);
		if (out != NULL)
			evbuffer_free(out);
		evhttp_send_error(req, HTTP_INTERNAL, "out of memory");
		return;
	}
	evbuffer_add(out, text, strlen(text));
	evbuffer_add(out, "\n", 1);
	free(text);
	evhttp_add_header(oh, "Content-Type", "application/json");
	evhttp_add_header(oh, "Cache-Control", "no-store");
	evhttp_send_reply(req, status, NULL, out);
	evbuffer_free(out);
}

static void
send_error(struct evhttp_request *req, int status, const char *code,
    const char *msg)
{
	json_t *b = json_pack("{s:{s:s, s:s}}", "error", "code", code,
	    "message", msg);

	if (status == 401)
		evhttp_add_header(evhttp_request_get_output_headers(req),
		    "WWW-Authenticate", "Bearer realm=\"flipdns\"");
	send_json(req, status, b);
	json_decref(b);
}

/* A control response -> HTTP: its result, or its error and status. */
static void
send_response(struct evhttp_request *req, json_t *resp, int created)
{
	json_t *err, *b;
	const char *code;
	int status = 500;

	if (json_is_true(json_object_get(resp, "ok"))) {
		send_json(req, created, json_object_get(resp, "result"));
		return;
	}
	err = json_object_get(resp, "error");
	code = json_string_value(json_object_get(err, "code"));
	for (size_t i = 0; code != NULL &&
	    i < sizeof(statuses) / sizeof(statuses[0]); i++)
		if (strcmp(statuses[i].code, code) == 0)
			status = statuses[i].status;
	b = json_pack("{s:O}", "error", err ? err : json_null());
	send_json(req, status, b);
	json_decref(b);
}

static struct bucket *
bucket_get(struct fd_http *h, const char *name)
{
	struct bucket *b;

	LIST_FOREACH(b, &h->buckets, entry)
		if (strcmp(b->name, name) == 0)
			return b;
	if ((b = calloc(1, sizeof(*b))) == NULL)
		return NULL;
	snprintf(b->name, sizeof(b->name), "%s", name);
	b->level = 2.0 * h->env->cfg->http_rate;
	gettimeofday(&b->at, NULL);
	LIST_INSERT_HEAD(&h->buckets, b, entry);
	return b;
}

/* Take one request from the token's bucket; false when it is empty. */
static bool
bucket_take(struct fd_http *h, struct bucket *b)
{
	double rate = h->env->cfg->http_rate, cap = 2.0 * rate;
	struct timeval now;

	gettimeofday(&now, NULL);
	b->level += rate * ((double)(now.tv_sec - b->at.tv_sec) +
	    (double)(now.tv_usec - b->at.tv_usec) / 1e6);
	if (b->level > cap)
		b->level = cap;
	b->at = now;
	if (b->level < 1.0)
		return false;
	b->level -= 1.0;
	b->used = (uint64_t)now.tv_sec;
	return true;
}

static void
conn_closed(struct evhttp_connection *evcon, void *arg)
{
	struct hconn *c = arg;

	LIST_REMOVE(c, entry);
	c->h->nconns--;
	free(c);
}

/* Count the connection on its first request; false past the limit. */
static bool
conn_admit(struct fd_http *h, struct evhttp_request *req)
{
	struct evhttp_connection *evcon = evhttp_request_get_connection(req);
	struct hconn *c;

	if (evcon == NULL)
		return false;
	LIST_FOREACH(c, &h->conns, entry)
		if (c->evcon == evcon)
			return true;
	if (h->nconns >= h->env->cfg->http_max_connections ||
	    (c = calloc(1, sizeof(*c))) == NULL)
		return false;
	c->h = h;
	c->evcon = evcon;
	LIST_INSERT_HEAD(&h->conns, c, entry);
	h->nconns++;
	evhttp_connection_set_closecb(evcon, conn_closed, c);
	return true;
}

/* The token of "Authorization: Bearer TOKEN", checked in a snapshot. */
static enum fd_err
authenticate(struct fd_http *h, struct evhttp_request *req,
    struct fd_token *tok)
{
	const char *a = evhttp_find_header(evhttp_request_get_input_headers(
	    req), "Authorization");
	enum fd_err err;

	if (a == NULL || strncasecmp(a, "Bearer ", 7) != 0)
		return FD_ENOTFOUND;
	a += 7;
	while (*a == ' ')
		a++;
	if ((err = fd_reader_begin(&h->reader)) != FD_OK)
		return err;
	err = fd_token_auth(h->env->st, h->reader.txn, a, strlen(a), tok);
	fd_reader_end(&h->reader);
	return err;
}

/* Split path into at most MAX_SEGS decoded segments; -1 when more. */
static int
split_path(const char *path, char *segs[MAX_SEGS])
{
	const char *p = path, *slash;
	int n = 0;

	while (*p == '/') {
		p++;
		if (*p == '\0')
			break;
		if (n == MAX_SEGS)
			return -1;
		slash = strchr(p, '/');
		if (slash == NULL)
			slash = p + strlen(p);
		{
			char *raw = strndup(p, (size_t)(slash - p));

			segs[n] = raw ? evhttp_uridecode(raw, 0, NULL) : NULL;
			free(raw);
		}
		if (segs[n] == NULL)
			return -1;
		n++;
		p = slash;
	}
	return n;
}

/* The row for method and path; *param gets the "*" segment. */
static const struct route *
route_find(enum evhttp_cmd_type method, char *segs[], int nsegs,
    const char **param, bool *path_known)
{
	*path_known = false;
	for (size_t i = 0; i < NROUTES; i++) {
		char *pat = strdup(routes[i].path), *save = NULL, *s;
		int k = 0;
		bool match = pat != NULL;
		const char *p = NULL;

		for (s = pat ? strtok_r(pat, "/", &save) : NULL; s != NULL &&
		    match; s = strtok_r(NULL, "/", &save), k++) {
			if (k >= nsegs)
				match = false;
			else if (strcmp(s, "*") == 0)
				p = segs[k];
			else if (strcmp(s, segs[k]) != 0)
				match = false;
		}
		free(pat);
		if (!match || k != nsegs)
			continue;
		*path_known = true;
		if (routes[i].method != method)
			continue;
		*param = p;
		return &routes[i];
	}
	return NULL;
}

/* Query string -> args; digits become numbers (limit). */
static void
query_args(struct evhttp_request *req, json_t *args)
{
	const char *q = evhttp_uri_get_query(evhttp_request_get_evhttp_uri(
	    req));
	struct evkeyvalq kv;
	struct evkeyval *e;

	if (q == NULL || evhttp_parse_query_str(q, &kv) != 0)
		return;
	TAILQ_FOREACH(e, &kv, next) {
		size_t n = strlen(e->value);

		if (n > 0 && n < 10 && strspn(e->value, "0123456789") == n)
			json_object_set_new(args, e->key,
			    json_integer(atoll(e->value)));
		else
			json_object_set_new(args, e->key, json_string(e->value));
	}
	evhttp_clear_headers(&kv);
}

/* The JSON body (an object) into args; an error message, or NULL. */
static const char *
body_args(struct evhttp_request *req, json_t *args, char *msg, size_t len)
{
	struct evbuffer *in = evhttp_request_get_input_buffer(req);
	size_t n = evbuffer_get_length(in);
	json_error_t jerr;
	json_t *b;

	if (n == 0)
		return NULL;
	b = json_loadb((const char *)evbuffer_pullup(in, -1), n, 0, &jerr);
	if (b == NULL) {
		snprintf(msg, len, "malformed JSON at column %d: %s", jerr.column,
		    jerr.text);
		return msg;
	}
	if (!json_is_object(b)) {
		json_decref(b);
		return "the body must be a JSON object";
	}
	json_object_update(args, b);
	json_decref(b);
	return NULL;
}

static enum fd_err
write_apply(struct fd_change *chg, void *arg)
{
	struct pending *p = arg;
	struct fd_payload out = {NULL, 0};
	enum fd_err err;

	p->resp = fd_command_write(p->h->env, p->cmd, chg, p->jreq, NULL, &out,
	    &err);
	free(out.data);
	return err;
}

static void
write_done(void *arg, enum fd_err err, const struct fd_change *chg)
{
	struct pending *p = arg;

	if (err != FD_OK && (p->resp == NULL ||
	    json_is_true(json_object_get(p->resp, "ok")))) {
		/* refused by the commit: nothing kept */
		json_decref(p->resp);
		p->resp = fd_command_error(NULL, err, chg->msg);
	}
	if (p->h->env->ms != NULL)
		p->h->env->ms->control[fd_metrics_result(p->resp)]++;
	/* the client may be gone: evhttp then frees the request itself */
	send_response(p->req, p->resp, p->created);
	json_decref(p->resp);
	json_decref(p->jreq);
	free(p);
}

static void
run_api(struct fd_http *h, struct evhttp_request *req,
    const struct route *rt, const char *param, const struct fd_token *tok)
{
	const struct fd_command *cmd;
	struct fd_payload out = {NULL, 0};
	struct pending *p;
	struct fd_actor actor;
	json_t *jreq, *args, *resp;
	const char *bad;
	char msg[256];

	args = json_object();
	query_args(req, args);
	if (rt->body && (bad = body_args(req, args, msg, sizeof(msg))) !=
	    NULL) {
		json_decref(args);
		send_error(req, 400, "proto", bad);
		return;
	}
	if (rt->param != NULL)
		json_object_set_new(args, rt->param, json_string(param));
	jreq = json_pack("{s:i, s:s, s:o}", "v", FD_PROTO_VERSION, "cmd",
	    rt->cmd, "args", args);
	if (jreq == NULL) {
		send_error(req, 400, "proto", "arguments must be UTF-8");
		return;
	}
	if ((resp = fd_command_decode(jreq, &cmd)) != NULL) {
		send_response(req, resp, rt->created);
		json_decref(resp);
		json_decref(jreq);
		return;
	}
	if (!fd_command_writes(cmd)) {
		if (fd_reader_begin(&h->reader) != FD_OK) {
			json_decref(jreq);
			send_error(req, 500, "store", "cannot begin a read "
			    "transaction");
			return;
		}
		resp = fd_command_read(h->env, cmd, h->reader.txn, jreq, NULL,
		    &out);
		fd_reader_end(&h->reader);
		free(out.data);
		if (h->env->ms != NULL)
			h->env->ms->control[fd_metrics_result(resp)]++;
		send_response(req, resp, rt->created);
		json_decref(resp);
		json_decref(jreq);
		return;
	}
	if (tok->role != FD_TOKEN_WRITE) {
		json_decref(jreq);
		send_error(req, 403, "denied", "this token may only read");
		return;
	}
	if ((p = calloc(1, sizeof(*p))) == NULL) {
		json_decref(jreq);
		send_error(req, 500, "internal", "out of memory");
		return;
	}
	p->h = h;
	p->req = req;
	p->cmd = cmd;
	p->jreq = jreq;
	p->created = rt->created;
	snprintf(actor.name, sizeof(actor.name), "%s", tok->name);
	actor.uid = FD_ACTOR_NO_UID;
	if (fd_writer_submit(h->writer, &actor, write_apply, write_done, p) !=
	    FD_OK) {
		json_decref(jreq);
		free(p);
		send_error(req, 503, "busy", "cannot queue the change");
	}
}

/* The dashboard and the OpenAPI document: web/ as compiled in. */
static bool
serve_file(struct evhttp_request *req, const char *path)
{
	struct evbuffer *out;
	struct evkeyvalq *oh = evhttp_request_get_output_headers(req);

	if (strcmp(path, "/") == 0)
		path = "/index.html";
	else if (strcmp(path, "/api/openapi.json") == 0)
		path = "/openapi.json";
	for (size_t i = 0; i < fd_web_nfiles; i++) {
		if (strcmp(fd_web_files[i].path, path) != 0)
			continue;
		if ((out = evbuffer_new()) == NULL) {
			evhttp_send_error(req, HTTP_INTERNAL, "out of memory");
			return true;
		}
		evbuffer_add_reference(out, fd_web_files[i].data,
		    fd_web_files[i].len, NULL, NULL);
		evhttp_add_header(oh, "Content-Type", fd_web_files[i].type);
		/* no frames, no foreign scripts: the page holds a token */
		evhttp_add_header(oh, "Content-Security-Policy",
		    "default-src 'self'; frame-ancestors 'none'");
		evhttp_add_header(oh, "X-Content-Type-Options", "nosniff");
		evhttp_send_reply(req, HTTP_OK, "OK", out);
		evbuffer_free(out);
		return true;
	}
	return false;
}

static void
http_request(struct evhttp_request *req, void *arg)
{
	struct fd_http *h = arg;
	const char *path = evhttp_uri_get_path(evhttp_request_get_evhttp_uri(
	    req));
	enum evhttp_cmd_type method = evhttp_request_get_command(req);
	char *segs[MAX_SEGS];
	const struct route *rt;
	const char *param = NULL;
	struct fd_token tok;
	struct bucket *b;
	bool known;
	int nsegs;
	enum fd_err err;

	if (!conn_admit(h, req)) {
		evhttp_add_header(evhttp_request_get_output_headers(req),
		    "Connection", "close");
		send_error(req, 503, "busy", "too many connections "
		    "(http.max_connections)");
		return;
	}
	if (path == NULL)
		path = "/";
	if ((method == EVHTTP_REQ_GET || method == EVHTTP_REQ_HEAD) &&
	    strncmp(path, "/api/v1/", 8) != 0 &&
	    serve_file(req, path))
		return;
	if ((nsegs = split_path(path, segs)) < 0) {
		send_error(req, 404, "not_found", "no such resource");
		return;
	}
	rt = route_find(method, segs, nsegs, &param, &known);
	if (rt == NULL) {
		if (known)
			send_error(req, 405, "proto", "method not allowed here");
		else
			send_error(req, 404, "not_found", "no such resource");
		goto out;
	}
	if ((err = authenticate(h, req, &tok)) != FD_OK) {
		send_error(req, err == FD_ENOTFOUND || err == FD_EDENIED ? 401 :
		    500, err == FD_ENOTFOUND || err == FD_EDENIED ? "denied" :
		    "store", err == FD_ENOTFOUND ? "an Authorization: Bearer "
		    "token is needed (flipctl token create)" : err ==
		    FD_EDENIED ? "unknown or revoked token" :
		    "cannot read the tokens");
		goto out;
	}
	if ((b = bucket_get(h, tok.name)) != NULL && !bucket_take(h, b)) {
		evhttp_add_header(evhttp_request_get_output_headers(req),
		    "Retry-After", "1");
		send_error(req, 429, "busy", "too many requests for this token "
		    "(http.rate)");
		goto out;
	}
	run_api(h, req, rt, param, &tok);
out:
	for (int i = 0; i < nsegs; i++)
		free(segs[i]);
}

static enum fd_err
touch_apply(struct fd_change *chg, void *arg)
{
	struct touch *t = arg;

	return fd_token_touch(chg, t->name, t->when);
}

static void
touch_done(void *arg, enum fd_err err, const struct fd_change *chg)
{
	if (err != FD_OK)
		log_warnx("http: cannot record a token's last use: %s", chg->msg);
	free(arg);
}

/* Hand the writer every last use not yet stored: one quiet change each. */
static void
touch_flush(struct fd_http *h)
{
	struct fd_actor actor = {"http", FD_ACTOR_NO_UID};
	struct bucket *b;
	struct touch *t;

	LIST_FOREACH(b, &h->buckets, entry) {
		if (b->used <= b->written || (t = calloc(1, sizeof(*t))) == NULL)
			continue;
		snprintf(t->name, sizeof(t->name), "%s", b->name);
		t->when = b->used;
		if (fd_writer_submit(h->writer, &actor, touch_apply, touch_done,
		    t) != FD_OK) {
			free(t);
			continue;
		}
		b->written = b->used;
	}
}

static void
touch_cb(evutil_socket_t fd, short what, void *arg)
{
	touch_flush(arg);
}

/* Each connection's bufferevent: a TLS server end (evhttp_set_bevcb). */
static struct bufferevent *
tls_bev(struct event_base *base, void *arg)
{
	struct fd_http *h = arg;
	SSL *ssl = SSL_new(h->tls);

	if (ssl == NULL)
		return NULL;
	/* frees ssl with the bufferevent (BEV_OPT_CLOSE_ON_FREE) */
	return bufferevent_openssl_socket_new(base, -1, ssl,
	    BUFFEREVENT_SSL_ACCEPTING, BEV_OPT_CLOSE_ON_FREE);
}

static void
tls_warn(const char *what, const char *path)
{
	char buf[256];
	unsigned long e = ERR_get_error();

	ERR_error_string_n(e, buf, sizeof(buf));
	log_warnx("http.tls: %s %s: %s", what, path, e ? buf : "failed");
	ERR_clear_error();
}

/* The server context: TLS 1.2 or later, the chain and its key. */
static enum fd_err
tls_open(struct fd_http *h, const struct fd_config *cfg)
{
	if ((h->tls = SSL_CTX_new(TLS_server_method())) == NULL)
		return FD_ENOMEM;
	SSL_CTX_set_min_proto_version(h->tls, TLS1_2_VERSION);
	if (SSL_CTX_use_certificate_chain_file(h->tls, cfg->http_tls_cert) !=
	    1) {
		tls_warn("cannot load certificate", cfg->http_tls_cert);
		return FD_ECONFIG;
	}
	if (SSL_CTX_use_PrivateKey_file(h->tls, cfg->http_tls_key,
	    SSL_FILETYPE_PEM) != 1) {
		tls_warn("cannot load key", cfg->http_tls_key);
		return FD_ECONFIG;
	}
	if (SSL_CTX_check_private_key(h->tls) != 1) {
		tls_warn("key does not match the certificate", cfg->http_tls_key);
		return FD_ECONFIG;
	}
	evhttp_set_bevcb(h->http, tls_bev, h);
	return FD_OK;
}

enum fd_err
fd_http_open(struct event_base *base, const struct fd_cmd_env *env,
    struct fd_writer *writer, struct fd_http **out)
{
	const struct fd_conf_listen *l = &env->cfg->http_listen;
	struct timeval every = {TOUCH_INTERVAL, 0};
	struct fd_http *h;
	evutil_socket_t fd = -1;
	enum fd_err err;

	*out = NULL;
	if (l->sslen == 0)
		return FD_OK;
	if ((h = calloc(1, sizeof(*h))) == NULL)
		return FD_ENOMEM;
	h->env = env;
	h->writer = writer;
	LIST_INIT(&h->buckets);
	LIST_INIT(&h->conns);
	if ((err = fd_reader_open(env->st, &h->reader)) != FD_OK) {
		free(h);
		return err;
	}
	if ((h->http = evhttp_new(base)) == NULL ||
	    (h->touch_ev = event_new(base, -1, EV_PERSIST, touch_cb, h)) ==
	    NULL) {
		err = FD_ENOMEM;
		goto bad;
	}
	evtimer_add(h->touch_ev, &every);
	if (env->cfg->http_tls_cert[0] != '\0' &&
	    (err = tls_open(h, env->cfg)) != FD_OK)
		goto bad;
	evhttp_set_allowed_methods(h->http, EVHTTP_REQ_GET | EVHTTP_REQ_HEAD |
	    EVHTTP_REQ_POST | EVHTTP_REQ_PUT | EVHTTP_REQ_PATCH |
	    EVHTTP_REQ_DELETE);
	evhttp_set_gencb(h->http, http_request, h);
	evhttp_set_max_headers_size(h->http, MAX_HEADERS);
	/* evhttp answers a longer body 413 before we see it */
	evhttp_set_max_body_size(h->http, env->cfg->http_max_body);
	evhttp_set_timeout(h->http, TIMEOUT_SECS);
	fd = socket(l->ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0);
	if (fd < 0 || evutil_make_listen_socket_reuseable(fd) != 0 ||
	    bind(fd, (const struct sockaddr *)&l->ss, l->sslen) != 0 ||
	    listen(fd, 64) != 0 || evhttp_accept_socket(h->http, fd) != 0) {
		log_warn("http: cannot listen on %s", l->text);
		if (fd >= 0)
			evutil_closesocket(fd);
		err = FD_ESYS;
		goto bad;
	}
	log_info("HTTP API and dashboard on %s://%s/", h->tls ? "https" :
	    "http", l->text);
	*out = h;
	return FD_OK;
bad:
	if (h->touch_ev != NULL)
		event_free(h->touch_ev);
	if (h->http != NULL)
		evhttp_free(h->http);
	if (h->tls != NULL)
		SSL_CTX_free(h->tls);
	fd_reader_close(&h->reader);
	free(h);
	return err;
}

void
fd_http_close(struct fd_http *h)
{
	struct bucket *b;
	struct hconn *c;

	if (h == NULL)
		return;
	/* answered writes first, then the last uses, while clients wait */
	touch_flush(h);
	fd_writer_flush(h->writer);
	evhttp_free(h->http);
	while ((c = LIST_FIRST(&h->conns)) != NULL) {
		LIST_REMOVE(c, entry);
		free(c);
	}
	while ((b = LIST_FIRST(&h->buckets)) != NULL) {
		LIST_REMOVE(b, entry);
		free(b);
	}
	event_free(h->touch_ev);
	if (h->tls != NULL)
		SSL_CTX_free(h->tls);
	fd_reader_close(&h->reader);
	free(h);
}
