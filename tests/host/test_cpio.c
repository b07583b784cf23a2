// SPDX-License-Identifier: GPL-2.0-only
/* Unit tests for the in-memory cpio newc writer, checked against the real
 * cpio tool (listing and extraction). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "host/cpio.h"
#include "tests/tmpdir.h"

static void mkarchive(struct cpio *c, const char *path)
{
	FILE *f = fopen(path, "w");

	cr_assert_not_null(f);
	cr_assert_eq(fwrite(c->buf, 1, c->len, f), c->len);
	fclose(f);
}

TestSuite(cpio, .init = test_dir_init, .fini = test_dir_fini);

Test(cpio, listing_matches_real_cpio)
{
	struct cpio c;
	char path[128], cmd[512], out[1024] = "";
	FILE *p;

	cpio_init(&c);
	cpio_add_dir(&c, "dev", 0755);
	cpio_add_dir(&c, "/payload", 0755);
	cpio_add_file(&c, "init", 0755, "#!/bin/true\n", 12);
	cpio_add_file(&c, "payload/a.json", 0644, "{}", 2);
	cpio_add_symlink(&c, "bin", "payload");
	cr_assert_eq(cpio_finish(&c), 0);
	cr_assert_eq(c.len % 4, 0);
	snprintf(path, sizeof(path), "%s/a.cpio", test_dir);
	mkarchive(&c, path);
	snprintf(cmd, sizeof(cmd), "cpio -it --quiet < %s", path);
	p = popen(cmd, "r");
	cr_assert_not_null(p);
	cr_assert_gt(fread(out, 1, sizeof(out) - 1, p), 0);
	cr_assert_eq(pclose(p), 0, "cpio rejected the archive");
	cr_assert_str_eq(out, "dev\npayload\ninit\npayload/a.json\nbin\n");
	cpio_free(&c);
}

Test(cpio, extraction_preserves_content_and_modes)
{
	struct cpio c;
	char path[128], cmd[512], buf[64] = "";
	struct stat st;
	FILE *f;
	/* Odd lengths exercise the 4-byte padding of names and data. */
	static const char data[] = "abcde";

	cpio_init(&c);
	cpio_add_dir(&c, "d", 0700);
	cpio_add_file(&c, "d/x", 0640, data, 5);
	cpio_add_file(&c, "d/empty", 0600, NULL, 0);
	cpio_add_symlink(&c, "d/link", "x");
	cr_assert_eq(cpio_finish(&c), 0);
	snprintf(path, sizeof(path), "%s/b.cpio", test_dir);
	mkarchive(&c, path);
	snprintf(cmd, sizeof(cmd), "cd %s && mkdir out && cd out && cpio -idm --quiet < ../b.cpio",
		 test_dir);
	cr_assert_eq(system(cmd), 0);
	snprintf(path, sizeof(path), "%s/out/d/x", test_dir);
	cr_assert_eq(stat(path, &st), 0);
	cr_assert_eq(st.st_mode & 07777, 0640);
	cr_assert_eq(st.st_size, 5);
	f = fopen(path, "r");
	cr_assert_not_null(f);
	cr_assert_eq(fread(buf, 1, sizeof(buf), f), 5);
	fclose(f);
	cr_assert_str_eq(buf, "abcde");
	snprintf(path, sizeof(path), "%s/out/d/empty", test_dir);
	cr_assert_eq(stat(path, &st), 0);
	cr_assert_eq(st.st_size, 0);
	snprintf(path, sizeof(path), "%s/out/d/link", test_dir);
	cr_assert_eq(readlink(path, buf, sizeof(buf)), 1);
	cr_assert_eq(buf[0], 'x');
	cpio_free(&c);
}

Test(cpio, host_file_and_errors)
{
	struct cpio c;

	cpio_init(&c);
	cr_assert_eq(cpio_add_host_file(&c, "self", "/proc/self/status", 0644), 0);
	cr_assert_lt(cpio_add_host_file(&c, "nope", "/nonexistent/file", 0644), 0);
	cr_assert_lt(cpio_add_file(&c, "/", 0644, "x", 1), 0, "an empty name is invalid");
	cr_assert_neq(cpio_finish(&c), 0, "the error is sticky");
	cpio_free(&c);
}
