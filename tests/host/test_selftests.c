// SPDX-License-Identifier: GPL-2.0-only
/* Unit tests for `ktstr-run selftests` (host/selftests*.c): the options,
 * the scenario it generates, and the runner's output (as linux 7.3's
 * tools/testing/selftests/sched_ext/runner.c prints it) as results; the
 * JUnit parses (expat is the oracle). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host/selftests.h"
#include "tests/host/junit_count.h"

Test(selftests, topology_option)
{
	struct scn_topology t;
	char msg[256];

	cr_assert_eq(selftests_parse_topology("numa=1 llcs=1 cores=4 threads=1", &t, msg,
					      sizeof(msg)), 0, "%s", msg);
	cr_expect_eq(scn_topo_ncpus(&t), 4);
	cr_assert_eq(selftests_parse_topology("numa=2,cores=3", &t, msg, sizeof(msg)), 0, "%s", msg);
	cr_expect(t.numa == 2 && t.llcs == 1 && t.cores == 3 && t.threads == 1);
	cr_expect_eq(selftests_parse_topology("cpus=4", &t, msg, sizeof(msg)), -1);
	cr_expect_str_eq(msg, "--topology: 'cpus=4'; expected numa=N, llcs=N, cores=N or threads=N");
	cr_expect_eq(selftests_parse_topology("cores=x", &t, msg, sizeof(msg)), -1);
	cr_expect(strstr(msg, "--topology: cores: "), "%s", msg);
	cr_expect_eq(selftests_parse_topology("numa=4 llcs=4 cores=4 threads=8", &t, msg,
					      sizeof(msg)), -1);
	cr_expect(strstr(msg, "512 CPUs"), "%s", msg);
}

Test(selftests, nohz_full_for_the_nohz_tick_test)
{
	struct scn_topology one = { 1, 1, 1, 1 }, two = { 1, 1, 2, 1 }, eight = { 2, 1, 2, 2 };
	char buf[64];

	selftests_cmdline(&one, NULL, buf, sizeof(buf));
	cr_expect_str_eq(buf, "", "one CPU: nothing to make nohz_full");
	selftests_cmdline(&two, NULL, buf, sizeof(buf));
	cr_expect_str_eq(buf, "nohz_full=1");
	selftests_cmdline(&eight, "quiet", buf, sizeof(buf));
	cr_expect_str_eq(buf, "nohz_full=1-7");
	selftests_cmdline(&eight, "nohz_full=4-7", buf, sizeof(buf));
	cr_expect_str_eq(buf, "", "the user's own nohz_full= wins");
}

Test(selftests, generated_scenario_parses_and_ships_the_runner)
{
	const char *libs[] = { "/lib/x86_64-linux-gnu/libelf.so.1", "/lib/x86_64-linux-gnu/libz.so.1" };
	struct selftests_plan p = {
		.runner = "/home/u/.cache/ktstr-run/selftests/7.3-0123/runner", .libs = libs,
		.n_libs = 2, .script = "/home/u/.cache/ktstr-run/selftests/run.sh",
		.topo = { 1, 2, 2, 1 }, .memory = "1G", .filter = "dequeue", .timeout_ms = 1800000,
	};
	struct scenario s;
	struct scn_error err;
	char msg[512], *text = selftests_scenario(&p, msg, sizeof(msg));
	const struct scn_op *run;

	cr_assert_not_null(text, "%s", msg);
	cr_assert_eq(scn_parse_string("gen.scn", text, strlen(text), &s, &err), 0,
		     "%d:%d: %s\n%s", err.loc.line, err.loc.col, err.msg, text);
	cr_expect_eq(scn_topo_ncpus(&s.topo), 4);
	cr_expect_eq(s.memory_bytes, 1ull << 30);
	cr_assert_eq(s.n_files, 4);
	cr_expect_str_eq(s.files[0].host, p.runner);
	cr_expect_str_eq(s.files[0].to, "", "the runner lands at its own path");
	cr_expect_str_eq(s.files[2].host, libs[1]);
	cr_expect_str_eq(s.files[3].to, "/opt/ktstr-selftests/run.sh");
	cr_expect_eq(s.files[3].mode, 0755);
	cr_assert_eq(s.backdrop.n_ops, 2);
	run = &s.backdrop.ops[0];
	cr_expect_eq(run->kind, SCN_OP_PAYLOAD_RUN);
	cr_expect_str_eq(run->path, "/bin/sh");
	cr_expect_str_eq(run->args, "/opt/ktstr-selftests/run.sh \"/home/u/.cache/ktstr-run/"
			 "selftests/7.3-0123/runner\" -t dequeue");
	cr_expect_eq(s.backdrop.ops[1].kind, SCN_OP_PAYLOAD_WAIT);
	cr_expect_eq(s.backdrop.ops[1].duration_ns, 1800ull * 1000000000);
	scn_free(&s);
	free(text);
	p.runner = "/home/a\"b/runner";
	cr_expect_null(selftests_scenario(&p, msg, sizeof(msg)));
	cr_expect(strstr(msg, "a path the generated scenario cannot quote"), "%s", msg);
}

/* What the runner printed (stdout and stderr, as run.sh keeps them). */
static const char runner_out[] =
	"===== START =====\n"
	"TEST: create_dsq\n"
	"DESCRIPTION: Create and destroy a dsq in a loop\n"
	"OUTPUT:\n"
	"ok 1 create_dsq # \n"
	"=====  END  =====\n"
	"\n"
	"===== START =====\n"
	"TEST: hotplug\n"
	"DESCRIPTION: Verify hotplug behavior\n"
	"OUTPUT:\n"
	"ok 2 hotplug # SKIP \n"
	"=====  END  =====\n"
	"\n"
	"===== START =====\n"
	"TEST: nohz_tick\n"
	"DESCRIPTION: x\n"
	"OUTPUT:\n"
	"SKIP: no allowed NOHZ_FULL CPU\n"
	"ok 3 nohz_tick # SKIP \n"
	"=====  END  =====\n"
	"\n"
	"===== START =====\n"
	"TEST: rt_stall\n"
	"DESCRIPTION: Verify that RT tasks cannot stall SCHED_EXT tasks\n"
	"OUTPUT:\n"
	"TAP version 13\n"
	"1..1\n"
	"# Runtime of FAIR task (PID 6828) is 0.260000 seconds\n"
	"not ok 1 FAIL: FAIR task got less than 4.00% of runtime\n"
	"ok 4 rt_stall # \n"
	"=====  END  =====\n"
	"\n"
	"===== START =====\n"
	"TEST: exit\n"
	"DESCRIPTION: Verify we can cleanly exit a scheduler in multiple places\n"
	"OUTPUT:\n"
	"ERR: exit.c:42\n"
	"Expected skel to load\n"
	"not ok 5 exit # \n"
	"=====  END  =====\n"
	"\n"
	"===== START =====\n"
	"TEST: maximal\n"
	"DESCRIPTION: d\n"
	"OUTPUT:\n"
	"half a line\n";

