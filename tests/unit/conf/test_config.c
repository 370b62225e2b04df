/*
 * test_config.c - the YAML configuration parser: the shipped file,
 * defaults, every value type, and each class of error with its exact
 * FILE:LINE:COL.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testutil.h"

#include "flipdns/conf/config.h"

/* Same text as conf/flipdns.yaml; test_shipped_file checks they agree. */
static const char SHIPPED[] =
    "# flipdns default configuration: everything on loopback, data under ./var/.\n"
    "# Paths are relative to the directory flipdnsd is started from.\n"
    "zone:\n"
    "  origin: failover.example.test.\n"
    "  ttl: 30                       # TTL of group answers (per-group override allowed)\n"
    "  soa: {mname: ns1.failover.example.test., rname: hostmaster.example.test., refresh: 3600, retry: 600, expire: 604800, minimum: 30}\n"
    "  nameservers:\n"
    "    - {name: ns1.failover.example.test., addresses: [127.0.0.1, \"::1\"]}\n"
    "listen: [\"127.0.0.1:5353\", \"[::1]:5353\"]\n"
    "storage: {path: var/db}\n"
    "control: {socket: var/flipdns.sock, allow_uids: [0], allow_gids: []}\n"
    "workers: 2\n";

/* A minimal valid zone, lines 1-5; tests append from line 6 on. */
#define ZONE \
	"zone:\n" \
	"  origin: example.test.\n" \
	"  soa: {mname: ns1.example.test., rname: hostmaster.example.test.}\n" \
	"  nameservers:\n" \
	"    - {name: ns1.example.test., addresses: [192.0.2.1]}\n"
#define LISTEN "listen: [\"127.0.0.1:5353\"]\n"

struct err_case {
	const char *text;
	const char *want;
};

static void
parse_ok(const char *text, struct fd_config *cfg)
{
	char err[512] = "";
	enum fd_err rc;

	rc = fd_config_parse("t.yaml", text, strlen(text), cfg, err, sizeof(err));
	if (rc != FD_OK)
		fail_msg("unexpected error: %s", err);
}

static void
run_err_cases(const struct err_case *cases, size_t n)
{
	struct fd_config cfg;
	char err[512];
	size_t i;

	for (i = 0; i < n; i++) {
		err[0] = '\0';
		assert_int_equal(fd_config_parse("t.yaml", cases[i].text,
		    strlen(cases[i].text), &cfg, err, sizeof(err)), FD_ECONFIG);
		if (strcmp(err, cases[i].want) != 0)
			fail_msg("case %zu:\n want %s\n got  %s", i,
			    cases[i].want, err);
	}
}

#define RUN_ERR_CASES(c)	run_err_cases((c), sizeof(c) / sizeof((c)[0]))

static uint16_t
listen_port(const struct fd_conf_listen *l)
{
	if (l->ss.ss_family == AF_INET6)
		return ntohs(((const struct sockaddr_in6 *)&l->ss)->sin6_port);
	return ntohs(((const struct sockaddr_in *)&l->ss)->sin_port);
}

static void
assert_shipped(const struct fd_config *cfg)
{
	static const uint8_t v6_loopback[16] = {[15] = 1};
	const struct sockaddr_in *sin;
	const struct sockaddr_in6 *sin6;

	assert_string_equal(cfg->origin, "failover.example.test.");
	assert_int_equal(cfg->ttl, 30);
	assert_int_equal(cfg->ns_ttl, 3600);
	assert_string_equal(cfg->soa.mname, "ns1.failover.example.test.");
	assert_string_equal(cfg->soa.rname, "hostmaster.example.test.");
	assert_int_equal(cfg->soa.ttl, 3600);
	assert_int_equal(cfg->soa.refresh, 3600);
	assert_int_equal(cfg->soa.retry, 600);
	assert_int_equal(cfg->soa.expire, 604800);
	assert_int_equal(cfg->soa.minimum, 30);

	assert_int_equal(cfg->n_ns, 1);
	assert_string_equal(cfg->ns[0].name, "ns1.failover.example.test.");
	assert_int_equal(cfg->ns[0].naddrs, 2);
	assert_int_equal(cfg->ns[0].addrs[0].family, AF_INET);
	assert_memory_equal(cfg->ns[0].addrs[0].bytes, "\x7f\0\0\x01", 4);
	assert_int_equal(cfg->ns[0].addrs[1].family, AF_INET6);
	assert_memory_equal(cfg->ns[0].addrs[1].bytes, v6_loopback, 16);

	assert_int_equal(cfg->n_listen, 2);
	sin = (const struct sockaddr_in *)&cfg->listen[0].ss;
	assert_int_equal(sin->sin_family, AF_INET);
	assert_int_equal(ntohl(sin->sin_addr.s_addr), INADDR_LOOPBACK);
	assert_int_equal(ntohs(sin->sin_port), 5353);
	assert_int_equal(cfg->listen[0].sslen, sizeof(*sin));
	assert_string_equal(cfg->listen[0].text, "127.0.0.1:5353");
	sin6 = (const struct sockaddr_in6 *)&cfg->listen[1].ss;
	assert_int_equal(sin6->sin6_family, AF_INET6);
	assert_memory_equal(&sin6->sin6_addr, v6_loopback, 16);
	assert_int_equal(ntohs(sin6->sin6_port), 5353);
	assert_int_equal(cfg->listen[1].sslen, sizeof(*sin6));
	assert_string_equal(cfg->listen[1].text, "[::1]:5353");

	assert_string_equal(cfg->storage_path, "var/db");
	assert_true(cfg->map_size == UINT64_C(4) << 30);
	assert_string_equal(cfg->control_socket, "var/flipdns.sock");
	assert_int_equal(cfg->n_allow_uids, 1);
	assert_int_equal(cfg->allow_uids[0], 0);
	assert_int_equal(cfg->n_allow_gids, 0);
	assert_int_equal(cfg->n_read_uids, 0);
	assert_int_equal(cfg->n_read_gids, 0);
	assert_true(cfg->control_socket_group == FD_CONF_GID_UNSET);
	assert_int_equal(cfg->control_socket_mode, 0660);
	assert_true(cfg->control_max_payload == UINT64_C(64) << 20);
	assert_int_equal(cfg->workers, 2);
}

