/*
 * dnswire.c - DNS wire-format reading and writing on flat buffers; see
 * dnswire.h.  The reading side is the only code that touches raw bytes
 * from the network, so every index is checked before use.
 */
#include <stdio.h>
#include <string.h>

#include "flipdns/dns/dnswire.h"

static uint16_t
get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t
get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

static void
set16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

static uint8_t
lower(uint8_t c)
{
	/* DNS case-insensitivity is ASCII only (RFC 4343). */
	return (c >= 'A' && c <= 'Z') ? c + ('a' - 'A') : c;
}

bool
fd_hdr_read(const uint8_t *pkt, size_t len, struct fd_hdr *h)
{
	if (len < FD_HDR_LEN)
		return false;
	h->id = get16(pkt);
	h->flags = get16(pkt + 2);
	h->qdcount = get16(pkt + 4);
	h->ancount = get16(pkt + 6);
	h->nscount = get16(pkt + 8);
	h->arcount = get16(pkt + 10);
	return true;
}

void
fd_hdr_write(uint8_t *out, const struct fd_hdr *h)
{
	set16(out, h->id);
	set16(out + 2, h->flags);
	set16(out + 4, h->qdcount);
	set16(out + 6, h->ancount);
	set16(out + 8, h->nscount);
	set16(out + 10, h->arcount);
}

size_t
fd_name_read(const uint8_t *pkt, size_t len, size_t *off, uint8_t *lc,
    uint8_t *spell)
{
	size_t pos = *off, n = 0, after = 0;
	/*
	 * Each pointer must point strictly before the start of the run of
	 * labels it ends.  Encoders only point back at names already
	 * written, so real packets pass, and the run starts strictly
	 * decrease, so no pointer chain can loop.
	 */
	size_t run = *off;
	/*
	 * That alone still allows long chains of pointer-to-pointer, which
	 * would let one packet cost millions of steps; a real name needs
	 * at most one jump per label.
	 */
	int hops = 0;
	bool jumped = false;

	for (;;) {
		uint8_t c;

		if (pos >= len)
			return 0;
		c = pkt[pos];
		if ((c & 0xc0) == 0xc0) {
			size_t target;

			if (pos + 1 >= len)
				return 0;
			target = (size_t)(c & 0x3f) << 8 | pkt[pos + 1];
			if (target >= run || ++hops > FD_NAME_LABELS_MAX + 1)
				return 0;
			if (!jumped) {
				after = pos + 2;
				jumped = true;
			}
			run = pos = target;
			continue;
		}
		if (c & 0xc0)   /* 0x40 and 0x80: extended/binary labels, dead */
			return 0;
		if (n + 1 + c > FD_DNAME_WIRE_MAX || pos + 1 + c > len)
			return 0;
		lc[n] = c;
		if (spell != NULL)
			spell[n] = c;
		for (size_t i = 1; i <= c; i++) {
			lc[n + i] = lower(pkt[pos + i]);
			if (spell != NULL)
				spell[n + i] = pkt[pos + i];
		}
		n += 1 + (size_t)c;
		pos += 1 + (size_t)c;
		if (c == 0)
			break;
	}
	*off = jumped ? after : pos;
	return n;
}

size_t
fd_name_copy(const uint8_t *name, size_t len, uint8_t *out)
{
	size_t i = 0;

	if (len == 0 || len > FD_DNAME_WIRE_MAX)
		return 0;
	while (i < len) {
		uint8_t c = name[i];

		if (c > FD_LABEL_MAX || i + 1 + c > len)
			return 0;
		out[i] = c;
		for (size_t j = 1; j <= c; j++)
			out[i + j] = lower(name[i + j]);
		i += 1 + (size_t)c;
		if (c == 0)
			return i == len ? len : 0;
	}
	return 0;   /* no root label */
}