static const char *const all_tests[] = { "create_dsq", "hotplug", "nohz_tick", "rt_stall", "exit",
					 "maximal", "minimal" };

/* runner_out's TAP test lines as guest-init reads them (payload_tap). */
static json_t *runner_tap(void)
{
	return json_pack("[{s:i, s:b, s:s}, {s:i, s:b, s:s, s:s}, {s:i, s:b, s:s, s:s},"
			 " {s:i, s:b, s:s}, {s:i, s:b, s:s}, {s:i, s:b, s:s}]",
			 "n", 1, "ok", 1, "name", "create_dsq",
			 "n", 2, "ok", 1, "name", "hotplug", "directive", "SKIP",
			 "n", 3, "ok", 1, "name", "nohz_tick", "directive", "SKIP",
			 "n", 1, "ok", 0, "name", "FAIL: FAIR task got less than 4.00% of runtime",
			 "n", 4, "ok", 1, "name", "rt_stall",
			 "n", 5, "ok", 0, "name", "exit");
}

Test(selftests, runner_output_as_results)
{
	struct selftests_results r;
	json_t *tap = runner_tap();

	cr_assert_eq(selftests_parse(runner_out, tap, all_tests, 7, NULL, &r), 0);
	cr_assert_eq(r.n, 7);
	cr_expect_str_eq(r.t[0].name, "create_dsq");
	cr_expect_eq(r.t[0].result, ST_PASS);
	cr_expect_str_eq(r.t[0].output, "");
	cr_expect_eq(r.t[1].result, ST_SKIP);
	cr_expect_str_eq(r.t[1].why, "", "said nothing");
	cr_expect_str_eq(selftests_skip_hint("hotplug"),
			 "CPU 1 cannot be taken offline (one CPU, or no CONFIG_HOTPLUG_CPU)");
	cr_expect_eq(r.t[2].result, ST_SKIP);
	cr_expect_str_eq(r.t[2].why, "SKIP: no allowed NOHZ_FULL CPU", "its own words");
	/* Its own TAP lines (another name) are its output, not results. */
	cr_expect_str_eq(r.t[3].name, "rt_stall");
	cr_expect_eq(r.t[3].result, ST_PASS);
	cr_expect(strstr(r.t[3].output, "not ok 1 FAIL: FAIR task"), "%s", r.t[3].output);
	cr_expect_eq(r.t[4].result, ST_FAIL);
	cr_expect_str_eq(r.t[4].output, "ERR: exit.c:42\nExpected skel to load\n");
	cr_expect_str_eq(r.t[5].name, "maximal");
	cr_expect_eq(r.t[5].result, ST_NOT_RUN, "started, never reported");
	cr_expect(strstr(r.t[5].why, "never reported"), "%s", r.t[5].why);
	cr_expect_str_eq(r.t[5].output, "half a line\n");
	cr_expect_str_eq(r.t[6].name, "minimal");
	cr_expect_eq(r.t[6].result, ST_NOT_RUN, "never started");
	cr_expect_eq(r.summary_passed, -1);
	selftests_results_free(&r);
	json_decref(tap);
}