static void
test_shipped_text(void **state)
{
	struct fd_config cfg;

	parse_ok(SHIPPED, &cfg);
	assert_shipped(&cfg);
}

/* The real file, found next to this source; skipped when not there. */
static void
test_shipped_file(void **state)
{
	struct fd_config cfg;
	char path[4096], err[512] = "";
	const char *slash = strrchr(__FILE__, '/');
	FILE *f;
	char buf[4096];
	size_t n;

	if (slash == NULL)
		skip();
	snprintf(path, sizeof(path), "%.*s/../../../conf/flipdns.yaml",
	    (int)(slash - __FILE__), __FILE__);
	if ((f = fopen(path, "r")) == NULL)
		skip();
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	assert_string_equal(buf, SHIPPED);

	if (fd_config_load(path, &cfg, err, sizeof(err)) != FD_OK)
		fail_msg("%s", err);
	assert_shipped(&cfg);
}

static void
test_load_errors(void **state)
{
	struct fd_config cfg;
	char *dir = tu_tmpdir();
	char path[4096], want[4200], err[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/missing.yaml", dir);
	assert_int_equal(fd_config_load(path, &cfg, err, sizeof(err)), FD_ESYS);
	snprintf(want, sizeof(want), "%s: No such file or directory", path);
	assert_string_equal(err, want);

	snprintf(path, sizeof(path), "%s/bad.yaml", dir);
	assert_non_null(f = fopen(path, "w"));
	fputs(ZONE "  ttl: 86401\n" LISTEN, f);
	fclose(f);
	assert_int_equal(fd_config_load(path, &cfg, err, sizeof(err)),
	    FD_ECONFIG);
	snprintf(want, sizeof(want),
	    "%s:6:8: zone.ttl: 86401 is out of range 0..86400", path);
	assert_string_equal(err, want);
	tu_rmdir(dir);
}

static void
assert_defaults(const struct fd_config *cfg)
{
	char host[256] = "";

	assert_int_equal(cfg->ttl, 30);
	assert_int_equal(cfg->ns_ttl, 3600);
	assert_int_equal(cfg->soa.ttl, 3600);
	assert_int_equal(cfg->soa.refresh, 3600);
	assert_int_equal(cfg->soa.retry, 600);
	assert_int_equal(cfg->soa.expire, 604800);
	assert_int_equal(cfg->soa.minimum, 30);
	assert_string_equal(cfg->storage_path, "var/db");
	assert_true(cfg->map_size == UINT64_C(4) << 30);
	assert_string_equal(cfg->control_socket, "var/flipdns.sock");
	assert_int_equal(cfg->n_allow_uids, 0);
	assert_int_equal(cfg->n_allow_gids, 0);
	assert_int_equal(cfg->n_read_uids, 0);
	assert_int_equal(cfg->n_read_gids, 0);
	assert_true(cfg->control_socket_group == FD_CONF_GID_UNSET);
	assert_int_equal(cfg->control_socket_mode, 0660);
	assert_true(cfg->control_max_payload == UINT64_C(64) << 20);
	assert_int_equal(cfg->workers, 2);
	assert_int_equal(cfg->edns_udp_size, 1232);
	assert_int_equal(cfg->tcp_idle_timeout, 10);
	assert_int_equal(cfg->tcp_max_clients, 1000);
	assert_int_equal(cfg->tcp_query_timeout, 2);
	assert_int_equal(cfg->tcp_max_per_source, 64);
	assert_false(cfg->chaos);
	gethostname(host, sizeof(host) - 1);
	assert_string_equal(cfg->chaos_id, host);
	assert_false(cfg->log_syslog);
	assert_false(cfg->log_queries);
	assert_int_equal(cfg->rrl_rate, 200);
	assert_int_equal(cfg->rrl_slip, 2);
	assert_int_equal(cfg->history_keep_rows, 100000);
	assert_int_equal(cfg->history_keep_days, 0);
	assert_string_equal(cfg->user, "");
}

static void
test_defaults(void **state)
{
	struct fd_config cfg;

	memset(&cfg, 0xa5, sizeof(cfg));
	fd_config_defaults(&cfg);
	assert_string_equal(cfg.origin, "");
	assert_int_equal(cfg.n_ns, 0);
	assert_int_equal(cfg.n_listen, 0);
	assert_defaults(&cfg);

	memset(&cfg, 0xa5, sizeof(cfg));
	parse_ok(ZONE LISTEN, &cfg);
	assert_string_equal(cfg.origin, "example.test.");
	assert_int_equal(cfg.n_ns, 1);
	assert_int_equal(cfg.n_listen, 1);
	assert_defaults(&cfg);
}

static void
test_every_key(void **state)
{
	struct fd_config cfg;

	parse_ok(
	    "zone:\n"
	    "  origin: example.test\n"
	    "  ttl: 60\n"
	    "  ns_ttl: 7200\n"
	    "  soa:\n"
	    "    mname: ns1.example.test\n"
	    "    rname: hostmaster.example.test\n"
	    "    ttl: 1800\n"
	    "    refresh: 7200\n"
	    "    retry: 900\n"
	    "    expire: 1209600\n"
	    "    minimum: 0\n"
	    "  nameservers:\n"
	    "    - name: ns1.example.test\n"
	    "      addresses: [192.0.2.1, 2001:db8::1]\n"
	    "    - name: ns.elsewhere.test.\n"
	    "listen:\n"
	    "  - 192.0.2.53\n"
	    "  - \"[2001:db8::53]:5300\"\n"
	    "storage:\n"
	    "  path: /var/lib/flipdns\n"
	    "  map_size: 64M\n"
	    "control:\n"
	    "  socket: /run/flipdns.sock\n"
	    "  allow_uids: [0, 1000, root]\n"
	    "  allow_gids: [root, 50]\n"
	    "  read_uids: [7]\n"
	    "  read_gids: [root, 8]\n"
	    "  socket_group: 4242\n"
	    "  socket_mode: \"640\"\n"
	    "  max_payload: 1M\n"
	    "workers: 8\n"
	    "edns: {udp_size: 4096}\n"
	    "tcp: {idle_timeout: 30, query_timeout: 5, max_clients: 5000, "
	    "max_per_source: 0}\n"
	    "chaos: {enabled: true, id: dns-1}\n"
	    "log: {syslog: yes, queries: on}\n"
	    "rrl: {rate: 20, slip: 0}\n"
	    "history: {keep_rows: 5000, keep_days: 90}\n"
	    "user: root\n", &cfg);

	assert_string_equal(cfg.origin, "example.test.");
	assert_int_equal(cfg.ttl, 60);
	assert_int_equal(cfg.ns_ttl, 7200);
	assert_string_equal(cfg.soa.mname, "ns1.example.test.");
	assert_string_equal(cfg.soa.rname, "hostmaster.example.test.");
	assert_int_equal(cfg.soa.ttl, 1800);
	assert_int_equal(cfg.soa.refresh, 7200);
	assert_int_equal(cfg.soa.retry, 900);
	assert_int_equal(cfg.soa.expire, 1209600);
	assert_int_equal(cfg.soa.minimum, 0);
	assert_int_equal(cfg.n_ns, 2);
	assert_int_equal(cfg.ns[0].naddrs, 2);
	assert_int_equal(cfg.ns[0].addrs[1].family, AF_INET6);
	assert_memory_equal(cfg.ns[0].addrs[1].bytes,
	    "\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\x01", 16);
	assert_string_equal(cfg.ns[1].name, "ns.elsewhere.test.");
	assert_int_equal(cfg.ns[1].naddrs, 0);
	assert_int_equal(cfg.n_listen, 2);
	assert_int_equal(listen_port(&cfg.listen[0]), 53);
	assert_int_equal(listen_port(&cfg.listen[1]), 5300);
	assert_string_equal(cfg.storage_path, "/var/lib/flipdns");
	assert_true(cfg.map_size == UINT64_C(64) << 20);
	assert_string_equal(cfg.control_socket, "/run/flipdns.sock");
	assert_int_equal(cfg.n_allow_uids, 3);
	assert_int_equal(cfg.allow_uids[0], 0);
	assert_int_equal(cfg.allow_uids[1], 1000);
	assert_int_equal(cfg.allow_uids[2], 0);
	assert_int_equal(cfg.n_allow_gids, 2);
	assert_int_equal(cfg.allow_gids[0], 0);
	assert_int_equal(cfg.allow_gids[1], 50);
	assert_int_equal(cfg.n_read_uids, 1);
	assert_int_equal(cfg.read_uids[0], 7);
	assert_int_equal(cfg.n_read_gids, 2);
	assert_int_equal(cfg.read_gids[1], 8);
	assert_int_equal(cfg.control_socket_group, 4242);
	assert_int_equal(cfg.control_socket_mode, 0640);
	assert_true(cfg.control_max_payload == UINT64_C(1) << 20);
	assert_int_equal(cfg.workers, 8);
	assert_int_equal(cfg.edns_udp_size, 4096);
	assert_int_equal(cfg.tcp_idle_timeout, 30);
	assert_int_equal(cfg.tcp_max_clients, 5000);
	assert_int_equal(cfg.tcp_query_timeout, 5);
	assert_int_equal(cfg.tcp_max_per_source, 0);
	assert_true(cfg.chaos);
	assert_string_equal(cfg.chaos_id, "dns-1");
	assert_true(cfg.log_syslog);
	assert_true(cfg.log_queries);
	assert_int_equal(cfg.rrl_rate, 20);
	assert_int_equal(cfg.rrl_slip, 0);
	assert_int_equal(cfg.history_keep_rows, 5000);
	assert_int_equal(cfg.history_keep_days, 90);
	assert_string_equal(cfg.user, "root");
}

static void
test_names_lower_case(void **state)
{
	struct fd_config cfg;

	parse_ok(
	    "zone:\n"
	    "  origin: Failover.Example.TEST\n"
	    "  soa: {mname: NS1.failover.example.test., rname: Host.Example.Test}\n"
	    "  nameservers: [{name: NS1.Failover.Example.Test, addresses: [192.0.2.1]}]\n"
	    LISTEN, &cfg);
	assert_string_equal(cfg.origin, "failover.example.test.");
	assert_string_equal(cfg.soa.mname, "ns1.failover.example.test.");
	assert_string_equal(cfg.soa.rname, "host.example.test.");
	assert_string_equal(cfg.ns[0].name, "ns1.failover.example.test.");
}

static void
test_map_size(void **state)
{
	static const struct {
		const char *text;
		uint64_t bytes;
	} ok[] = {
		{"1048576", UINT64_C(1) << 20},
		{"1024K", UINT64_C(1) << 20},
		{"64M", UINT64_C(64) << 20},
		{"64m", UINT64_C(64) << 20},
		{"4G", UINT64_C(4) << 30},
		{"1T", UINT64_C(1) << 40},
		{"64T", UINT64_C(64) << 40},
	};
	static const struct err_case bad[] = {
		{ZONE LISTEN "storage: {map_size: 512K}\n",
		    "t.yaml:7:21: storage.map_size: 512K is out of range 1M..64T"},
		{ZONE LISTEN "storage: {map_size: 1048575}\n",
		    "t.yaml:7:21: storage.map_size: 1048575 is out of range 1M..64T"},
		{ZONE LISTEN "storage: {map_size: 65T}\n",
		    "t.yaml:7:21: storage.map_size: 65T is out of range 1M..64T"},
		{ZONE LISTEN "storage: {map_size: 99999999999999999T}\n",
		    "t.yaml:7:21: storage.map_size: 99999999999999999T is out of range 1M..64T"},
		{ZONE LISTEN "storage: {map_size: 4X}\n",
		    "t.yaml:7:21: storage.map_size: '4X' is not a size (bytes, or a number with K, M, G or T)"},
		{ZONE LISTEN "storage: {map_size: G}\n",
		    "t.yaml:7:21: storage.map_size: 'G' is not a size (bytes, or a number with K, M, G or T)"},
		{ZONE LISTEN "storage: {map_size: -4G}\n",
		    "t.yaml:7:21: storage.map_size: '-4G' is not a size (bytes, or a number with K, M, G or T)"},
	};
	struct fd_config cfg;
	char text[512];
	size_t i;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		snprintf(text, sizeof(text), ZONE LISTEN
		    "storage: {map_size: %s}\n", ok[i].text);
		parse_ok(text, &cfg);
		assert_true(cfg.map_size == ok[i].bytes);
	}
	RUN_ERR_CASES(bad);
}

