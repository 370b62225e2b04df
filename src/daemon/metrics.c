/* metrics.c - counters as Prometheus text and JSON; see metrics.h. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/http.h>

#include "flipdns/daemon/health.h"
#include "flipdns/daemon/metrics.h"
#include "flipdns/daemon/server.h"
#include "flipdns/daemon/writer.h"
#include "flipdns/db/txn.h"
#include "flipdns/dns/stats.h"
#include "flipdns/util/log.h"

/* "ok", then the protocol's error codes (util/error.c), in this order. */
static const char *const results[FD_CONTROL_RESULTS] = {
	"ok", "not_found", "exists", "invalid", "refused", "store_full",
	"store", "proto", "denied", "busy", "internal",
};

int
fd_metrics_result(const json_t *resp)
{
	const char *code;

	if (json_is_true(json_object_get(resp, "ok")))
		return 0;
	code = json_string_value(json_object_get(json_object_get(resp,
	    "error"), "code"));
	for (int i = 1; i < FD_CONTROL_RESULTS && results[i] != NULL; i++)
		if (code != NULL && strcmp(code, results[i]) == 0)
			return i;
	/* a code this table does not know counts as "internal" */
	for (int i = 1; i < FD_CONTROL_RESULTS && results[i] != NULL; i++)
		if (strcmp(results[i], "internal") == 0)
			return i;
	return 0;
}

/* {name: value} for each entry of a counter array with names. */
static json_t *
by_name(const fd_counter *c, int n, const char *(*name)(int))
{
	json_t *o = json_object();

	for (int i = 0; i < n; i++)
		json_object_set_new(o, name(i), json_integer(
		    (json_int_t)fd_counter_get(&c[i])));
	return o;
}

static const char *
proto_name(int i)
{
	return fd_stats_proto_name((enum fd_proto)i);
}

static const char *
qtype_name(int i)
{
	return fd_stats_qtype_name((enum fd_stat_qtype)i);
}

static const char *
rcode_name(int i)
{
	return fd_stats_rcode_name((enum fd_stat_rcode)i);
}

json_t *
fd_metrics_json(const struct fd_metrics_src *src)
{
	struct fd_stats s;
	struct fd_store_usage u;
	unsigned tcp_open;
	json_t *m, *control;
	MDB_txn *txn;
	uint32_t serial = 0;
	size_t groups = 0, apps = 0, tombs = 0;

	fd_server_stats(src->srv, &s, &tcp_open);
	fd_store_usage(src->st, &u);
	if (fd_txn_begin_read(src->st, &txn) == FD_OK) {
		serial = fd_store_serial(src->st, txn);
		groups = fd_store_count(src->st, txn, FD_DB_GROUPS);
		apps = fd_store_count(src->st, txn, FD_DB_APPS);
		tombs = fd_store_count(src->st, txn, FD_DB_TOMBSTONES);
		fd_txn_abort(txn);
	}
	control = json_object();
	for (int i = 0; i < FD_CONTROL_RESULTS && results[i] != NULL; i++)
		json_object_set_new(control, results[i], json_integer(
		    (json_int_t)src->ms->control[i]));
	m = json_pack("{s:o, s:o, s:o, s:o, s:I, s:I, s:I,"
	    " s:{s:I, s:I, s:I, s:I}, s:o,"
	    " s:I, s:I, s:I, s:I, s:I,"
	    " s:{s:I, s:I, s:I}, s:I, s:I, s:I, s:I}",
	    "queries", by_name(s.queries, FD_PROTO_COUNT, proto_name),
	    "dropped", by_name(s.dropped, FD_PROTO_COUNT, proto_name),
	    "qtype", by_name(s.qtype, FD_SQT_COUNT, qtype_name),
	    "rcode", by_name(s.rcode, FD_SRC_COUNT, rcode_name),
	    "truncated", (json_int_t)fd_counter_get(&s.truncated),
	    "rrl_dropped", (json_int_t)fd_counter_get(&s.rrl_dropped),
	    "rrl_slipped", (json_int_t)fd_counter_get(&s.rrl_slipped),
	    "tcp",
	    "open", (json_int_t)tcp_open,
	    "accepted", (json_int_t)fd_counter_get(&s.tcp_accepted),
	    "refused", (json_int_t)fd_counter_get(&s.tcp_refused),
	    "evicted", (json_int_t)fd_counter_get(&s.tcp_evicted),
	    "control", control,
	    "commits", (json_int_t)fd_writer_commits(src->writer),
	    "changes", (json_int_t)src->ms->changes,
	    "switches", (json_int_t)src->ms->switches,
	    "reloads", (json_int_t)src->ms->reloads,
	    "serial", (json_int_t)serial,
	    "store",
	    "pages_used", (json_int_t)u.pages_used,
	    "page_size", (json_int_t)u.page_size,
	    "map_size", (json_int_t)u.map_size,
	    "groups", (json_int_t)groups,
	    "apps", (json_int_t)apps,
	    "tombstones", (json_int_t)tombs,
	    "uptime", (json_int_t)(time(NULL) - src->started));
	if (m == NULL)
		fatalx("metrics: out of memory");
	if (src->health != NULL)
		json_object_set_new(m, "health",
		    fd_health_stats_json(src->health));
	return m;
}

