/*
 * test_config_transfer.c - the transfer: section and its TSIG key file:
 * the issue's example read back, defaults, and each error with its
 * FILE:LINE:COL (in flipdns.yaml, or in the key file for its own).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testutil.h"

#include "flipdns/conf/config.h"

#define ZONE \
	"zone:\n" \
	"  origin: example.test.\n" \
	"  soa: {mname: ns1.example.test., rname: hostmaster.example.test.}\n" \
	"  nameservers:\n" \
	"    - {name: ns1.example.test., addresses: [192.0.2.1]}\n" \
	"listen: [\"127.0.0.1:5353\"]\n"

/* tsig-keygen -a hmac-sha256 sec1; tsig-keygen -a hmac-sha512 sec2 */
static const char KEYS[] =
    "key \"sec1\" {\n"
    "\talgorithm hmac-sha256;\n"
    "\tsecret \"3cXxOuGbo3Wn3qmTgW0HqTf5LL0X6vEGsXcqK8hnQGI=\";\n"
    "};\n"
    "# a comment\n"
    "key \"Sec2.Example.\" { // another\n"
    "\talgorithm hmac-sha512; /* C style */\n"
    "\tsecret \"Zm9vYmFyYmF6cXV4Zm9vYmFyYmF6cXV4Zm9vYmFyYmF6cXV4Zm9vYmFyYmF6cXV4"
    "Zm9vYmFyYmF6cXV4Zm9vYmFyYmF6cXV4Zm9vYmFyYmF6cXV4Zm9vYmFyYmF6cXV4\";\n"
    "};\n";

static char keyfile[64];

static void
write_file(const char *path, const char *text, mode_t mode)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	assert_int_equal(chmod(path, mode), 0);
}

static int
setup(void **state)
{
	int fd;

	snprintf(keyfile, sizeof(keyfile), "/tmp/flipdns-keys-XXXXXX");
	fd = mkstemp(keyfile);
	assert_true(fd >= 0);
	close(fd);
	write_file(keyfile, KEYS, 0600);
	return 0;
}

static int
teardown(void **state)
{
	unlink(keyfile);
	return 0;
}

static enum fd_err
parse(const char *extra, struct fd_config *cfg, char *err, size_t errlen)
{
	char text[4096];

	snprintf(text, sizeof(text), "%s%s", ZONE, extra);
	return fd_config_parse("t.yaml", text, strlen(text), cfg, err, errlen);
}

static void
test_issue_example(void **state)
{
	struct fd_config *cfg = calloc(1, sizeof(*cfg));
	char text[1024], err[512] = "";
	uint8_t want4[4] = {192, 0, 2, 0};

	snprintf(text, sizeof(text),
	    "transfer:\n"
	    "  keys: %s\n"
	    "  allow: [{from: 192.0.2.0/24, key: sec1}, {from: \"2001:db8::1\"}]\n"
	    "  notify: [{to: \"192.0.2.53:53\", key: sec1}, {to: \"[2001:db8::2]\"}]\n"
	    "  notify_source: [192.0.2.1]\n"
	    "  journal: {max_serials: 10000}\n", keyfile);
	if (parse(text, cfg, err, sizeof(err)) != FD_OK)
		fail_msg("%s", err);
	assert_int_equal(cfg->n_tsig_keys, 2);
	assert_string_equal(cfg->tsig_keys[0].name, "sec1.");
	assert_int_equal(cfg->tsig_keys[0].alg, FD_TSIG_HMAC_SHA256);
	assert_int_equal(cfg->tsig_keys[0].secret_len, 32);
	assert_string_equal(cfg->tsig_keys[1].name, "sec2.example.");
	assert_int_equal(cfg->tsig_keys[1].alg, FD_TSIG_HMAC_SHA512);
	assert_int_equal(cfg->tsig_keys[1].secret_len, 96);
	assert_memory_equal(cfg->tsig_keys[1].secret, "foobarbazqux", 12);
	assert_int_equal(cfg->n_xfr_allow, 2);
	assert_int_equal(cfg->xfr_allow[0].from.addr.family, AF_INET);
	assert_memory_equal(cfg->xfr_allow[0].from.addr.bytes, want4, 4);
	assert_int_equal(cfg->xfr_allow[0].from.bits, 24);
	assert_string_equal(cfg->xfr_allow[0].key, "sec1.");
	assert_int_equal(cfg->xfr_allow[1].from.addr.family, AF_INET6);
	assert_int_equal(cfg->xfr_allow[1].from.bits, 128);
	assert_string_equal(cfg->xfr_allow[1].key, "");
	assert_int_equal(cfg->n_notify, 2);
	assert_string_equal(cfg->notify[0].to.text, "192.0.2.53:53");
	assert_string_equal(cfg->notify[0].key, "sec1.");
	assert_int_equal(ntohs(((struct sockaddr_in6 *)&cfg->notify[1].to.ss)->
	    sin6_port), 53);
	assert_int_equal(cfg->n_notify_source, 1);
	assert_int_equal(cfg->journal_max_serials, 10000);
	free(cfg);
}