static void
test_listen_forms(void **state)
{
	static const uint8_t v6_loopback[16] = {[15] = 1};
	struct fd_config cfg;
	const struct sockaddr_in *sin;
	const struct sockaddr_in6 *sin6;

	parse_ok(ZONE "listen: [\"127.0.0.1:5353\", \"[::1]:5354\", 192.0.2.1, "
	    "\"[::1]\", \"0.0.0.0:65535\", \"[::]:1\"]\n", &cfg);
	assert_int_equal(cfg.n_listen, 6);

	sin = (const struct sockaddr_in *)&cfg.listen[0].ss;
	assert_int_equal(sin->sin_family, AF_INET);
	assert_int_equal(listen_port(&cfg.listen[0]), 5353);

	sin6 = (const struct sockaddr_in6 *)&cfg.listen[1].ss;
	assert_int_equal(sin6->sin6_family, AF_INET6);
	assert_memory_equal(&sin6->sin6_addr, v6_loopback, 16);
	assert_int_equal(listen_port(&cfg.listen[1]), 5354);

	sin = (const struct sockaddr_in *)&cfg.listen[2].ss;
	assert_int_equal(sin->sin_family, AF_INET);
	assert_int_equal(ntohl(sin->sin_addr.s_addr), 0xc0000201);
	assert_int_equal(listen_port(&cfg.listen[2]), 53);
	assert_string_equal(cfg.listen[2].text, "192.0.2.1");

	sin6 = (const struct sockaddr_in6 *)&cfg.listen[3].ss;
	assert_int_equal(sin6->sin6_family, AF_INET6);
	assert_int_equal(listen_port(&cfg.listen[3]), 53);
	assert_int_equal(cfg.listen[3].sslen, sizeof(*sin6));

	assert_int_equal(listen_port(&cfg.listen[4]), 65535);
	assert_int_equal(cfg.listen[5].ss.ss_family, AF_INET6);
	assert_int_equal(listen_port(&cfg.listen[5]), 1);
}

