/*
 * test_server.c - the network layer end to end on loopback: a real store,
 * a real zone, fd_answer, worker threads; queries over UDP and TCP (v4 and
 * v6), TCP pipelining and split writes, malformed input, the idle timeout
 * and the tcp_max_clients cap with eviction of the oldest idle connection,
 * else the slowest busy one.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <ldns/ldns.h>

#include "flipdns/conf/config.h"
#include "flipdns/util/names.h"
#include "flipdns/daemon/server.h"
#include "flipdns/db/store.h"
#include "flipdns/dns/zone.h"
#include "testutil.h"

#define ORIGIN "example.test."
#define T_SOA 6
#define T_NS 2

struct fixture {
	char *dir;
	struct fd_store *st;
	struct fd_config cfg;
	struct fd_zone zone;
	struct fd_server *srv;
	uint16_t port;
};

static void
msleep(int ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};

	nanosleep(&ts, NULL);
}

static void
set_listen(struct fd_conf_listen *l, int family, uint16_t port)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)&l->ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&l->ss;

	memset(l, 0, sizeof(*l));
	if (family == AF_INET) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		l->sslen = sizeof(*sin);
		snprintf(l->text, sizeof(l->text), "127.0.0.1:%u", port);
	} else {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		sin6->sin6_addr = in6addr_loopback;
		l->sslen = sizeof(*sin6);
		snprintf(l->text, sizeof(l->text), "[::1]:%u", port);
	}
}

/* The wildcard address of family: answers need IP(V6)_PKTINFO. */
static void
set_wildcard(struct fd_conf_listen *l)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)&l->ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&l->ss;

	if (l->ss.ss_family == AF_INET)
		sin->sin_addr.s_addr = htonl(INADDR_ANY);
	else
		sin6->sin6_addr = in6addr_any;
}

/* A port that was free a moment ago (the server binds it per worker). */
static uint16_t
free_port(void)
{
	struct sockaddr_in sin = {.sin_family = AF_INET};
	socklen_t len = sizeof(sin);
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	assert_true(fd >= 0);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
	close(fd);
	return ntohs(sin.sin_port);
}

/* The config as flipdnsd would have parsed it, built by hand. */
static void
make_config(struct fd_config *cfg, int workers)
{
	memset(cfg, 0, sizeof(*cfg));
	snprintf(cfg->origin, sizeof(cfg->origin), "%s", ORIGIN);
	cfg->ttl = 30;
	cfg->ns_ttl = 3600;
	snprintf(cfg->soa.mname, sizeof(cfg->soa.mname), "ns1." ORIGIN);
	snprintf(cfg->soa.rname, sizeof(cfg->soa.rname), "hostmaster." ORIGIN);
	cfg->soa.ttl = 3600;
	cfg->soa.refresh = 3600;
	cfg->soa.retry = 600;
	cfg->soa.expire = 604800;
	cfg->soa.minimum = 30;
	cfg->n_ns = 1;
	snprintf(cfg->ns[0].name, sizeof(cfg->ns[0].name), "ns1." ORIGIN);
	cfg->ns[0].naddrs = 1;
	cfg->ns[0].addrs[0].family = AF_INET;
	memcpy(cfg->ns[0].addrs[0].bytes, "\xc0\x00\x02\x35", 4);
	cfg->map_size = 16 << 20;
	cfg->workers = workers;
	cfg->edns_udp_size = 1232;
	cfg->tcp_idle_timeout = 10;
	cfg->tcp_query_timeout = 2;
	cfg->tcp_max_clients = 100;
	cfg->log_queries = true;
}

#define FX_WILDCARD 1     /* listen on 0.0.0.0 and ::, not loopback */
#define FX_QUIET 2        /* no query log */

