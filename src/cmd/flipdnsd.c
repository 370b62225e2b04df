/*
 * flipdnsd - the flipdns daemon: options, configuration, then
 * fd_daemon_run().
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "flipdns/conf/config.h"
#include "flipdns/daemon/daemon.h"
#include "flipdns/util/log.h"

static void
usage(void)
{
	fprintf(stderr, "usage: flipdnsd [-d] [-c FILE] [--check-config]\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"config", required_argument, NULL, 'c'},
		{"check-config", no_argument, NULL, 'n'},
		{"debug", no_argument, NULL, 'd'},
		{"version", no_argument, NULL, 'V'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *path = "conf/flipdns.yaml";
	struct fd_config *cfg;
	char err[1024];
	bool check = false, debug = false;
	int ch;

	while ((ch = getopt_long(argc, argv, "c:dnVh", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			path = optarg;
			break;
		case 'n':
			check = true;
			break;
		case 'd':
			debug = true;
			break;
		case 'V':
			printf("flipdnsd %s\n", FLIPDNS_VERSION);
			return 0;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();
	if ((cfg = calloc(1, sizeof(*cfg))) == NULL)
		return 1;
	if (fd_config_load(path, cfg, err, sizeof(err)) != FD_OK) {
		fprintf(stderr, "%s\n", err);
		free(cfg);
		return 2;
	}
	if (check) {
		printf("%s: ok\n", path);
		free(cfg);
		return 0;
	}
	log_init("flipdnsd", cfg->log_syslog, debug ? LOG_LEVEL_DEBUG :
	    cfg->log_level);
	log_info("flipdnsd %s starting with %s: zone %s, store %s (map %llu "
	    "MiB), %d workers, edns %u, tcp cap %u, rrl %u/s%s", FLIPDNS_VERSION,
	    path, cfg->origin, cfg->storage_path,
	    (unsigned long long)(cfg->map_size >> 20), cfg->workers,
	    cfg->edns_udp_size, cfg->tcp_max_clients, cfg->rrl_rate,
	    cfg->log_queries ? ", query log on" : "");
	ch = fd_daemon_run(path, cfg);
	free(cfg);
	return ch;
}