static void
test_listen_errors(void **state)
{
	static const struct err_case cases[] = {
		{ZONE "listen: [\"1.2.3:53\"]\n",
		    "t.yaml:6:10: listen: '1.2.3:53' is not an address:port"},
		{ZONE "listen: [localhost:53]\n",
		    "t.yaml:6:10: listen: 'localhost:53' is not an address:port"},
		{ZONE "listen: [\"::1\"]\n",
		    "t.yaml:6:10: listen: '::1' is not an address:port (write IPv6 as [addr]:port)"},
		{ZONE "listen: [\"[::1\"]\n",
		    "t.yaml:6:10: listen: '[::1' is not an address:port"},
		{ZONE "listen: [\"[::1]53\"]\n",
		    "t.yaml:6:10: listen: '[::1]53' is not an address:port"},
		{ZONE "listen: [\"[127.0.0.1]:53\"]\n",
		    "t.yaml:6:10: listen: '[127.0.0.1]:53' is not an address:port"},
		{ZONE "listen: [\"127.0.0.1:0\"]\n",
		    "t.yaml:6:10: listen: '127.0.0.1:0' has no valid port (1..65535)"},
		{ZONE "listen: [\"127.0.0.1:65536\"]\n",
		    "t.yaml:6:10: listen: '127.0.0.1:65536' has no valid port (1..65535)"},
		{ZONE "listen: [\"[::1]:\"]\n",
		    "t.yaml:6:10: listen: '[::1]:' has no valid port (1..65535)"},
		{ZONE "listen: [\"127.0.0.1:53\", 127.0.0.1]\n",
		    "t.yaml:6:26: listen: '127.0.0.1' is listed twice"},
		{ZONE "listen: []\n",
		    "t.yaml:6:9: listen: at least 1 entry is required"},
		{ZONE "listen: [1.0.0.1, 1.0.0.2, 1.0.0.3, 1.0.0.4, 1.0.0.5, "
		    "1.0.0.6, 1.0.0.7, 1.0.0.8, 1.0.0.9, 1.0.0.10, 1.0.0.11, "
		    "1.0.0.12, 1.0.0.13, 1.0.0.14, 1.0.0.15, 1.0.0.16, 1.0.0.17]\n",
		    "t.yaml:6:161: listen: too many entries (at most 16)"},
	};

	RUN_ERR_CASES(cases);
}

