// SPDX-License-Identifier: GPL-2.0-only
/* Unit tests for the QEMU backend's command line (backend_qemu_argv): what
 * goes inside a QEMU option value has its commas doubled, what QEMU takes
 * whole (-kernel, -initrd, -append) does not. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host/backend.h"

static struct kernel k;

static int build(char **argv, const struct vm_spec *s, const char *sock)
{
	memset(argv, 0, BACKEND_QEMU_MAX_ARGS * sizeof(*argv));
	return backend_qemu_argv(argv, s, "tcg", sock, "/run/q,mp.sock", -1);
}

static void release(char **argv)
{
	for (int i = 0; argv[i]; i++)
		free(argv[i]);
}

/* The word after the first `flag` whose value starts with `prefix`. */
/* The value after flag that starts with prefix, or "(none)". */
static const char *after(char **argv, const char *flag, const char *prefix)
{
	for (int i = 0; argv[i] && argv[i + 1]; i++)
		if (!strcmp(argv[i], flag) && !strncmp(argv[i + 1], prefix, strlen(prefix)))
			return argv[i + 1];
	return "(none)";
}

static struct vm_spec spec(const char *log)
{
	struct vm_spec s = {
		.kernel = &k,
		.topo = { .numa = 1, .llcs = 1, .cores = 2, .threads = 1 },
		.mem_bytes = 512ull << 20,
		.initrd_fd = 7,
		.cmdline = "console=ttyS0 a=1,2",
		.console_log = log,
		.accel = "tcg",
	};

	snprintf(k.vmlinux, sizeof(k.vmlinux), "/k,1/vmlinux");
	snprintf(k.bzimage, sizeof(k.bzimage), "/k,1/vmlinuz");
	k.has_pvh = true;
	return s;
}

Test(qemu_argv, commas_doubled_in_option_values)
{
	struct vm_spec s = spec("/tmp/a,b/r,.console.log");
	char *argv[BACKEND_QEMU_MAX_ARGS];

	cr_assert_gt(build(argv, &s, "/tmp/x,y/report.sock"), 10);
	cr_expect_str_eq(after(argv, "-chardev", "file,"),
			 "file,id=con,path=/tmp/a,,b/r,,.console.log");
	cr_expect_str_eq(after(argv, "-chardev", "socket,"),
			 "socket,id=rep,path=/tmp/x,,y/report.sock");
	release(argv);
}

Test(qemu_argv, whole_values_are_not_escaped)
{
	struct vm_spec s = spec("/tmp/r.log");
	char *argv[BACKEND_QEMU_MAX_ARGS];

	build(argv, &s, "/tmp/s");
	cr_expect_str_eq(after(argv, "-kernel", ""), "/k,1/vmlinux");
	cr_expect_str_eq(after(argv, "-append", ""), "console=ttyS0 a=1,2");
	cr_expect_str_eq(after(argv, "-initrd", ""), "/proc/self/fd/7");
	release(argv);
	k.has_pvh = false;
	build(argv, &s, "/tmp/s");
	cr_expect_str_eq(after(argv, "-kernel", ""), "/k,1/vmlinuz", "no PVH note: the bzImage");
	release(argv);
}

Test(qemu_argv, topology_and_numa_memory)
{
	struct vm_spec s = spec("/tmp/r.log");
	char *argv[BACKEND_QEMU_MAX_ARGS];
	int n;

	s.topo = (struct scn_topology){ .numa = 2, .llcs = 2, .cores = 3, .threads = 2 };
	s.mem_bytes = 1025ull << 20;
	n = build(argv, &s, "/tmp/s");
	cr_assert_lt(n, BACKEND_QEMU_MAX_ARGS);
	cr_expect_null(argv[n]);
	cr_expect_str_eq(after(argv, "-smp", ""), "24,sockets=2,dies=2,cores=3,threads=2");
	cr_expect_str_eq(after(argv, "-object", "memory-backend-ram,id=m0"),
			 "memory-backend-ram,id=m0,size=536870912");
	cr_expect_str_eq(after(argv, "-object", "memory-backend-ram,id=m1"),
			 "memory-backend-ram,id=m1,size=537919488");
	cr_expect_str_eq(after(argv, "-numa", "node,nodeid=1"),
			 "node,nodeid=1,cpus=12-23,memdev=m1");
	release(argv);
}
