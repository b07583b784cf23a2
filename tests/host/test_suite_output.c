// SPDX-License-Identifier: GPL-2.0-only
/* The suite's writers (host/suite_output.c): index.json names every run
 * by its key with its verdict and files, skipped ones with why; the JUnit
 * XML parses (expat is the oracle) and has a testsuite per scenario x
 * topology x scheduler and a testcase per check of every run. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host/suite.h"
#include "kernels/kernels.h"
#include "tests/host/junit_count.h"

static struct suite su;
static struct kernel kernel = { .release = "7.3.4-test", .vmlinux = "/k/vmlinux" };
static char *paths[2] = { "a.scn", "dir/b.scn" };
static struct scenario scn[2];
static struct suite_topo topos[2];
static struct suite_sched scheds[1];
static struct suite_run runs[5];

static json_t *checks(int n, bool pass_last, const char *detail)
{
	json_t *a = json_array();

	for (int i = 0; i < n; i++)
		json_array_append_new(a, json_pack("{s:s, s:b, s:s}", "name",
			i ? "starvation" : "reports", "pass", i < n - 1 || pass_last,
			"detail", detail));
	return a;
}

/* Two scenarios on two topologies under eevdf: a pass, a fail (its
 * detail full of what XML cannot hold raw), a guest crash, a skip, a run
 * cut short. */
static void setup(void)
{
	struct scn_error err;

	cr_assert_eq(scn_parse_string("a.scn", "scenario alpha\n", 15, &scn[0], &err), 0);
	cr_assert_eq(scn_parse_string("b.scn", "scenario beta\n", 14, &scn[1], &err), 0);
	topos[0] = (struct suite_topo){ .label = "tiny-1llc", .preset = true, .t = { 1, 1, 4, 1 } };
	topos[1] = (struct suite_topo){ .label = "own", .own = true };
	scheds[0] = (struct suite_sched){ .label = "eevdf", .eevdf = true };
	runs[0] = (struct suite_run){ .scn = 0, .topo = 0, .t = { 1, 1, 4, 1 }, .state = SUITE_DONE,
				      .stem = "alpha.tiny-1llc.eevdf", .verdict = "pass",
				      .reason = "all 2 checks passed", .secs = 3.5 };
	runs[0].checks = checks(2, true, "");
	runs[1] = (struct suite_run){ .scn = 0, .topo = 1, .t = { 1, 1, 2, 1 }, .state = SUITE_DONE,
				      .stem = "alpha.own.eevdf", .verdict = "fail", .exit_code = 1,
				      .reason = "check starvation failed", .secs = 4 };
	runs[1].checks = checks(2, false, "gap <1s> & \"more\"\x01\n\xef\xbf\xbf");
	runs[2] = (struct suite_run){ .scn = 1, .topo = 0, .t = { 1, 1, 4, 1 }, .state = SUITE_DONE,
				      .stem = "beta.tiny-1llc.eevdf", .verdict = "error", .exit_code = 3,
				      .reason = "the guest panicked", .secs = 9,
				      .console_tail = "Kernel panic - not syncing: x\x1b[0m" };
	runs[2].checks = json_array();
	runs[3] = (struct suite_run){ .scn = 1, .topo = 1, .t = { 2, 1, 2, 1 },
				      .state = SUITE_SKIPPED, .stem = "beta.own.eevdf",
				      .skip = "requires smt; ..." };
	runs[4] = (struct suite_run){ .scn = 1, .topo = 1, .t = { 2, 1, 2, 1 }, .repeat = 1,
				      .state = SUITE_CANCELLED, .stem = "beta.own.eevdf.r2",
				      .skip = "not run: interrupted" };
	su = (struct suite){ .backend = "qemu", .accel = "tcg", .kernel = &kernel, .paths = paths,
			     .scn = scn, .n_scn = 2, .topos = topos, .n_topo = 2, .scheds = scheds,
			     .n_sched = 1, .repeat = 1, .runs = runs, .n_runs = 5, .wall_s = 12,
			     .exit_code = 3 };
	su.o.seed = 40;
	su.lanes.jobs = 2;
}

static void teardown(void)
{
	for (int i = 0; i < 5; i++)
		json_decref(runs[i].checks);
	scn_free(&scn[0]);
	scn_free(&scn[1]);
}

TestSuite(index, .init = setup, .fini = teardown);
TestSuite(junit, .init = setup, .fini = teardown);
TestSuite(table, .init = setup, .fini = teardown);