static void
test_unknown_keys(void **state)
{
	static const struct err_case cases[] = {
		{ZONE LISTEN "foo: 1\n", "t.yaml:7:1: unknown key 'foo'"},
		{ZONE "  foo: 1\n" LISTEN, "t.yaml:6:3: unknown key 'zone.foo'"},
		{"zone:\n"
		    "  origin: example.test.\n"
		    "  soa: {mname: a.example.test., rname: b.example.test., serial: 1}\n",
		    "t.yaml:3:57: unknown key 'zone.soa.serial'"},
		{"zone:\n"
		    "  origin: example.test.\n"
		    "  nameservers:\n"
		    "    - {name: ns.other.test., glue: yes}\n",
		    "t.yaml:4:30: unknown key 'zone.nameservers[0].glue'"},
		{ZONE LISTEN "storage: {map-size: 1G}\n",
		    "t.yaml:7:11: unknown key 'storage.map-size'"},
		{ZONE LISTEN "Workers: 2\n", "t.yaml:7:1: unknown key 'Workers'"},
	};

	RUN_ERR_CASES(cases);
}

static void
test_wrong_types(void **state)
{
	static const struct err_case cases[] = {
		{ZONE "  ttl: {a: 1}\n" LISTEN,
		    "t.yaml:6:8: zone.ttl: expected a scalar, got a mapping"},
		{ZONE "  ttl: [1]\n" LISTEN,
		    "t.yaml:6:8: zone.ttl: expected a scalar, got a list"},
		{"zone: 5\n" LISTEN,
		    "t.yaml:1:7: zone: expected a mapping, got a scalar"},
		{"zone:\n" LISTEN,
		    "t.yaml:1:6: zone: expected a mapping, got a scalar"},
		{ZONE "listen: 127.0.0.1\n",
		    "t.yaml:6:9: listen: expected a list, got a scalar"},
		{ZONE "listen: [[127.0.0.1]]\n",
		    "t.yaml:6:10: listen: expected a scalar entry, got a list"},
		{"zone:\n  nameservers: [ns1.example.test.]\n",
		    "t.yaml:2:17: zone.nameservers: expected a mapping entry, got a scalar"},
		{"- zone\n",
		    "t.yaml:1:1: the top level must be a mapping, not a list"},
		{"just text\n",
		    "t.yaml:1:1: the top level must be a mapping, not a scalar"},
		{"? [a]\n: 1\n", "t.yaml:1:3: a key must be a scalar, not a list"},
		{ZONE LISTEN "workers: two\n",
		    "t.yaml:7:10: workers: 'two' is not a number"},
		{ZONE LISTEN "workers: -1\n",
		    "t.yaml:7:10: workers: '-1' is not a number"},
		{ZONE LISTEN "workers:\n",
		    "t.yaml:7:9: workers: '' is not a number"},
		{ZONE LISTEN "chaos: {enabled: maybe}\n",
		    "t.yaml:7:18: chaos.enabled: 'maybe' is not a boolean (true or false)"},
		{ZONE LISTEN "user: \"ro\\0ot\"\n",
		    "t.yaml:7:7: user: value contains a NUL byte"},
	};

	RUN_ERR_CASES(cases);
}

static void
test_duplicates(void **state)
{
	static const struct err_case cases[] = {
		{ZONE "  ttl: 5\n  ttl: 6\n" LISTEN,
		    "t.yaml:7:3: duplicate key 'zone.ttl'"},
		{ZONE LISTEN LISTEN, "t.yaml:7:1: duplicate key 'listen'"},
		{ZONE LISTEN "tcp: {max_clients: 5, max_clients: 6}\n",
		    "t.yaml:7:23: duplicate key 'tcp.max_clients'"},
		{"zone:\n"
		    "  origin: example.test.\n"
		    "  nameservers:\n"
		    "    - {name: ns.other.test.}\n"
		    "    - {name: NS.Other.Test}\n",
		    "t.yaml:5:14: zone.nameservers[1].name: 'ns.other.test.' is listed twice"},
	};

	RUN_ERR_CASES(cases);
}

