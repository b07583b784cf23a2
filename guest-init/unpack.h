/* SPDX-License-Identifier: GPL-2.0-only */
/* Unpack a cpio "newc" archive (the run plan, proto/plan.h) under a root
 * directory. Regular files, directories and symlinks only; names must be
 * plain relative paths; every size is checked against the buffer. */
#ifndef KTSTR__GUEST_UNPACK_H
#define KTSTR__GUEST_UNPACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Returns 0 with *files (may be NULL) set to the entries written, or -1
 * with msg naming the entry and what is wrong. root is "" for /. */
int unpack_cpio(const uint8_t *buf, size_t len, const char *root, int *files, char *msg,
		size_t msglen);

#endif