static void
fixture_open_any(struct fixture *f, int workers, uint32_t idle,
    uint32_t maxc, int flags)
{
	enum fd_err err = FD_ESYS;
	int tries;

	memset(f, 0, sizeof(*f));
	f->dir = tu_tmpdir();
	assert_int_equal(fd_store_open(f->dir, 16 << 20, 16, &f->st), FD_OK);
	make_config(&f->cfg, workers);
	f->cfg.tcp_idle_timeout = idle;
	f->cfg.tcp_max_clients = maxc;
	f->cfg.log_queries = !(flags & FX_QUIET);
	assert_int_equal(fd_zone_build(&f->cfg, &f->zone), FD_OK);

	/* The port can be taken between free_port() and bind: try again. */
	for (tries = 0; tries < 20 && err != FD_OK; tries++) {
		f->port = free_port();
		f->cfg.n_listen = 2;
		set_listen(&f->cfg.listen[0], AF_INET, f->port);
		set_listen(&f->cfg.listen[1], AF_INET6, f->port);
		if (flags & FX_WILDCARD) {
			set_wildcard(&f->cfg.listen[0]);
			set_wildcard(&f->cfg.listen[1]);
		}
		err = fd_server_bind(&f->cfg, &f->srv);
	}
	assert_int_equal(err, FD_OK);
	/* the server takes a zone of its own (malloc'd) and frees it */
	{
		struct fd_zone *z = malloc(sizeof(*z));

		assert_non_null(z);
		*z = f->zone;
		assert_int_equal(fd_server_start(f->srv, z, f->st), FD_OK);
	}
}

static void
fixture_open(struct fixture *f, int workers, uint32_t idle, uint32_t maxc)
{
	fixture_open_any(f, workers, idle, maxc, 0);
}

static void
fixture_close(struct fixture *f)
{
	fd_server_stop(f->srv);
	fd_store_close(f->st);
	tu_rmdir(f->dir);
}

static size_t
make_query(uint8_t *buf, uint16_t id, uint16_t qtype)
{
	uint8_t wire[FD_DNAME_WIRE_MAX];
	int n = fd_dname_from_text(ORIGIN, wire);
	size_t len = 12;

	assert_true(n > 0);
	memset(buf, 0, 12);
	buf[0] = (uint8_t)(id >> 8);
	buf[1] = (uint8_t)id;
	buf[5] = 1;                     /* QDCOUNT */
	memcpy(buf + len, wire, (size_t)n);
	len += (size_t)n;
	buf[len++] = (uint8_t)(qtype >> 8);
	buf[len++] = (uint8_t)qtype;
	buf[len++] = 0;
	buf[len++] = 1;                 /* IN */
	return len;
}

/* An answer to query id: parses (ldns, independently), QR, NOERROR, qtype. */
static void
check_answer(const uint8_t *buf, size_t len, uint16_t id, uint16_t qtype)
{
	ldns_pkt *pkt = NULL;
	ldns_rr_list *rrs;

	assert_true(len >= 12);
	assert_int_equal((buf[0] << 8) | buf[1], id);
	assert_int_equal(ldns_wire2pkt(&pkt, buf, len), LDNS_STATUS_OK);
	assert_true(ldns_pkt_qr(pkt));
	assert_true(ldns_pkt_aa(pkt));
	assert_int_equal(ldns_pkt_get_rcode(pkt), LDNS_RCODE_NOERROR);
	rrs = ldns_pkt_rr_list_by_type(pkt, (ldns_rr_type)qtype,
	    LDNS_SECTION_ANSWER);
	assert_non_null(rrs);
	assert_true(ldns_rr_list_rr_count(rrs) >= 1);
	ldns_rr_list_deep_free(rrs);
	ldns_pkt_free(pkt);
}

static int
client_socket(int family, int type, uint16_t port)
{
	struct fd_conf_listen l;
	struct timeval tv = {5, 0};
	int fd;

	set_listen(&l, family, port);
	fd = socket(family, type, 0);
	assert_true(fd >= 0);
	/* A test must fail, not hang, when the server does not answer. */
	assert_int_equal(setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv,
	    sizeof(tv)), 0);
	assert_int_equal(connect(fd, (struct sockaddr *)&l.ss, l.sslen), 0);
	return fd;
}

