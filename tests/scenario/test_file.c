// SPDX-License-Identifier: GPL-2.0-only
/* Reading a scenario file (scn_read_file, scn_parse_file): regular files
 * and pipes are read once, whole; directories, devices and oversized files
 * are refused with a message that says what the path is. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "scenario/model.h"
#include "tests/scenario/parse_pipe.h"
#include "tests/tmpdir.h"

static const char text[] = "scenario f\nstep s 1s\n  cgroup a\n";
TestSuite(file, .init = test_dir_init, .fini = test_dir_fini);

static void refused(const char *path, const char *words)
{
	struct scn_error err;
	char *t = (char *)1;
	size_t n = 1;

	cr_expect_eq(scn_read_file(path, &t, &n, &err), -1, "%s was read", path);
	cr_expect_null(t);
	cr_expect_eq(err.loc.line, 0);
	cr_expect(strstr(err.msg, words), "%s: '%s' lacks '%s'", path, err.msg, words);
}

/* A regular file of `size` bytes: the text, then comment lines. */
static void make(const char *path, size_t size)
{
	FILE *f = fopen(path, "w");
	size_t n = strlen(text);

	cr_assert_not_null(f);
	fputs(text, f);
	for (; n + 2 <= size; n += 2)
		fputs("#\n", f);
	if (n < size)
		fputc('\n', f);
	fclose(f);
}

Test(file, regular_file_source_is_kept)
{
	struct scenario s;
	struct scn_error err;
	char path[128];

	snprintf(path, sizeof(path), "%s/a.scn", test_dir);
	make(path, strlen(text));
	cr_assert_eq(scn_parse_file(path, &s, &err), 0, "%s", err.msg);
	cr_expect_eq(s.source_len, strlen(text));
	cr_expect(s.source && !memcmp(s.source, text, strlen(text)));
	scn_free(&s);
	cr_expect_null(s.source);
}

Test(file, pipe_is_read_once)
{
	struct scenario s;

	parse_from_pipe(text, &s);
	cr_expect_str_eq(s.name, "f");
	cr_expect_eq(s.source_len, strlen(text));
	scn_free(&s);
}

Test(file, fifo_is_read_once)
{
	struct scenario s;
	struct scn_error err;
	char path[128];
	pid_t pid;

	snprintf(path, sizeof(path), "%s/f.scn", test_dir);
	cr_assert_eq(mkfifo(path, 0600), 0);
	pid = fork();
	if (pid == 0) {
		FILE *f = fopen(path, "w");

		fputs(text, f);
		fclose(f);
		_exit(0);
	}
	cr_assert_eq(scn_parse_file(path, &s, &err), 0, "%s", err.msg);
	cr_expect_eq(s.source_len, strlen(text));
	scn_free(&s);
}

Test(file, refused_kinds)
{
	refused(test_dir, "is a directory; expected a regular file or a pipe");
	refused("/dev/null", "is a character device");
	refused("/nonexistent/x.scn", "cannot open");
}

Test(file, size_limit_is_inclusive)
{
	struct scenario s;
	struct scn_error err;
	char path[128];

	snprintf(path, sizeof(path), "%s/max.scn", test_dir);
	make(path, SCN_MAX_FILE_BYTES);
	cr_assert_eq(scn_parse_file(path, &s, &err), 0, "%s", err.msg);
	cr_expect_eq(s.source_len, (size_t)SCN_MAX_FILE_BYTES);
	scn_free(&s);
	snprintf(path, sizeof(path), "%s/over.scn", test_dir);
	make(path, SCN_MAX_FILE_BYTES + 1);
	refused(path, "is 4194305 bytes; expected at most 4194304");
}

Test(file, oversized_pipe_is_refused)
{
	struct scn_error err;
	char path[64], *t;
	size_t n;
	int p[2];
	pid_t pid;

	cr_assert_eq(pipe(p), 0);
	pid = fork();
	if (pid == 0) {
		static char buf[65536];

		close(p[0]);
		memset(buf, '\n', sizeof(buf));
		for (int i = 0; i < SCN_MAX_FILE_BYTES / (int)sizeof(buf) + 1; i++)
			if (write(p[1], buf, sizeof(buf)) < 0)
				break;
		_exit(0);
	}
	close(p[1]);
	snprintf(path, sizeof(path), "/dev/fd/%d", p[0]);
	cr_expect_eq(scn_read_file(path, &t, &n, &err), -1);
	cr_expect(strstr(err.msg, "larger than 4194304 bytes"), "%s", err.msg);
	close(p[0]);
}
