// SPDX-License-Identifier: GPL-2.0-only
/* Unpacking the run plan's cpio "newc" archive (see unpack.h). The host
 * wrote it (host/cpio.c), but a bad archive must still end in a clear
 * error, not a file outside root or a read past the buffer. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "guest-init/unpack.h"
#include "proto/plan.h"

#define HDR_LEN 110

static size_t pad4(size_t n)
{
	return (n + 3) & ~(size_t)3;
}

/* Field i (0-based, after the 6-byte magic) of a header: 8 hex digits. */
static int field(const uint8_t *h, int i, uint32_t *v)
{
	uint32_t x = 0;

	for (int k = 0; k < 8; k++) {
		uint8_t c = h[6 + i * 8 + k];

		x <<= 4;
		if (c >= '0' && c <= '9')
			x |= c - '0';
		else if (c >= 'A' && c <= 'F')
			x |= c - 'A' + 10;
		else if (c >= 'a' && c <= 'f')
			x |= c - 'a' + 10;
		else
			return -1;
	}
	*v = x;
	return 0;
}

/* A relative name with no empty, "." or ".." component. */
static bool name_ok(const char *name)
{
	const char *p = name;

	if (!*p || *p == '/')
		return false;
	while (*p) {
		size_t n = strcspn(p, "/");

		if (n == 0 || (n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.'))
			return false;
		p += n;
		if (*p == '/')
			p++;
		else
			break;
	}
	return p[-1] != '/';
}

/* mkdir -p of path's parent directories. */
static int make_parents(char *path)
{
	for (char *p = strchr(path + 1, '/'); p; p = strchr(p + 1, '/')) {
		*p = 0;
		if (mkdir(path, 0755) && errno != EEXIST) {
			int err = -errno;

			*p = '/';
			return err;
		}
		*p = '/';
	}
	return 0;
}

static int write_file(const char *path, mode_t mode, const uint8_t *data, size_t len)
{
	int fd;

	unlink(path);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode & 07777);
	if (fd < 0)
		return -errno;
	while (len) {
		ssize_t n = write(fd, data, len);

		if (n < 0) {
			int err = errno == EINTR ? 0 : -errno;

			if (err) {
				close(fd);
				return err;
			}
			continue;
		}
		data += n;
		len -= n;
	}
	if (fchmod(fd, mode & 07777) || close(fd))
		return -errno;
	return 0;
}

int unpack_cpio(const uint8_t *buf, size_t len, const char *root, int *files, char *msg,
		size_t msglen)
{
	size_t off = 0;
	int n = 0;

	for (;;) {
		uint32_t mode, filesize, namesize;
		char name[PLAN_MAX_NAME], path[PLAN_MAX_NAME + 256];
		const uint8_t *h = buf + off, *data;
		int ret = 0;

		if (len - off < HDR_LEN || memcmp(h, "070701", 6) || field(h, 1, &mode) ||
		    field(h, 6, &filesize) || field(h, 11, &namesize)) {
			snprintf(msg, msglen, "run plan: bad cpio header at offset %zu", off);
			return -1;
		}
		if (namesize < 2 || namesize > sizeof(name) ||
		    namesize > len - off - HDR_LEN || h[HDR_LEN + namesize - 1] != 0) {
			snprintf(msg, msglen, "run plan: bad entry name at offset %zu", off);
			return -1;
		}
		memcpy(name, h + HDR_LEN, namesize);
		off += pad4(HDR_LEN + namesize);
		if (!strcmp(name, "TRAILER!!!"))
			break;
		if (off > len || filesize > len - off) {
			snprintf(msg, msglen, "run plan: '%s' runs past the end of the archive", name);
			return -1;
		}
		data = buf + off;
		off += pad4(filesize);
		if (off > len)
			off = len;
		if (!name_ok(name)) {
			snprintf(msg, msglen, "run plan: entry name '%s' is not a plain relative path",
				 name);
			return -1;
		}
		snprintf(path, sizeof(path), "%s/%s", root, name);
		make_parents(path);
		switch (mode & S_IFMT) {
		case S_IFDIR:
			if (mkdir(path, mode & 07777) && errno != EEXIST)
				ret = -errno;
			break;
		case S_IFREG:
			ret = write_file(path, mode, data, filesize);
			break;
		case S_IFLNK: {
			char target[PLAN_MAX_NAME];

			if (filesize == 0 || filesize >= sizeof(target) ||
			    memchr(data, 0, filesize)) {
				snprintf(msg, msglen, "run plan: symlink '%s' has a bad target", name);
				return -1;
			}
			memcpy(target, data, filesize);
			target[filesize] = 0;
			unlink(path);
			if (symlink(target, path))
				ret = -errno;
			break;
		}
		default:
			snprintf(msg, msglen, "run plan: '%s' has file type %o, expected a file, "
				 "directory or symlink", name, mode & S_IFMT);
			return -1;
		}
		if (ret) {
			snprintf(msg, msglen, "run plan: %s: %s", path, strerror(-ret));
			return -1;
		}
		n++;
	}
	if (files)
		*files = n;
	return 0;
}
