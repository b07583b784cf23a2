/* SPDX-License-Identifier: GPL-2.0-only */
/* Writing a result file whole or not at all: the bytes go to a fresh
 * temporary file beside the destination (created with O_EXCL, so nothing
 * planted there is followed), are synced, then renamed over it. */
#ifndef KTSTR__HOST_ATOMIC_FILE_H
#define KTSTR__HOST_ATOMIC_FILE_H

#include <stdio.h>

struct atomic_file {
	FILE *f;         /* write here between open and commit */
	char dest[4096];
	char tmp[4096];  /* "" when dest is written in place (see below) */
};

/* Start writing dest. A dest that exists and is not a regular file (a
 * pipe, /dev/stdout) cannot be replaced: it is opened for writing as it is,
 * never created or truncated. 0, or a negative errno. */
int atomic_file_open(struct atomic_file *a, const char *dest);
/* Flush, fsync and rename over dest. 0, or a negative errno (the temporary
 * file is removed and dest left as it was). */
int atomic_file_commit(struct atomic_file *a);
/* Give up: the temporary file goes, dest stays as it was. */
void atomic_file_abort(struct atomic_file *a);
/* Open, write(f, arg), commit: dest written whole, or left as it was if
 * write returns nonzero (-EIO) or a step fails. 0, or a negative errno. */
int atomic_file_write(const char *dest, int (*write)(FILE *f, const void *arg),
		      const void *arg);

#endif
