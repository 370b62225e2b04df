/*
 * policy.c - a group's failover policy: the record, and the decision it
 * makes from the two sides' health.  See health.h.
 *
 * The decision, written out (P primary, B backup; up, down, ? unknown;
 * "-" any state; an empty side is never switched to):
 *
 *   policy  active   P     B     both_down  failback        decision
 *   manual  -        -     -     -          -               stay
 *   auto    primary  down  up    -          -               -> backup
 *   auto    primary  down  down  -          -               stay (both down)
 *   auto    primary  down  ?     -          -               stay (no evidence
 *                                                           that B is better)
 *   auto    primary  up|?  -     -          -               stay
 *   auto    backup   up    down  -          -               -> primary
 *   auto    backup   down  down  primary    -               -> primary
 *   auto    backup   down  down  keep       -               stay (both down)
 *   auto    backup   up    up|?  -          on, up >= hold  -> primary
 *   auto    backup   up    up|?  -          on, up < hold   stay, decide again
 *                                                           at since + hold
 *   auto    backup   -     -     -          off             stay (sticky)
 *
 * Both down keeps the group by default: when every endpoint looks dead at
 * once, the likelier cause is our own network, and flipping would only
 * add a change to the outage.
 */
#include <stdio.h>
#include <string.h>

#include "flipdns/db/health.h"

void
fd_policy_defaults(struct fd_policy *p)
{
	memset(p, 0, sizeof(*p));
	p->mode = FD_POLICY_MANUAL;
	p->hold = FD_POLICY_HOLD_DEFAULT;
	p->both_down = FD_BOTH_DOWN_KEEP;
}

bool
fd_policy_equal(const struct fd_policy *a, const struct fd_policy *b)
{
	return a->mode == b->mode && a->failback == b->failback &&
	    a->hold == b->hold && a->both_down == b->both_down;
}

struct policy_rec {
	uint8_t version;
	uint8_t mode;
	uint8_t failback;
	uint8_t both_down;
	uint32_t hold;
};

size_t
fd_policy_encode(uint8_t *buf, size_t cap, const struct fd_policy *p)
{
	struct policy_rec r;

	if (cap < sizeof(r))
		return 0;
	memset(&r, 0, sizeof(r));
	r.version = FD_POLICY_VERSION;
	r.mode = (uint8_t)p->mode;
	r.failback = p->failback;
	r.both_down = (uint8_t)p->both_down;
	r.hold = p->hold;
	memcpy(buf, &r, sizeof(r));
	return sizeof(r);
}

enum fd_err
fd_policy_decode(const void *data, size_t len, struct fd_policy *out)
{
	struct policy_rec r;

	if (len != sizeof(r))
		return FD_EVERSION;
	memcpy(&r, data, sizeof(r));
	if (r.version != FD_POLICY_VERSION || r.mode > FD_POLICY_AUTO ||
	    r.failback > 1 || r.both_down > FD_BOTH_DOWN_PRIMARY)
		return FD_EVERSION;
	out->mode = (enum fd_policy_mode)r.mode;
	out->failback = r.failback;
	out->both_down = (enum fd_both_down)r.both_down;
	out->hold = r.hold;
	return FD_OK;
}

enum fd_err
fd_policy_get(const struct fd_store *st, MDB_txn *txn, const char *label,
    size_t len, struct fd_policy *out)
{
	MDB_val k = {len, (void *)label}, v;
	int rc;

	fd_policy_defaults(out);
	if (len == 0 || len > FD_LABEL_MAX)
		return FD_OK;
	rc = mdb_get(txn, fd_store_dbi(st, FD_DB_POLICIES), &k, &v);
	if (rc == MDB_NOTFOUND)
		return FD_OK;
	if (rc != 0)
		return fd_store_err(rc);
	return fd_policy_decode(v.mv_data, v.mv_size, out);
}

static const char *const mode_names[] = {
	[FD_POLICY_MANUAL] = "manual",
	[FD_POLICY_AUTO] = "auto",
};
static const char *const both_down_names[] = {
	[FD_BOTH_DOWN_KEEP] = "keep",
	[FD_BOTH_DOWN_PRIMARY] = "primary",
};

json_t *
fd_policy_json(const struct fd_policy *p)
{
	return json_pack("{s:s, s:b, s:I, s:s}", "mode", mode_names[p->mode],
	    "failback", p->failback, "hold", (json_int_t)p->hold,
	    "both_down", both_down_names[p->both_down]);
}

bool
fd_policy_mode_parse(const char *s, enum fd_policy_mode *out)
{
	for (size_t i = 0; i < sizeof(mode_names) / sizeof(mode_names[0]); i++)
		if (strcmp(mode_names[i], s) == 0) {
			*out = (enum fd_policy_mode)i;
			return true;
		}
	return false;
}

bool
fd_both_down_parse(const char *s, enum fd_both_down *out)
{
	for (size_t i = 0;
	    i < sizeof(both_down_names) / sizeof(both_down_names[0]); i++)
		if (strcmp(both_down_names[i], s) == 0) {
			*out = (enum fd_both_down)i;
			return true;
		}
	return false;
}

static bool
is(const struct fd_side_health *s, enum fd_health_state h)
{
	return s->present && s->state == h;
}

static void
go(struct fd_decision *d, enum fd_side to, const char *why)
{
	d->to = (int)to;
	snprintf(d->why, sizeof(d->why), "%s", why);
}

void
fd_policy_decide(const struct fd_policy *p, enum fd_side active,
    const struct fd_side_health *primary, const struct fd_side_health *backup,
    uint64_t now, struct fd_decision *d)
{
	memset(d, 0, sizeof(*d));
	d->to = -1;
	if (p->mode != FD_POLICY_AUTO || !primary->present || !backup->present)
		return;
	if (active == FD_SIDE_PRIMARY) {
		if (is(primary, FD_HEALTH_DOWN) && is(backup, FD_HEALTH_UP))
			go(d, FD_SIDE_BACKUP, "primary down, backup up");
		return;
	}
	if (is(backup, FD_HEALTH_DOWN) && is(primary, FD_HEALTH_UP)) {
		go(d, FD_SIDE_PRIMARY, "backup down, primary up");
		return;
	}
	if (is(backup, FD_HEALTH_DOWN) && is(primary, FD_HEALTH_DOWN)) {
		if (p->both_down == FD_BOTH_DOWN_PRIMARY)
			go(d, FD_SIDE_PRIMARY, "both down, both-down primary");
		return;
	}
	if (p->failback && is(primary, FD_HEALTH_UP)) {
		if (now >= primary->since + p->hold) {
			snprintf(d->why, sizeof(d->why), "failback: primary up "
			    "for %llus (hold %us)",
			    (unsigned long long)(now - primary->since), p->hold);
			d->to = FD_SIDE_PRIMARY;
		} else
			d->retry_at = primary->since + p->hold;
	}
}