static void
write_all(int fd, const uint8_t *buf, size_t len)
{
	ssize_t n;

	while (len > 0) {
		n = write(fd, buf, len);
		assert_true(n > 0);
		buf += n;
		len -= (size_t)n;
	}
}

static void
read_exact(int fd, uint8_t *buf, size_t len)
{
	ssize_t n;

	while (len > 0) {
		n = read(fd, buf, len);
		assert_true(n > 0);
		buf += n;
		len -= (size_t)n;
	}
}

static size_t
read_frame(int fd, uint8_t *buf)
{
	uint8_t pfx[2];
	size_t len;

	read_exact(fd, pfx, 2);
	len = (size_t)pfx[0] << 8 | pfx[1];
	read_exact(fd, buf, len);
	return len;
}

/* The server closed the connection: EOF (or a reset) within 5 s. */
static void
assert_closed(int fd)
{
	uint8_t b;
	ssize_t n = read(fd, &b, 1);

	assert_true(n == 0 || (n == -1 && errno == ECONNRESET));
}

static size_t
frame_query(uint8_t *buf, uint16_t id, uint16_t qtype)
{
	size_t len = make_query(buf + 2, id, qtype);

	buf[0] = (uint8_t)(len >> 8);
	buf[1] = (uint8_t)len;
	return 2 + len;
}

/* One query on fd and its answer; leaves the connection idle. */
static void
tcp_one(int fd, uint16_t id)
{
	uint8_t q[512], a[65535];
	size_t len;

	write_all(fd, q, frame_query(q, id, T_SOA));
	len = read_frame(fd, a);
	check_answer(a, len, id, T_SOA);
}

static void
tcp_one_on(int family, uint16_t port, uint16_t id)
{
	int fd = client_socket(family, SOCK_STREAM, port);

	tcp_one(fd, id);
	close(fd);
}

static void
udp_query(int family, uint16_t port, uint16_t id)
{
	uint8_t q[512], a[65535];
	size_t qlen = make_query(q, id, T_SOA);
	int fd = client_socket(family, SOCK_DGRAM, port);
	ssize_t n;

	assert_int_equal(send(fd, q, qlen, 0), (ssize_t)qlen);
	n = recv(fd, a, sizeof(a), 0);
	assert_true(n > 0);
	check_answer(a, (size_t)n, id, T_SOA);
	close(fd);
}

/*
 * A burst from one socket, sent before reading anything: the worker
 * takes it in batches (recvmmsg) and answers each batch (sendmmsg).
 * Small enough (with kernel overhead, ~1 KiB a datagram) for the default
 * socket buffers, so nothing is lost on loopback.
 */
#define BURST 96

static void
udp_burst(int family, uint16_t port)
{
	uint8_t q[512], a[65535];
	bool seen[BURST] = {false};
	size_t qlen;
	ssize_t n;
	int fd = client_socket(family, SOCK_DGRAM, port), i, id;

	for (i = 0; i < BURST; i++) {
		qlen = make_query(q, (uint16_t)i, T_SOA);
		assert_int_equal(send(fd, q, qlen, 0), (ssize_t)qlen);
	}
	for (i = 0; i < BURST; i++) {
		n = recv(fd, a, sizeof(a), 0);
		assert_true(n >= 12);
		id = (a[0] << 8) | a[1];
		assert_true(id < BURST && !seen[id]);
		seen[id] = true;
	}
	close(fd);
}

static void
test_udp(void **state)
{
	struct fixture f;
	int i;

	fixture_open(&f, 2, 10, 100);
	/* Several client ports, so both workers are likely to see some. */
	for (i = 0; i < 8; i++) {
		udp_query(AF_INET, f.port, (uint16_t)(0x1000 + i));
		udp_query(AF_INET6, f.port, (uint16_t)(0x2000 + i));
	}
	fixture_close(&f);
	fixture_open_any(&f, 2, 10, 100, FX_QUIET);
	udp_burst(AF_INET, f.port);
	udp_burst(AF_INET6, f.port);
	fixture_close(&f);
}

/*
 * On a wildcard address the answer must come from the address the query
 * went to: the client's connected socket ignores anything else.
 */
