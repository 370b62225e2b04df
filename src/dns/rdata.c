/*
 * rdata.c - the RDATA of the record model's RRsets in wire form: one
 * encoder for the answer, zone transfers and the IXFR journal, so the
 * three write the same bytes.  See records.h.
 */
#include <string.h>

#include "flipdns/dns/records.h"

/* One character-string holds 255 octets (RFC 1035 3.3). */
#define TXT_STRING_MAX 255

bool
fd_put_string(struct fd_wbuf *w, const char *text)
{
	size_t n = strlen(text);
	uint8_t sl;

	if (n > TXT_STRING_MAX)
		n = TXT_STRING_MAX;
	sl = (uint8_t)n;
	return fd_put_bytes(w, &sl, 1) && fd_put_bytes(w, text, n);
}

bool
fd_rrset_put_rdata(struct fd_wbuf *w, const struct fd_rrset *rs, int i)
{
	const struct fd_zone *z;

	switch (rs->type) {
	case FD_T_A:
		return fd_put_bytes(w, rs->rd.addrs + 4 * (size_t)i, 4);
	case FD_T_AAAA:
		return fd_put_bytes(w, rs->rd.addrs + 16 * (size_t)i, 16);
	case FD_T_CNAME:
		return fd_put_name(w, rs->rd.target, rs->target_len, NULL);
	case FD_T_NS:
		return fd_put_name(w, rs->rd.ns[i].name, rs->rd.ns[i].name_len,
		    NULL);
	case FD_T_TXT:
		return fd_put_string(w, rs->rd.text);
	case FD_T_SOA:
		z = rs->rd.soa;
		return fd_put_name(w, z->soa_mname, z->soa_mname_len, NULL) &&
		    fd_put_name(w, z->soa_rname, z->soa_rname_len, NULL) &&
		    fd_put_u32(w, rs->serial) && fd_put_u32(w, z->refresh) &&
		    fd_put_u32(w, z->retry) && fd_put_u32(w, z->expire) &&
		    fd_put_u32(w, z->minimum);
	default:
		return false;
	}
}