static void
test_bad_names_and_addresses(void **state)
{
	static const struct err_case cases[] = {
		{"zone:\n  origin: a..b\n",
		    "t.yaml:2:11: zone.origin: 'a..b' is not a valid domain name"},
		{"zone:\n  origin: \"exa mple.test\"\n",
		    "t.yaml:2:11: zone.origin: 'exa mple.test' is not a valid domain name"},
		{"zone:\n  origin: \"\"\n",
		    "t.yaml:2:11: zone.origin: '' is not a valid domain name"},
		{"zone:\n  soa: {mname: \"ns\\\\.x\"}\n",
		    "t.yaml:2:16: zone.soa.mname: 'ns\\.x' is not a valid domain name"},
		{"zone:\n  origin: example.test.\n  nameservers:\n"
		    "    - {name: ns1.example.test., addresses: [192.0.2.1, 1.2.3.4.5]}\n",
		    "t.yaml:4:56: zone.nameservers[0].addresses: '1.2.3.4.5' is not an IP address"},
		{"zone:\n  origin: example.test.\n  nameservers:\n"
		    "    - {name: ns1.example.test., addresses: [\"[::1]\"]}\n",
		    "t.yaml:4:45: zone.nameservers[0].addresses: '[::1]' is not an IP address"},
	};

	RUN_ERR_CASES(cases);
}

static void
test_out_of_range(void **state)
{
	static const struct err_case cases[] = {
		{ZONE "  ttl: 86401\n" LISTEN,
		    "t.yaml:6:8: zone.ttl: 86401 is out of range 0..86400"},
		{ZONE LISTEN "workers: 65\n",
		    "t.yaml:7:10: workers: 65 is out of range 1..64"},
		{ZONE LISTEN "workers: 99999999999999999999999\n",
		    "t.yaml:7:10: workers: 99999999999999999999999 is out of range 1..64"},
		{ZONE LISTEN "edns: {udp_size: 511}\n",
		    "t.yaml:7:18: edns.udp_size: 511 is out of range 512..4096"},
		{ZONE LISTEN "tcp:\n  idle_timeout: 3601\n",
		    "t.yaml:8:17: tcp.idle_timeout: 3601 is out of range 1..3600"},
		{ZONE LISTEN "rrl: {slip: 11}\n",
		    "t.yaml:7:13: rrl.slip: 11 is out of range 0..10"},
		{ZONE LISTEN "history: {keep_rows: 0}\n",
		    "t.yaml:7:22: history.keep_rows: 0 is out of range 1..2147483647"},
		{ZONE LISTEN "history:\n  keep_rows: 2147483648\n",
		    "t.yaml:8:14: history.keep_rows: 2147483648 is out of range 1..2147483647"},
		{ZONE LISTEN "history: {keep_days: 36501}\n",
		    "t.yaml:7:22: history.keep_days: 36501 is out of range 0..36500"},
		{ZONE LISTEN "history: {keep_days: -1}\n",
		    "t.yaml:7:22: history.keep_days: '-1' is not a number"},
		{ZONE LISTEN "history: {keep: 10}\n",
		    "t.yaml:7:11: unknown key 'history.keep'"},
		{ZONE LISTEN "control: {allow_uids: [4294967295]}\n",
		    "t.yaml:7:24: control.allow_uids: 4294967295 is out of range 0..4294967294"},
		{ZONE LISTEN "control: {socket: /run/"
		    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
		    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
		    "x.sock}\n",
		    "t.yaml:7:19: control.socket: '/run/"
		    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
		    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
		    "x.sock' is too long (at most 107 characters)"},
		{ZONE LISTEN "storage: {path: \"\"}\n",
		    "t.yaml:7:17: storage.path: must not be empty"},
		{ZONE LISTEN "tcp: {query_timeout: 0}\n",
		    "t.yaml:7:22: tcp.query_timeout: 0 is out of range 1..60"},
		{ZONE LISTEN "control: {max_payload: 2G}\n",
		    "t.yaml:7:24: control.max_payload: 2G is out of range 1K..1G"},
		{ZONE LISTEN "control: {socket_mode: 0640x}\n",
		    "t.yaml:7:24: control.socket_mode: '0640x' is not a mode "
		    "(octal, 0600..0777)"},
		{ZONE LISTEN "control: {socket_mode: 0460}\n",
		    "t.yaml:7:24: control.socket_mode: '0460' is not a mode "
		    "(octal, 0600..0777)"},
		{ZONE LISTEN "control: {socket_mode: 01660}\n",
		    "t.yaml:7:24: control.socket_mode: '01660' is not a mode "
		    "(octal, 0600..0777)"},
		{ZONE LISTEN "control: {socket_group: no-such-group-x}\n",
		    "t.yaml:7:25: control.socket_group: no such group "
		    "'no-such-group-x'"},
	};

	RUN_ERR_CASES(cases);
}

