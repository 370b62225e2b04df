/*
 * flipctl_transfer.c - import, export and backup: documents that travel
 * as raw payloads after the request or reply line, not as JSON strings.
 *
 * import reads the whole file first: the daemon checks and commits all
 * of it in one transaction, so there is nothing to stream.  export
 * writes the daemon's master file to stdout as its chunks arrive, and
 * backup the copy of the store to a file, which appears under its name
 * only once it is whole and on disk.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "flipctl.h"

/*
 * The protocol's payload limit (FD_PAYLOAD_MAX): 1 GiB.  The daemon's
 * own, control.max_payload, may be lower: it says so when it refuses.
 */
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
	if (f == NULL)
		return ctl_fail(CTL_EFAIL, "io", "%s: %s", path,
		    strerror(errno));
	for (;;) {
		if (p->len == cap) {
			cap = cap ? cap * 2 : 65536;
			if (p->len >= CTL_IMPORT_MAX) {
				ctl_fail(rc, "io", "%s: larger than %zu bytes",
				    path, CTL_IMPORT_MAX);
				goto done;
			}
			if ((nbuf = realloc(p->data, cap)) == NULL) {
				ctl_fail(rc, "internal", "out of memory");
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
		ctl_fail(rc, "io", "%s: %s", path, strerror(errno));
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
ctl_cmd_file(struct ctl *c, const struct ctl_cmd *cmd, struct ctl_argv *a)
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

/* apply --dry-run under its own name: the plan, nothing changed. */
int
ctl_cmd_diff(struct ctl *c, const struct ctl_cmd *cmd, struct ctl_argv *a)
{
	json_object_set_new(a->args, "dry_run", json_true());
	return ctl_cmd_file(c, cmd, a);
}

/*
 * The zone is the output, written as its chunks arrive: neither end
 * holds a million-group zone in memory.  With --json the daemon sends
 * the same RRsets as JSON lines (zonefile.h) instead of the master file.
 */
int
ctl_cmd_export(struct ctl *c, const struct ctl_cmd *cmd, struct ctl_argv *a)
{
	struct ctl_payload out = {NULL, 0, stdout};
	json_t *result;
	int rc;

	if (c->json)
		json_object_set_new(a->args, "format", json_string("json"));
	rc = ctl_call(c, cmd->proto, a->args, NULL, &result, &out);
	free(out.data);
	if (rc != CTL_OK)
		return rc;
	json_decref(result);
	return ctl_flush_stdout();
}

/* fsync the directory holding path, so a rename into it is durable. */
static int
sync_parent(const char *path)
{
	char buf[PATH_MAX];
	int fd, rc;

	snprintf(buf, sizeof(buf), "%s", path);
	if ((fd = open(dirname(buf), O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return -1;
	rc = fsync(fd);
	close(fd);
	return rc;
}

/*
 * The copy goes to FILE.XXXXXX next to FILE (mode 0600: it holds the
 * whole store), is synced, and is renamed to FILE only when the stream
 * ended whole: a cut stream, a full disk or a dead daemon never leaves
 * a truncated backup under the name, nor replaces a good one.
 */
int
ctl_cmd_backup(struct ctl *c, const struct ctl_cmd *cmd, struct ctl_argv *a)
{
	const char *path = a->pos[0];
	struct ctl_payload out = {NULL, 0, NULL};
	char tmp[PATH_MAX];
	json_t *result = NULL;
	long bytes = 0;
	int fd, rc;

	if (strcmp(path, "-") == 0) {
		if (isatty(STDOUT_FILENO))
			return ctl_usage(cmd, "not writing a backup to a "
			    "terminal: give a FILE, or redirect stdout");
		out.sink = stdout;
		if ((rc = ctl_call(c, cmd->proto, a->args, NULL, &result,
		    &out)) == CTL_OK)
			rc = ctl_flush_stdout();
		free(out.data);
		json_decref(result);
		return rc;
	}
	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.XXXXXX", path) >=
	    sizeof(tmp))
		return ctl_usage(cmd, "file name too long");
	if ((fd = mkstemp(tmp)) == -1 || (out.sink = fdopen(fd, "w")) ==
	    NULL) {
		ctl_fail(CTL_EFAIL, "io", "%s: %s", tmp, strerror(errno));
		if (fd != -1) {
			close(fd);
			unlink(tmp);
		}
		return CTL_EFAIL;
	}
	rc = ctl_call(c, cmd->proto, a->args, NULL, &result, &out);
	free(out.data);
	if (rc == CTL_OK && (fflush(out.sink) == EOF || ferror(out.sink) ||
	    fsync(fd) != 0 || (bytes = ftell(out.sink)) < 0))
		rc = ctl_fail(CTL_EFAIL, "io", "%s: %s", tmp, strerror(errno));
	if (fclose(out.sink) == EOF && rc == CTL_OK)
		rc = ctl_fail(CTL_EFAIL, "io", "%s: %s", tmp, strerror(errno));
	if (rc == CTL_OK && (rename(tmp, path) != 0 || sync_parent(path) !=
	    0))
		rc = ctl_fail(CTL_EFAIL, "io", "%s: %s", path, strerror(errno));
	if (rc != CTL_OK) {
		unlink(tmp);
		json_decref(result);
		return rc;
	}
	json_object_set_new(result, "file", json_string(path));
	json_object_set_new(result, "bytes", json_integer(bytes));
	if (c->json)
		json_dumpf(result, stdout, JSON_COMPACT);
	else
		printf("%s: serial %lld, %ld bytes\n", path,
		    (long long)json_integer_value(json_object_get(result,
		    "serial")), bytes);
	if (c->json)
		fputc('\n', stdout);
	json_decref(result);
	return ctl_flush_stdout();
}
