// SPDX-License-Identifier: GPL-2.0-only
/* Tests for guest-init/payload_tap.c on the shapes kselftest programs
 * print: the sched_ext runner (tools/testing/selftests/sched_ext/runner.c,
 * which prints no version line and no plan), kselftest.h's helpers
 * (ksft_test_result_*, ksft_exit_skip), and kselftest/runner.sh's wrapper
 * (a TAP stream whose subtests are "# "-prefixed). */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "guest-init/payload_tap.h"
#include "proto/events.h"

static json_t *tap_of(const char *out)
{
	FILE *f = fmemopen((void *)out, strlen(out), "r");
	json_t *t;

	cr_assert_not_null(f);
	t = payload_tap(f);
	fclose(f);
	return t;
}

/* Test i as "n ok|not-ok name [directive [reason]]". */
static char *test_str(json_t *t, size_t i)
{
	json_t *o = json_array_get(json_object_get(t, TAPF_TESTS), i);
	char *s = NULL;

	cr_assert_not_null(o, "test %zu missing", i);
	cr_assert(asprintf(&s, "%lld %s %s%s%s%s%s",
			   (long long)json_integer_value(json_object_get(o, TAPF_N)),
			   json_is_true(json_object_get(o, TAPF_OK)) ? "ok" : "not-ok",
			   json_string_value(json_object_get(o, TAPF_NAME)),
			   json_object_get(o, TAPF_DIRECTIVE) ? " " : "",
			   json_string_value(json_object_get(o, TAPF_DIRECTIVE)) ?: "",
			   json_object_get(o, TAPF_REASON) ? " " : "",
			   json_string_value(json_object_get(o, TAPF_REASON)) ?: "") > 0);
	return s;
}

static void expect_test(json_t *t, size_t i, const char *want)
{
	char *got = test_str(t, i);

	cr_expect_str_eq(got, want, "test %zu", i);
	free(got);
}

static size_t n_tests(json_t *t)
{
	return json_array_size(json_object_get(t, TAPF_TESTS));
}

/* t's tests are want, in order (want ends with NULL). */
static void expect_tests(json_t *t, const char *const *want)
{
	size_t n = 0;

	while (want[n])
		n++;
	cr_expect_eq(n_tests(t), n);
	for (size_t i = 0; i < n; i++)
		expect_test(t, i, want[i]);
}

Test(payload_tap, sched_ext_runner)
{
	/* runner.c's print_test_preamble and print_test_result, then its
	 * totals; a skipped test is "ok N name # SKIP ". */
	json_t *t = tap_of("===== START =====\n"
			   "TEST: create_dsq\n"
			   "DESCRIPTION: Create and destroy a dsq in a loop\n"
			   "OUTPUT:\n"
			   "ok 1 create_dsq # \n"
			   "=====  END  =====\n"
			   "===== START =====\n"
			   "TEST: ddsp_bogus_dsq_fail\n"
			   "DESCRIPTION: Verify we gracefully fail, and fall back to "
			   "using a built-in DSQ, if we do a direct dispatch to an invalid"
			   " DSQ in ops.select_cpu()\n"
			   "OUTPUT:\n"
			   "ERR: ddsp_bogus_dsq_fail.c:45\n"
			   "Expected skel->data->uei.kind == EXIT_KIND(SCX_EXIT_ERROR) (0 == 1024)\n"
			   "not ok 2 ddsp_bogus_dsq_fail # \n"
			   "=====  END  =====\n"
			   "===== START =====\n"
			   "TEST: dsp_local_on\n"
			   "OUTPUT:\n"
			   "ok 3 dsp_local_on # SKIP \n"
			   "=====  END  =====\n"
			   "\n\n=============================\n\nRESULTS:\n\n"
			   "PASSED:  1\nSKIPPED: 1\nFAILED:  1\n\n"
			   "Skipped tests:\n  - dsp_local_on\n\n"
			   "Failed tests:\n  - ddsp_bogus_dsq_fail\n");

	cr_assert_not_null(t);
	expect_tests(t, (const char *const[]){
		"1 ok create_dsq",
		"2 not-ok ddsp_bogus_dsq_fail",
		"3 ok dsp_local_on SKIP",
		NULL,
	});
	cr_expect_null(json_object_get(t, TAPF_PLAN), "the runner prints no plan");
	json_decref(t);
}

Test(payload_tap, kselftest_helpers)
{
	/* ksft_print_header, ksft_set_plan, ksft_test_result_{pass,fail,skip,
	 * xfail,xpass,error}, ksft_print_cnts. */
	json_t *t = tap_of("TAP version 13\n"
			   "1..6\n"
			   "# Starting 6 tests\n"
			   "ok 1 test_basic\n"
			   "not ok 2 test_broken\n"
			   "ok 3 # SKIP needs CONFIG_FOO\n"
			   "ok 4 # XFAIL known to fail\n"
			   "ok 5 # XPASS should have failed\n"
			   "not ok 6 # error could not set up\n"
			   "# Totals: pass:1 fail:1 xfail:1 xpass:1 skip:1 error:1\n");

	cr_assert_not_null(t);
	cr_expect_eq(json_integer_value(json_object_get(t, TAPF_PLAN)), 6);
	expect_tests(t, (const char *const[]){
		"1 ok test_basic",
		"2 not-ok test_broken",
		"3 ok  SKIP needs CONFIG_FOO",
		"4 ok  XFAIL known to fail",
		"5 ok  XPASS should have failed",
		"6 not-ok  ERROR could not set up",
		NULL,
	});
	json_decref(t);
}

