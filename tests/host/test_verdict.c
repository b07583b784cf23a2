// SPDX-License-Identifier: GPL-2.0-only
/* Tests for host/verdict.c's inconclusive verdict: timing checks that fail
 * while the host starved the VM are not judged (exit 4); correctness
 * failures stay fails; a VM the host did not starve fails as before. The
 * JUnit of such a run skips those checks instead of failing them. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host/output.h"
#include "proto/wire.h"

static struct scenario s;
static struct run_result r;
static struct verdict v;

static void fini(void)
{
	verdict_free(&v);
	results_free(&r);
	scn_free(&s);
}

TestSuite(verdict, .fini = fini);

static void frame(uint16_t type, const char *json)
{
	cr_assert_eq(results_add_frame(&r, type, (const uint8_t *)json, strlen(json)), 0,
		     "%s: %s", json, json_string_value(json_array_get(r.wire_errors, 0)));
}

/* Two spinners in cgroup a, each with a 90 ms gap, and the checks given. */
static void finished_run(const char *checks, int reports)
{
	char text[1024];
	struct scn_error err;

	snprintf(text, sizeof(text), "scenario t \"d\"\nstep run 1s\n  cgroup a\n"
		 "  workers a 2 spin\n%s", checks);
	cr_assert_eq(scn_parse_string("t.scn", text, strlen(text), &s, &err), 0, "%s", err.msg);
	results_init(&r, checks_expected_workers(&s));
	frame(WIRE_HELLO, "{\"kernel_release\":\"7.3\",\"cpus_online\":2}");
	for (int i = 0; i < reports; i++) {
		char rep[512];

		snprintf(rep, sizeof(rep), "{\"cgroup\":\"a\",\"type\":\"spin\",\"tid\":%d,"
			 "\"index\":%d,\"work_units\":5,\"cpu_time_ns\":400000000,"
			 "\"wall_time_ns\":1000000000,\"max_gap_ms\":90.5,"
			 "\"exit_info\":{\"kind\":\"exited\",\"code\":0}}", 7 + i, i);
		frame(WIRE_REPORT, rep);
	}
	frame(WIRE_DONE, "{\"status\":\"ok\"}");
	r.host.cpus = 2;
	r.host.load_end[0] = 6.5;
}

/* The VM ran 300 ms and waited 700 ms for a host CPU in a second. */
static const struct dilation starved_host = {
	.measured = true, .wall_ns = 1000000000, .cpu_ns = 300000000, .wait_ns = 700000000,
	.threads = 3, .usable_cpus = 1 };

/* The verdict on a finished run with these checks and reports, on a host
 * that stretched the VM as host says (NULL: not measured). */
static void decide(const char *checks, int reports, const struct dilation *host)
{
	finished_run(checks, reports);
	if (host)
		r.dilation = *host;
	verdict_decide(&s, &r, &v);
}

Test(verdict, a_timing_failure_on_a_starved_host_is_inconclusive)
{
	decide("check starvation max-gap=10ms\n", 2, &starved_host);
	cr_assert_str_eq(v.verdict, "inconclusive", "%s", v.reason);
	cr_assert_eq(v.exit_code, 4);
	cr_assert(strstr(v.reason, "waited for a host CPU 70%"), "%s", v.reason);
	cr_assert(strstr(v.reason, "stretched 3.3x"), "%s", v.reason);
	cr_assert(strstr(v.reason, "load 6.5 on 2 CPUs"), "%s", v.reason);
	cr_assert(strstr(v.reason, "starvation a") || strstr(v.reason, "starvation"),
		  "%s", v.reason);
	cr_assert(strstr(v.reason, "max gap 90.5 ms > 10.0 ms"), "names the numbers: %s", v.reason);
}

Test(verdict, every_timing_kind_is_judged_inconclusive_and_no_other)
{
	cr_assert(verdict_kind_is_timing(SCN_CHECK_STARVATION));
	cr_assert(verdict_kind_is_timing(SCN_CHECK_WAKE_LATENCY));
	cr_assert(verdict_kind_is_timing(SCN_CHECK_THROUGHPUT));
	cr_assert(verdict_kind_is_timing(SCN_CHECK_WEIGHT));
	cr_assert(verdict_kind_is_timing(SCN_CHECK_FAIRNESS));
	cr_assert_not(verdict_kind_is_timing(SCN_CHECK_ISOLATION));
	cr_assert_not(verdict_kind_is_timing(SCN_CHECK_SCHED_ALIVE));
	cr_assert_not(verdict_kind_is_timing(SCN_CHECK_SCHED_DIES));
}

Test(verdict, throughput_on_a_starved_host_is_inconclusive)
{
	decide("check throughput min=100\n", 2, &starved_host);
	cr_assert_eq(v.exit_code, 4, "%s", v.reason);
	cr_assert(strstr(v.reason, "5.0 units/s < 100.0"), "%s", v.reason);
}

Test(verdict, the_same_failure_on_a_host_that_gave_the_cpu_fails)
{
	static const struct dilation gave_the_cpu = {
		.measured = true, .wall_ns = 1000000000, .cpu_ns = 900000000,
		.wait_ns = 100000000, .threads = 3, .usable_cpus = 1 };

	decide("check starvation max-gap=10ms\n", 2, &gave_the_cpu);
	cr_assert_str_eq(v.verdict, "fail", "%s", v.reason);
	cr_assert_eq(v.exit_code, 1);
}

