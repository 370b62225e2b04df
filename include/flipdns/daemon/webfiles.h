/*
 * webfiles.h - the files under web/ (the dashboard, the OpenAPI
 * document), compiled into the daemon by cmake/embed.cmake: no files to
 * install or find at run time, and what is served is what was tested.
 */
#ifndef FLIPDNS_DAEMON_WEBFILES_H
#define FLIPDNS_DAEMON_WEBFILES_H

#include <stddef.h>

struct fd_web_file {
	const char *path;            /* "/index.html", relative to web/ */
	const char *type;            /* Content-Type */
	const unsigned char *data;
	size_t len;
};

extern const struct fd_web_file fd_web_files[];
extern const size_t fd_web_nfiles;

#endif