Test(index, every_run_by_its_key)
{
	json_t *j = suite_index_json(&su), *r, *k;

	cr_assert_not_null(j);
	cr_expect_eq(json_integer_value(json_object_get(j, "exit_code")), 3);
	cr_expect_str_eq(json_string_value(json_object_get(json_object_get(j, "kernel"),
							   "release")), "7.3.4-test");
	cr_assert_eq(json_array_size(json_object_get(j, "runs")), 5);
	r = json_array_get(json_object_get(j, "runs"), 1);
	k = json_object_get(r, "key");
	cr_expect_str_eq(json_string_value(json_object_get(k, "scenario")), "alpha");
	cr_expect_str_eq(json_string_value(json_object_get(k, "topology")), "1n1l2c1t");
	cr_expect_str_eq(json_string_value(json_object_get(k, "scheduler")), "eevdf");
	cr_expect_str_eq(json_string_value(json_object_get(k, "kernel")), "7.3.4-test");
	cr_expect_eq(json_integer_value(json_object_get(k, "repeat")), 0);
	cr_expect(json_is_null(json_object_get(r, "preset")));
	cr_expect_str_eq(json_string_value(json_object_get(r, "verdict")), "fail");
	cr_expect_str_eq(json_string_value(json_object_get(r, "results")), "alpha.own.eevdf.json");
	cr_expect_str_eq(json_string_value(json_object_get(r, "console_log")),
			 "alpha.own.eevdf.console.log");
	cr_expect_eq(json_integer_value(json_object_get(r, "seed")), 40);
	r = json_array_get(json_object_get(j, "runs"), 0);
	cr_expect_str_eq(json_string_value(json_object_get(r, "preset")), "tiny-1llc");
	cr_expect_str_eq(json_string_value(json_object_get(json_object_get(r, "key"), "topology")),
			 "1n1l4c1t");
	r = json_array_get(json_object_get(j, "runs"), 3);
	cr_expect_str_eq(json_string_value(json_object_get(r, "verdict")), "skipped");
	cr_expect_str_eq(json_string_value(json_object_get(r, "reason")), "requires smt; ...");
	cr_expect_null(json_object_get(r, "results"));
	r = json_array_get(json_object_get(j, "runs"), 4);
	cr_expect_str_eq(json_string_value(json_object_get(r, "verdict")), "cancelled");
	cr_expect_eq(json_integer_value(json_object_get(json_object_get(r, "key"), "repeat")), 1);
	k = json_object_get(j, "counts");
	cr_expect_eq(json_integer_value(json_object_get(k, "pass")), 1);
	cr_expect_eq(json_integer_value(json_object_get(k, "fail")), 1);
	cr_expect_eq(json_integer_value(json_object_get(k, "error")), 1);
	cr_expect_eq(json_integer_value(json_object_get(k, "skipped")), 1);
	cr_expect_eq(json_integer_value(json_object_get(k, "cancelled")), 1);
	json_decref(j);
}

static void parse_junit(struct junit_count *c, char **text)
{
	size_t len;
	FILE *f = open_memstream(text, &len);

	cr_assert_eq(suite_junit(f, &su), 0);
	fclose(f);
	cr_assert(junit_count(*text, len, c), "JUnit is not well-formed XML");
}

Test(junit, a_testsuite_per_combination_a_testcase_per_check)
{
	struct junit_count c;
	char *text;

	parse_junit(&c, &text);
	/* alpha x 2 topologies, beta x 2 (its two repetitions share one). */
	cr_expect_eq(c.suites, 4);
	cr_expect_str_eq(c.suite_names[0], "alpha/tiny-1llc/eevdf");
	cr_expect_str_eq(c.suite_names[1], "alpha/1n1l2c1t/eevdf");
	cr_expect_str_eq(c.suite_names[3], "beta/2n1l2c1t/eevdf");
	/* 2 + 2 checks, the crash as "run", the skip and the cancelled run. */
	cr_expect_eq(c.cases, 7);
	cr_expect_eq(c.failures, 1);
	cr_expect_eq(c.errors, 1);
	cr_expect_eq(c.skipped, 2);
	cr_expect(strstr(text, "tests=\"2\" failures=\"1\" errors=\"0\" skipped=\"0\""), "%s", text);
	cr_expect(strstr(text, "<skipped message=\"requires smt; ...\"/>"), "%s", text);
	cr_expect(strstr(text, "gap &lt;1s&gt; &amp; &quot;more&quot; &#10;"), "%s", text);
	free(text);
}

Test(junit, repetitions_name_their_testcases)
{
	struct junit_count c;
	char *text;

	su.repeat = 2;
	parse_junit(&c, &text);
	cr_expect_str_eq(c.case_names[0], "reports #1");
	cr_expect_str_eq(c.case_names[6], "run #2");
	free(text);
}

Test(table, a_row_per_scenario)
{
	char *text;
	size_t len;
	FILE *f = open_memstream(&text, &len);

	suite_table(f, &su);
	fclose(f);
	cr_expect(strstr(text, "tiny-1llc/eevdf"), "%s", text);
	cr_expect(strstr(text, "own/eevdf"), "%s", text);
	cr_expect(strstr(text, "alpha"), "%s", text);
	cr_expect(strstr(text, "FAIL"), "%s", text);
	cr_expect(strstr(text, "error"), "%s", text);
	/* beta's own column: a skip and a cancelled repetition. */
	cr_expect(strstr(text, "0/2"), "%s", text);
	free(text);
}
