/* SPDX-License-Identifier: GPL-2.0-only */
/* A fresh directory for each test of a suite: TestSuite(x, .init =
 * test_dir_init, .fini = test_dir_fini) makes test_dir before each test
 * and removes it, whole, after. Header-only: the test executables share
 * no library. */
#ifndef KTSTR__TESTS_TMPDIR_H
#define KTSTR__TESTS_TMPDIR_H

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>

static char test_dir[64];

static inline void test_dir_init(void)
{
	snprintf(test_dir, sizeof(test_dir), "/tmp/ktstr-test-XXXXXX");
	cr_assert_not_null(mkdtemp(test_dir));
}

static inline void test_dir_fini(void)
{
	char cmd[sizeof(test_dir) + 16];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", test_dir);
	cr_assert_eq(system(cmd), 0);
}

#endif
