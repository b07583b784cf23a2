// SPDX-License-Identifier: GPL-2.0-only
/* Unit tests for host/atomic_file.c and the results writer on top of it:
 * a file is replaced whole or not at all, and nothing planted at a
 * predictable temporary name is followed or truncated. */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "host/atomic_file.h"
#include "host/run.h"
#include "tests/tmpdir.h"

TestSuite(atomic, .init = test_dir_init, .fini = test_dir_fini);

static void put(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	cr_assert_not_null(f, "%s: %s", path, strerror(errno));
	fputs(text, f);
	fclose(f);
}

static void get(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");
	size_t n;

	cr_assert_not_null(f, "%s: %s", path, strerror(errno));
	n = fread(buf, 1, len - 1, f);
	buf[n] = 0;
	fclose(f);
}

/* Only the destination is left in dir: no temporary files behind. */
static int entries(void)
{
	char cmd[128], out[64] = "";
	FILE *p;

	snprintf(cmd, sizeof(cmd), "ls -A %s | wc -l", test_dir);
	p = popen(cmd, "r");
	cr_assert_not_null(p);
	cr_assert_gt(fread(out, 1, sizeof(out) - 1, p), 0);
	pclose(p);
	return atoi(out);
}

Test(atomic, json_does_not_follow_a_planted_tmp_symlink)
{
	char path[128], tmp[160], victim[128], buf[256];
	json_t *j = json_pack("{s:s}", "verdict", "pass");

	snprintf(path, sizeof(path), "%s/r.json", test_dir);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	snprintf(victim, sizeof(victim), "%s/victim", test_dir);
	put(victim, "precious\n");
	cr_assert_eq(symlink(victim, tmp), 0);
	cr_assert_eq(run_write_json(path, j), 0);
	json_decref(j);
	get(victim, buf, sizeof(buf));
	cr_expect_str_eq(buf, "precious\n", "the planted link's target was written");
	get(path, buf, sizeof(buf));
	cr_expect(strstr(buf, "\"verdict\": \"pass\""), "%s", buf);
}

Test(atomic, json_replaces_whole_and_leaves_no_temp)
{
	char path[128], buf[256];
	json_t *j = json_pack("{s:i}", "n", 2);
	struct stat st;

	snprintf(path, sizeof(path), "%s/r.json", test_dir);
	put(path, "old contents that are longer than the new ones\n");
	cr_assert_eq(run_write_json(path, j), 0);
	json_decref(j);
	get(path, buf, sizeof(buf));
	cr_expect_str_eq(buf, "{\n  \"n\": 2\n}");
	cr_expect_eq(entries(), 1);
	cr_assert_eq(stat(path, &st), 0);
	cr_expect_eq(st.st_mode & 0777, 0666 & ~umask(022), "mode %o", st.st_mode & 0777);
}

Test(atomic, json_into_a_missing_directory_fails)
{
	char path[128];
	json_t *j = json_pack("{s:i}", "n", 1);

	snprintf(path, sizeof(path), "%s/nodir/r.json", test_dir);
	cr_expect_eq(run_write_json(path, j), -1);
	json_decref(j);
	cr_expect_eq(entries(), 0);
}

Test(atomic, abort_keeps_the_old_file)
{
	struct atomic_file a;
	char path[128], buf[64];

	snprintf(path, sizeof(path), "%s/j.xml", test_dir);
	put(path, "old\n");
	cr_assert_eq(atomic_file_open(&a, path), 0);
	fputs("half a fi", a.f);
	atomic_file_abort(&a);
	get(path, buf, sizeof(buf));
	cr_expect_str_eq(buf, "old\n");
	cr_expect_eq(entries(), 1);
}

Test(atomic, a_device_is_written_in_place)
{
	struct atomic_file a;

	cr_assert_eq(atomic_file_open(&a, "/dev/null"), 0);
	cr_expect_str_eq(a.tmp, "");
	fputs("x", a.f);
	cr_expect_eq(atomic_file_commit(&a), 0);
	cr_expect_eq(access("/dev/null", W_OK), 0);
}

static int write_text(FILE *f, const void *text)
{
	return fputs(text, f) == EOF;
}

static int write_half_then_fail(FILE *f, const void *text)
{
	fputs(text, f);
	return 1;
}

Test(atomic, write_commits_what_the_writer_wrote_or_keeps_the_old_file)
{
	char path[128], buf[64];

	snprintf(path, sizeof(path), "%s/j.xml", test_dir);
	put(path, "old\n");
	cr_expect_eq(atomic_file_write(path, write_half_then_fail, "half a fi"), -EIO);
	get(path, buf, sizeof(buf));
	cr_expect_str_eq(buf, "old\n");
	cr_expect_eq(entries(), 1);
	cr_expect_eq(atomic_file_write(path, write_text, "new\n"), 0);
	get(path, buf, sizeof(buf));
	cr_expect_str_eq(buf, "new\n");
	cr_expect_eq(entries(), 1);
	snprintf(path, sizeof(path), "%s/no/such/dir", test_dir);
	cr_expect_eq(atomic_file_write(path, write_text, "x"), -ENOENT);
}
