/* SPDX-License-Identifier: GPL-2.0-only */
/* Reading a whole file, bounded, the one way the project does it. libc
 * only. */
#ifndef KTSTR__LIB_FILE_H
#define KTSTR__LIB_FILE_H

#include <stddef.h>
#include <stdint.h>

/* Read all of path (a regular file or a pipe; at most max bytes) into a
 * new buffer, NUL-terminated one past *len. 0, or -errno: -EFBIG past max,
 * -EISDIR / -EINVAL for directories and devices. */
int read_file(const char *path, size_t max, uint8_t **buf, size_t *len);

#endif
