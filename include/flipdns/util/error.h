/*
 * error.h - the one error enum of flipdns.
 *
 * Every library function that can fail returns an enum fd_err.  The
 * control protocol maps each value to a stable code string, and flipctl
 * maps that code to its exit status, so the numbers here are internal but
 * the code strings (fd_err_code) are part of the protocol.
 */
#ifndef FLIPDNS_ERROR_H
#define FLIPDNS_ERROR_H

enum fd_err {
	FD_OK = 0,
	FD_ENOTFOUND,   /* the named app / group / key does not exist */
	FD_EEXISTS,     /* the name is taken (or tombstoned) */
	FD_EINVAL,      /* malformed argument: bad name, address, number */
	FD_EREFUSED,    /* well-formed but a rule forbids it */
	FD_EFULL,       /* LMDB map full: "store full" */
	FD_ESTORE,      /* any other LMDB failure */
	FD_ENOMEM,
	FD_ESYS,        /* a system call failed; errno says more */
	FD_ECONFIG,     /* configuration error */
	FD_EPROTO,      /* malformed control request */
	FD_EDENIED,     /* peer not allowed on the control socket */
	FD_EVERSION,    /* store schema or record format we do not know */
	FD_EBUSY,       /* a bounded resource is in use: try again later */
};

/* Human text for an error, never NULL. */
const char *fd_strerror(enum fd_err err);

/*
 * For a message right after the failure: strerror(errno) for FD_ESYS
 * (a system call failed and errno says how), else fd_strerror(err), so
 * a message never ends in an errno some earlier call left behind.
 */
const char *fd_strerror_sys(enum fd_err err);

/* Stable protocol code ("not_found", "refused", ...), never NULL. */
const char *fd_err_code(enum fd_err err);

#endif