static void
test_missing_required(void **state)
{
	static const struct err_case cases[] = {
		{"", "t.yaml:1:1: missing required key 'zone.origin'"},
		{"# only a comment\n",
		    "t.yaml:1:1: missing required key 'zone.origin'"},
		{"# a comment first\n" LISTEN,
		    "t.yaml:2:1: missing required key 'zone.origin'"},
		{ZONE, "t.yaml:1:1: missing required key 'listen'"},
		{"zone:\n"
		    "  soa: {mname: ns1.example.test., rname: h.example.test.}\n"
		    "  nameservers: [{name: ns1.example.test., addresses: [192.0.2.1]}]\n"
		    LISTEN,
		    "t.yaml:2:3: missing required key 'zone.origin'"},
		{"zone:\n"
		    "  origin: example.test.\n"
		    "  nameservers: [{name: ns1.example.test., addresses: [192.0.2.1]}]\n"
		    LISTEN,
		    "t.yaml:2:3: missing required key 'zone.soa.mname'"},
		{"zone:\n"
		    "  origin: example.test.\n"
		    "  soa: {mname: ns1.example.test.}\n",
		    "t.yaml:3:8: missing required key 'zone.soa.rname'"},
		{"zone:\n"
		    "  origin: example.test.\n"
		    "  soa:\n"
		    "    rname: h.example.test.\n",
		    "t.yaml:4:5: missing required key 'zone.soa.mname'"},
		{"zone:\n"
		    "  origin: example.test.\n"
		    "  soa: {mname: ns1.example.test., rname: h.example.test.}\n"
		    LISTEN,
		    "t.yaml:2:3: missing required key 'zone.nameservers'"},
		{"zone:\n"
		    "  origin: example.test.\n"
		    "  soa: {mname: ns1.example.test., rname: h.example.test.}\n"
		    "  nameservers: []\n" LISTEN,
		    "t.yaml:4:16: zone.nameservers: at least 1 entry is required"},
		{"zone:\n"
		    "  nameservers:\n"
		    "    - addresses: [192.0.2.1]\n",
		    "t.yaml:3:7: missing required key 'zone.nameservers[0].name'"},
		{LISTEN "storage: {path: var/db}\n",
		    "t.yaml:1:1: missing required key 'zone.origin'"},
	};

	RUN_ERR_CASES(cases);
}

static void
test_glue(void **state)
{
	static const struct err_case cases[] = {
		{"zone:\n"
		    "  origin: example.test.\n"
		    "  soa: {mname: ns1.example.test., rname: h.example.test.}\n"
		    "  nameservers:\n"
		    "    - {name: ns.elsewhere.test.}\n"
		    "    - {name: NS2.Example.Test}\n" LISTEN,
		    "t.yaml:6:7: zone.nameservers[1]: 'ns2.example.test.' is "
		    "inside zone 'example.test.' and needs addresses (glue)"},
		{"zone:\n"
		    "  origin: example.test.\n"
		    "  soa: {mname: ns1.example.test., rname: h.example.test.}\n"
		    "  nameservers:\n"
		    "    - name: example.test.\n"
		    "      addresses: []\n" LISTEN,
		    "t.yaml:5:7: zone.nameservers[0]: 'example.test.' is "
		    "inside zone 'example.test.' and needs addresses (glue)"},
	};
	struct fd_config cfg;

	RUN_ERR_CASES(cases);
	/* a name that only ends like the origin is not inside it */
	parse_ok("zone:\n"
	    "  origin: example.test.\n"
	    "  soa: {mname: ns1.example.test., rname: h.example.test.}\n"
	    "  nameservers: [{name: ns1.notexample.test.}, {name: ns.test.}]\n"
	    LISTEN, &cfg);
	assert_int_equal(cfg.n_ns, 2);
	assert_int_equal(cfg.ns[0].naddrs, 0);
}

/* A TTL of 0 only when asked for: the same rule as --ttl (changes.c). */
static void
test_zero_ttl(void **state)
{
	static const struct err_case cases[] = {
		{ZONE "  ttl: 0\n" LISTEN,
		    "t.yaml:6:8: zone.ttl: 0 is refused: caches would keep "
		    "nothing and every query would come here; set "
		    "zone.allow_zero_ttl: true to allow it"},
		{ZONE "  ttl: 0\n  allow_zero_ttl: false\n" LISTEN,
		    "t.yaml:6:8: zone.ttl: 0 is refused: caches would keep "
		    "nothing and every query would come here; set "
		    "zone.allow_zero_ttl: true to allow it"},
		{ZONE "  allow_zero_ttl: 1\n" LISTEN,
		    "t.yaml:6:19: zone.allow_zero_ttl: '1' is not a boolean "
		    "(true or false)"},
	};
	struct fd_config cfg;

	RUN_ERR_CASES(cases);
	parse_ok(ZONE "  ttl: 0\n  allow_zero_ttl: true\n" LISTEN, &cfg);
	assert_int_equal(cfg.ttl, 0);
	assert_true(cfg.allow_zero_ttl);
	/* allowed, not required: the default stays */
	parse_ok(ZONE "  allow_zero_ttl: true\n" LISTEN, &cfg);
	assert_int_equal(cfg.ttl, 30);
	parse_ok(ZONE LISTEN, &cfg);
	assert_false(cfg.allow_zero_ttl);
}

static void
test_ids(void **state)
{
	static const struct err_case cases[] = {
		{ZONE LISTEN "control: {allow_uids: [0, no-such-user-flipdns]}\n",
		    "t.yaml:7:27: control.allow_uids: no such user 'no-such-user-flipdns'"},
		{ZONE LISTEN "control: {allow_gids: [no-such-group-flipdns]}\n",
		    "t.yaml:7:24: control.allow_gids: no such group 'no-such-group-flipdns'"},
		{ZONE LISTEN "user: no-such-user-flipdns\n",
		    "t.yaml:7:7: user: no such user 'no-such-user-flipdns'"},
	};
	struct fd_config cfg;

	parse_ok(ZONE LISTEN "control: {allow_uids: [root, 42], "
	    "allow_gids: [7, root]}\nuser: \"\"\n", &cfg);
	assert_int_equal(cfg.n_allow_uids, 2);
	assert_int_equal(cfg.allow_uids[0], 0);
	assert_int_equal(cfg.allow_uids[1], 42);
	assert_int_equal(cfg.n_allow_gids, 2);
	assert_int_equal(cfg.allow_gids[0], 7);
	assert_int_equal(cfg.allow_gids[1], 0);
	assert_string_equal(cfg.user, "");
	RUN_ERR_CASES(cases);
}