int
fd_name_labels(const uint8_t *name, size_t len,
    uint8_t offs[FD_NAME_LABELS_MAX])
{
	size_t i = 0;
	int n = 0;

	while (i < len && name[i] != 0 && n < FD_NAME_LABELS_MAX) {
		offs[n++] = (uint8_t)i;
		i += 1 + (size_t)name[i];
	}
	return n;
}

bool
fd_name_at_or_below(const uint8_t *name, size_t len, const uint8_t *sub,
    size_t sublen)
{
	size_t i = 0;

	while (i < len) {
		if (len - i == sublen && memcmp(name + i, sub, sublen) == 0)
			return true;
		if (name[i] == 0)
			break;
		i += 1 + (size_t)name[i];
	}
	return false;
}

void
fd_name_to_text(const uint8_t *name, size_t len, char *out, size_t outlen)
{
	size_t i = 0, o = 0;

	out[0] = '\0';
	if (len == 0)
		return;
	if (name[0] == 0) {
		if (outlen > 1)
			memcpy(out, ".", 2);
		return;
	}
	while (i < len && name[i] != 0) {
		size_t ll = name[i];

		for (size_t j = 1; j <= ll && i + j < len; j++) {
			uint8_t c = name[i + j];
			char esc[5];
			size_t n = 1;

			esc[0] = (char)c;
			if (c <= ' ' || c > '~' || c == '.' || c == '\\') {
				snprintf(esc, sizeof(esc), "\\%03u", c);
				n = 4;
			}
			if (o + n + 1 > outlen)
				goto done;
			memcpy(out + o, esc, n);
			o += n;
		}
		if (o + 2 > outlen)
			goto done;
		out[o++] = '.';
		i += 1 + ll;
	}
done:
	out[o] = '\0';
}

bool
fd_question_read(const uint8_t *pkt, size_t len, size_t *off,
    struct fd_question *q)
{
	size_t pos = *off;

	q->name_len = fd_name_read(pkt, len, &pos, q->name, q->spell);
	if (q->name_len == 0 || pos + 4 > len)
		return false;
	q->qtype = get16(pkt + pos);
	q->qclass = get16(pkt + pos + 2);
	*off = pos + 4;
	return true;
}

bool
fd_rr_read(const uint8_t *pkt, size_t len, size_t *off, struct fd_rr *rr)
{
	uint8_t scratch[FD_DNAME_WIRE_MAX];
	size_t pos = *off;

	rr->owner_len = fd_name_read(pkt, len, &pos, scratch, NULL);
	if (rr->owner_len == 0 || pos + 10 > len)
		return false;
	rr->type = get16(pkt + pos);
	rr->rclass = get16(pkt + pos + 2);
	rr->ttl = get32(pkt + pos + 4);
	rr->rdlen = get16(pkt + pos + 8);
	pos += 10;
	if (rr->rdlen > len - pos)
		return false;
	rr->rdata = pos;
	*off = pos + rr->rdlen;
	return true;
}

bool
fd_opt_parse(const uint8_t *pkt, const struct fd_rr *rr, struct fd_edns *e)
{
	size_t pos = rr->rdata, end = rr->rdata + rr->rdlen;

	if (rr->owner_len != 1)
		return false;
	while (pos < end) {
		size_t olen;

		if (end - pos < 4)
			return false;
		olen = get16(pkt + pos + 2);
		if (olen > end - pos - 4)
			return false;
		pos += 4 + olen;
	}
	e->present = true;
	e->udp_size = rr->rclass;
	e->version = (rr->ttl >> 16) & 0xff;
	e->dnssec_ok = (rr->ttl & FD_EDNS_DO) != 0;
	return true;
}

void
fd_wbuf_init(struct fd_wbuf *w, uint8_t *p, size_t cap)
{
	w->p = p;
	w->cap = cap;
	w->len = 0;
	w->plain = false;
	w->nct = 0;
}

void
fd_wbuf_rewind(struct fd_wbuf *w, size_t len)
{
	if (len >= w->len)
		return;
	w->len = len;
	/* Entries are added in packet order, so the stale ones are last. */
	while (w->nct > 0 && w->ct[w->nct - 1].off >= len)
		w->nct--;
}

