/* zonefile.c - the served zone as a master file; see zonefile.h. */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "flipdns/db/txn.h"
#include "flipdns/dns/zonefile.h"

struct out {
	fd_emit_fn emit;
	void *arg;
	int failed;
};

static void
outf(struct out *o, const char *fmt, ...)
{
	char line[FD_DNAME_TEXT_MAX * 3];
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

static const char *
wire_text(const uint8_t *wire, size_t len, char *buf)
{
	if (fd_dname_to_text(wire, len, buf, FD_DNAME_TEXT_MAX) < 0)
		strcpy(buf, ".");
	return buf;
}

static void
write_addrs(struct out *o, const char *owner, uint32_t ttl, int n4,
    const uint8_t *a4, int n6, const uint8_t *a6)
{
	char ip[INET6_ADDRSTRLEN];

	for (int i = 0; i < n4; i++)
		outf(o, "%s\t%u\tIN\tA\t%s\n", owner, ttl,
		    inet_ntop(AF_INET, a4 + 4 * i, ip, sizeof(ip)));
	for (int i = 0; i < n6; i++)
		outf(o, "%s\t%u\tIN\tAAAA\t%s\n", owner, ttl,
		    inet_ntop(AF_INET6, a6 + 16 * i, ip, sizeof(ip)));
}

static void
write_apex(struct out *o, const struct fd_zone *z, const char *origin,
    uint32_t serial)
{
	char a[FD_DNAME_TEXT_MAX], b[FD_DNAME_TEXT_MAX];

	outf(o, "; flipdns zone %s serial %u\n", origin, serial);
	outf(o, "%s\t%u\tIN\tSOA\t%s %s %u %u %u %u %u\n", origin, z->soa_ttl,
	    wire_text(z->soa_mname, z->soa_mname_len, a),
	    wire_text(z->soa_rname, z->soa_rname_len, b), serial, z->refresh,
	    z->retry, z->expire, z->minimum);
	for (int i = 0; i < z->n_ns; i++)
		outf(o, "%s\t%u\tIN\tNS\t%s\n", origin, z->ns_ttl,
		    wire_text(z->ns[i].name, z->ns[i].name_len, a));
	for (int i = 0; i < z->n_ns; i++) {
		uint8_t a4[FD_CONF_MAX_NS_ADDRS][4], a6[FD_CONF_MAX_NS_ADDRS][16];
		int n4 = 0, n6 = 0;

		if (!z->ns[i].in_zone)
			continue;
		for (int j = 0; j < z->ns[i].naddrs; j++) {
			if (z->ns[i].addrs[j].family == AF_INET)
				memcpy(a4[n4++], z->ns[i].addrs[j].bytes, 4);
			else
				memcpy(a6[n6++], z->ns[i].addrs[j].bytes, 16);
		}
		write_addrs(o, wire_text(z->ns[i].name, z->ns[i].name_len, a),
		    z->ns_ttl, n4, a4[0], n6, a6[0]);
	}
}

void
fd_zonefile_begin(struct fd_zonefile_walk *w)
{
	memset(w, 0, sizeof(*w));
	w->phase = FD_ZONEFILE_APEX;
}

bool
fd_zonefile_done(const struct fd_zonefile_walk *w)
{
	return w->phase == FD_ZONEFILE_DONE;
}

/* One group's records: its active app's CNAME or addresses. */
static void
write_group(struct out *o, const struct fd_store *st, MDB_txn *txn,
    const struct fd_kv *kv, const char *origin)
{
	char owner[FD_DNAME_TEXT_MAX + 80], target[FD_DNAME_TEXT_MAX];
	struct fd_group_view g;
	struct fd_app_view a;

	if (fd_group_decode(kv->val, kv->val_len, &g) != FD_OK ||
	    fd_store_active_app(st, txn, &g, &a) != FD_OK)
		return;   /* reserved: nothing to serve */
	snprintf(owner, sizeof(owner), "%.*s.%s", (int)kv->key_len,
	    (const char *)kv->key, origin);
	if (a.kind == FD_APP_CNAME)
		outf(o, "%s\t%u\tIN\tCNAME\t%s\n", owner, g.ttl,
		    wire_text(a.cname_wire, a.cname_len, target));
	else
		write_addrs(o, owner, g.ttl, a.n4, a.a4, a.n6, a.a6);
}

/* One app's _status TXT. */
static void
write_status(struct out *o, const struct fd_zone *z, const struct fd_kv *kv,
    const char *origin)
{
	struct fd_app_view a;

	if (fd_app_decode(kv->val, kv->val_len, &a) != FD_OK)
		return;
	outf(o, "%s._status.%s\t%u\tIN\tTXT\t\"%s\"\n", a.status_label,
	    origin, z->default_ttl, fd_app_status_name(fd_app_status_of(&a)));
}

enum fd_err
fd_zonefile_step(struct fd_zonefile_walk *w, const struct fd_zone *z,
    const struct fd_store *st, MDB_txn *txn, size_t max_names,
    fd_emit_fn emit, void *arg)
{
	struct out o = {emit, arg, 0};
	char origin[FD_DNAME_TEXT_MAX];
	struct fd_cursor cur;
	struct fd_kv kv;
	enum fd_store_db db;
	enum fd_err err;
	size_t n = 0;

	wire_text(z->origin, z->origin_len, origin);
	if (w->phase == FD_ZONEFILE_APEX) {
		write_apex(&o, z, origin, fd_store_serial(st, txn));
		w->phase = FD_ZONEFILE_GROUPS;
		w->key_len = 0;
		w->resume = false;
	}
	while (w->phase != FD_ZONEFILE_DONE && !o.failed && n < max_names) {
		db = w->phase == FD_ZONEFILE_GROUPS ? FD_DB_GROUPS : FD_DB_APPS;
		if ((err = fd_cursor_open(st, txn, db, &cur)) != FD_OK)
			return err;
		for (err = fd_cursor_seek(&cur, w->resume ? w->key : NULL,
		    w->key_len, true, &kv); err == FD_OK && !o.failed &&
		    n < max_names; err = fd_cursor_next(&cur, &kv), n++) {
			if (db == FD_DB_GROUPS)
				write_group(&o, st, txn, &kv, origin);
			else
				write_status(&o, z, &kv, origin);
			/* keys are labels or app names: at most 63 bytes */
			w->key_len = kv.key_len < sizeof(w->key) ? kv.key_len :
			    sizeof(w->key);
			memcpy(w->key, kv.key, w->key_len);
			w->resume = true;
		}
		fd_cursor_close(&cur);
		if (err != FD_OK && err != FD_ENOTFOUND)
			return err;
		if (err == FD_ENOTFOUND) {
			/* this table is done: the next one from its start */
			w->phase = w->phase == FD_ZONEFILE_GROUPS ?
			    FD_ZONEFILE_STATUS : FD_ZONEFILE_DONE;
			w->resume = false;
			w->key_len = 0;
		}
	}
	return o.failed ? FD_ENOMEM : FD_OK;
}

enum fd_err
fd_zonefile_write(const struct fd_zone *z, const struct fd_store *st,
    MDB_txn *txn, fd_emit_fn emit, void *arg)
{
	struct fd_zonefile_walk w;
	enum fd_err err = FD_OK;

	fd_zonefile_begin(&w);
	while (err == FD_OK && !fd_zonefile_done(&w))
		err = fd_zonefile_step(&w, z, st, txn, SIZE_MAX, emit, arg);
	return err;
}