/* The TAP lines decide: a result line the output shows but guest-init did
 * not read as TAP is no result, and TAP's skip reason is the reason. */
Test(selftests, results_are_the_tap_lines)
{
	static const char out[] =
		"===== START =====\nTEST: minimal\nOUTPUT:\nok 1 minimal # \n=====  END  =====\n"
		"===== START =====\nTEST: exit\nOUTPUT:\nbye\nok 2 exit # SKIP \n=====  END  =====\n";
	static const char *const names[] = { "minimal", "exit" };
	json_t *tap = json_pack("[{s:i, s:b, s:s, s:s, s:s}]", "n", 2, "ok", 1, "name", "exit",
				"directive", "SKIP", "reason", "no exit here");
	struct selftests_results r;

	cr_assert_eq(selftests_parse(out, tap, names, 2, NULL, &r), 0);
	cr_assert_eq(r.n, 2);
	cr_expect_str_eq(r.t[0].name, "exit");
	cr_expect_eq(r.t[0].result, ST_SKIP);
	cr_expect_str_eq(r.t[0].why, "no exit here");
	cr_expect_str_eq(r.t[0].output, "bye\n");
	cr_expect_str_eq(r.t[1].name, "minimal");
	cr_expect_eq(r.t[1].result, ST_NOT_RUN);
	selftests_results_free(&r);
	json_decref(tap);
	/* No TAP at all: nothing reported. */
	cr_assert_eq(selftests_parse(out, NULL, names, 2, NULL, &r), 0);
	cr_assert_eq(r.n, 2);
	cr_expect(r.t[0].result == ST_NOT_RUN && r.t[1].result == ST_NOT_RUN);
	selftests_results_free(&r);
}

/* Output over 64 KiB reaches the host as its start and end around
 * guest-init's "not kept" line: the tests in between still have their
 * results (TAP is read in the guest, from all of it), with a note for
 * their output, and the tail's first, headless block is nobody's. */
