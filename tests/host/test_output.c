// SPDX-License-Identifier: GPL-2.0-only
/* Tests for the writers (host/output_*.c): they format a judged run and
 * must do so whatever bytes the guest sent: the JSON encodes every field,
 * the JUnit parses as XML (expat is the oracle), the summary names things
 * as they are. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host/output.h"
#include "proto/wire.h"
#include "tests/host/junit_count.h"

static struct scenario s;
static struct run_result r;
static struct verdict v;
static const struct run_meta meta = { .scenario_path = "t.scn", .kernel_path = "/k/vmlinux",
				      .kernel_release = "7.3", .backend = "qemu", .accel = "tcg",
				      .log_stem = "/out/r" };

static void load(const char *text)
{
	struct scn_error err;

	cr_assert_eq(scn_parse_string("t.scn", text, strlen(text), &s, &err), 0, "%s", err.msg);
	results_init(&r, checks_expected_workers(&s));
}

static void frame(uint16_t type, const char *json)
{
	cr_assert_eq(results_add_frame(&r, type, (const uint8_t *)json, strlen(json)), 0,
		     "%s: %s", json, json_string_value(json_array_get(r.wire_errors, 0)));
}

static void fini(void)
{
	verdict_free(&v);
	results_free(&r);
	scn_free(&s);
}

TestSuite(output, .fini = fini);

#define HDR "scenario t \"d\"\ntopology numa=1 llcs=1 cores=2 threads=1\n"

/* A finished run whose worker's cgroup name is 63 bytes of 2-byte
 * characters cut in the middle of one, and a starvation failure naming
 * it. */
static void judged_run_with_awkward_text(void)
{
	char rep[512];

	load(HDR "step run 1s\n  cgroup a\n  workers a 1 spin\ncheck starvation max-gap=1ms\n");
	frame(WIRE_HELLO, "{\"kernel_release\":\"7.3\",\"cpus_online\":2}");
	snprintf(rep, sizeof(rep), "{\"cgroup\":\"a\",\"type\":\"spin\",\"tid\":7,"
		 "\"work_units\":5,\"max_gap_ms\":90.5,\"exit_info\":{\"kind\":\"exited\","
		 "\"code\":0},\"exit_msg\":\"%s\"}",
		 "\xc3\xa9\xc3\xa9\xc3\xa9 tab\\t nl\\n bell\\u0007 \\uffff \\\" < & >");
	frame(WIRE_REPORT, rep);
	frame(WIRE_DONE, "{\"status\":\"ok\"}");
	verdict_decide(&s, &r, &v);
}

Test(output, json_has_every_field)
{
	json_t *j, *back;
	char *text;

	judged_run_with_awkward_text();
	cr_assert_eq(v.exit_code, 1, "%s", v.reason);
	j = results_to_json(&s, &r, &v, &meta);
	cr_assert_not_null(j);
	text = json_dumps(j, 0);
	back = json_loads(text, 0, NULL);
	cr_assert_not_null(back, "the results parse back");
	cr_assert_str_eq(json_string_value(json_object_get(back, "verdict")), "fail");
	cr_assert(strstr(json_string_value(json_object_get(back, "reason")), "starved"));
	cr_assert_eq(json_array_size(json_object_get(back, "checks")), 3);
	cr_assert_not_null(json_object_get(back, "cgroups"));
	free(text);
	json_decref(j);
	json_decref(back);
}

/* One non-UTF-8 byte on the guest console once dropped console_tail and
 * reason from exactly the crashed runs they explain. */
Test(output, a_crashed_run_keeps_its_console_tail_and_reason)
{
	char console[] = "boot\n\xff\xfe garbage \xc3\n[ 1.0] Kernel panic - not syncing: "
			 "bad \xe9\xe9 bytes\n";
	json_t *j;

	load(HDR "step run 1s\n");
	results_console_tail_from(&r, console, sizeof(console) - 1, 5);
	r.end = VM_END_PANIC;
	verdict_decide(&s, &r, &v);
	cr_assert_eq(v.exit_code, 3);
	j = results_to_json(&s, &r, &v, &meta);
	cr_assert_not_null(j);
	cr_assert(strstr(json_string_value(json_object_get(j, "reason")), "Kernel panic"));
	cr_assert(strstr(json_string_value(json_object_get(j, "console_tail")), "garbage"));
	json_decref(j);
}

