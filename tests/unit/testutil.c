/* testutil.c - shared helpers for the cmocka unit tests. */
#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testutil.h"
#include "flipdns/db/store.h"

char *
tu_tmpdir(void)
{
	const char *base = getenv("TMPDIR");
	char *dir;

	if (base == NULL || *base == '\0')
		base = "/tmp";
	if (asprintf(&dir, "%s/flipdns-unit-XXXXXX", base) < 0)
		abort();
	if (mkdtemp(dir) == NULL)
		abort();
	return dir;
}

void
tu_rmdir(char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char path[PATH_MAX];

	if (d != NULL) {
		while ((de = readdir(d)) != NULL) {
			if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
				continue;
			snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
			unlink(path);
		}
		closedir(d);
	}
	rmdir(dir);
	free(dir);
}

int
tu_store_setup_size(void **state, size_t size)
{
	struct tu_store *f = calloc(1, size);

	f->dir = tu_tmpdir();
	assert_int_equal(fd_store_open(f->dir, 64 << 20, 8, &f->st), FD_OK);
	*state = f;
	return 0;
}

int
tu_store_setup(void **state)
{
	return tu_store_setup_size(state, sizeof(struct tu_store));
}

int
tu_store_teardown(void **state)
{
	struct tu_store *f = *state;

	fd_store_close(f->st);
	tu_rmdir(f->dir);
	free(f);
	return 0;
}