Test(selftests, results_survive_output_not_kept)
{
	static const char out[] =
		"===== START =====\nTEST: create_dsq\nOUTPUT:\nok 1 create_dsq # \n=====  END  =====\n"
		"===== START =====\nTEST: dequeue\nOUTPUT:\nScenario 0\n"
		"[ktstr-run: 70000 bytes not kept]\n"
		"Scenario 9\nok 3 maximal # \n=====  END  =====\n"
		"===== START =====\nTEST: minimal\nOUTPUT:\nfine\nnot ok 4 minimal # \n"
		"=====  END  =====\nPASSED:  2\nSKIPPED: 0\nFAILED:  2\n";
	static const char *const names[] = { "create_dsq", "dequeue", "maximal", "minimal" };
	json_t *tap = json_pack("[{s:i, s:b, s:s}, {s:i, s:b, s:s}, {s:i, s:b, s:s},"
				" {s:i, s:b, s:s}]", "n", 1, "ok", 1, "name", "create_dsq",
				"n", 2, "ok", 0, "name", "dequeue", "n", 3, "ok", 1, "name",
				"maximal", "n", 4, "ok", 0, "name", "minimal");
	struct selftests_results r;

	cr_assert_eq(selftests_parse(out, tap, names, 4, NULL, &r), 0);
	cr_assert_eq(r.n, 4);
	cr_expect_eq(r.t[1].result, ST_FAIL, "dequeue: its result line was not kept");
	cr_expect(strstr(r.t[1].output, "[not kept: "), "%s", r.t[1].output);
	cr_expect_eq(r.t[2].result, ST_PASS);
	cr_expect(strstr(r.t[2].output, "[not kept: "), "maximal: its block began in the cut");
	cr_expect_eq(r.t[3].result, ST_FAIL);
	cr_expect_str_eq(r.t[3].output, "fine\n");
	cr_expect_eq(r.summary_failed, 2);
	selftests_results_free(&r);
	json_decref(tap);
}

Test(selftests, filter_and_summary)
{
	static const char out[] =
		"===== START =====\nTEST: dequeue\nOUTPUT:\nok 1 dequeue # \n=====  END  =====\n"
		"===== START =====\nTEST: dequeue_iter\nOUTPUT:\nok 2 dequeue_iter # \n=====  END  =====\n"
		"\n\n=============================\n\nRESULTS:\n\nPASSED:  2\nSKIPPED: 0\nFAILED:  0\n";
	static const char *const names[] = { "create_dsq", "dequeue", "dequeue_iter", "dequeue_remote" };
	json_t *tap = json_pack("[{s:i, s:b, s:s}, {s:i, s:b, s:s}]", "n", 1, "ok", 1, "name",
				"dequeue", "n", 2, "ok", 1, "name", "dequeue_iter");
	struct selftests_results r;

	cr_assert_eq(selftests_parse(out, tap, names, 4, "dequeue", &r), 0);
	cr_assert_eq(r.n, 3, "create_dsq was not selected; dequeue_remote was and did not report");
	cr_expect_str_eq(r.t[2].name, "dequeue_remote");
	cr_expect_eq(r.t[2].result, ST_NOT_RUN);
	cr_expect_eq(r.summary_passed, 2);
	cr_expect_eq(r.summary_skipped, 0);
	cr_expect_eq(r.summary_failed, 0);
	selftests_results_free(&r);
	cr_assert_eq(selftests_parse(NULL, NULL, names, 4, NULL, &r), 0);
	cr_expect_eq(r.n, 4, "nothing came back: every test not run");
	selftests_results_free(&r);
	/* Without the runner's list, a one-word name is a test. */
	json_array_append_new(tap, json_pack("{s:i, s:b, s:s}", "n", 1, "ok", 1, "name",
					     "PASS: its own line"));
	cr_assert_eq(selftests_parse(out, tap, NULL, 0, NULL, &r), 0);
	cr_expect_eq(r.n, 2);
	selftests_results_free(&r);
	json_decref(tap);
}

