/*
 * fixture.h - the small fixed world the answer and control fuzzers run
 * against: a config parsed from YAML, the zone built from it, and an LMDB
 * store in a temporary directory holding a dozen apps and groups that
 * reach every branch of the responder (CNAME, 64 addresses, reserved,
 * primary only, both, switched, group -> group chains, loops and one
 * longer than the responder follows, a tombstone).  Built once per process; the directory is removed at exit.
 *
 * The names are fixed, status labels included, so the seed corpora can
 * name them (tests/fuzz/corpus/).
 */
#ifndef FLIPDNS_FUZZ_FIXTURE_H
#define FLIPDNS_FUZZ_FIXTURE_H

#include "flipdns/conf/config.h"
#include "flipdns/db/store.h"
#include "flipdns/dns/zone.h"

#define FX_ORIGIN "failover.example.test."

/* The fixture zone's TSIG key (hmac-sha256), for signed seeds. */
#define FX_TSIG_KEY    "fuzz-key."
#define FX_TSIG_SECRET "fuzz-secret-fuzz-secret-fuzz-32b"

struct fixture {
	char *dir;
	struct fd_config cfg;
	struct fd_zone zone;
	struct fd_store *st;
	const char *const *reserved;   /* as flipdnsd derives them from cfg */
	int n_reserved;
};

/* Build the world (once; later calls return it); aborts on any failure. */
const struct fixture *fx_get(void);

/*
 * Add rows no change function would write, for the responder's SERVFAIL
 * paths: a truncated group record ("broken"), a group whose app has a
 * malformed CNAME target ("badcname"), a group naming a missing app and
 * a truncated one ("orphan", backup active), and status rows for those
 * apps (iiiiiiiiiiii, jjjjjjjjjjjj, kkkkkkkkkkkk).  Only the answer
 * fuzzer wants them: they would stop the control fuzzer's listings early.
 */
void fx_add_bad_records(void);

#endif