static char *summary(void)
{
	char *buf = NULL;
	size_t len;
	FILE *f = open_memstream(&buf, &len);

	output_summary(f, &s, &r, &v, &meta);
	fclose(f);
	return buf;
}

static char *junit(size_t *len)
{
	char *buf = NULL;
	FILE *f = open_memstream(&buf, len);

	cr_assert_eq(output_junit(f, &s, &r, &v), 0);
	fclose(f);
	return buf;
}

Test(output, junit_is_well_formed_with_any_guest_text)
{
	struct junit_count x;
	size_t len;
	char *buf;

	judged_run_with_awkward_text();
	/* A check detail with every byte value a guest could get into it. */
	for (int b = 1; b < 256; b++) {
		size_t n = strlen(v.checks.v[2].detail);

		if (n + 2 < sizeof(v.checks.v[2].detail)) {
			v.checks.v[2].detail[n] = (char)b;
			v.checks.v[2].detail[n + 1] = 0;
		}
	}
	buf = junit(&len);
	cr_assert(junit_count(buf, len, &x), "JUnit is not well-formed XML");
	cr_assert_eq(x.cases, 3);
	cr_assert_eq(x.failures, 1);
	cr_assert_eq(x.errors, 0);
	free(buf);
}

Test(output, junit_of_a_crash_has_an_error_testcase)
{
	char console[] = "x\x01\x02\x1b[31m\xef\xbf\xbe\n[ 2.0] Kernel panic - not syncing: oops\n";
	struct junit_count x;
	size_t len;
	char *buf;

	load(HDR "step run 1s\n");
	results_console_tail_from(&r, console, sizeof(console) - 1, 5);
	r.end = VM_END_PANIC;
	verdict_decide(&s, &r, &v);
	buf = junit(&len);
	cr_assert(junit_count(buf, len, &x), "JUnit is not well-formed XML");
	cr_assert_eq(x.errors, 1);
	cr_assert(strstr(buf, "name=\"run\""));
	free(buf);
}

Test(output, summary_names_the_root_cgroup)
{
	char *buf = NULL;

	load(HDR "step run 1s\n  workers - 1 spin\n");
	frame(WIRE_HELLO, "{\"kernel_release\":\"7.3\",\"cpus_online\":2}");
	frame(WIRE_REPORT, "{\"cgroup\":\"\",\"type\":\"spin\",\"work_units\":5,\"cpu_time_ns\":9,"
			   "\"exit_info\":{\"kind\":\"exited\",\"code\":0}}");
	frame(WIRE_DONE, "{\"status\":\"ok\"}");
	verdict_decide(&s, &r, &v);
	buf = summary();
	cr_assert(strstr(buf, "  (root)  "), "%s", buf);
	cr_assert_null(strstr(buf, "(host)"));
	cr_assert(strstr(buf, "verdict: pass"), "%s", buf);
	free(buf);
}

/* A payload that printed TAP (one ok, one not ok, one skip) and exited 1,
 * with something on stderr. */
static void judged_run_with_a_tap_payload(void)
{
	load(HDR "step run 1s\n  payload-run sel /runner\n  payload-wait sel\n");
	frame(WIRE_HELLO, "{\"kernel_release\":\"7.3\",\"cpus_online\":2}");
	frame(WIRE_EVENT, "{\"kind\":\"payload_start\",\"id\":\"sel\",\"path\":\"/runner\","
			  "\"pid\":9,\"t_ms\":1,\"mono_ns\":1}");
	frame(WIRE_EVENT, "{\"kind\":\"payload_output\",\"id\":\"sel\",\"stdout\":"
			  "\"TEST: a\\nok 1 a # \\nTEST: b\\nERR: b.c:45\\nnot ok 2 b # \\n"
			  "ok 3 c # SKIP \\n\",\"stderr\":\"libbpf: oops\\n\",\"stdout_bytes\":70,"
			  "\"stderr_bytes\":13,\"t_ms\":2,\"mono_ns\":2}");
	frame(WIRE_EVENT, "{\"kind\":\"payload_end\",\"id\":\"sel\",\"timed_out\":false,"
			  "\"killed\":false,\"exit_code\":1,\"metrics\":{},\"tap\":{\"tests\":["
			  "{\"n\":1,\"ok\":true,\"name\":\"a\"},"
			  "{\"n\":2,\"ok\":false,\"name\":\"b\"},"
			  "{\"n\":3,\"ok\":true,\"name\":\"c\",\"directive\":\"SKIP\"}]},"
			  "\"t_ms\":3,\"mono_ns\":3}");
	frame(WIRE_DONE, "{\"status\":\"ok\"}");
	verdict_decide(&s, &r, &v);
}

