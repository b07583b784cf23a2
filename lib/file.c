// SPDX-License-Identifier: GPL-2.0-only
/* Whole-file reads (see file.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/file.h"

const char *file_kind(mode_t m)
{
	switch (m & S_IFMT) {
	case S_IFDIR: return "a directory";
	case S_IFCHR: return "a character device";
	case S_IFBLK: return "a block device";
	case S_IFSOCK: return "a socket";
	case S_IFLNK: return "a symbolic link";
	case S_IFIFO: return "a pipe";
	case S_IFREG: return "a regular file";
	}
	return "not a file";
}

static int readable(const struct stat *st, mode_t *mode)
{
	if (mode)
		*mode = st->st_mode;
	return S_ISREG(st->st_mode) || S_ISFIFO(st->st_mode) ? 0 : -EINVAL;
}

int read_file(const char *path, size_t max, uint8_t **out, size_t *out_len, mode_t *mode)
{
	struct stat st;
	uint8_t *buf = NULL;
	size_t len = 0, cap = 0;
	int fd, err = 0;

	/* Look before opening: opening a device can have effects of its own. */
	if (stat(path, &st))
		return -errno;
	if ((err = readable(&st, mode)))
		return err;
	fd = open(path, O_RDONLY | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st)) {
		err = -errno;
		goto out;
	}
	if ((err = readable(&st, mode)))
		goto out;
	if (S_ISREG(st.st_mode) && (uint64_t)st.st_size > max) {
		err = -EFBIG;
		goto out;
	}
	for (;;) {
		ssize_t n;

		if (len == cap) {
			size_t ncap = cap ? cap * 2 : (S_ISREG(st.st_mode) && st.st_size > 0 ?
							(size_t)st.st_size + 1 : 8192);
			uint8_t *nb;

			if (ncap > max + 1)
				ncap = max + 1;
			if (ncap <= cap) {
				err = -EFBIG;
				goto out;
			}
			nb = realloc(buf, ncap + 1);
			if (!nb) {
				err = -ENOMEM;
				goto out;
			}
			buf = nb;
			cap = ncap;
		}
		n = read(fd, buf + len, cap - len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			err = -errno;
			goto out;
		}
		if (n == 0)
			break;
		len += n;
		if (len > max) {
			err = -EFBIG;
			goto out;
		}
	}
	if (!buf && !(buf = malloc(1))) {
		err = -ENOMEM;
		goto out;
	}
	buf[len] = 0;
	*out = buf;
	*out_len = len;
	buf = NULL;
out:
	free(buf);
	close(fd);
	return err;
}

int read_text(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), err;
	ssize_t n;

	buf[0] = 0;
	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	err = n < 0 ? -errno : 0;
	close(fd);
	if (err)
		return err;
	buf[n] = 0;
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		buf[--n] = 0;
	return 0;
}
