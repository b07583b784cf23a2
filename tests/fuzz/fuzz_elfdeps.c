// SPDX-License-Identifier: GPL-2.0-only
/* Fuzz target: the shared-library resolver (host/elfdeps.c) on an
 * untrusted exec= or payload binary. The input is the binary (/bin/x), and
 * also its interpreter (/lib64/ld-linux-x86-64.so.2) and the library the
 * seeds need (/lib/libt.so, which the cache gives for libc.so.6 too); an
 * input that starts like an ld.so cache is looked up in as one. Every
 * lookup stays inside a temporary tree (elfdeps_opts.root), removed at
 * exit. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "host/elfdeps.h"
#include "tests/fuzz/fuzz.h"

static char root[64];
static const char *const sys_dirs[] = { "/lib", NULL };

static void path_of(char *out, size_t len, const char *rel)
{
	snprintf(out, len, "%s%s", root, rel);
}

static void cleanup(void)
{
	static const char *const files[] = {
		"/bin/x", "/lib/libt.so", "/lib64/ld-linux-x86-64.so.2", "/ld.so.cache",
		"/fuzz.cache", "/bin", "/lib", "/lib64",
	};
	char p[128];

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		path_of(p, sizeof(p), files[i]);
		if (unlink(p))
			rmdir(p);
	}
	rmdir(root);
}

static int write_file(const char *rel, const void *data, size_t size)
{
	char p[128];
	int fd, ok;

	path_of(p, sizeof(p), rel);
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0755);
	if (fd < 0)
		return -1;
	ok = size == 0 || write(fd, data, size) == (ssize_t)size;
	close(fd);
	return ok ? 0 : -1;
}

/* A cache with libc.so.6 -> /lib/libt.so, so that the seeds' libc.so.6
 * is found through it (glibc's dl-cache.h new format). */
static int write_cache(void)
{
	uint8_t c[48 + 24 + 32] = "glibc-ld.so.cache1.1";
	uint32_t one = 1, flags = 0x0303, key = 72, value = 82;

	memcpy(c + 20, &one, 4);
	c[28] = 2;
	memcpy(c + 48, &flags, 4);
	memcpy(c + 52, &key, 4);
	memcpy(c + 56, &value, 4);
	memcpy(c + 72, "libc.so.6", 10);
	memcpy(c + 82, "/lib/libt.so", 13);
	return write_file("/ld.so.cache", c, sizeof(c));
}

static void setup(void)
{
	char p[128], t[128];

	snprintf(root, sizeof(root), "/tmp/ktstr-fuzz-elfdeps-XXXXXX");
	if (!mkdtemp(root))
		abort();
	atexit(cleanup);
	for (int i = 0; i < 3; i++) {
		path_of(p, sizeof(p), i == 0 ? "/bin" : i == 1 ? "/lib" : "/lib64");
		if (mkdir(p, 0755))
			abort();
	}
	path_of(p, sizeof(p), "/lib/libt.so");
	path_of(t, sizeof(t), "/lib64/ld-linux-x86-64.so.2");
	if (write_cache() || symlink("../bin/x", p) || symlink("../bin/x", t))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct elfdeps_opts o = { .cache = "/ld.so.cache", .sys_dirs = sys_dirs };
	struct elfdeps d;
	char msg[2048], out[256];

	if (!root[0])
		setup();
	o.root = root;
	if (size >= 11 && (!memcmp(data, "glibc-ld.so", 11) || !memcmp(data, "ld.so-1.7.0", 11))) {
		if (write_file("/fuzz.cache", data, size))
			abort();
		o.cache = "/fuzz.cache";
		elfdeps_cache_find(&o, "libc.so.6", out, sizeof(out), msg, sizeof(msg));
		elfdeps_cache_find(&o, "libt.so", out, sizeof(out), msg, sizeof(msg));
		return 0;
	}
	if (write_file("/bin/x", data, size))
		abort();
	if (!elfdeps_resolve("/bin/x", &o, &d, msg, sizeof(msg)))
		elfdeps_free(&d);
	return 0;
}