Test(selftests, junit_and_json)
{
	struct selftests_meta m = { "7.3.4+deb13-cloud-amd64", "numa=1 llcs=1 cores=4 threads=1",
				    "nohz_full=1-3", "/src", 612.5, 1, 1 };
	struct selftests_results r;
	struct junit_count x;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	json_t *j, *t;

	json_t *tap = runner_tap();

	cr_assert_eq(selftests_parse(runner_out, tap, all_tests, 7, NULL, &r), 0);
	json_decref(tap);
	cr_assert_eq(selftests_junit(f, &r, &m), 0);
	fclose(f);
	cr_assert(junit_count(buf, len, &x), "JUnit is not well-formed XML");
	cr_expect_eq(x.cases, 7);
	cr_expect_str_eq(x.suite_tests, "7");
	cr_expect_eq(x.failures, 1);
	cr_expect_eq(x.skipped, 2);
	cr_expect_eq(x.errors, 2, "not run: an error each");
	free(buf);
	j = selftests_json(&r, &m, NULL);
	cr_assert_not_null(j);
	cr_expect_eq(json_integer_value(json_object_get(j, "passed")), 2);
	cr_expect_eq(json_integer_value(json_object_get(j, "failed")), 1);
	cr_expect_eq(json_integer_value(json_object_get(j, "skipped")), 2);
	cr_expect_eq(json_integer_value(json_object_get(j, "not_run")), 2);
	cr_expect_eq(json_integer_value(json_object_get(j, "runner_exit")), 1);
	t = json_array_get(json_object_get(j, "tests"), 1);
	cr_expect_str_eq(json_string_value(json_object_get(t, "result")), "skip");
	cr_expect_str_eq(json_string_value(json_object_get(t, "reason")),
			 selftests_skip_hint("hotplug"));
	json_decref(j);
	selftests_results_free(&r);
}

/* The script execs the runner with its stderr into its stdout (what
 * guest-init keeps) and its exit status. */
Test(selftests, run_script_execs_the_runner)
{
	char dir[] = "/tmp/ktstr-selftests-XXXXXX", path[128], cmd[512];
	FILE *f;

	cr_assert_not_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/run.sh", dir);
	f = fopen(path, "w");
	cr_assert_not_null(f);
	fputs(selftests_run_sh, f);
	fclose(f);
	snprintf(cmd, sizeof(cmd), "sh %s sh -c 'echo out; echo err >&2; exit 4' >%s/stdout "
		 "2>%s/stderr </dev/null; test $? = 4 && printf 'out\\nerr\\n' | cmp - %s/stdout && "
		 "test ! -s %s/stderr", path, dir, dir, dir, dir);
	cr_expect_eq(system(cmd), 0, "%s", cmd);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	cr_assert_eq(system(cmd), 0);
}

/* The "selftests" payload's output, TAP and exit status from the run's
 * results (docs/results.md: payloads[]). */
Test(selftests, from_the_runs_results)
{
	json_t *run = json_pack("{s:[{s:s, s:s}, {s:s, s:s, s:s, s:i, s:{s:[{s:i, s:b, s:s}]}}]}",
				"payloads", "id", "other", "stdout", "ok 1 x # \n",
				"id", "selftests", "stdout", "TEST: minimal\nOUTPUT:\nok 1 minimal # \n",
				"stderr", "", "exit_code", 1, "tap", "tests", "n", 1, "ok", 1,
				"name", "minimal");
	struct selftests_run sr;

	selftests_from_run(run, &sr);
	cr_assert_not_null(sr.out);
	cr_expect_str_eq(sr.out, "TEST: minimal\nOUTPUT:\nok 1 minimal # \n");
	cr_expect_eq(json_array_size(sr.tap), 1);
	cr_expect_eq(sr.exit_code, 1);
	json_decref(run);
	selftests_from_run(NULL, &sr);
	cr_expect(!sr.out && !sr.tap && sr.exit_code == -1, "no results: nothing");
}
