/*
 * dnswire.h - the few DNS wire-format helpers the responder needs.
 *
 * Reading: the 12-byte header, the one question (its name lower-cased
 * into a flat buffer, the sender's spelling kept for the echo), names with
 * compression pointers, whole resource records (to skip them or to find
 * the OPT), EDNS0 OPT fields.  Writing: the header, names compressed
 * against a small fixed table, resource records into a bounded buffer.
 *
 * These functions see raw packets from the network and from the fuzzer:
 * every read is bounds-checked against the packet length, and no input
 * makes them loop or write outside the caller's buffers.  Nothing here
 * allocates; all state lives in caller-provided structs.
 */
#ifndef FLIPDNS_DNSWIRE_H
#define FLIPDNS_DNSWIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "flipdns/util/names.h"

#define FD_HDR_LEN        12
/* A 255-octet name has at most 127 one-octet labels besides the root. */
#define FD_NAME_LABELS_MAX 127
/* A pointer holds a 14-bit offset: names written later cannot be targets. */
#define FD_PTR_MAX        0x3fff

/* Header flag bits (RFC 1035 4.1.1), in the 16-bit flags word. */
#define FD_F_QR  0x8000
#define FD_F_AA  0x0400
#define FD_F_TC  0x0200
#define FD_F_RD  0x0100
#define FD_F_RA  0x0080
#define FD_OPCODE(flags)  (((flags) >> 11) & 0xf)
#define FD_OPCODE_QUERY   0

enum fd_rcode {
	FD_RCODE_NOERROR = 0,
	FD_RCODE_FORMERR = 1,
	FD_RCODE_SERVFAIL = 2,
	FD_RCODE_NXDOMAIN = 3,
	FD_RCODE_NOTIMP = 4,
	FD_RCODE_REFUSED = 5,
	FD_RCODE_BADVERS = 16,   /* extended: upper 8 bits live in the OPT */
};

enum fd_rrtype {
	FD_T_A = 1, FD_T_NS = 2, FD_T_CNAME = 5, FD_T_SOA = 6, FD_T_TXT = 16,
	FD_T_AAAA = 28, FD_T_OPT = 41, FD_T_IXFR = 251, FD_T_AXFR = 252,
	FD_T_ANY = 255,
};
enum fd_rrclass { FD_C_IN = 1, FD_C_CH = 3 };

/* The OPT TTL field (RFC 6891 6.1.3): extended rcode, version, DO bit. */
#define FD_EDNS_DO        0x8000

struct fd_hdr {
	uint16_t id, flags;
	uint16_t qdcount, ancount, nscount, arcount;
};

/* false when len < FD_HDR_LEN. */
bool fd_hdr_read(const uint8_t *pkt, size_t len, struct fd_hdr *h);
/* Writes FD_HDR_LEN bytes at out. */
void fd_hdr_write(uint8_t *out, const struct fd_hdr *h);

/*
 * Read the name at *off in pkt[0..len), following compression pointers.
 * lc receives the uncompressed name lower-cased (A-Z only), spell (may be
 * NULL) the same bytes as sent; both FD_DNAME_WIRE_MAX bytes.  *off moves
 * past the name as it sits at *off (past the first pointer, if any).
 * Returns the uncompressed length (1..255), or 0 when the name is
 * malformed: runs off the packet, a label over 63, a name over 255, a
 * reserved label type (0x40/0x80), or a pointer that does not point
 * strictly before the data that led to it (which rules out loops).
 */
size_t fd_name_read(const uint8_t *pkt, size_t len, size_t *off,
    uint8_t *lc, uint8_t *spell);

/*
 * Check an uncompressed wire name from elsewhere (the store) and copy it
 * lower-cased into out (FD_DNAME_WIRE_MAX bytes).  Returns the length,
 * or 0 when it is not a well-formed name of exactly len bytes.
 */
size_t fd_name_copy(const uint8_t *name, size_t len, uint8_t *out);

/*
 * Offsets of the labels of a well-formed uncompressed name (root not
 * counted) into offs; returns the count.
 */
int fd_name_labels(const uint8_t *name, size_t len,
    uint8_t offs[FD_NAME_LABELS_MAX]);

/*
 * True when name equals sub or lies below it, on label boundaries.  Both
 * are well-formed lower-case names.
 */
bool fd_name_at_or_below(const uint8_t *name, size_t len, const uint8_t *sub,
    size_t sublen);

