/* error.c - text and protocol codes for enum fd_err. */
#include <errno.h>
#include <string.h>

#include "flipdns/util/error.h"

struct err_row {
	const char *text;
	const char *code;
};

/* Indexed by enum fd_err; the codes are part of the control protocol. */
static const struct err_row err_table[] = {
	[FD_OK] = {"success", "ok"},
	[FD_ENOTFOUND] = {"not found", "not_found"},
	[FD_EEXISTS] = {"already exists", "exists"},
	[FD_EINVAL] = {"invalid argument", "invalid"},
	[FD_EREFUSED] = {"refused", "refused"},
	[FD_EFULL] = {"store full", "store_full"},
	[FD_ESTORE] = {"storage error", "store"},
	[FD_ENOMEM] = {"out of memory", "internal"},
	[FD_ESYS] = {"system error", "internal"},
	[FD_ECONFIG] = {"configuration error", "invalid"},
	[FD_EPROTO] = {"malformed request", "proto"},
	[FD_EDENIED] = {"permission denied", "denied"},
	[FD_EVERSION] = {"unsupported store or record version", "store"},
	[FD_EBUSY] = {"busy", "busy"},
};

const char *
fd_strerror(enum fd_err err)
{
	if ((unsigned)err >= sizeof(err_table) / sizeof(err_table[0]))
		return "unknown error";
	return err_table[err].text;
}

const char *
fd_err_code(enum fd_err err)
{
	if ((unsigned)err >= sizeof(err_table) / sizeof(err_table[0]))
		return "internal";
	return err_table[err].code;
}

const char *
fd_strerror_sys(enum fd_err err)
{
	return err == FD_ESYS && errno != 0 ? strerror(errno) : fd_strerror(err);
}
