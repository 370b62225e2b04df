/*
 * flipctl_transfer.c - import and export: documents that travel as raw
 * payloads after the request or reply line, not as JSON strings.
 *
 * import reads the whole file first: the daemon checks and commits all
 * of it in one transaction, so there is nothing to stream.  export
 * writes the daemon's master file to stdout as its chunks arrive.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flipctl.h"

/* The daemon's payload limit (FD_PAYLOAD_MAX): 1 GiB. */
#define CTL_IMPORT_MAX  ((size_t)1 << 30)

/* All of path ("-": stdin) into p->data (malloc'd).  Reports failures. */
static int
read_file(const char *path, struct ctl_payload *p)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
	size_t cap = 0, n;
	char *nbuf;
	int rc = CTL_EFAIL;

	p->data = NULL;
	p->len = 0;
	if (f == NULL) {
		fprintf(stderr, "flipctl: %s: %s\n", path, strerror(errno));
		return CTL_EFAIL;
	}
	for (;;) {
		if (p->len == cap) {
			cap = cap ? cap * 2 : 65536;
			if (p->len >= CTL_IMPORT_MAX) {
				fprintf(stderr, "flipctl: %s: larger than %zu "
				    "bytes\n", path, CTL_IMPORT_MAX);
				goto done;
			}
			if ((nbuf = realloc(p->data, cap)) == NULL) {
				fprintf(stderr, "flipctl: out of memory\n");
				goto done;
			}
			p->data = nbuf;
		}
		n = fread(p->data + p->len, 1, cap - p->len, f);
		p->len += n;
		if (n == 0)
			break;
	}
	if (ferror(f)) {
		fprintf(stderr, "flipctl: %s: %s\n", path, strerror(errno));
		goto done;
	}
	rc = CTL_OK;
done:
	if (f != stdin)
		fclose(f);
	if (rc != CTL_OK) {
		free(p->data);
		p->data = NULL;
	}
	return rc;
}

int
ctl_cmd_import(struct ctl *c, const struct ctl_cmd *cmd, struct ctl_argv *a)
{
	struct ctl_payload in;
	int rc;

	if ((rc = read_file(a->pos[0], &in)) != CTL_OK)
		return rc;
	/* The name prefixes the daemon's FILE:LINE:COL error positions. */
	if (strcmp(a->pos[0], "-") == 0)
		json_object_set_new(a->args, "name", json_string("stdin"));
	rc = ctl_remote(c, cmd, a, &in);
	free(in.data);
	return rc;
}

/*
 * The zone file is the output, with or without --json, written as its
 * chunks arrive: neither end holds a million-group zone in memory.
 */
int
ctl_cmd_export(struct ctl *c, const struct ctl_cmd *cmd, struct ctl_argv *a)
{
	struct ctl_payload out = {NULL, 0, stdout};
	json_t *result;
	int rc;

	rc = ctl_call(c, cmd->proto, a->args, NULL, &result, &out);
	free(out.data);
	if (rc != CTL_OK)
		return rc;
	json_decref(result);
	return ctl_flush_stdout();
}