static void
test_defaults(void **state)
{
	struct fd_config *cfg = calloc(1, sizeof(*cfg));
	char err[512] = "";

	assert_int_equal(parse("", cfg, err, sizeof(err)), FD_OK);
	assert_int_equal(cfg->n_xfr_allow, 0);
	assert_int_equal(cfg->n_notify, 0);
	assert_int_equal(cfg->n_tsig_keys, 0);
	assert_int_equal(cfg->journal_max_serials, 10000);
	free(cfg);
}

/* Errors in flipdns.yaml: its line 7 is the first after ZONE. */
static void
test_errors(void **state)
{
	static const struct {
		const char *text, *want;
	} cases[] = {
		{"transfer: {allow: [{from: 192.0.2.0/33}]}\n",
		    "t.yaml:7:27: transfer.allow[0].from: '192.0.2.0/33' has "
		    "no valid prefix length (0..32)"},
		{"transfer: {allow: [{from: nowhere}]}\n",
		    "t.yaml:7:27: transfer.allow[0].from: 'nowhere' is not an "
		    "address or ADDRESS/BITS"},
		{"transfer: {allow: [{key: sec1}]}\n",
		    "t.yaml:7:20: missing required key 'transfer.allow[0].from'"},
		{"transfer: {allow: [{from: 10.0.0.1, keys: x}]}\n",
		    "t.yaml:7:37: unknown key 'transfer.allow[0].keys'"},
		{"transfer: {allow: [{from: 10.0.0.1, key: nokey}]}\n",
		    "t.yaml:7:42: transfer.allow[0].key: no key 'nokey.' in "
		    "transfer.keys (not set)"},
		{"transfer: {notify: [{to: \"10.0.0.1:99999\"}]}\n",
		    "t.yaml:7:26: transfer.notify[0].to: '10.0.0.1:99999' has no "
		    "valid port (1..65535)"},
		{"transfer: {notify: [10.0.0.1]}\n",
		    "t.yaml:7:21: transfer.notify: expected a mapping entry, got "
		    "a scalar"},
		{"transfer: {journal: {max_serials: 1000001}}\n",
		    "t.yaml:7:35: transfer.journal.max_serials: 1000001 is out "
		    "of range 0..1000000"},
		{"transfer: {notify_source: [10.0.0.1, 10.0.0.2]}\n",
		    "t.yaml:7:27: transfer.notify_source: at most one address "
		    "per family"},
		{"transfer: {keys: /nonexistent/keys}\n",
		    "t.yaml:7:18: transfer.keys: /nonexistent/keys: No such "
		    "file or directory"},
	};
	struct fd_config *cfg = calloc(1, sizeof(*cfg));
	char err[512];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		err[0] = '\0';
		assert_int_equal(parse(cases[i].text, cfg, err, sizeof(err)),
		    FD_ECONFIG);
		if (strcmp(err, cases[i].want) != 0)
			fail_msg("case %zu:\n want %s\n got  %s", i,
			    cases[i].want, err);
	}
	free(cfg);
}