bool
fd_put_bytes(struct fd_wbuf *w, const void *b, size_t n)
{
	if (n > w->cap || w->len > w->cap - n)
		return false;
	memcpy(w->p + w->len, b, n);
	w->len += n;
	return true;
}

bool
fd_put_u16(struct fd_wbuf *w, uint16_t v)
{
	uint8_t b[2] = {v >> 8, v & 0xff};

	return fd_put_bytes(w, b, 2);
}

bool
fd_put_u32(struct fd_wbuf *w, uint32_t v)
{
	uint8_t b[4] = {v >> 24, (v >> 16) & 0xff, (v >> 8) & 0xff, v & 0xff};

	return fd_put_bytes(w, b, 4);
}

/* Offset in the packet of the suffix name[0..len), or -1. */
static int
ctab_find(const struct fd_wbuf *w, const uint8_t *name, size_t len)
{
	for (int i = 0; i < w->nct; i++)
		if (w->ct[i].len == len && memcmp(w->ct[i].name, name, len) == 0)
			return w->ct[i].off;
	return -1;
}

bool
fd_put_name(struct fd_wbuf *w, const uint8_t *name, size_t len,
    const uint8_t *spell)
{
	uint8_t offs[FD_NAME_LABELS_MAX];
	int nl = fd_name_labels(name, len, offs), cut = nl, ptr = -1;
	size_t start = w->len, plain;

	if (spell == NULL)
		spell = name;
	if (w->plain)
		return fd_put_bytes(w, spell, len);
	/* The longest suffix already in the packet wins. */
	for (int i = 0; i < nl; i++) {
		if ((ptr = ctab_find(w, name + offs[i], len - offs[i])) >= 0) {
			cut = i;
			break;
		}
	}
	plain = ptr >= 0 ? offs[cut] : len;
	if (plain + (ptr >= 0 ? 2 : 0) > w->cap ||
	    w->len > w->cap - plain - (ptr >= 0 ? 2 : 0))
		return false;
	memcpy(w->p + w->len, spell, plain);
	w->len += plain;
	if (ptr >= 0) {
		set16(w->p + w->len, (uint16_t)(0xc000 | ptr));
		w->len += 2;
	}
	for (int i = 0; i < cut && w->nct < FD_CTAB_SIZE; i++) {
		size_t at = start + offs[i];

		if (at > FD_PTR_MAX)
			break;
		w->ct[w->nct].name = name + offs[i];
		w->ct[w->nct].len = (uint16_t)(len - offs[i]);
		w->ct[w->nct].off = (uint16_t)at;
		w->nct++;
	}
	return true;
}

bool
fd_rr_begin(struct fd_wbuf *w, const uint8_t *owner, size_t owner_len,
    uint16_t type, uint16_t rclass, uint32_t ttl, size_t *mark)
{
	size_t start = w->len;

	if (!fd_put_name(w, owner, owner_len, NULL) || !fd_put_u16(w, type) ||
	    !fd_put_u16(w, rclass) || !fd_put_u32(w, ttl) ||
	    !fd_put_u16(w, 0)) {
		fd_wbuf_rewind(w, start);
		return false;
	}
	*mark = w->len - 2;
	return true;
}

void
fd_rr_end(struct fd_wbuf *w, size_t mark)
{
	set16(w->p + mark, (uint16_t)(w->len - mark - 2));
}

bool
fd_put_opt(struct fd_wbuf *w, uint16_t udp_size, uint8_t ext_rcode,
    bool dnssec_ok)
{
	uint8_t b[FD_OPT_LEN] = {
		0,                              /* root owner */
		0, FD_T_OPT,
		udp_size >> 8, udp_size & 0xff, /* CLASS: our payload size */
		ext_rcode, 0,                   /* version 0 */
		dnssec_ok ? FD_EDNS_DO >> 8 : 0, 0,
		0, 0,                           /* no options */
	};

	return fd_put_bytes(w, b, sizeof(b));
}
