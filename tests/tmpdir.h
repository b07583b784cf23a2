/* SPDX-License-Identifier: GPL-2.0-only */
/* A fresh directory for each test of a suite: TestSuite(x, .init =
 * test_dir_init, .fini = test_dir_fini) makes test_dir before each test
 * and removes it, whole, after; suites that need the directory elsewhere
 * or by its real path use make_real_dir and remove_tree. Header-only: the
 * test executables share no library. */
#ifndef KTSTR__TESTS_TMPDIR_H
#define KTSTR__TESTS_TMPDIR_H

#include <criterion/criterion.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char test_dir[64];

static inline void test_dir_init(void)
{
	snprintf(test_dir, sizeof(test_dir), "/tmp/ktstr-test-XXXXXX");
	cr_assert_not_null(mkdtemp(test_dir));
}

/* rm -rf path. */
static inline void remove_tree(const char *path)
{
	char cmd[PATH_MAX + 16];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", path);
	cr_assert_eq(system(cmd), 0);
}

static inline void test_dir_fini(void)
{
	remove_tree(test_dir);
}

/* A fresh directory made from tmpl (mkdtemp's XXXXXX), its real path
 * (no symlinks, absolute) in dir. */
static inline void make_real_dir(char *tmpl, char *dir, size_t size)
{
	char real[PATH_MAX];

	cr_assert_not_null(mkdtemp(tmpl), "%s", tmpl);
	cr_assert_not_null(realpath(tmpl, real));
	cr_assert_lt(strlen(real), size);
	strcpy(dir, real);
}

#endif
