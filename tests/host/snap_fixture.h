/* SPDX-License-Identifier: GPL-2.0-only */
/* What the snapshot store's tests (test_snapshot.c, test_suite_snapshots.c)
 * start from: a fresh root with the store's cache under it
 * (XDG_CACHE_HOME=ROOT/cache), a kernel and a guest-init file in it, and
 * the spec of a small VM on that kernel. Header-only: the test executables
 * share no library. */
#ifndef KTSTR__TESTS_HOST_SNAP_FIXTURE_H
#define KTSTR__TESTS_HOST_SNAP_FIXTURE_H

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "host/snapshot.h"

static char root[64];
static char kpath[1024], gpath[1024];
static struct kernel kern;
static struct vm_spec vs;

static inline void write_file(const char *path, const void *data, size_t n)
{
	FILE *f = fopen(path, "w");

	cr_assert_not_null(f, "%s", path);
	cr_assert_eq(fwrite(data, 1, n, f), n);
	fclose(f);
}

static inline void snap_fixture_init(void)
{
	char cache[sizeof(root) + 8];

	snprintf(root, sizeof(root), "/tmp/ktstr-snap-test-XXXXXX");
	cr_assert_not_null(mkdtemp(root));
	snprintf(cache, sizeof(cache), "%s/cache", root);
	mkdir(cache, 0755);
	setenv("XDG_CACHE_HOME", cache, 1);
	snprintf(kpath, sizeof(kpath), "%s/vmlinux", root);
	snprintf(gpath, sizeof(gpath), "%s/guest-init", root);
	write_file(kpath, "a kernel image", 14);
	write_file(gpath, "a guest-init", 12);
	memset(&kern, 0, sizeof(kern));
	snprintf(kern.vmlinux, sizeof(kern.vmlinux), "%s", kpath);
	memset(&vs, 0, sizeof(vs));
	vs.kernel = &kern;
	vs.topo = (struct scn_topology){ .numa = 1, .llcs = 1, .cores = 2, .threads = 1 };
	vs.mem_bytes = 512ull << 20;
	vs.cmdline = "console=ttyS0";
}

#endif