static void
test_udp_wildcard(void **state)
{
	struct fixture f;

	fixture_open_any(&f, 2, 10, 100, FX_WILDCARD);
	udp_query(AF_INET, f.port, 0x1101);
	udp_query(AF_INET6, f.port, 0x1102);
	tcp_one_on(AF_INET6, f.port, 0x1103);
	fixture_close(&f);
}

/* Two queries in one write, then two more split mid-prefix and mid-query. */
static void
tcp_pipeline(int family, uint16_t port)
{
	uint8_t q[1024], a[65535];
	size_t qlen, len, cut;
	int fd = client_socket(family, SOCK_STREAM, port);

	qlen = frame_query(q, 0x0101, T_SOA);
	qlen += frame_query(q + qlen, 0x0102, T_NS);
	write_all(fd, q, qlen);
	len = read_frame(fd, a);
	check_answer(a, len, 0x0101, T_SOA);
	len = read_frame(fd, a);
	check_answer(a, len, 0x0102, T_NS);

	qlen = frame_query(q, 0x0201, T_NS);
	cut = qlen + 1;                 /* inside the second length prefix */
	qlen += frame_query(q + qlen, 0x0202, T_SOA);
	write_all(fd, q, 5);            /* inside the first query */
	msleep(20);
	write_all(fd, q + 5, cut - 5);
	msleep(20);
	write_all(fd, q + cut, qlen - cut);
	len = read_frame(fd, a);
	check_answer(a, len, 0x0201, T_NS);
	len = read_frame(fd, a);
	check_answer(a, len, 0x0202, T_SOA);
	close(fd);
}

static void
test_tcp_pipelined(void **state)
{
	struct fixture f;

	fixture_open(&f, 2, 10, 100);
	tcp_pipeline(AF_INET, f.port);
	tcp_pipeline(AF_INET6, f.port);
	fixture_close(&f);
}

/*
 * A client pipelining many queries without reading (and with a tiny
 * receive buffer): the answers back up, the server stops reading until
 * they drain, and still every answer arrives, in order.
 */
/* Answers (~100 bytes each) must outgrow the server's send buffer, which
 * Linux autotunes up to tcp_wmem's maximum (4 MiB by default). */
#define FLOOD 100000

static void
test_tcp_backpressure(void **state)
{
	static uint8_t q[FLOOD * 40], a[65535];
	struct fd_conf_listen l;
	struct fixture f;
	struct pollfd pfd;
	size_t qlen = 0, qoff = 0, len;
	ssize_t n;
	int fd, rcv = 4096, got = 0;

	fixture_open_any(&f, 2, 10, 100, FX_QUIET);
	for (got = 0; got < FLOOD; got++)
		qlen += frame_query(q + qlen, (uint16_t)got, T_SOA);
	assert_true(qlen <= sizeof(q));
	fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(fd >= 0);
	assert_int_equal(setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcv,
	    sizeof(rcv)), 0);
	set_listen(&l, AF_INET, f.port);
	assert_int_equal(connect(fd, (struct sockaddr *)&l.ss, l.sslen), 0);

	/* Write until the connection is full both ways, and wait a bit. */
	while ((n = send(fd, q + qoff, qlen - qoff, MSG_DONTWAIT)) > 0)
		qoff += (size_t)n;
	msleep(200);

	for (got = 0; got < FLOOD;) {
		pfd.fd = fd;
		pfd.events = POLLIN | (qoff < qlen ? POLLOUT : 0);
		assert_true(poll(&pfd, 1, 5000) > 0);
		if ((pfd.revents & POLLOUT) &&
		    (n = send(fd, q + qoff, qlen - qoff, MSG_DONTWAIT)) > 0)
			qoff += (size_t)n;
		if (pfd.revents & POLLIN) {
			len = read_frame(fd, a);
			assert_true(len >= 12);
			assert_int_equal((a[0] << 8) | a[1], (uint16_t)got);
			got++;
		}
	}
	close(fd);
	fixture_close(&f);
}

