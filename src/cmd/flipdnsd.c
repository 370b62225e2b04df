/*
 * flipdnsd - the flipdns daemon: options, configuration, then
 * fd_daemon_run(); or, with --restore, put a backup back and exit.
 */
#include <errno.h>
#include <getopt.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "flipdns/conf/config.h"
#include "flipdns/daemon/daemon.h"
#include "flipdns/db/backup.h"
#include "flipdns/util/log.h"

/* Without -c: the checkout's, or the installed file (CMakeLists.txt). */
#ifndef FLIPDNS_DEFAULT_CONFIG
#define FLIPDNS_DEFAULT_CONFIG "conf/flipdns.yaml"
#endif

/* Exit statuses (flipdnsd(8)). */
enum {
	EXIT_OK = 0,
	EXIT_RUN = 1,       /* could not start, or a restore failed */
	EXIT_USAGE = 2,     /* bad command line or configuration */
};

#define USAGE "usage: flipdnsd [-d] [-c FILE] [--check-config]\n" \
	"       flipdnsd [-c FILE] --restore BACKUP\n" \
	"       flipdnsd --help | --version\n"

static void
usage(void)
{
	fputs(USAGE, stderr);
	exit(EXIT_USAGE);
}

/* Asked for: on stdout, exit 0, as GNU and every packaging check expect. */
static int
help(void)
{
	printf(USAGE "\n"
	    "  -c, --config FILE   the configuration (default "
	    FLIPDNS_DEFAULT_CONFIG ")\n"
	    "  -d, --debug         log at debug level\n"
	    "  -n, --check-config  check the configuration and exit: 0 ok, 2 "
	    "not\n"
	    "  --restore BACKUP    put a backup made by 'flipctl backup' "
	    "into\n"
	    "                      storage.path (never over a store), and "
	    "exit\n"
	    "  -h, --help          print this and exit\n"
	    "  -V, --version       print the version and exit\n"
	    "\nflipdnsd(8); flipctl(8) controls the running daemon.\n");
	return fflush(stdout) == 0 ? EXIT_OK : EXIT_RUN;
}

/*
 * The restored file belongs to the configured user, so that the daemon
 * can open it after dropping to that user.  Only root can give files
 * away; anyone else restores files they own, for a daemon of their own.
 */
static int
chown_to_user(const struct fd_config *cfg)
{
	char path[PATH_MAX + sizeof("/data.mdb")];
	struct passwd *pw;

	if (cfg->user[0] == '\0' || geteuid() != 0)
		return 0;
	if ((pw = getpwnam(cfg->user)) == NULL) {
		fprintf(stderr, "flipdnsd: user %s not found\n", cfg->user);
		return -1;
	}
	snprintf(path, sizeof(path), "%s/data.mdb", cfg->storage_path);
	if (chown(cfg->storage_path, pw->pw_uid, pw->pw_gid) != 0 ||
	    chown(path, pw->pw_uid, pw->pw_gid) != 0) {
		fprintf(stderr, "flipdnsd: chown to %s: %s\n", cfg->user,
		    strerror(errno));
		return -1;
	}
	return 0;
}

static int
restore(const char *backup, const struct fd_config *cfg)
{
	struct fd_backup_summary sum;
	char msg[PATH_MAX + 256];

	if (fd_backup_restore(backup, cfg->storage_path, &sum, msg,
	    sizeof(msg)) != FD_OK) {
		fprintf(stderr, "flipdnsd: restore refused: %s\n", msg);
		return EXIT_RUN;
	}
	if (chown_to_user(cfg) != 0)
		return EXIT_RUN;
	printf("restored %s into %s: serial %u, %zu apps, %zu groups, "
	    "%zu tombstones, %zu history entries\n", backup, cfg->storage_path,
	    sum.serial, sum.apps, sum.groups, sum.tombstones, sum.history);
	return EXIT_OK;
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
		{"restore", required_argument, NULL, 'R'},
		{"print-config-keys", no_argument, NULL, 'K'},
		{NULL, 0, NULL, 0},
	};
	const char *path = FLIPDNS_DEFAULT_CONFIG, *backup = NULL;
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
		case 'R':
			backup = optarg;
			break;
		case 'K':
			/* the build writes flipdns.yaml(5)'s key list with it */
			fd_config_print_keys(stdout);
			return fflush(stdout) == 0 ? EXIT_OK : EXIT_RUN;
		case 'V':
			printf("flipdnsd %s\n", FLIPDNS_VERSION);
			return EXIT_OK;
		case 'h':
			return help();
		default:
			usage();
		}
	}
	if (optind != argc || (check && backup != NULL))
		usage();
	if ((cfg = calloc(1, sizeof(*cfg))) == NULL)
		return EXIT_RUN;
	if (fd_config_load(path, cfg, err, sizeof(err)) != FD_OK) {
		fprintf(stderr, "%s\n", err);
		free(cfg);
		return EXIT_USAGE;
	}
	if (check) {
		printf("%s: ok\n", path);
		free(cfg);
		return EXIT_OK;
	}
	if (backup != NULL) {
		ch = restore(backup, cfg);
		free(cfg);
		return ch;
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
