/*
 * zonefile.c - the served zone as a master file; see zonefile.h.  Only
 * text: which names and RRsets exist is the record model's (records.c).
 */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "flipdns/dns/dnswire.h"
#include "flipdns/dns/zonefile.h"

/* A name as text when every byte needs \DDD, plus the NUL. */
#define NAME_TEXT_MAX (FD_DNAME_WIRE_MAX * 4 + 1)
/* The longest RDATA text: the SOA's two names and five numbers. */
#define RDATA_TEXT_MAX (2 * NAME_TEXT_MAX + 5 * 11)

struct out {
	fd_emit_fn emit;
	void *arg;
	int failed;
};

static void
outf(struct out *o, const char *fmt, ...)
{
	char line[NAME_TEXT_MAX + RDATA_TEXT_MAX + 64];
	va_list ap;
	int n;

	if (o->failed)
		return;
	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(line) || o->emit(o->arg, line,
	    (size_t)n) != 0)
		o->failed = 1;
}

/* ---- RDATA as text, one function per type ------------------------------ */

static void
text_a(const struct fd_rrset *rs, int i, char *buf)
{
	inet_ntop(AF_INET, rs->rd.addrs + 4 * (size_t)i, buf, RDATA_TEXT_MAX);
}

static void
text_aaaa(const struct fd_rrset *rs, int i, char *buf)
{
	inet_ntop(AF_INET6, rs->rd.addrs + 16 * (size_t)i, buf,
	    RDATA_TEXT_MAX);
}

static void
text_cname(const struct fd_rrset *rs, int i, char *buf)
{
	(void)i;
	fd_name_to_text(rs->rd.target, rs->target_len, buf, RDATA_TEXT_MAX);
}

static void
text_ns(const struct fd_rrset *rs, int i, char *buf)
{
	fd_name_to_text(rs->rd.ns[i].name, rs->rd.ns[i].name_len, buf,
	    RDATA_TEXT_MAX);
}

/* One character-string, quoted; '"' and '\' escaped (RFC 1035 5.1). */
static void
text_txt(const struct fd_rrset *rs, int i, char *buf)
{
	const char *s = rs->rd.text;
	size_t o = 0;

	(void)i;
	buf[o++] = '"';
	for (; *s != '\0' && o + 4 < RDATA_TEXT_MAX; s++) {
		if (*s == '"' || *s == '\\')
			buf[o++] = '\\';
		buf[o++] = *s;
	}
	buf[o++] = '"';
	buf[o] = '\0';
}

static void
text_soa(const struct fd_rrset *rs, int i, char *buf)
{
	const struct fd_zone *z = rs->rd.soa;
	char m[NAME_TEXT_MAX], r[NAME_TEXT_MAX];

	(void)i;
	fd_name_to_text(z->soa_mname, z->soa_mname_len, m, sizeof(m));
	fd_name_to_text(z->soa_rname, z->soa_rname_len, r, sizeof(r));
	snprintf(buf, RDATA_TEXT_MAX, "%s %s %u %u %u %u %u", m, r, rs->serial,
	    z->refresh, z->retry, z->expire, z->minimum);
}

static const struct {
	uint16_t type;
	const char *name;
	void (*text)(const struct fd_rrset *rs, int i, char *buf);
} rdata_text[] = {
	{FD_T_SOA, "SOA", text_soa},
	{FD_T_NS, "NS", text_ns},
	{FD_T_CNAME, "CNAME", text_cname},
	{FD_T_A, "A", text_a},
	{FD_T_AAAA, "AAAA", text_aaaa},
	{FD_T_TXT, "TXT", text_txt},
};

/*
 * s as a JSON string's contents: '"', '\\' and control characters
 * escaped, and a byte past ASCII as \u00XX (names are escaped as \DDD
 * already, so none comes; the output stays UTF-8 whatever comes).
 */
static void
json_text(struct out *o, const char *s)
{
	char buf[512];
	size_t n = 0;

	for (; *s != '\0' && !o->failed; s++) {
		unsigned char ch = (unsigned char)*s;

		if (n > sizeof(buf) - 8) {
			if (o->emit(o->arg, buf, n) != 0)
				o->failed = 1;
			n = 0;
		}
		if (ch == '"' || ch == '\\') {
			buf[n++] = '\\';
			buf[n++] = (char)ch;
		} else if (ch < 0x20 || ch >= 0x7f)
			n += (size_t)snprintf(buf + n, sizeof(buf) - n,
			    "\\u%04x", ch);
		else
			buf[n++] = (char)ch;
	}
	if (n > 0 && !o->failed && o->emit(o->arg, buf, n) != 0)
		o->failed = 1;
}

