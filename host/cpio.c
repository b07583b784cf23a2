// SPDX-License-Identifier: GPL-2.0-only
/* cpio newc writer (see cpio.h). Format: 110-byte ASCII header "070701"
 * + 13 eight-digit hex fields, the NUL-terminated name padded to 4, then
 * the data padded to 4. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "host/cpio.h"

void cpio_init(struct cpio *c)
{
	memset(c, 0, sizeof(*c));
	c->next_ino = 1;
}

void cpio_free(struct cpio *c)
{
	free(c->buf);
	memset(c, 0, sizeof(*c));
}

static int reserve(struct cpio *c, size_t more)
{
	if (c->len + more <= c->cap)
		return 0;
	size_t cap = c->cap ? c->cap : 1 << 20;
	while (cap < c->len + more)
		cap *= 2;
	uint8_t *nb = realloc(c->buf, cap);
	if (!nb)
		return c->error = -ENOMEM;
	c->buf = nb;
	c->cap = cap;
	return 0;
}

static void put(struct cpio *c, const void *p, size_t n)
{
	memcpy(c->buf + c->len, p, n);
	c->len += n;
}

static void pad4(struct cpio *c)
{
	while (c->len & 3)
		c->buf[c->len++] = 0;
}

static int add_entry(struct cpio *c, const char *path, uint32_t mode,
		     const void *data, size_t len)
{
	char hdr[160];
	size_t namesz;

	if (c->error)
		return c->error;
	while (*path == '/')
		path++;
	namesz = strlen(path) + 1;
	if (namesz == 1 || len > 0xffffffffu)
		return c->error = -EINVAL;
	if (reserve(c, 110 + namesz + 3 + len + 3))
		return c->error;
	snprintf(hdr, sizeof(hdr),
		 "070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X",
		 strcmp(path, "TRAILER!!!") ? c->next_ino++ : 0, mode, 0, 0,
		 (mode & S_IFMT) == S_IFDIR ? 2 : 1, 0, (unsigned)len, 0, 0, 0, 0,
		 (unsigned)namesz, 0);
	put(c, hdr, 110);
	put(c, path, namesz);
	pad4(c);
	if (len)
		put(c, data, len);
	pad4(c);
	return 0;
}

int cpio_add_dir(struct cpio *c, const char *path, mode_t mode)
{
	return add_entry(c, path, S_IFDIR | (mode & 07777), NULL, 0);
}

int cpio_add_file(struct cpio *c, const char *path, mode_t mode,
		  const void *data, size_t len)
{
	return add_entry(c, path, S_IFREG | (mode & 07777), data, len);
}

int cpio_add_symlink(struct cpio *c, const char *path, const char *target)
{
	return add_entry(c, path, S_IFLNK | 0777, target, strlen(target));
}

int cpio_add_host_file(struct cpio *c, const char *path, const char *host_path,
		       mode_t mode)
{
	struct stat st;
	int fd, ret = 0;
	uint8_t *data;

	fd = open(host_path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0) {
		ret = -errno;
		goto out_close;
	}
	data = malloc(st.st_size ? st.st_size : 1);
	if (!data) {
		ret = -ENOMEM;
		goto out_close;
	}
	for (off_t off = 0; off < st.st_size;) {
		ssize_t n = read(fd, data + off, st.st_size - off);
		if (n <= 0) {
			ret = n < 0 ? -errno : -EIO;
			goto out_free;
		}
		off += n;
	}
	ret = cpio_add_file(c, path, mode, data, st.st_size);
out_free:
	free(data);
out_close:
	close(fd);
	return ret;
}

int cpio_finish(struct cpio *c)
{
	add_entry(c, "TRAILER!!!", 0, NULL, 0);
	return c->error;
}