static void
test_yaml_errors(void **state)
{
	static const struct err_case cases[] = {
		{"zone: [\n",
		    "t.yaml:2:1: YAML syntax error: while parsing a flow node, "
		    "did not find expected node content"},
		{"a: b: c\n",
		    "t.yaml:1:5: YAML syntax error: mapping values are not "
		    "allowed in this context"},
		{ZONE LISTEN "---\nworkers: 3\n",
		    "t.yaml:8:1: only one YAML document is allowed"},
	};

	RUN_ERR_CASES(cases);
}

/* A short buffer truncates the message but keeps it terminated. */
static void
test_short_err_buffer(void **state)
{
	struct fd_config cfg;
	char err[12];

	memset(err, 'x', sizeof(err));
	assert_int_equal(fd_config_parse("t.yaml", "workers: 0\n", 11, &cfg,
	    err, sizeof(err)), FD_ECONFIG);
	assert_string_equal(err, "t.yaml:1:10");
	assert_int_equal(fd_config_parse("t.yaml", "workers: 0\n", 11, &cfg,
	    NULL, 0), FD_ECONFIG);
}


/* flipctl -c: control.socket alone, the rest of the file unread. */
static void
socket_case(const char *text, enum fd_err want_rc, const char *want)
{
	char path[] = "/tmp/test_config_socket.XXXXXX";
	char out[128], err[512];
	enum fd_err rc;
	int fd;

	assert_true((fd = mkstemp(path)) != -1);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	rc = fd_config_socket(path, out, sizeof(out), err, sizeof(err));
	unlink(path);
	if (rc != want_rc)
		fail_msg("%s: rc %d, wanted %d (%s)", text, rc, want_rc, err);
	if (rc == FD_OK)
		assert_string_equal(out, want);
	else if (strstr(err, want) == NULL)
		fail_msg("error '%s' lacks '%s'", err, want);
}

static void
test_socket_only(void **state)
{
	char out[128], err[512];

	/* other keys are not checked: a user this host lacks, no zone */
	socket_case("user: no-such-user-here\ncontrol: {socket: /run/x.sock}\n"
	    "frobnicate: 1\n", FD_OK, "/run/x.sock");
	socket_case(ZONE "control:\n  allow_uids: [0]\n", FD_OK,
	    "var/flipdns.sock");
	socket_case("", FD_OK, "var/flipdns.sock");
	socket_case("control: {socket: [a]}\n", FD_ECONFIG,
	    ":1:19: control.socket: expected a scalar");
	socket_case("control: 5\n", FD_ECONFIG, ":1:10: control: expected a "
	    "mapping");
	socket_case("control: {socket: \"\"}\n", FD_ECONFIG, ":1:19:");
	socket_case("control: {socket: x\n", FD_ECONFIG, "YAML syntax error");
	assert_int_equal(fd_config_socket("/nonexistent/f.yaml", out,
	    sizeof(out), err, sizeof(err)), FD_ESYS);
	assert_non_null(strstr(err, "No such file"));
}

/* The key list of flipdns.yaml(5): every row, in order, with defaults. */
static void
test_print_keys(void **state)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	fd_config_print_keys(f);
	fclose(f);
	assert_non_null(strstr(buf, "zone.origin\tdomain name\trequired\n"));
	assert_non_null(strstr(buf, "zone.ttl\tinteger, 0..86400\t30\n"));
	assert_non_null(strstr(buf, "zone.nameservers[].addresses\t"
	    "list of IP addresses, 0..8\t[]\n"));
	assert_non_null(strstr(buf, "storage.map_size\tbytes with an optional "
	    "K, M, G or T, 1M..64T\t4G\n"));
	assert_non_null(strstr(buf, "chaos.id\tstring, 1..255 bytes\t"
	    "the host name\n"));
	assert_non_null(strstr(buf, "chaos.enabled\ttrue or false\tfalse\n"));
	assert_non_null(strstr(buf, "user\tuser name\tnone\n"));
	free(buf);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shipped_text),
		cmocka_unit_test(test_shipped_file),
		cmocka_unit_test(test_load_errors),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_every_key),
		cmocka_unit_test(test_names_lower_case),
		cmocka_unit_test(test_map_size),
		cmocka_unit_test(test_listen_forms),
		cmocka_unit_test(test_listen_errors),
		cmocka_unit_test(test_unknown_keys),
		cmocka_unit_test(test_wrong_types),
		cmocka_unit_test(test_duplicates),
		cmocka_unit_test(test_bad_names_and_addresses),
		cmocka_unit_test(test_out_of_range),
		cmocka_unit_test(test_missing_required),
		cmocka_unit_test(test_glue),
		cmocka_unit_test(test_zero_ttl),
		cmocka_unit_test(test_ids),
		cmocka_unit_test(test_yaml_errors),
		cmocka_unit_test(test_short_err_buffer),
		cmocka_unit_test(test_socket_only),
		cmocka_unit_test(test_print_keys),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