/*
 * The metric families: the JSON member each reads (a number, or an
 * object whose members become one label's values), its type and help.
 */
static const struct family {
	const char *name;
	const char *type;
	const char *key;      /* member of the JSON object */
	const char *sub;      /* member of that member, or NULL */
	const char *label;    /* the object's members label the samples */
	const char *help;
} families[] = {
	{"flipdns_queries_total", "counter", "queries", NULL, "proto",
	    "DNS queries answered, by transport"},
	{"flipdns_queries_dropped_total", "counter", "dropped", NULL, "proto",
	    "DNS messages not answered (no header, or a response)"},
	{"flipdns_queries_by_type_total", "counter", "qtype", NULL, "qtype",
	    "DNS queries answered, by query type"},
	{"flipdns_responses_by_rcode_total", "counter", "rcode", NULL,
	    "rcode", "DNS responses, by response code"},
	{"flipdns_responses_truncated_total", "counter", "truncated", NULL,
	    NULL, "UDP responses sent with TC=1 because they did not fit"},
	{"flipdns_rrl_dropped_total", "counter", "rrl_dropped", NULL, NULL,
	    "UDP responses withheld by response rate limiting"},
	{"flipdns_rrl_slipped_total", "counter", "rrl_slipped", NULL, NULL,
	    "UDP responses sent truncated by response rate limiting"},
	{"flipdns_tcp_connections_open", "gauge", "tcp", "open", NULL,
	    "TCP connections open now"},
	{"flipdns_tcp_connections_accepted_total", "counter", "tcp",
	    "accepted", NULL, "TCP connections accepted"},
	{"flipdns_tcp_connections_refused_total", "counter", "tcp", "refused",
	    NULL, "TCP connections refused: tcp.max_clients busy"},
	{"flipdns_tcp_connections_evicted_total", "counter", "tcp", "evicted",
	    NULL, "idle TCP connections closed to admit a new one"},
	{"flipdns_control_commands_total", "counter", "control", NULL,
	    "result", "control requests answered, by result"},
	{"flipdns_commits_total", "counter", "commits", NULL, NULL,
	    "write transactions committed"},
	{"flipdns_changes_total", "counter", "changes", NULL, NULL,
	    "changes committed"},
	{"flipdns_switches_total", "counter", "switches", NULL, NULL,
	    "group switches committed"},
	{"flipdns_reloads_total", "counter", "reloads", NULL, NULL,
	    "configuration reloads applied"},
	{"flipdns_zone_serial", "gauge", "serial", NULL, NULL,
	    "the zone's SOA serial"},
	{"flipdns_store_pages_used", "gauge", "store", "pages_used", NULL,
	    "LMDB pages in use"},
	{"flipdns_store_page_size_bytes", "gauge", "store", "page_size", NULL,
	    "LMDB page size"},
	{"flipdns_store_map_size_bytes", "gauge", "store", "map_size", NULL,
	    "storage.map_size: the store's ceiling"},
	{"flipdns_groups", "gauge", "groups", NULL, NULL, "failover groups"},
	{"flipdns_apps", "gauge", "apps", NULL, NULL, "apps"},
	{"flipdns_tombstones", "gauge", "tombstones", NULL, NULL,
	    "deleted group labels, never issued again"},
	{"flipdns_uptime_seconds", "gauge", "uptime", NULL, NULL,
	    "seconds since flipdnsd started"},
	{"flipdns_health_probes_total", "counter", "health", "probes",
	    "result", "health probes finished, by result"},
	{"flipdns_health_apps", "gauge", "health", "apps", NULL,
	    "apps with a health check"},
	{"flipdns_health_endpoints", "gauge", "health", "endpoints", NULL,
	    "distinct endpoints and checks probed (one prober each)"},
	{"flipdns_health_prober_cpu_seconds_total", "counter", "health",
	    "cpu_seconds", NULL, "CPU time of the prober thread"},
	{"flipdns_health_reports_total", "counter", "health", "reports", NULL,
	    "app states established or changed by probes"},
	{"flipdns_health_transitions_total", "counter", "health",
	    "transitions", NULL, "app health transitions written"},
	{"flipdns_health_switches_total", "counter", "health", "switches",
	    NULL, "group switches made by a failover policy"},
	{"flipdns_webhook_posts_total", "counter", "health", "webhooks",
	    "result", "webhook posts: sent (taken), failed (to be tried "
	    "again), dropped (a receiver too far behind)"},
	{"flipdns_webhook_events_queued", "gauge", "health",
	    "webhooks_queued", NULL, "webhook events not yet taken"},
};

struct text {
	char *buf;
	size_t len, cap;
	bool failed;
};

