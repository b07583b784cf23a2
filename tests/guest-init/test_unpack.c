// SPDX-License-Identifier: GPL-2.0-only
/* Tests for guest-init/unpack.c: the run plan written by the host's cpio
 * writer (host/cpio.c) unpacks to the same files, links and modes; a bad
 * archive is refused with a reason and writes nothing outside its root. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "guest-init/unpack.h"
#include "host/cpio.h"
#include "tests/tmpdir.h"

TestSuite(unpack, .init = test_dir_init, .fini = test_dir_fini);

static char *slurp(const char *rel, size_t *n)
{
	char path[256], *buf = calloc(1, 65536);
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", test_dir, rel);
	f = fopen(path, "r");
	cr_assert_not_null(f, "%s", path);
	*n = fread(buf, 1, 65535, f);
	fclose(f);
	return buf;
}

Test(unpack, what_the_host_packs_comes_out)
{
	struct cpio c;
	char msg[256], link[256], path[256];
	struct stat st;
	int files = 0;
	size_t n;
	char *got;

	cpio_init(&c);
	cpio_add_file(&c, "scenario.scn", 0644, "scenario x\n", 11);
	cpio_add_dir(&c, "usr", 0755);
	cpio_add_file(&c, "usr/lib/deep/libx.so.1", 0755, "\x7f" "ELF", 4);
	cpio_add_symlink(&c, "sched/x", "/usr/lib/deep/libx.so.1");
	cpio_add_file(&c, "tmp/payload", 0700, "", 0);
	cr_assert_eq(cpio_finish(&c), 0);
	cr_assert_eq(unpack_cpio(c.buf, c.len, test_dir, &files, msg, sizeof(msg)), 0, "%s", msg);
	cr_assert_eq(files, 5);
	got = slurp("scenario.scn", &n);
	cr_assert_eq(n, 11);
	cr_assert_str_eq(got, "scenario x\n");
	free(got);
	snprintf(path, sizeof(path), "%s/usr/lib/deep/libx.so.1", test_dir);
	cr_assert_eq(stat(path, &st), 0);
	cr_assert_eq(st.st_mode & 07777, 0755);
	snprintf(path, sizeof(path), "%s/sched/x", test_dir);
	n = readlink(path, link, sizeof(link) - 1);
	link[n] = 0;
	cr_assert_str_eq(link, "/usr/lib/deep/libx.so.1");
	snprintf(path, sizeof(path), "%s/tmp/payload", test_dir);
	cr_assert_eq(stat(path, &st), 0);
	cr_assert_eq(st.st_size, 0);
	cr_assert_eq(st.st_mode & 07777, 0700);
	cpio_free(&c);
}

/* A newc header by hand: mode, file size and name size. */
static size_t entry(uint8_t *out, const char *name, unsigned mode, const char *data,
		    unsigned fsize, unsigned nsize)
{
	size_t n = sprintf((char *)out, "070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X",
			   1u, mode, 0u, 0u, 1u, 0u, fsize, 0u, 0u, 0u, 0u, nsize, 0u);

	memcpy(out + n, name, strlen(name) + 1);
	n = (n + strlen(name) + 1 + 3) & ~3u;
	if (data && fsize <= 64) {
		memcpy(out + n, data, fsize);
		n = (n + fsize + 3) & ~3u;
	}
	return n;
}

static void refused(const uint8_t *buf, size_t len, const char *why)
{
	char msg[256] = "";

	cr_assert_eq(unpack_cpio(buf, len, test_dir, NULL, msg, sizeof(msg)), -1, "accepted");
	cr_assert(strstr(msg, why), "%s", msg);
}

Test(unpack, bad_archives_are_refused)
{
	static const struct {
		const char *name;
		unsigned mode;
		const char *data;
		unsigned fsize, nsize; /* as the header says */
		const char *why;
	} bad[] = {
		{ "../escape", 0100644, "x", 1, 10, "not a plain relative path" },
		{ "/etc/passwd", 0100644, "x", 1, 12, "not a plain relative path" },
		{ "a/./b", 0100644, "x", 1, 6, "not a plain relative path" },
		{ "big", 0100644, "x", 100000, 4, "runs past the end" },
		{ "dev", 0020644, "", 0, 4, "file type 20000" },
		{ "name", 0100644, "x", 1, 4000, "bad entry name" },
	};
	static uint8_t buf[4096];
	size_t n = 0;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		n = entry(buf, bad[i].name, bad[i].mode, bad[i].data, bad[i].fsize, bad[i].nsize);
		refused(buf, n, bad[i].why);
	}
	/* The last of them with another cpio format's magic. */
	memcpy(buf, "070702", 6);
	refused(buf, n, "bad cpio header");
	refused(buf, 50, "bad cpio header");
	cr_assert_eq(access("/tmp/escape", F_OK), -1, "nothing written outside the root");
}
