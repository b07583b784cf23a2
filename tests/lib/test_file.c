// SPDX-License-Identifier: GPL-2.0-only
/* Tests for lib/file.c, lib/err.c and lib/xalloc.c. */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/err.h"
#include "lib/file.h"
#include "lib/xalloc.h"

Test(file, a_regular_file_whole_and_bounded)
{
	char path[] = "/tmp/ktstr-lib-file-XXXXXX";
	int fd = mkstemp(path);
	uint8_t *buf;
	size_t len;

	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, "hello", 5), 5);
	close(fd);
	cr_assert_eq(read_file(path, 5, &buf, &len, NULL), 0);
	cr_assert_eq(len, 5);
	cr_assert_str_eq((char *)buf, "hello", "NUL-terminated");
	free(buf);
	cr_assert_eq(read_file(path, 4, &buf, &len, NULL), -EFBIG);
	unlink(path);
	cr_assert_eq(read_file(path, 4, &buf, &len, NULL), -ENOENT);
}

Test(file, read_text_strips_the_trailing_newline_and_blanks)
{
	char path[] = "/tmp/ktstr-lib-text-XXXXXX";
	int fd = mkstemp(path);
	char buf[8];

	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, "7.3 x \n\n", 8), 8);
	close(fd);
	cr_assert_eq(read_text(path, buf, sizeof(buf)), 0);
	cr_assert_str_eq(buf, "7.3 x");
	cr_assert_eq(read_text(path, buf, 4), 0, "cut to the buffer");
	cr_assert_str_eq(buf, "7.3");
	unlink(path);
	cr_assert_eq(read_text(path, buf, sizeof(buf)), -ENOENT);
	cr_assert_str_eq(buf, "");
	cr_assert_eq(read_text("/", buf, sizeof(buf)), -EISDIR);
}

Test(file, devices_and_directories_are_refused_unopened)
{
	uint8_t *buf;
	size_t len;
	mode_t mode;

	cr_assert_eq(read_file("/dev/zero", 1 << 20, &buf, &len, &mode), -EINVAL);
	cr_assert(S_ISCHR(mode));
	cr_assert_str_eq(file_kind(mode), "a character device");
	cr_assert_eq(read_file("/tmp", 1 << 20, &buf, &len, &mode), -EINVAL);
	cr_assert_str_eq(file_kind(mode), "a directory");
}

Test(file, a_pipe_is_read_to_its_end)
{
	int p[2];
	char path[64];
	uint8_t *buf;
	size_t len;
	pid_t pid;

	cr_assert_eq(pipe(p), 0);
	pid = fork();
	if (pid == 0) {
		close(p[0]);
		for (int i = 0; i < 1000; i++)
			if (write(p[1], "0123456789", 10) != 10)
				_exit(1);
		_exit(0);
	}
	close(p[1]);
	snprintf(path, sizeof(path), "/dev/fd/%d", p[0]);
	cr_assert_eq(read_file(path, 1 << 20, &buf, &len, NULL), 0);
	cr_assert_eq(len, 10000);
	free(buf);
	close(p[0]);
	waitpid(pid, NULL, 0);
}

Test(err, errf_fills_and_fails)
{
	char msg[32];

	cr_assert_eq(errf(msg, sizeof(msg), "cpu %d of %d", 9, 4), -1);
	cr_assert_str_eq(msg, "cpu 9 of 4");
	cr_assert_eq(errf(NULL, 0, "nowhere"), -1);
}

Test(xalloc, an_overflowing_count_aborts, .signal = SIGABRT)
{
	free(xcalloc(SIZE_MAX / 2, 4));
}

Test(xalloc, ordinary_sizes_work)
{
	int *v = xcalloc(10, sizeof(int));
	char *s = xstrdup("x");

	cr_assert_eq(v[9], 0);
	v = xrealloc(v, 20, sizeof(int));
	v[19] = 1;
	cr_assert_str_eq(s, "x");
	free(v);
	free(s);
}