static void
textf(struct text *t, const char *fmt, ...)
{
	va_list ap;
	int n;

	for (;;) {
		if (t->failed)
			return;
		va_start(ap, fmt);
		n = vsnprintf(t->buf + t->len, t->cap - t->len, fmt, ap);
		va_end(ap);
		if (n >= 0 && (size_t)n < t->cap - t->len) {
			t->len += (size_t)n;
			return;
		}
		{
			size_t cap = t->cap * 2 + (size_t)(n > 0 ? n : 0) + 256;
			char *nb = realloc(t->buf, cap);

			if (nb == NULL) {
				t->failed = true;
				return;
			}
			t->buf = nb;
			t->cap = cap;
		}
	}
}

int
fd_metrics_text(const json_t *m, char **buf, size_t *len)
{
	struct text t = {*buf, *len, *len, false};

	if (t.buf == NULL) {
		t.cap = 4096;
		if ((t.buf = malloc(t.cap)) == NULL)
			return -1;
		t.len = 0;
	}
	for (size_t i = 0; i < sizeof(families) / sizeof(families[0]); i++) {
		const struct family *f = &families[i];
		json_t *v = json_object_get(m, f->key);
		const char *k;
		json_t *e;

		if (f->sub != NULL)
			v = json_object_get(v, f->sub);
		if (v == NULL)
			continue;
		textf(&t, "# HELP %s %s.\n# TYPE %s %s\n", f->name, f->help,
		    f->name, f->type);
		if (f->label == NULL) {
			if (json_is_real(v))
				textf(&t, "%s %.6f\n", f->name,
				    json_real_value(v));
			else
				textf(&t, "%s %lld\n", f->name,
				    (long long)json_integer_value(v));
			continue;
		}
		json_object_foreach(v, k, e)
			textf(&t, "%s{%s=\"%s\"} %lld\n", f->name, f->label, k,
			    (long long)json_integer_value(e));
	}
	*buf = t.buf;
	*len = t.len;
	return t.failed ? -1 : 0;
}

struct fd_metrics {
	struct evhttp *http;
	const struct fd_metrics_src *src;
};

static void
metrics_request(struct evhttp_request *req, void *arg)
{
	struct fd_metrics *mx = arg;
	struct evbuffer *out;
	json_t *m;
	char *text = NULL;
	size_t len = 0;

	if (strcmp(evhttp_uri_get_path(evhttp_request_get_evhttp_uri(req)),
	    "/metrics") != 0) {
		evhttp_send_error(req, HTTP_NOTFOUND, "only /metrics is here");
		return;
	}
	m = fd_metrics_json(mx->src);
	if (fd_metrics_text(m, &text, &len) != 0 ||
	    (out = evbuffer_new()) == NULL) {
		json_decref(m);
		free(text);
		evhttp_send_error(req, HTTP_INTERNAL, "out of memory");
		return;
	}
	json_decref(m);
	evbuffer_add(out, text, len);
	free(text);
	evhttp_add_header(evhttp_request_get_output_headers(req),
	    "Content-Type", "text/plain; version=0.0.4; charset=utf-8");
	evhttp_send_reply(req, HTTP_OK, "OK", out);
	evbuffer_free(out);
}

enum fd_err
fd_metrics_open(struct event_base *base, const struct fd_config *cfg,
    const struct fd_metrics_src *src, struct fd_metrics **out)
{
	const struct fd_conf_listen *l = &cfg->metrics_listen;
	struct fd_metrics *mx;
	evutil_socket_t fd;

	*out = NULL;
	if (l->sslen == 0)
		return FD_OK;
	if ((mx = calloc(1, sizeof(*mx))) == NULL)
		return FD_ENOMEM;
	mx->src = src;
	if ((mx->http = evhttp_new(base)) == NULL) {
		free(mx);
		return FD_ENOMEM;
	}
	evhttp_set_allowed_methods(mx->http, EVHTTP_REQ_GET | EVHTTP_REQ_HEAD);
	evhttp_set_gencb(mx->http, metrics_request, mx);
	/* a scrape is one small GET: anything big is not one */
	evhttp_set_max_headers_size(mx->http, 8192);
	evhttp_set_max_body_size(mx->http, 0);
	evhttp_set_timeout(mx->http, 10);
	fd = socket(l->ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0);
	if (fd < 0 || evutil_make_listen_socket_reuseable(fd) != 0 ||
	    bind(fd, (const struct sockaddr *)&l->ss, l->sslen) != 0 ||
	    listen(fd, 16) != 0 ||
	    evhttp_accept_socket(mx->http, fd) != 0) {
		log_warn("metrics: cannot listen on %s", l->text);
		if (fd >= 0)
			evutil_closesocket(fd);
		evhttp_free(mx->http);
		free(mx);
		return FD_ESYS;
	}
	log_info("metrics on http://%s/metrics", l->text);
	*out = mx;
	return FD_OK;
}

void
fd_metrics_close(struct fd_metrics *mx)
{
	if (mx == NULL)
		return;
	evhttp_free(mx->http);
	free(mx);
}
