/* SPDX-License-Identifier: GPL-2.0-only */
/* An in-memory cpio "newc" archive writer: the guest's initramfs is built
 * here, with no external cpio or compressor. */
#ifndef KTSTR__HOST_CPIO_H
#define KTSTR__HOST_CPIO_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct cpio {
	uint8_t *buf;
	size_t len, cap;
	uint32_t next_ino;
	int error; /* sticky: -ENOMEM, -EINVAL */
};

void cpio_init(struct cpio *c);
void cpio_free(struct cpio *c);
int cpio_add_dir(struct cpio *c, const char *path, mode_t mode);
int cpio_add_file(struct cpio *c, const char *path, mode_t mode,
		  const void *data, size_t len);
int cpio_add_symlink(struct cpio *c, const char *path, const char *target);
/* Add a host file (its content read now) under path in the archive. */
int cpio_add_host_file(struct cpio *c, const char *path, const char *host_path,
		       mode_t mode);
/* Write the TRAILER!!! entry. Returns c->error. */
int cpio_finish(struct cpio *c);

#endif
