// SPDX-License-Identifier: GPL-2.0-only
/* Checked allocation for memory the program cannot go on without (tables
 * sized by what it already holds): on failure, a message and abort(), not a
 * NULL that some caller forgets to check. Sizes that come from outside
 * (a guest, a file) are bounded before they reach these. libc only. */
#ifndef KTSTR__LIB_XALLOC_H
#define KTSTR__LIB_XALLOC_H

#include <stddef.h>

void *xmalloc(size_t size);
void *xcalloc(size_t n, size_t size);   /* n * size checked for overflow */
void *xrealloc(void *p, size_t n, size_t size);
char *xstrdup(const char *s);

#endif