/* One RRset as one JSON line. */
static void
json_rrset(struct out *o, const char *name, const struct fd_rrset *rs,
    const char *type, void (*text)(const struct fd_rrset *, int, char *))
{
	char rdata[RDATA_TEXT_MAX];

	outf(o, "{\"name\":\"");
	json_text(o, name);
	outf(o, "\",\"type\":\"%s\",\"ttl\":%u,\"data\":[", type, rs->ttl);
	for (int i = 0; i < rs->count; i++) {
		text(rs, i, rdata);
		outf(o, "%s\"", i > 0 ? "," : "");
		json_text(o, rdata);
		outf(o, "\"");
	}
	outf(o, "]}\n");
}

/* Every record of one name, a line each (JSON: a line per RRset). */
static void
write_name(struct out *o, const uint8_t *owner, size_t owner_len,
    const struct fd_name_records *rec, enum fd_zonefile_format format)
{
	char name[NAME_TEXT_MAX], rdata[RDATA_TEXT_MAX];

	fd_name_to_text(owner, owner_len, name, sizeof(name));
	for (int s = 0; s < rec->n; s++) {
		const struct fd_rrset *rs = &rec->set[s];
		size_t t = 0;

		while (t < sizeof(rdata_text) / sizeof(rdata_text[0]) &&
		    rdata_text[t].type != rs->type)
			t++;
		if (t == sizeof(rdata_text) / sizeof(rdata_text[0])) {
			o->failed = 1;   /* a type the model gained, not here */
			return;
		}
		if (format == FD_ZONEFILE_JSON) {
			json_rrset(o, name, rs, rdata_text[t].name,
			    rdata_text[t].text);
			continue;
		}
		for (int i = 0; i < rs->count; i++) {
			rdata_text[t].text(rs, i, rdata);
			outf(o, "%s\t%u\tIN\t%s\t%s\n", name, rs->ttl,
			    rdata_text[t].name, rdata);
		}
	}
}

/* ---- the walk ---------------------------------------------------------- */

void
fd_zonefile_begin(struct fd_zonefile_walk *w, enum fd_zonefile_format format)
{
	fd_records_walk_begin(&w->names);
	w->format = format;
}

bool
fd_zonefile_done(const struct fd_zonefile_walk *w)
{
	return fd_records_walk_done(&w->names);
}

enum fd_err
fd_zonefile_step(struct fd_zonefile_walk *w, const struct fd_zone *z,
    const struct fd_store *st, MDB_txn *txn, size_t max_names,
    fd_emit_fn emit, void *arg)
{
	struct out o = {emit, arg, 0};
	uint8_t owner[FD_DNAME_WIRE_MAX], target[FD_DNAME_WIRE_MAX];
	char origin[NAME_TEXT_MAX];
	struct fd_name_records rec;
	enum fd_err err = FD_OK;
	size_t owner_len;

	/* JSON lines are RRsets only: the SOA carries the serial */
	if (w->names.phase == FD_WALK_APEX && w->format == FD_ZONEFILE_TEXT) {
		fd_name_to_text(z->origin, z->origin_len, origin,
		    sizeof(origin));
		outf(&o, "; flipdns zone %s serial %u\n", origin,
		    fd_store_serial(st, txn));
	}
	for (size_t n = 0; n < max_names && !o.failed; n++) {
		err = fd_records_walk_next(&w->names, z, st, txn, owner,
		    &owner_len, target, &rec);
		if (err != FD_OK)
			break;
		if (rec.kind == FD_NAME_RRSETS)
			write_name(&o, owner, owner_len, &rec, w->format);
	}
	/* The cursor is the step's: the caller's loop runs in between. */
	fd_records_walk_pause(&w->names);
	if (err == FD_ENOTFOUND)
		err = FD_OK;      /* the walk is done */
	if (err == FD_OK && o.failed)
		err = FD_ENOMEM;
	return err;
}

enum fd_err
fd_zonefile_write(const struct fd_zone *z, const struct fd_store *st,
    MDB_txn *txn, fd_emit_fn emit, void *arg)
{
	struct fd_zonefile_walk w;
	enum fd_err err = FD_OK;

	fd_zonefile_begin(&w, FD_ZONEFILE_TEXT);
	while (err == FD_OK && !fd_zonefile_done(&w))
		err = fd_zonefile_step(&w, z, st, txn, SIZE_MAX, emit, arg);
	return err;
}
