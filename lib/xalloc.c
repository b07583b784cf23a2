// SPDX-License-Identifier: GPL-2.0-only
/* Checked allocation (see xalloc.h). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/xalloc.h"

static void *need(void *p, size_t bytes)
{
	if (!p && bytes) {
		fprintf(stderr, "ktstr-run: out of memory (%zu bytes)\n", bytes);
		abort();
	}
	return p;
}

void *xmalloc(size_t size)
{
	return need(malloc(size ? size : 1), size);
}

void *xcalloc(size_t n, size_t size)
{
	if (size && n > SIZE_MAX / size)
		return need(NULL, SIZE_MAX);
	return need(calloc(n ? n : 1, size ? size : 1), n * size);
}

void *xrealloc(void *p, size_t n, size_t size)
{
	if (size && n > SIZE_MAX / size)
		return need(NULL, SIZE_MAX);
	size_t bytes = n * size;

	return need(realloc(p, bytes ? bytes : 1), bytes);
}

char *xstrdup(const char *s)
{
	return need(strdup(s), strlen(s) + 1);
}