Test(payload_tap, ksft_test_result_report)
{
	/* ksft_test_result_report: "%s %u %s%s" with " # SKIP " and a message. */
	json_t *t = tap_of("TAP version 13\n1..2\n"
			   "ok 1 some_name # SKIP no such device\n"
			   "ok 2 - described test\n");

	expect_tests(t, (const char *const[]){
		"1 ok some_name SKIP no such device",
		"2 ok described test",
		NULL,
	});
	json_decref(t);
}

Test(payload_tap, whole_file_skipped)
{
	/* ksft_exit_skip with no test run. */
	json_t *t = tap_of("TAP version 13\n1..0 # SKIP sched_ext is not enabled\n");

	cr_assert_not_null(t);
	cr_expect_eq(n_tests(t), 0);
	cr_expect_eq(json_integer_value(json_object_get(t, TAPF_PLAN)), 0);
	cr_expect_str_eq(json_string_value(json_object_get(t, TAPF_SKIP_ALL)),
			 "sched_ext is not enabled");
	json_decref(t);
}

Test(payload_tap, runner_sh_wrapper_subtests_are_comments)
{
	/* kselftest/runner.sh around the sched_ext runner: the runner's own
	 * lines come "# "-prefixed, the wrapper's verdict is the test. */
	json_t *t = tap_of("TAP version 13\n"
			   "1..1\n"
			   "# timeout set to 45\n"
			   "# selftests: sched_ext: runner\n"
			   "# ===== START =====\n"
			   "# ok 1 create_dsq # \n"
			   "# not ok 2 ddsp_bogus_dsq_fail # \n"
			   "not ok 1 selftests: sched_ext: runner # exit=1\n");

	cr_assert_not_null(t);
	cr_expect_eq(n_tests(t), 1);
	expect_test(t, 0, "1 not-ok selftests: sched_ext: runner");
	json_decref(t);
}

Test(payload_tap, tap14_indented_subtests_and_yaml)
{
	json_t *t = tap_of("TAP version 14\n"
			   "1..2\n"
			   "# Subtest: sub\n"
			   "    1..2\n"
			   "    ok 1 - inner a\n"
			   "    not ok 2 - inner b\n"
			   "      ---\n"
			   "      message: boom\n"
			   "      ...\n"
			   "not ok 1 - sub\n"
			   "ok 2 - todo one # TODO not written yet\n");

	expect_tests(t, (const char *const[]){
		"1 not-ok sub",
		"2 ok todo one TODO not written yet",
		NULL,
	});
	json_decref(t);
}

Test(payload_tap, numbers_may_be_missing_and_hash_escaped)
{
	json_t *t = tap_of("ok\nnot ok - second\nok 7 C\\# is a language\n"
			   "ok 8 has#inside # skipped: later\r\n");

	expect_tests(t, (const char *const[]){
		"1 ok ",
		"2 not-ok second",
		"7 ok C# is a language",
		"8 ok has#inside SKIP later",
		NULL,
	});
	json_decref(t);
}

Test(payload_tap, bail_out)
{
	json_t *t = tap_of("TAP version 13\n1..3\nok 1 a\nBail out! no kernel support\n");

	cr_expect_eq(n_tests(t), 1);
	cr_expect_str_eq(json_string_value(json_object_get(t, TAPF_BAIL_OUT)),
			 "no kernel support");
	json_decref(t);
}

Test(payload_tap, not_tap)
{
	/* Ordinary output, JSON metric lines, words that start like results. */
	cr_expect_null(tap_of(""));
	cr_expect_null(tap_of("hello\n{\"ops\":42}\nokay then\nnothing ok 1\n"
			      "  ok 1 indented only\n# ok 1 comment only\n"));
}

Test(payload_tap, bounded)
{
	/* More tests than are sent: counted; long names cut at a character;
	 * control characters become blanks. */
	size_t n = PROTO_TAP_MAX + 5, len = 0;
	char *out = malloc(n * 32 + 1024), name[400];
	json_t *t, *first;
	const char *nm;

	memset(name, 'x', sizeof(name));
	/* é across the cut: "a\tb\x01" comes first, and 159 bytes fit. */
	memcpy(name + PROTO_TAP_STR_MAX - 6, "\xc3\xa9", 2);
	name[sizeof(name) - 1] = 0;
	len += sprintf(out + len, "ok 1 a\tb\x01%s\n", name);
	for (size_t i = 2; i <= n; i++)
		len += sprintf(out + len, "ok %zu t%zu\n", i, i);
	t = tap_of(out);
	cr_expect_eq(n_tests(t), PROTO_TAP_MAX);
	cr_expect_eq(json_integer_value(json_object_get(t, TAPF_MORE)), 5);
	first = json_array_get(json_object_get(t, TAPF_TESTS), 0);
	nm = json_string_value(json_object_get(first, TAPF_NAME));
	cr_expect_lt(strlen(nm), PROTO_TAP_STR_MAX);
	cr_expect(!strncmp(nm, "a b x", 5), "control characters as blanks: %.8s", nm);
	cr_expect_eq(nm[strlen(nm) - 1], 'x', "cut before the split character");
	json_decref(t);
	free(out);
}