Test(output, junit_has_a_testcase_per_tap_test_and_skips)
{
	struct junit_count x;
	size_t len;
	char *buf;

	judged_run_with_a_tap_payload();
	cr_assert_eq(v.exit_code, 1, "%s", v.reason);
	buf = junit(&len);
	cr_assert(junit_count(buf, len, &x), "JUnit is not well-formed XML");
	/* reports, workers exited, payloads, 3 TAP tests */
	cr_assert_eq(x.cases, 6, "%s", buf);
	cr_assert_eq(x.failures, 2, "%s", buf);
	cr_assert_eq(x.skipped, 1, "%s", buf);
	cr_assert_str_eq(x.suite_skipped, "1");
	cr_assert(strstr(buf, "name=\"payload sel: c\">\n      <skipped message=\"ok 3 # SKIP\"/>"),
		  "%s", buf);
	free(buf);
}

Test(output, json_has_payloads_with_their_output)
{
	json_t *j, *p, *checks, *ev;
	size_t i;

	judged_run_with_a_tap_payload();
	j = results_to_json(&s, &r, &v, &meta);
	cr_assert_not_null(j);
	p = json_array_get(json_object_get(j, "payloads"), 0);
	cr_assert_not_null(p);
	cr_expect_str_eq(json_string_value(json_object_get(p, "id")), "sel");
	cr_expect_str_eq(json_string_value(json_object_get(p, "path")), "/runner");
	cr_expect_eq(json_integer_value(json_object_get(p, "exit_code")), 1);
	cr_expect(strstr(json_string_value(json_object_get(p, "stdout")), "not ok 2 b"));
	cr_expect_str_eq(json_string_value(json_object_get(p, "stderr")), "libbpf: oops\n");
	cr_expect_eq(json_integer_value(json_object_get(p, "stdout_bytes")), 70);
	cr_expect_str_eq(json_string_value(json_object_get(p, "log")), "/out/r.payload-sel.log");
	cr_expect_not_null(json_object_get(p, "tap"));
	checks = json_object_get(j, "checks");
	json_array_foreach(checks, i, p)
		if (!strcmp(json_string_value(json_object_get(p, "name")), "payload sel: c"))
			cr_expect(json_is_true(json_object_get(p, "skipped")));
	/* events[] keeps the output event, without the text. */
	json_array_foreach(json_object_get(j, "events"), i, ev)
		if (!strcmp(json_string_value(json_object_get(ev, "kind")), "payload_output")) {
			cr_expect_null(json_object_get(ev, "stdout"));
			cr_expect_eq(json_integer_value(json_object_get(ev, "stdout_bytes")), 70);
		}
	json_decref(j);
}

Test(output, summary_shows_the_end_of_a_failed_payloads_output)
{
	char *buf = NULL;

	judged_run_with_a_tap_payload();
	buf = summary();
	cr_assert(strstr(buf, "  SKIP payload sel: c"), "%s", buf);
	cr_assert(strstr(buf, "  FAIL payload sel: b"), "%s", buf);
	cr_assert(strstr(buf, "--- payload sel (exit 1): the end of its stdout (all of it: "
			 "/out/r.payload-sel.log) ---\n  | TEST: a\n"), "%s", buf);
	cr_assert(strstr(buf, "  | not ok 2 b # \n  | ok 3 c # SKIP \n"), "%s", buf);
	cr_assert(strstr(buf, "the end of its stderr (all of it: /out/r.payload-sel.log) ---\n"
			 "  | libbpf: oops\n"), "%s", buf);
	free(buf);
}

