/*
 * record.c - encoding of app and group records as LMDB values.
 *
 * A record is a fixed header followed by variable data.  The header is
 * copied in and out with memcpy, never cast in place: LMDB only promises
 * 2-byte alignment of values.  The first byte is the format version, so a
 * later layout can be read beside this one.  Host byte order: an LMDB file
 * is not portable across architectures anyway.
 */
#include <string.h>

#include "flipdns/db/store.h"

struct app_hdr {
	uint8_t version;
	uint8_t kind;
	uint8_t n4, n6;
	uint32_t ref_count;
	uint32_t active_count;
	uint16_t cname_len;
	uint16_t pad;
	uint64_t created, updated;
	char status_label[16];
};

struct group_hdr {
	uint8_t version;
	uint8_t active;
	uint8_t primary_len;
	uint8_t backup_len;
	uint32_t ttl;
	uint64_t created, updated;
};

size_t
fd_app_encode(uint8_t *buf, size_t cap, const struct fd_endpoints *ep,
    uint32_t ref_count, uint32_t active_count, const char *status_label,
    uint64_t created, uint64_t updated)
{
	struct app_hdr h;
	size_t len = sizeof(h);

	memset(&h, 0, sizeof(h));
	h.version = FD_REC_VERSION;
	h.kind = (uint8_t)ep->kind;
	h.ref_count = ref_count;
	h.active_count = active_count;
	h.created = created;
	h.updated = updated;
	strncpy(h.status_label, status_label, sizeof(h.status_label) - 1);
	if (ep->kind == FD_APP_CNAME) {
		h.cname_len = ep->cname_len;
		len += ep->cname_len;
	} else {
		h.n4 = ep->n4;
		h.n6 = ep->n6;
		len += (size_t)ep->n4 * 4 + (size_t)ep->n6 * 16;
	}
	if (len > cap)
		return 0;
	memcpy(buf, &h, sizeof(h));
	if (ep->kind == FD_APP_CNAME) {
		memcpy(buf + sizeof(h), ep->cname_wire, ep->cname_len);
	} else {
		memcpy(buf + sizeof(h), ep->a4, (size_t)ep->n4 * 4);
		memcpy(buf + sizeof(h) + (size_t)ep->n4 * 4, ep->a6,
		    (size_t)ep->n6 * 16);
	}
	return len;
}

enum fd_err
fd_app_decode(const void *data, size_t len, struct fd_app_view *out)
{
	const uint8_t *p = data;
	struct app_hdr h;

	if (len < sizeof(h))
		return FD_EVERSION;
	memcpy(&h, p, sizeof(h));
	if (h.version != FD_REC_VERSION)
		return FD_EVERSION;
	out->kind = (enum fd_app_kind)h.kind;
	out->ref_count = h.ref_count;
	out->active_count = h.active_count;
	out->created = h.created;
	out->updated = h.updated;
	memcpy(out->status_label, h.status_label, FD_STATUS_LABEL_LEN);
	out->status_label[FD_STATUS_LABEL_LEN] = '\0';
	out->cname_wire = NULL;
	out->cname_len = 0;
	out->n4 = out->n6 = 0;
	out->a4 = out->a6 = NULL;
	if (h.kind == FD_APP_CNAME) {
		if (len != sizeof(h) + h.cname_len || h.cname_len == 0)
			return FD_EVERSION;
		out->cname_wire = p + sizeof(h);
		out->cname_len = h.cname_len;
	} else if (h.kind == FD_APP_ADDRS) {
		if (len != sizeof(h) + (size_t)h.n4 * 4 + (size_t)h.n6 * 16)
			return FD_EVERSION;
		out->n4 = h.n4;
		out->n6 = h.n6;
		out->a4 = p + sizeof(h);
		out->a6 = p + sizeof(h) + (size_t)h.n4 * 4;
	} else {
		return FD_EVERSION;
	}
	return FD_OK;
}

size_t
fd_group_encode(uint8_t *buf, size_t cap, enum fd_side active, uint32_t ttl,
    const char *primary, const char *backup, uint64_t created,
    uint64_t updated)
{
	struct group_hdr h;
	size_t plen = primary ? strlen(primary) : 0;
	size_t blen = backup ? strlen(backup) : 0;
	size_t len = sizeof(h) + plen + blen;

	if (len > cap || plen > FD_APP_NAME_MAX || blen > FD_APP_NAME_MAX)
		return 0;
	memset(&h, 0, sizeof(h));
	h.version = FD_REC_VERSION;
	h.active = (uint8_t)active;
	h.primary_len = (uint8_t)plen;
	h.backup_len = (uint8_t)blen;
	h.ttl = ttl;
	h.created = created;
	h.updated = updated;
	memcpy(buf, &h, sizeof(h));
	memcpy(buf + sizeof(h), primary ? primary : "", plen);
	memcpy(buf + sizeof(h) + plen, backup ? backup : "", blen);
	return len;
}

enum fd_err
fd_group_decode(const void *data, size_t len, struct fd_group_view *out)
{
	const char *p = data;
	struct group_hdr h;

	if (len < sizeof(h))
		return FD_EVERSION;
	memcpy(&h, p, sizeof(h));
	if (h.version != FD_REC_VERSION || h.active > FD_SIDE_BACKUP ||
	    len != sizeof(h) + h.primary_len + h.backup_len)
		return FD_EVERSION;
	out->active = (enum fd_side)h.active;
	out->ttl = h.ttl;
	out->created = h.created;
	out->updated = h.updated;
	out->primary = h.primary_len ? p + sizeof(h) : NULL;
	out->primary_len = h.primary_len;
	out->backup = h.backup_len ? p + sizeof(h) + h.primary_len : NULL;
	out->backup_len = h.backup_len;
	return FD_OK;
}
