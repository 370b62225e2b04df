/*
 * health.c - an app's stored health state: the record, its lookup and
 * its JSON.  See health.h.
 */
#include <stdio.h>
#include <string.h>

#include "flipdns/db/health.h"

static const char *const health_names[] = {
	[FD_HEALTH_UNKNOWN] = "unknown",
	[FD_HEALTH_UP] = "up",
	[FD_HEALTH_DOWN] = "down",
};

const char *
fd_health_name(enum fd_health_state h)
{
	return (unsigned)h < sizeof(health_names) / sizeof(health_names[0]) ?
	    health_names[h] : "unknown";
}

/* A fixed header, then the evidence text (why_len bytes, no NUL). */
struct health_hdr {
	uint8_t version;
	uint8_t state;
	uint16_t why_len;
	uint32_t pad;
	uint64_t since;
};

size_t
fd_health_encode(uint8_t *buf, size_t cap, const struct fd_health_rec *h)
{
	struct health_hdr hd;
	size_t wlen = strnlen(h->why, FD_HEALTH_WHY_MAX);

	if (sizeof(hd) + wlen > cap)
		return 0;
	memset(&hd, 0, sizeof(hd));
	hd.version = FD_HEALTH_VERSION;
	hd.state = (uint8_t)h->state;
	hd.why_len = (uint16_t)wlen;
	hd.since = h->since;
	memcpy(buf, &hd, sizeof(hd));
	memcpy(buf + sizeof(hd), h->why, wlen);
	return sizeof(hd) + wlen;
}

enum fd_err
fd_health_decode(const void *data, size_t len, struct fd_health_rec *out)
{
	struct health_hdr hd;

	if (len < sizeof(hd))
		return FD_EVERSION;
	memcpy(&hd, data, sizeof(hd));
	if (hd.version != FD_HEALTH_VERSION || hd.state > FD_HEALTH_DOWN ||
	    hd.why_len > FD_HEALTH_WHY_MAX || len != sizeof(hd) + hd.why_len)
		return FD_EVERSION;
	out->state = (enum fd_health_state)hd.state;
	out->since = hd.since;
	memcpy(out->why, (const uint8_t *)data + sizeof(hd), hd.why_len);
	out->why[hd.why_len] = '\0';
	return FD_OK;
}

enum fd_err
fd_health_get(const struct fd_store *st, MDB_txn *txn, const char *app,
    size_t len, struct fd_health_rec *out)
{
	MDB_val k = {len, (void *)app}, v;
	int rc;

	memset(out, 0, sizeof(*out));
	if (len == 0 || len > FD_APP_NAME_MAX)
		return FD_OK;
	rc = mdb_get(txn, fd_store_dbi(st, FD_DB_HEALTH), &k, &v);
	if (rc == MDB_NOTFOUND)
		return FD_OK;
	if (rc != 0)
		return fd_store_err(rc);
	return fd_health_decode(v.mv_data, v.mv_size, out);
}

json_t *
fd_health_json(const struct fd_health_rec *h)
{
	/* unknown is the absence of a state: no check, or no evidence yet */
	if (h->state == FD_HEALTH_UNKNOWN)
		return json_null();
	return json_pack("{s:s, s:I, s:s}", "state", fd_health_name(h->state),
	    "since", (json_int_t)h->since, "why", h->why);
}
