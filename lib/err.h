// SPDX-License-Identifier: GPL-2.0-only
/* The house error convention, in one place: a function that fails for a
 * user-facing reason returns -1 and leaves a message in the caller's
 * buffer ("what: why, naming the input, the value and the limit"); one that
 * wraps a system call returns -errno. libc only. */
#ifndef KTSTR__LIB_ERR_H
#define KTSTR__LIB_ERR_H

#include <stddef.h>

/* Format into msg (size len; msg may be NULL when len is 0) and return -1,
 * so that `return errf(msg, len, "...", ...);` reports and fails at once. */
int errf(char *msg, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
