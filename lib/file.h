// SPDX-License-Identifier: GPL-2.0-only
/* Reading a whole file, bounded, the one way the project does it. libc
 * only. */
#ifndef KTSTR__LIB_FILE_H
#define KTSTR__LIB_FILE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Read all of path into a new buffer (NUL-terminated one past *len). Only a
 * regular file or a FIFO (read to EOF; opening one waits for a writer, as
 * any reader does) is opened: anything else is refused from a stat(), so
 * that opening a device has no effect. At most max bytes. 0, or -errno:
 * -EFBIG past max, -EINVAL (with *mode the file's type) for a directory,
 * device or socket. mode may be NULL. */
int read_file(const char *path, size_t max, uint8_t **buf, size_t *len, mode_t *mode);

/* Read a small text file (sysfs, proc, a cache's note) into buf, trailing
 * newlines and blanks stripped. 0, or -errno with buf "". */
int read_text(const char *path, char *buf, size_t len);

/* "a directory", "a character device", ... for a refusal message. */
const char *file_kind(mode_t m);

#endif