/* A key named in notify must be in the key file that is given. */
static void
test_unknown_key_in_file(void **state)
{
	struct fd_config *cfg = calloc(1, sizeof(*cfg));
	char text[512], err[512] = "", want[512];

	snprintf(text, sizeof(text), "transfer:\n  keys: %s\n"
	    "  notify: [{to: 10.0.0.1, key: sec3}]\n", keyfile);
	assert_int_equal(parse(text, cfg, err, sizeof(err)), FD_ECONFIG);
	snprintf(want, sizeof(want), "t.yaml:9:32: transfer.notify[0].key: "
	    "no key 'sec3.' in %s", keyfile);
	assert_string_equal(err, want);
	free(cfg);
}

/* A key file others can read is refused: it holds secrets. */
static void
test_key_file_mode(void **state)
{
	struct fd_config *cfg = calloc(1, sizeof(*cfg));
	char text[512], err[512] = "";

	assert_int_equal(chmod(keyfile, 0644), 0);
	snprintf(text, sizeof(text), "transfer: {keys: %s}\n", keyfile);
	assert_int_equal(parse(text, cfg, err, sizeof(err)), FD_ECONFIG);
	assert_non_null(strstr(err, "must not be readable by others"));
	assert_int_equal(chmod(keyfile, 0640), 0);
	assert_int_equal(parse(text, cfg, err, sizeof(err)), FD_OK);
	free(cfg);
}

/* Errors inside the key file point into it. */
static void
test_key_file_errors(void **state)
{
	static const struct {
		const char *text, *want;
	} cases[] = {
		{"key \"a\" { algorithm hmac-md5; secret \"AAAAAAAAAAAAAAAAAAAAAA==\"; };\n",
		    "k:1:21: key a.: algorithm 'hmac-md5' is not hmac-sha256 "
		    "or hmac-sha512"},
		{"key \"a\" {\n algorithm hmac-sha256;\n secret \"AAAA\";\n};\n",
		    "k:3:9: key a.: the secret is not base64 of 16 to 128 bytes"},
		{"key \"a\" {\n algorithm hmac-sha256;\n secret \"A*AAAAAAAAAAAAAAAAAAAA==\";\n};\n",
		    "k:3:9: key a.: the secret is not base64 of 16 to 128 bytes"},
		{"key \"a\" { algorithm hmac-sha256; };\n",
		    "k:1:9: key a.: needs an algorithm and a secret"},
		{"key \"a\" { algorithm hmac-sha256 }\n",
		    "k:1:33: key a.: expected ';'"},
		{"options { };\n", "k:1:1: expected a key statement"},
		{"key \"a\" { algorithm hmac-sha256; secret \"AAAAAAAAAAAAAAAAAAAAAA==\"; };\n"
		    "key \"A.\" { algorithm hmac-sha256; secret \"AAAAAAAAAAAAAAAAAAAAAA==\"; };\n",
		    "k:2:5: key a. is defined twice"},
		{"key \"a\" { algorithm hmac-sha256; secret \"AAAA", 
		    "k:1:41: string not closed on its line"},
		{"/* open", "k:1:1: comment not closed"},
		{"key \"a\" { colour blue; };\n",
		    "k:1:11: key a.: unknown option 'colour'"},
	};
	struct fd_tsig_key keys[FD_CONF_MAX_TSIG_KEYS];
	char err[256];
	int n;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		err[0] = '\0';
		assert_int_equal(fd_tsig_keys_parse("k", cases[i].text,
		    strlen(cases[i].text), keys, &n, err, sizeof(err)),
		    FD_ECONFIG);
		if (strcmp(err, cases[i].want) != 0)
			fail_msg("case %zu:\n want %s\n got  %s", i,
			    cases[i].want, err);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_issue_example),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_unknown_key_in_file),
		cmocka_unit_test(test_key_file_mode),
		cmocka_unit_test(test_key_file_errors),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
