/*
 * fuzz_config.c - libFuzzer target: fd_config_parse() on the input as a
 * YAML document, and fd_zone_build() on what it accepts.
 *
 * The parser promises never to exit and always to leave a NUL-terminated
 * message on failure; a config it accepts must build a zone (every name
 * in it was checked), so a failure there is a validation hole.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flipdns/conf/config.h"
#include "flipdns/dns/zone.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Big structs (two PATH_MAX paths): static, not on the stack. */
static struct fd_config cfg;
static struct fd_zone zone;

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[512];
	enum fd_err rc;

	memset(err, 'x', sizeof(err));
	rc = fd_config_parse("fuzz", (const char *)data, size, &cfg, err,
	    sizeof(err));
	if (rc != FD_OK) {
		if (memchr(err, '\0', sizeof(err)) == NULL) {
			fprintf(stderr, "fuzz_config: error not terminated\n");
			abort();
		}
		return 0;
	}
	if (fd_zone_build(&cfg, &zone) != FD_OK) {
		fprintf(stderr, "fuzz_config: accepted config, no zone\n");
		abort();
	}
	return 0;
}