/*
 * A well-formed name as presentation text for logs: trailing dot, bytes
 * outside [!-~] and '.' '\\' inside labels as \DDD, cut short (still
 * NUL-terminated) when out is too small.  outlen >= 1.
 */
void fd_name_to_text(const uint8_t *name, size_t len, char *out,
    size_t outlen);

/* The question section entry. */
struct fd_question {
	uint8_t name[FD_DNAME_WIRE_MAX];    /* lower case */
	uint8_t spell[FD_DNAME_WIRE_MAX];   /* the client's letter case (0x20) */
	size_t name_len;
	uint16_t qtype, qclass;
};

/* Parse one question at *off; false when malformed or truncated. */
bool fd_question_read(const uint8_t *pkt, size_t len, size_t *off,
    struct fd_question *q);

/* A resource record as read: the owner checked, RDATA located. */
struct fd_rr {
	size_t owner_len;                   /* 1: the root */
	uint16_t type, rclass;
	uint32_t ttl;
	uint16_t rdlen;
	size_t rdata;                       /* offset of RDATA in the packet */
};

/* Read (and so skip) one RR at *off; false when malformed or truncated. */
bool fd_rr_read(const uint8_t *pkt, size_t len, size_t *off, struct fd_rr *rr);

/* What the client's OPT says (RFC 6891 6.1.2-6.1.3). */
struct fd_edns {
	bool present;
	uint16_t udp_size;
	uint8_t version;
	bool dnssec_ok;
};

/*
 * Decode an OPT read by fd_rr_read.  Options are walked only to check
 * their framing (code, length, data inside RDATA); their contents are
 * ignored.  false when the owner is not the root or an option overruns.
 */
bool fd_opt_parse(const uint8_t *pkt, const struct fd_rr *rr,
    struct fd_edns *e);

/*
 * The writer: a bounded output buffer plus a compression table.
 * Every put_* returns false, leaving len as it was before that call,
 * when the bytes would pass cap; the caller then truncates.
 */
/*
 * Each entry is one name suffix already in the packet.  An answer here
 * names at most a dozen distinct suffixes (question, origin, SOA names,
 * NS names, a CNAME chain); 64 entries cover that, and when the table is
 * full later names are written uncompressed, which is still correct.
 */
#define FD_CTAB_SIZE 64

struct fd_ctab_entry {
	const uint8_t *name;    /* lower-case suffix; outlives the packet */
	uint16_t len;
	uint16_t off;           /* where it sits in the packet */
};

struct fd_wbuf {
	uint8_t *p;
	size_t cap;             /* writes stop here */
	size_t len;
	/* names in full, never compressed nor tabled: the IXFR journal's
	 * records, compared byte for byte, are kept this way */
	bool plain;
	int nct;
	struct fd_ctab_entry ct[FD_CTAB_SIZE];
};

/* Start writing into p[0..cap); len starts at 0, the table empty. */
void fd_wbuf_init(struct fd_wbuf *w, uint8_t *p, size_t cap);
/* Back to length len, forgetting table entries at or past it. */
void fd_wbuf_rewind(struct fd_wbuf *w, size_t len);

bool fd_put_u16(struct fd_wbuf *w, uint16_t v);
bool fd_put_u32(struct fd_wbuf *w, uint32_t v);
bool fd_put_bytes(struct fd_wbuf *w, const void *b, size_t n);

/*
 * Write a well-formed lower-case name, compressing its longest suffix
 * already in the table, and add the suffixes written out in full.  name
 * must stay valid while w is used.  spell (may be NULL) gives the bytes
 * to emit instead (same name, other letter case): used for the echoed
 * question.
 */
bool fd_put_name(struct fd_wbuf *w, const uint8_t *name, size_t len,
    const uint8_t *spell);

/*
 * Write an RR's owner, type, class, TTL and an RDLENGTH placeholder;
 * *mark receives what fd_rr_end needs.  Then the caller writes RDATA
 * and calls fd_rr_end, which fills RDLENGTH.
 */
bool fd_rr_begin(struct fd_wbuf *w, const uint8_t *owner, size_t owner_len,
    uint16_t type, uint16_t rclass, uint32_t ttl, size_t *mark);
void fd_rr_end(struct fd_wbuf *w, size_t mark);

/* An OPT RR with no options: root owner, payload size, ext rcode, DO. */
#define FD_OPT_LEN 11
bool fd_put_opt(struct fd_wbuf *w, uint16_t udp_size, uint8_t ext_rcode,
    bool dnssec_ok);

#endif