/* Stopping with clients connected closes them and frees everything. */
static void
test_stop_with_clients(void **state)
{
	struct fixture f;
	int fd[4], i;

	fixture_open(&f, 2, 10, 100);
	for (i = 0; i < 4; i++) {
		fd[i] = client_socket(i % 2 ? AF_INET6 : AF_INET, SOCK_STREAM,
		    f.port);
		tcp_one(fd[i], (uint16_t)(0x0601 + i));
	}
	write_all(fd[0], (const uint8_t *)"\0\40", 2);   /* half a query */
	msleep(50);
	fd_server_stop(f.srv);
	for (i = 0; i < 4; i++) {
		assert_closed(fd[i]);
		close(fd[i]);
	}
	fd_store_close(f.st);
	tu_rmdir(f.dir);
}

/* tcp_one, but the server may have dropped the connection: false then. */
static bool
tcp_try_one(int fd, uint16_t id)
{
	uint8_t q[512], a[65535];
	size_t qlen = frame_query(q, id, T_SOA), len;

	if (send(fd, q, qlen, MSG_NOSIGNAL) != (ssize_t)qlen ||
	    recv(fd, a, 2, MSG_WAITALL) != 2)
		return false;
	len = (size_t)a[0] << 8 | a[1];
	read_exact(fd, a, len);
	check_answer(a, len, id, T_SOA);
	return true;
}

/*
 * Out of descriptors, accept fails with EMFILE: the listener pauses
 * instead of spinning, then takes clients again.  The client waiting
 * meanwhile is served once the pause ends; except under valgrind, which
 * enforces the limit itself by closing the descriptor accept(2) returned,
 * so only the next client is certain to be served.
 */
static void
test_tcp_emfile(void **state)
{
	struct fixture f;
	struct rlimit saved, low;
	int fd, lowest;

	fixture_open(&f, 1, 10, 100);
	fd = client_socket(AF_INET, SOCK_STREAM, f.port);
	/* No descriptor left to allocate: the lowest free one is the limit. */
	lowest = dup(0);
	assert_true(lowest >= 0);
	close(lowest);
	assert_int_equal(getrlimit(RLIMIT_NOFILE, &saved), 0);
	low = saved;
	low.rlim_cur = (rlim_t)lowest;
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &low), 0);
	msleep(300);                    /* the worker hits EMFILE and pauses */
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &saved), 0);
	(void)tcp_try_one(fd, 0x0701);
	close(fd);
	tcp_one_on(AF_INET, f.port, 0x0702);
	fixture_close(&f);
}

/* Junk must not hurt the workers: they keep answering afterwards. */
static void
test_malformed(void **state)
{
	static const uint8_t junk[] = {0xde, 0xad, 0xbe};
	static uint8_t big[5000];
	struct fixture f;
	uint8_t q[512];
	size_t qlen;
	int fd, i;

	fixture_open(&f, 2, 10, 100);
	for (i = 0; i < 16; i++) {
		fd = client_socket(AF_INET, SOCK_DGRAM, f.port);
		assert_int_equal(send(fd, junk, sizeof(junk), 0), 3);
		/* a response (QR=1) must be dropped, not answered */
		qlen = make_query(q, 7, T_SOA);
		q[2] |= 0x80;
		assert_int_equal(send(fd, q, qlen, 0), (ssize_t)qlen);
		assert_int_equal(send(fd, q, 0, 0), 0);
		/* longer than any query: truncated on receipt, dropped */
		qlen = make_query(big, 8, T_SOA);
		assert_int_equal(send(fd, big, sizeof(big), 0),
		    (ssize_t)sizeof(big));
		close(fd);
	}

	/* TCP: a zero-length frame, then a frame with no DNS header. */
	fd = client_socket(AF_INET, SOCK_STREAM, f.port);
	write_all(fd, (const uint8_t *)"\0\0", 2);
	assert_closed(fd);
	close(fd);
	fd = client_socket(AF_INET6, SOCK_STREAM, f.port);
	write_all(fd, (const uint8_t *)"\0\3abc", 5);
	assert_closed(fd);
	close(fd);
	/* A client that vanishes mid-query. */
	fd = client_socket(AF_INET, SOCK_STREAM, f.port);
	write_all(fd, (const uint8_t *)"\1\0abc", 5);
	close(fd);

	udp_query(AF_INET, f.port, 0x3001);
	udp_query(AF_INET6, f.port, 0x3002);
	tcp_pipeline(AF_INET, f.port);
	fixture_close(&f);
}

