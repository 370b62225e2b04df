/*
 * fuzz_answer.c - libFuzzer target: one DNS packet in, fd_answer() out,
 * over UDP and TCP, against the fixed store of fixture.c.
 *
 * Besides the sanitizers, each answer is read back: a header with the
 * query's ID and QR set, within the transport's size limit, the query's
 * question echoed if any, then exactly the records its counts announce.
 * The reader is dnswire's own, so this catches count and framing slips
 * rather than encoding subtleties (the unit tests check those with ldns).
 *
 * A third call gives the responder a small output buffer, sized by the
 * low byte of the query ID (which the answer only echoes), to reach the
 * paths where not even the question or the OPT fits.
 *
 * The TCP calls come from 127.0.0.1, which the fixture lets transfer the
 * zone (and it holds a TSIG key and two IXFR deltas): a request the
 * responder lets through is then streamed (dns/xfr.c) in small messages,
 * each read back the same way, to the end.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <netinet/in.h>

#include "flipdns/dns/answer.h"
#include "flipdns/dns/dnswire.h"
#include "flipdns/dns/xfr.h"
#include "fixture.h"

#define UDP_PLAIN_MAX 512      /* RFC 1035 4.2.1 */
#define TCP_MAX 65535          /* a TCP message has a 16-bit length */

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Transfer messages this small: many of them, and records split across. */
#define XFR_MSG 1024
/* A transfer of the fixture's zone is a few dozen such messages. */
#define XFR_MSGS_MAX 4096

static const struct fixture *fx;
static struct fd_reader reader;
static uint8_t out[TCP_MAX];
static struct fd_xfr xfr;

static void
fail(const char *what, bool tcp)
{
	fprintf(stderr, "fuzz_answer: %s answer: %s\n", tcp ? "TCP" : "UDP",
	    what);
	abort();
}

/* The answer's question is the query's, letter case included. */
static void
check_question(const uint8_t *q, size_t qlen, const struct fd_question *aq,
    bool tcp)
{
	struct fd_question qq;
	size_t off = FD_HDR_LEN;

	if (!fd_question_read(q, qlen, &off, &qq))
		fail("a question the query does not have", tcp);
	if (qq.name_len != aq->name_len ||
	    memcmp(qq.spell, aq->spell, qq.name_len) != 0 ||
	    qq.qtype != aq->qtype || qq.qclass != aq->qclass)
		fail("question not echoed as asked", tcp);
}

static void
check(const uint8_t *q, size_t qlen, size_t len, size_t maxlen,
    const struct fd_query_info *info, bool tcp)
{
	struct fd_question qq;
	struct fd_hdr h;
	struct fd_rr rr;
	size_t off = FD_HDR_LEN, limit = maxlen;
	unsigned nrr;

	if (info->answer_len != len)
		fail("info->answer_len differs from the length returned", tcp);
	if (fx->zone.log_queries &&
	    memchr(info->qname, '\0', sizeof(info->qname)) == NULL)
		fail("info->qname not NUL-terminated", tcp);
	if (len == 0)
		return;
	if (!tcp)
		limit = info->edns ? fx->zone.edns_udp_size : UDP_PLAIN_MAX;
	if (len < FD_HDR_LEN || len > limit || len > maxlen)
		fail("length out of range", tcp);
	fd_hdr_read(out, len, &h);
	if (memcmp(out, q, 2) != 0)
		fail("ID not echoed", tcp);
	if (!(h.flags & FD_F_QR))
		fail("QR not set", tcp);
	if (((h.flags & FD_F_TC) != 0) != info->truncated)
		fail("TC bit and info->truncated disagree", tcp);
	if (h.qdcount > 1)
		fail("more than one question", tcp);
	if (h.qdcount == 1) {
		if (!fd_question_read(out, len, &off, &qq))
			fail("fewer questions than QDCOUNT", tcp);
		check_question(q, qlen, &qq, tcp);
	}
	nrr = (unsigned)h.ancount + h.nscount + h.arcount;
	for (unsigned i = 0; i < nrr; i++)
		if (!fd_rr_read(out, len, &off, &rr))
			fail("fewer records than the counts announce", tcp);
	if (off != len)
		fail("bytes after the last record", tcp);
}

/* Registered after the fixture's cleanup, so it runs before it. */
static void
close_reader(void)
{
	fd_reader_close(&reader);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fx = fx_get();
	fx_add_bad_records();
	if (fd_reader_open(fx->st, &reader) != FD_OK) {
		fprintf(stderr, "fuzz_answer: fd_reader_open failed\n");
		abort();
	}
	atexit(close_reader);
	return 0;
}

/* Each message of a transfer: a header with the ID and records only. */
static void
check_xfr(const uint8_t *q, size_t qlen, const struct fd_query_info *info)
{
	struct fd_hdr h;
	struct fd_rr rr;
	struct fd_question qq;
	enum fd_err err;
	size_t len, off;
	int n = 0;

	if (fd_xfr_begin(&xfr, &fx->zone, fx->st, reader.txn, q, qlen,
	    info) != FD_OK)
		fail("a transfer let through cannot begin", true);
	while ((len = fd_xfr_next(&xfr, 0, out, XFR_MSG, &err)) > 0) {
		if (len > XFR_MSG || !fd_hdr_read(out, len, &h) ||
		    memcmp(out, q, 2) != 0 || !(h.flags & FD_F_QR))
			fail("transfer message header", true);
		off = FD_HDR_LEN;
		if (h.qdcount > 1 || (h.qdcount == 1 &&
		    !fd_question_read(out, len, &off, &qq)))
			fail("transfer message question", true);
		for (unsigned i = 0; i < (unsigned)h.ancount + h.arcount; i++)
			if (!fd_rr_read(out, len, &off, &rr))
				fail("transfer message records", true);
		if (off != len)
			fail("bytes after a transfer message's records", true);
		if (++n > XFR_MSGS_MAX)
			fail("a transfer that does not end", true);
	}
	if (err != FD_OK || !fd_xfr_done(&xfr))
		fail("a transfer that stopped short", true);
}

static void
answer(const uint8_t *data, size_t size, size_t maxlen, bool tcp)
{
	struct sockaddr_in peer = {.sin_family = AF_INET,
	    .sin_addr.s_addr = htonl(0x7f000001)};
	struct fd_client cl = {tcp, (struct sockaddr *)&peer, 0};
	struct fd_query_info info;
	size_t len;

	/* poison the struct: every field must be written */
	memset(&info, 0xa5, sizeof(info));
	len = fd_answer(&fx->zone, fx->st, reader.txn, data, size, out, maxlen,
	    &cl, &info);
	check(data, size, len, maxlen, &info, tcp);
	if (info.xfr != 0)
		check_xfr(data, size, &info);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (fd_reader_begin(&reader) != FD_OK)
		abort();
	answer(data, size, sizeof(out), false);
	answer(data, size, sizeof(out), true);
	/* 0..1020 bytes: below 12 is dropped, below 512 is tight */
	if (size >= 2)
		answer(data, size, (size_t)data[1] * 4, true);
	fd_reader_end(&reader);
	return 0;
}
