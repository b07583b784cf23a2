/* SPDX-License-Identifier: GPL-2.0-only */
/* A scenario parsed the way `ktstr-run run /dev/stdin` reads one: text
 * written into a pipe, scn_parse_file on its /dev/fd/N (test_file.c,
 * tests/host/test_initramfs.c). Header-only: the test executables share no
 * library. */
#ifndef KTSTR__TESTS_SCENARIO_PARSE_PIPE_H
#define KTSTR__TESTS_SCENARIO_PARSE_PIPE_H

#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "scenario/model.h"

static inline void parse_from_pipe(const char *text, struct scenario *s)
{
	struct scn_error err;
	char path[64];
	int p[2];

	cr_assert_eq(pipe(p), 0);
	cr_assert_eq(write(p[1], text, strlen(text)), (ssize_t)strlen(text));
	close(p[1]);
	snprintf(path, sizeof(path), "/dev/fd/%d", p[0]);
	cr_assert_eq(scn_parse_file(path, s, &err), 0, "%s", err.msg);
	close(p[0]);
}

#endif