Test(verdict, an_unmeasured_vm_is_never_taken_as_starved)
{
	decide("check starvation max-gap=10ms\n", 2, NULL);
	cr_assert_eq(v.exit_code, 1, "%s", v.reason);
}

Test(verdict, a_short_wait_is_not_starvation_however_large_its_share)
{
	/* 80% of a 40 ms runnable time, below DIL_STARVED_MIN_WAIT_NS. */
	static const struct dilation short_wait = {
		.measured = true, .wall_ns = 50000000, .cpu_ns = 8000000,
		.wait_ns = 32000000, .threads = 1, .usable_cpus = 1 };

	decide("check starvation max-gap=10ms\n", 2, &short_wait);
	cr_assert_eq(v.exit_code, 1, "%s", v.reason);
}

Test(verdict, a_correctness_failure_stays_a_fail_however_starved)
{
	/* cgroup a has no cpuset: isolation has nothing to judge and fails. */
	decide("check starvation max-gap=10ms\ncheck isolation\n", 2, &starved_host);
	cr_assert_str_eq(v.verdict, "fail", "%s", v.reason);
	cr_assert_eq(v.exit_code, 1);
}

Test(verdict, missing_reports_stay_a_fail_however_starved)
{
	decide("check starvation max-gap=10ms\n", 1, &starved_host);
	cr_assert_eq(v.exit_code, 1, "%s", v.reason);
	cr_assert(strstr(v.reason, "check reports failed"), "%s", v.reason);
}

Test(verdict, a_starved_run_whose_checks_pass_passes)
{
	decide("check starvation max-gap=1s\n", 2, &starved_host);
	cr_assert_eq(v.exit_code, 0, "%s", v.reason);
}

Test(verdict, junit_skips_the_unjudged_checks)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	decide("check starvation max-gap=10ms\n", 2, &starved_host);
	cr_assert_eq(output_junit(f, &s, &r, &v), 0);
	fclose(f);
	cr_assert(strstr(buf, "failures=\"0\""), "%s", buf);
	cr_assert(strstr(buf, "skipped=\"1\""), "%s", buf);
	cr_assert(strstr(buf, "<skipped message=\"the host starved the VM"), "%s", buf);
	cr_assert_null(strstr(buf, "<failure"), "%s", buf);
	free(buf);
}

Test(verdict, results_json_carry_key_version_host_and_dilation)
{
	static const struct run_meta meta = {
		.scenario_path = "t.scn", .kernel_path = "/k/vmlinux", .kernel_release = "7.2",
		.backend = "qemu", .accel = "tcg" };
	static const struct run_meta suite = {
		.scenario_path = "t.scn", .kernel_path = "/k/vmlinux", .kernel_release = "7.2",
		.backend = "qemu", .accel = "tcg", .key_topology = "preset-2llc",
		.key_scheduler = "scx_x", .repeat = 2 };
	json_t *j, *d, *k;

	finished_run("check starvation max-gap=10ms\n", 2);
	r.dilation = starved_host;
	snprintf(r.host.cpu_model, sizeof(r.host.cpu_model), "Test CPU");
	verdict_decide(&s, &r, &v);
	j = results_to_json(&s, &r, &v, &meta);
	cr_assert_not_null(j);
	cr_assert_str_eq(json_string_value(json_object_get(j, "verdict")), "inconclusive");
	cr_assert_eq(json_integer_value(json_object_get(j, "exit_code")), 4);
	cr_assert_not_null(json_string_value(json_object_get(j, "version")));
	k = json_object_get(j, "key");
	cr_assert_str_eq(json_string_value(json_object_get(k, "scenario")), "t");
	cr_assert_str_eq(json_string_value(json_object_get(k, "topology")),
			 "1n1l2c1t");
	cr_assert_str_eq(json_string_value(json_object_get(k, "scheduler")), "eevdf");
	cr_assert_str_eq(json_string_value(json_object_get(k, "kernel")), "7.3",
			 "the guest's own release");
	cr_assert_eq(json_integer_value(json_object_get(k, "repeat")), 0);
	cr_assert_str_eq(json_string_value(json_object_get(json_object_get(j, "host"),
							   "cpu_model")), "Test CPU");
	d = json_object_get(j, "dilation");
	cr_assert(json_is_true(json_object_get(d, "starved")));
	cr_assert_float_eq(json_real_value(json_object_get(d, "starved_pct")), 70.0, 1e-9);
	cr_assert_float_eq(json_real_value(json_object_get(d, "cpu_share")), 0.3, 1e-9);
	cr_assert_float_eq(json_real_value(json_object_get(d, "vm_wait_ms")), 700.0, 1e-9);
	json_decref(j);
	j = results_to_json(&s, &r, &v, &suite);
	k = json_object_get(j, "key");
	cr_assert_str_eq(json_string_value(json_object_get(k, "topology")), "preset-2llc");
	cr_assert_str_eq(json_string_value(json_object_get(k, "scheduler")), "scx_x");
	cr_assert_eq(json_integer_value(json_object_get(k, "repeat")), 2);
	json_decref(j);
}