Test(output, json_and_summary_of_a_scheduler_that_never_came_up)
{
	char *buf = NULL;
	json_t *j, *o;

	load(HDR "scheduler bad exec=/bin/false\nstep a 1s\n  attach bad\n");
	frame(WIRE_HELLO, "{\"kernel_release\":\"7.3\",\"cpus_online\":2}");
	frame(WIRE_EVENT, "{\"kind\":\"sched_output\",\"name\":\"bad\",\"state\":\"disabled\","
			  "\"reason\":\"\",\"type\":\"exec\",\"output\":\"cannot open map\\n\","
			  "\"output_bytes\":16,\"t_ms\":8,\"mono_ns\":8}");
	frame(WIRE_EVENT, "{\"kind\":\"sched_attach_failed\",\"name\":\"bad\",\"state\":"
			  "\"disabled\",\"reason\":\"exited with status 1\",\"phase\":\"exited\","
			  "\"exit_code\":1,\"t_ms\":9,\"mono_ns\":9}");
	frame(WIRE_DONE, "{\"status\":\"ok\"}");
	verdict_decide(&s, &r, &v);
	cr_assert_eq(v.exit_code, 1, "a scheduler that did not come up fails the run: %s",
		     v.reason);
	cr_assert_str_eq(v.verdict, "fail");
	j = results_to_json(&s, &r, &v, &meta);
	o = json_array_get(json_object_get(j, "scheduler_output"), 0);
	cr_assert_not_null(o);
	cr_expect_str_eq(json_string_value(json_object_get(o, "name")), "bad");
	cr_expect_str_eq(json_string_value(json_object_get(o, "output")), "cannot open map\n");
	cr_expect_str_eq(json_string_value(json_object_get(o, "log")), "/out/r.sched-bad.log");
	json_decref(j);
	buf = summary();
	cr_assert(strstr(buf, "--- scheduler bad (did not come up): the end of its output "
			 "(all of it: /out/r.sched-bad.log) ---\n  | cannot open map\n"), "%s", buf);
	free(buf);
}

Test(output, summary_shows_a_few_failed_outputs_and_counts_the_rest)
{
	char *buf = NULL, ev[256];
	int n = 0;

	load(HDR "step run 1s\n  payload-run p /p\n  payload-wait p\n");
	frame(WIRE_HELLO, "{\"kernel_release\":\"7.3\",\"cpus_online\":2}");
	for (int i = 0; i < 20; i++) {
		snprintf(ev, sizeof(ev), "{\"kind\":\"payload_output\",\"id\":\"p\",\"stdout\":"
			 "\"out %d\\n\",\"stderr\":\"\",\"stdout_bytes\":6,\"stderr_bytes\":0,"
			 "\"t_ms\":2,\"mono_ns\":2}", i);
		frame(WIRE_EVENT, ev);
		frame(WIRE_EVENT, "{\"kind\":\"payload_end\",\"id\":\"p\",\"timed_out\":false,"
				  "\"killed\":false,\"exit_code\":2,\"t_ms\":3,\"mono_ns\":3}");
	}
	frame(WIRE_DONE, "{\"status\":\"ok\"}");
	verdict_decide(&s, &r, &v);
	buf = summary();
	for (const char *p = buf; (p = strstr(p, "--- payload p (exit 2)")); p++)
		n++;
	cr_assert_eq(n, 8, "%s", buf);
	cr_assert(strstr(buf, "  | out 7\n") && !strstr(buf, "  | out 8\n"), "%s", buf);
	cr_assert(strstr(buf, "--- and 12 more failed payload runs or schedulers: their output "
			 "is in the results and their logs ---"), "%s", buf);
	free(buf);
}

/* File names come from the scenario, never from the guest: output of an id
 * the scenario does not run gets no log. */
Test(output, no_log_for_an_id_the_scenario_does_not_run)
{
	json_t *j, *p;

	load(HDR "step run 1s\n  payload-run sel /runner\n  payload-wait sel\n");
	frame(WIRE_EVENT, "{\"kind\":\"payload_output\",\"id\":\"../../x\",\"stdout\":\"a\","
			  "\"stderr\":\"\",\"stdout_bytes\":1,\"stderr_bytes\":0,\"t_ms\":2,"
			  "\"mono_ns\":2}");
	frame(WIRE_DONE, "{\"status\":\"ok\"}");
	verdict_decide(&s, &r, &v);
	j = results_to_json(&s, &r, &v, &meta);
	p = json_array_get(json_object_get(j, "payloads"), 0);
	cr_assert_not_null(p);
	cr_expect(json_is_null(json_object_get(p, "log")), "no log named");
	json_decref(j);
}
