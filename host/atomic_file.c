// SPDX-License-Identifier: GPL-2.0-only
/* Whole-or-nothing result files (see atomic_file.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "host/atomic_file.h"

/* "DIR/.NAME.XXXXXX" for dest "DIR/NAME". */
static int tmp_name(const char *dest, char *buf, size_t len)
{
	const char *slash = strrchr(dest, '/');
	int dirlen = slash ? (int)(slash - dest + 1) : 0;
	int n = snprintf(buf, len, "%.*s.%s.XXXXXX", dirlen, dest,
			 slash ? slash + 1 : dest);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

int atomic_file_open(struct atomic_file *a, const char *dest)
{
	struct stat st;
	mode_t mask;
	int fd, ret;

	memset(a, 0, sizeof(*a));
	if (strlen(dest) >= sizeof(a->dest) || !*dest)
		return -ENAMETOOLONG;
	strcpy(a->dest, dest);
	if (stat(dest, &st) == 0 && !S_ISREG(st.st_mode)) {
		fd = open(dest, O_WRONLY | O_NOCTTY | O_CLOEXEC);
		if (fd < 0)
			return -errno;
	} else {
		if ((ret = tmp_name(dest, a->tmp, sizeof(a->tmp))))
			return ret;
		fd = mkostemp(a->tmp, O_CLOEXEC);
		if (fd < 0) {
			ret = -errno;
			a->tmp[0] = 0;
			return ret;
		}
		/* mkstemp makes 0600; a result file reads like any other. */
		mask = umask(0);
		umask(mask);
		fchmod(fd, 0666 & ~mask);
	}
	a->f = fdopen(fd, "w");
	if (!a->f) {
		ret = -errno;
		close(fd);
		atomic_file_abort(a);
		return ret;
	}
	return 0;
}

int atomic_file_commit(struct atomic_file *a)
{
	int ret = 0;

	if (fflush(a->f) || (a->tmp[0] && fsync(fileno(a->f))))
		ret = -errno;
	if (fclose(a->f) && !ret)
		ret = -errno;
	a->f = NULL;
	if (!ret && a->tmp[0] && rename(a->tmp, a->dest))
		ret = -errno;
	if (ret)
		atomic_file_abort(a);
	a->tmp[0] = 0;
	return ret;
}

void atomic_file_abort(struct atomic_file *a)
{
	if (a->f)
		fclose(a->f);
	a->f = NULL;
	if (a->tmp[0])
		unlink(a->tmp);
	a->tmp[0] = 0;
}

int atomic_file_write(const char *dest, int (*write)(FILE *f, const void *arg),
		      const void *arg)
{
	struct atomic_file a;
	int ret = atomic_file_open(&a, dest);

	if (ret)
		return ret;
	if (write(a.f, arg)) {
		atomic_file_abort(&a);
		return -EIO;
	}
	return atomic_file_commit(&a);
}
