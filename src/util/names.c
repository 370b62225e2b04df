/* names.c - DNS name conversion and the flipdns naming rules; see names.h. */
#include <arpa/inet.h>
#include <ctype.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>

#include "flipdns/util/names.h"

static bool
is_ldh(int c)
{
	return isascii(c) && (isalnum(c) || c == '-');
}

int
fd_dname_from_text(const char *text, uint8_t out[FD_DNAME_WIRE_MAX])
{
	size_t len = strlen(text);
	size_t pos = 0;         /* write position in out */
	const char *p = text;

	if (len == 1 && text[0] == '.') {
		out[0] = 0;
		return 1;
	}
	if (len == 0)
		return -1;
	while (*p != '\0') {
		const char *dot = strchr(p, '.');
		size_t ll = dot ? (size_t)(dot - p) : strlen(p);

		if (ll == 0 || ll > FD_LABEL_MAX)
			return -1;
		/* label bytes + length byte + final root byte must fit */
		if (pos + 1 + ll + 1 > FD_DNAME_WIRE_MAX)
			return -1;
		out[pos++] = (uint8_t)ll;
		for (size_t i = 0; i < ll; i++) {
			int c = (unsigned char)p[i];

			/* host names, plus '_' for service-style labels */
			if (!is_ldh(c) && c != '_')
				return -1;
			out[pos++] = (uint8_t)tolower(c);
		}
		if (dot == NULL)
			break;
		p = dot + 1;
	}
	out[pos++] = 0;
	return (int)pos;
}

int
fd_dname_to_text(const uint8_t *wire, size_t wirelen, char *out, size_t outlen)
{
	size_t i = 0, o = 0;

	if (outlen < 2)
		return -1;
	if (wirelen >= 1 && wire[0] == 0) {
		out[0] = '.';
		out[1] = '\0';
		return 1;
	}
	while (i < wirelen && wire[i] != 0) {
		size_t ll = wire[i];

		if (ll > FD_LABEL_MAX || i + 1 + ll > wirelen)
			return -1;
		if (o + ll + 2 > outlen)
			return -1;
		memcpy(out + o, wire + i + 1, ll);
		o += ll;
		out[o++] = '.';
		i += 1 + ll;
	}
	if (i >= wirelen)
		return -1;
	out[o] = '\0';
	return (int)o;
}

bool
fd_hostname_valid(const char *s)
{
	size_t len = strlen(s);
	const char *p = s;

	if (len == 0 || len > 254 || (len == 254 && s[253] != '.'))
		return false;
	if (strcmp(s, ".") == 0)
		return false;
	while (*p != '\0') {
		const char *dot = strchr(p, '.');
		size_t ll = dot ? (size_t)(dot - p) : strlen(p);

		if (ll == 0 || ll > FD_LABEL_MAX)
			return false;
		if (p[0] == '-' || p[ll - 1] == '-')
			return false;
		for (size_t i = 0; i < ll; i++)
			if (!is_ldh((unsigned char)p[i]))
				return false;
		if (dot == NULL)
			break;
		p = dot + 1;
	}
	return true;
}

bool
fd_app_name_valid(const char *s)
{
	size_t len = strlen(s);

	if (len == 0 || len > FD_APP_NAME_MAX)
		return false;
	if (!((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= '0' && s[0] <= '9')))
		return false;
	for (size_t i = 1; i < len; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'))
			return false;
	}
	return true;
}

bool
fd_group_label_valid(const char *s)
{
	size_t len = strlen(s);

	if (len == 0 || len > FD_LABEL_MAX)
		return false;
	if (s[0] == '-' || s[len - 1] == '-')
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'))
			return false;
	}
	return true;
}

enum fd_err
fd_label_random(char *out)
{
	/* RFC 4648 base32 alphabet, lower case: a-z and 2-7. */
	static const char alphabet[] = "abcdefghijklmnopqrstuvwxyz234567";
	uint8_t rnd[FD_GROUP_LABEL_LEN];
	size_t got = 0;

	while (got < sizeof(rnd)) {
		ssize_t n = getrandom(rnd + got, sizeof(rnd) - got, 0);

		if (n < 0)
			return FD_ESYS;
		got += (size_t)n;
	}
	/* 32 divides 256, so taking 5 bits of each byte keeps it uniform. */
	for (size_t i = 0; i < FD_GROUP_LABEL_LEN; i++)
		out[i] = alphabet[rnd[i] & 31];
	out[FD_GROUP_LABEL_LEN] = '\0';
	return FD_OK;
}

enum fd_err
fd_address_to_label(const char *address, const char *origin, char *label)
{
	char buf[FD_DNAME_WIRE_MAX + 2];
	size_t alen = strlen(address), olen = strlen(origin);
	size_t llen;

	if (alen == 0 || alen >= sizeof(buf))
		return FD_EINVAL;
	for (size_t i = 0; i <= alen; i++)
		buf[i] = (char)tolower((unsigned char)address[i]);
	if (alen > 1 && buf[alen - 1] == '.')
		buf[--alen] = '\0';
	/* origin is stored with a trailing dot; compare without it */
	if (olen > 1 && origin[olen - 1] == '.')
		olen--;
	llen = alen;
	if (alen > olen + 1 && buf[alen - olen - 1] == '.' &&
	    strncasecmp(buf + alen - olen, origin, olen) == 0)
		llen = alen - olen - 1;
	if (llen == 0 || llen > FD_LABEL_MAX)
		return FD_EINVAL;
	buf[llen] = '\0';
	if (!fd_group_label_valid(buf))
		return FD_EINVAL;
	memcpy(label, buf, llen + 1);
	return FD_OK;
}

int
fd_ip_parse(const char *s, uint8_t out[16])
{
	if (inet_pton(AF_INET, s, out) == 1)
		return AF_INET;
	if (inet_pton(AF_INET6, s, out) == 1)
		return AF_INET6;
	return 0;
}