static void
test_tcp_idle_timeout(void **state)
{
	struct fixture f;
	uint8_t q[512], a[65535];
	size_t len;
	int fd;

	fixture_open(&f, 2, 1, 100);
	fd = client_socket(AF_INET, SOCK_STREAM, f.port);
	write_all(fd, q, frame_query(q, 0x0401, T_SOA));
	len = read_frame(fd, a);
	check_answer(a, len, 0x0401, T_SOA);
	/* Idle for 1 s after its answer: the server hangs up on its own. */
	assert_closed(fd);
	close(fd);
	fixture_close(&f);
}

/* One worker, so which connection is the oldest idle one is certain. */
static void
test_tcp_max_clients(void **state)
{
	struct fixture f;
	uint8_t q[512], ans[65535];
	size_t qlen, len;
	int a, b, c, d;

	fixture_open(&f, 1, 10, 2);
	a = client_socket(AF_INET, SOCK_STREAM, f.port);
	tcp_one(a, 0x0501);
	b = client_socket(AF_INET, SOCK_STREAM, f.port);
	tcp_one(b, 0x0502);

	/* At the cap: the newcomer gets a's slot, a is closed. */
	c = client_socket(AF_INET6, SOCK_STREAM, f.port);
	tcp_one(c, 0x0503);
	assert_closed(a);
	tcp_one(b, 0x0504);

	/*
	 * b, then c, in the middle of a query: none idle.  The newcomer is
	 * served all the same (RFC 7766 6.2), b's slot taken: the slowest,
	 * busy the longest.  c goes on.
	 */
	qlen = frame_query(q, 0x0506, T_SOA);
	write_all(b, q, 1);
	msleep(100);
	write_all(c, q, 1);
	msleep(100);
	d = client_socket(AF_INET, SOCK_STREAM, f.port);
	tcp_one(d, 0x0505);
	assert_closed(b);
	write_all(c, q + 1, qlen - 1);
	len = read_frame(c, ans);
	check_answer(ans, len, 0x0506, T_SOA);

	close(a);
	close(b);
	close(c);
	close(d);
	fixture_close(&f);
}

/* Bound but never started, and a port 0 refused: both clean up. */
static void
test_bind_only(void **state)
{
	struct fd_config cfg;
	struct fd_server *srv;
	uint16_t port;
	enum fd_err err = FD_ESYS;
	int tries;

	make_config(&cfg, 3);
	cfg.n_listen = 1;
	set_listen(&cfg.listen[0], AF_INET, 0);
	assert_int_equal(fd_server_bind(&cfg, &srv), FD_EINVAL);
	assert_null(srv);
	for (tries = 0; tries < 20 && err != FD_OK; tries++) {
		port = free_port();
		set_listen(&cfg.listen[0], AF_INET6, port);
		err = fd_server_bind(&cfg, &srv);
	}
	assert_int_equal(err, FD_OK);
	fd_server_stop(srv);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bind_only),
		cmocka_unit_test(test_udp),
		cmocka_unit_test(test_udp_wildcard),
		cmocka_unit_test(test_tcp_pipelined),
		cmocka_unit_test(test_tcp_backpressure),
		cmocka_unit_test(test_stop_with_clients),
		cmocka_unit_test(test_tcp_emfile),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_tcp_idle_timeout),
		cmocka_unit_test(test_tcp_max_clients),
	};
	int rc;

	rc = cmocka_run_group_tests(tests, NULL, NULL);
	/* libevent's thread locks are process-wide: free them for valgrind. */
	libevent_global_shutdown();
	return rc;
}
