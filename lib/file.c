// SPDX-License-Identifier: GPL-2.0-only
/* Whole-file reads (see file.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/file.h"

int read_file(const char *path, size_t max, uint8_t **out, size_t *out_len)
{
	struct stat st;
	uint8_t *buf = NULL;
	size_t len = 0, cap = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK), err = 0;

	if (fd < 0)
		return -errno;
	if (fstat(fd, &st)) {
		err = -errno;
		goto out;
	}
	if (S_ISDIR(st.st_mode)) {
		err = -EISDIR;
		goto out;
	}
	if (!S_ISREG(st.st_mode) && !S_ISFIFO(st.st_mode)) {
		err = -EINVAL;
		goto out;
	}
	/* Blocking reads from here (a FIFO opened without a writer is EOF). */
	fcntl(fd, F_SETFL, 0);
	for (;;) {
		ssize_t n;

		if (len == cap) {
			size_t ncap = cap ? cap * 2 :
				(S_ISREG(st.st_mode) && st.st_size > 0 && (size_t)st.st_size < max ?
				 (size_t)st.st_size + 1 : 65536);
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
