/* stats.c - the responder's counters; see stats.h. */
#include <stddef.h>

#include "flipdns/dns/dnswire.h"
#include "flipdns/dns/stats.h"

static const char *const qtypes[FD_SQT_COUNT] = {
	[FD_SQT_A] = "A",
	[FD_SQT_AAAA] = "AAAA",
	[FD_SQT_CNAME] = "CNAME",
	[FD_SQT_SOA] = "SOA",
	[FD_SQT_NS] = "NS",
	[FD_SQT_TXT] = "TXT",
	[FD_SQT_ANY] = "ANY",
	[FD_SQT_AXFR] = "AXFR",
	[FD_SQT_IXFR] = "IXFR",
	[FD_SQT_OTHER] = "other",
};

static const char *const rcodes[FD_SRC_COUNT] = {
	[FD_SRC_NOERROR] = "NOERROR",
	[FD_SRC_FORMERR] = "FORMERR",
	[FD_SRC_SERVFAIL] = "SERVFAIL",
	[FD_SRC_NXDOMAIN] = "NXDOMAIN",
	[FD_SRC_NOTIMP] = "NOTIMP",
	[FD_SRC_REFUSED] = "REFUSED",
	[FD_SRC_OTHER] = "other",
};

static enum fd_stat_qtype
qtype_index(uint16_t type)
{
	/* a switch, not the table: this runs per query */
	switch (type) {
	case FD_T_A:
		return FD_SQT_A;
	case FD_T_AAAA:
		return FD_SQT_AAAA;
	case FD_T_CNAME:
		return FD_SQT_CNAME;
	case FD_T_SOA:
		return FD_SQT_SOA;
	case FD_T_NS:
		return FD_SQT_NS;
	case FD_T_TXT:
		return FD_SQT_TXT;
	case FD_T_ANY:
		return FD_SQT_ANY;
	case FD_T_AXFR:
		return FD_SQT_AXFR;
	case FD_T_IXFR:
		return FD_SQT_IXFR;
	default:
		return FD_SQT_OTHER;
	}
}

void
fd_stats_query(struct fd_stats *s, enum fd_proto proto,
    const struct fd_query_info *info)
{
	if (info->answer_len == 0) {
		fd_counter_add(&s->dropped[proto], 1);
		return;
	}
	fd_counter_add(&s->queries[proto], 1);
	fd_counter_add(&s->qtype[qtype_index(info->qtype)], 1);
	fd_counter_add(&s->rcode[info->rcode < FD_SRC_OTHER ? info->rcode :
	    FD_SRC_OTHER], 1);
	if (info->truncated)
		fd_counter_add(&s->truncated, 1);
}

void
fd_stats_add(struct fd_stats *sum, const struct fd_stats *s)
{
	/* the struct is counters only: add it word by word */
	fd_counter *d = (fd_counter *)sum;
	const fd_counter *a = (const fd_counter *)s;

	for (size_t i = 0; i < sizeof(*s) / sizeof(fd_counter); i++)
		fd_counter_add(&d[i], fd_counter_get(&a[i]));
}

const char *
fd_stats_proto_name(enum fd_proto p)
{
	return p == FD_PROTO_TCP ? "tcp" : "udp";
}

const char *
fd_stats_qtype_name(enum fd_stat_qtype q)
{
	return qtypes[q];
}

const char *
fd_stats_rcode_name(enum fd_stat_rcode r)
{
	return rcodes[r];
}
