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
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flipdns/dns/answer.h"
#include "flipdns/dns/dnswire.h"
#include "fixture.h"

#define UDP_PLAIN_MAX 512      /* RFC 1035 4.2.1 */
#define TCP_MAX 65535          /* a TCP message has a 16-bit length */

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct fixture *fx;
static struct fd_reader reader;
static uint8_t out[TCP_MAX];

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

static void
answer(const uint8_t *data, size_t size, size_t maxlen, bool tcp)
{
	struct fd_query_info info;
	size_t len;

	struct fd_client cl = {tcp, NULL, 0};

	/* poison the struct: every field must be written */
	memset(&info, 0xa5, sizeof(info));
	len = fd_answer(&fx->zone, fx->st, reader.txn, data, size, out, maxlen,
	    &cl, &info);
	check(data, size, len, maxlen, &info, tcp);
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
