/*
 * config_doc.c - the schema as text, for flipdns.yaml(5): every key with
 * its type, range and default, read from the rows the parser uses, so
 * the manual cannot disagree with the parser (man/CMakeLists.txt runs
 * `flipdnsd --print-config-keys` and fails the build on a key that has
 * no description, or a description of a key that does not exist).
 */
#include <stdio.h>
#include <string.h>

#include "config_parse.h"
#include "flipdns/util/log.h"

/* 4294967296 -> "4G": sizes are written the way the file takes them. */
static void
size_text(char *out, size_t len, uint64_t v)
{
	static const char units[] = "KMGT";
	int u = -1;

	while (u < 3 && v >= KiB && v % KiB == 0) {
		v /= KiB;
		u++;
	}
	if (u < 0)
		snprintf(out, len, "%llu", (unsigned long long)v);
	else
		snprintf(out, len, "%llu%c", (unsigned long long)v, units[u]);
}

/* 1500 ms -> "1.5": durations are written the way the file takes them. */
static void
seconds_text(char *out, size_t len, uint64_t ms)
{
	size_t n;

	snprintf(out, len, "%llu.%03llu", (unsigned long long)ms / 1000,
	    (unsigned long long)ms % 1000);
	/* no trailing zeros, and no dot for whole seconds */
	n = strlen(out);
	while (n > 0 && out[n - 1] == '0')
		out[--n] = '\0';
	if (n > 0 && out[n - 1] == '.')
		out[--n] = '\0';
}

static void
type_text(const struct key *k, char *out, size_t len)
{
	char lo[32], hi[32];
	size_t cap = cfg_list_capacity(k);

	switch (k->type) {
	case T_STR:
		snprintf(out, len, "string, %llu..%llu bytes",
		    (unsigned long long)k->min, (unsigned long long)k->max);
		break;
	case T_USER:
		snprintf(out, len, "user name");
		break;
	case T_DNAME:
		snprintf(out, len, "domain name");
		break;
	case T_U32:
		snprintf(out, len, "integer, %llu..%llu",
		    (unsigned long long)k->min, (unsigned long long)k->max);
		break;
	case T_BOOL:
		snprintf(out, len, "true or false");
		break;
	case T_SIZE:
		size_text(lo, sizeof(lo), k->min);
		size_text(hi, sizeof(hi), k->max);
		snprintf(out, len, "bytes with an optional K, M, G or T, "
		    "%s..%s", lo, hi);
		break;
	case T_IPS:
		snprintf(out, len, "list of IP addresses, %llu..%zu",
		    (unsigned long long)k->min, cap);
		break;
	case T_LISTEN:
		snprintf(out, len, "list of ADDRESS[:PORT] or [IPV6]:PORT, "
		    "%llu..%zu", (unsigned long long)k->min, cap);
		break;
	case T_UIDS:
		snprintf(out, len, "list of user names or uids, %llu..%zu",
		    (unsigned long long)k->min, cap);
		break;
	case T_GIDS:
		snprintf(out, len, "list of group names or gids, %llu..%zu",
		    (unsigned long long)k->min, cap);
		break;
	case T_GID:
		snprintf(out, len, "group name or gid");
		break;
	case T_MODE:
		snprintf(out, len, "octal permission bits, %04llo..%04llo",
		    (unsigned long long)k->min, (unsigned long long)k->max);
		break;
	case T_NSLIST:
		snprintf(out, len, "list of mappings {name, addresses}, "
		    "%llu..%zu", (unsigned long long)k->min, cap);
		break;
	case T_LOGLEVEL:
		snprintf(out, len, "debug, info, warning or error");
		break;
	case T_ADDRPORT:
		snprintf(out, len, "ADDRESS[:PORT] or [IPV6]:PORT");
		break;
	case T_PREFIX:
		snprintf(out, len, "IP address, or ADDRESS/BITS");
		break;
	case T_XFR_ALLOW:
		snprintf(out, len, "list of mappings {from, key}, %llu..%zu",
		    (unsigned long long)k->min, cap);
		break;
	case T_NOTIFY:
		snprintf(out, len, "list of mappings {to, key}, %llu..%zu",
		    (unsigned long long)k->min, cap);
		break;
	case T_SECONDS:
		seconds_text(lo, sizeof(lo), k->min);
		seconds_text(hi, sizeof(hi), k->max);
		snprintf(out, len, "seconds, decimals allowed, %s..%s", lo, hi);
		break;
	case T_URLS:
		snprintf(out, len, "list of http:// or https:// URLs, %llu..%zu",
		    (unsigned long long)k->min, cap);
		break;
	}
}

static void
default_text(const struct key *k, char *out, size_t len)
{
	if (k->flags & K_REQUIRED)
		snprintf(out, len, "required");
	else if (k->type == T_BOOL)
		snprintf(out, len, "%s", k->def ? "true" : "false");
	else if (k->type == T_SIZE)
		size_text(out, len, k->def);
	else if (k->type == T_LOGLEVEL)
		snprintf(out, len, "%s", log_level_name((enum log_level)k->def));
	else if (k->type == T_MODE)
		snprintf(out, len, "%04llo", (unsigned long long)k->def);
	else if (k->type == T_GID && k->def == FD_CONF_GID_UNSET)
		snprintf(out, len, "the group of user");
	else if (k->type == T_SECONDS)
		seconds_text(out, len, k->def);
	else if (cfg_is_number(k))
		snprintf(out, len, "%llu", (unsigned long long)k->def);
	else if (cfg_list_capacity(k) > 0)
		snprintf(out, len, "[]");
	else if (k->flags & K_HOSTNAME)
		snprintf(out, len, "the host name");
	else if (k->sdef != NULL && *k->sdef != '\0')
		snprintf(out, len, "%s", k->sdef);
	else
		snprintf(out, len, "none");
}

static void
print_rows(FILE *out, const struct key *tab, size_t n, const char *prefix)
{
	char type[128], def[128];
	size_t i;

	for (i = 0; i < n; i++) {
		type_text(&tab[i], type, sizeof(type));
		default_text(&tab[i], def, sizeof(def));
		fprintf(out, "%s%s\t%s\t%s\n", prefix, tab[i].path, type, def);
	}
}

void
fd_config_print_keys(FILE *out)
{
	const struct key *keys, *ns, *entry;
	char prefix[64];
	size_t n, nns, ne, i;

	keys = cfg_schema(&n, &ns, &nns);
	for (i = 0; i < n; i++) {
		print_rows(out, &keys[i], 1, "");
		/* an entry's keys right after the list that holds them */
		if ((entry = cfg_entry_schema(keys[i].type, &ne)) != NULL) {
			snprintf(prefix, sizeof(prefix), "%s[].", keys[i].path);
			print_rows(out, entry, ne, prefix);
		}
	}
}
