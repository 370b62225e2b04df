/*
 * names.h - DNS names and the flipdns name rules.
 *
 * Wire names here are uncompressed, lower case, at most 255 octets.
 * Nothing in this module allocates.
 */
#ifndef FLIPDNS_NAMES_H
#define FLIPDNS_NAMES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "flipdns/util/error.h"

#define FD_DNAME_WIRE_MAX   255
#define FD_DNAME_TEXT_MAX   256  /* presentation name incl. final dot + NUL */
#define FD_LABEL_MAX        63
#define FD_APP_NAME_MAX     63
#define FD_GROUP_LABEL_LEN  12   /* generated labels: 12 base32 chars = 60 bits */

/*
 * Presentation name -> lower-case uncompressed wire.  A name without a
 * final dot is taken as absolute too.  "\" escapes are refused: flipdns
 * names are host names.  Returns the wire length, or -1 when invalid.
 */
int fd_dname_from_text(const char *text, uint8_t out[FD_DNAME_WIRE_MAX]);

/* Wire name -> presentation text with trailing dot; returns length or -1. */
int fd_dname_to_text(const uint8_t *wire, size_t wirelen, char *out, size_t outlen);

/* Host name syntax (LDH labels, 1..253 chars, optional final dot). */
bool fd_hostname_valid(const char *s);

/* App names: [a-z0-9][a-z0-9-]{0,62} */
bool fd_app_name_valid(const char *s);

/* Group labels: one LDH label, lower case, 1..63 chars, no '_' */
bool fd_group_label_valid(const char *s);

/*
 * A fresh random label of FD_GROUP_LABEL_LEN chars from [a-z2-7], from
 * getrandom(2).  out must hold FD_GROUP_LABEL_LEN + 1 bytes.
 */
enum fd_err fd_label_random(char *out);

/*
 * Parse "ADDRESS" as given by a user: the bare label or the FQDN under
 * origin (with or without final dot, any case).  Writes the lower-case
 * label into label (FD_LABEL_MAX + 1 bytes).  FD_EINVAL when it is
 * neither.
 */
enum fd_err fd_address_to_label(const char *address, const char *origin,
    char *label);

/* Parse an IPv4/IPv6 literal; returns AF_INET, AF_INET6 or 0 if invalid. */
int fd_ip_parse(const char *s, uint8_t out[16]);

#endif
