// SPDX-License-Identifier: GPL-2.0-only
/* Unit tests for every check on synthetic WorkerReports and events: each
 * check must pass on good numbers and fail, naming the worker, on bad ones.
 * Events enter through the host's frame checker (frames.c), as a guest's
 * would; reports are built directly so a test can change their numbers. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "host/checks.h"
#include "proto/wire.h"

static struct scenario s;
static struct run_result r;
static struct check_list c;

static void load(const char *text)
{
	struct scn_error err;

	cr_assert_eq(scn_parse_string("t.scn", text, strlen(text), &s, &err), 0,
		     "%d:%d: %s", err.loc.line, err.loc.col, err.msg);
	results_init(&r, checks_expected_workers(&s));
}

static struct wr_data *rep(const char *cg, int index, const char *type)
{
	struct wr_data *w = calloc(1, sizeof(*w));

	snprintf(w->cgroup, sizeof(w->cgroup), "%s", cg);
	snprintf(w->type, sizeof(w->type), "%s", type);
	w->index = index;
	w->tid = 100 + r.n_reps;
	w->work_units = 1000;
	w->cpu_time_ns = 500000000;
	w->wall_time_ns = 1000000000;
	w->max_gap_ms = 10;
	w->exit_kind = WR_EXIT_EXITED;
	w->completed = true;
	/* Room for what the tests put there. */
	w->migrations = calloc(WR_MAX_MIGRATIONS, sizeof(*w->migrations));
	w->resume_latencies_ns = calloc(1000, sizeof(uint64_t));
	r.reps = realloc(r.reps, (r.n_reps + 1) * sizeof(*r.reps));
	r.reps[r.n_reps++] = w;
	r.cap_reps = r.n_reps;
	return w;
}

static void event(const char *json)
{
	cr_assert_eq(results_add_frame(&r, WIRE_EVENT, (const uint8_t *)json, strlen(json)), 0,
		     "%s: %s", json, json_string_value(json_array_get(r.wire_errors, 0)));
}

static void cpuset_event(const char *cg, uint64_t mono_ns, const char *cpus)
{
	char buf[256];

	snprintf(buf, sizeof(buf),
		 "{\"kind\":\"cpuset\",\"cgroup\":\"%s\",\"cpus\":\"%s\",\"t_ms\":1.0,"
		 "\"mono_ns\":%llu}", cg, cpus, (unsigned long long)mono_ns);
	event(buf);
}

static void run(void)
{
	check_list_free(&c);
	checks_run(&s, &r, &c);
}

static const struct check_result *find(const char *name)
{
	for (int i = 0; i < c.n; i++)
		if (!strcmp(c.v[i].name, name))
			return &c.v[i];
	cr_assert_fail("no check named %s", name);
	return NULL;
}

static bool passed(const char *name)
{
	return find(name)->pass;
}

static const char *detail(const char *name)
{
	return find(name)->detail;
}

/* Judged as the reports stand, the check named name passes. */
static void expect_pass(const char *name)
{
	run();
	cr_assert(passed(name), "%s", detail(name));
}

/* Judged as the reports stand, the check named name fails, saying words. */
static void expect_fail(const char *name, const char *words)
{
	run();
	cr_assert_not(passed(name));
	cr_assert(strstr(detail(name), words), "%s", detail(name));
}

static void fini(void)
{
	check_list_free(&c);
	results_free(&r);
	scn_free(&s);
}

TestSuite(checks, .fini = fini);

#define HDR "scenario t \"d\"\ntopology numa=1 llcs=1 cores=4 threads=1\n"

Test(checks, starvation_pass_and_fail)
{

	load(HDR "step run 1s\n  cgroup a\n  workers a 2 spin\ncheck starvation max-gap=100ms\n");
	rep("a", 0, "spin");
	rep("a", 1, "spin");
	run();
	cr_assert(checks_all_pass(&c));
	cr_assert(passed("starvation"));
	cr_assert(passed("reports"));

	r.reps[1]->max_gap_ms = 450;
	r.reps[1]->max_gap_cpu = 3;
	run();
	cr_assert_not(checks_all_pass(&c));
	cr_assert_not(passed("starvation"));
	cr_assert(strstr(detail("starvation"), "worker a/1 (tid 101, spin) starved: max gap 450.0 ms > 100.0 ms on cpu 3"),
		  "%s", detail("starvation"));

	r.reps[1]->max_gap_ms = 0;
	r.reps[1]->work_units = 0;
	run();
	cr_assert(strstr(detail("starvation"), "made no progress"));
}

Test(checks, missing_and_dead_workers)
{

	load(HDR "step run 1s\n  cgroup a\n  workers a 3 spin\n");
	rep("a", 0, "spin");
	rep("a", 1, "spin")->exit_kind = WR_EXIT_SIGNALED;
	r.reps[1]->exit_code = 9;
	run();
	cr_assert_not(checks_all_pass(&c));
	cr_assert_str_eq(detail("reports"), "2 of 3 worker reports arrived");
	cr_assert(strstr(detail("workers exited"), "worker a/1 (tid 101, spin) signaled 9"),
		  "%s", detail("workers exited"));
}

Test(checks, isolation_follows_cpuset_history)
{
	struct wr_data *w;
	const uint64_t s0 = 1000000000ull;

	load(HDR "backdrop\n  cgroup a cpus=0-1\n  workers a 1 spin\n"
		 "step run 1s\nstep swap 1s\n  set-cpuset a 2-3\ncheck isolation\n");
	cpuset_event("a", s0, "0-1");
	cpuset_event("a", s0 + 1000000000ull, "2-3");
	w = rep("a", 0, "spin");
	w->started_at_ns = s0 + 1000;
	w->n_migrations = w->migration_count = 2;
	w->migrations[0] = (struct wr_migration){ 500000000, 0, 1 };
	/* Moves to cpu 2 just after the change: inside the new set. */
	w->migrations[1] = (struct wr_migration){ 1000000000 + 20000000, 1, 2 };
	scn_cpumask_set(&w->cpus_used, 0);
	scn_cpumask_set(&w->cpus_used, 1);
	scn_cpumask_set(&w->cpus_used, 2);
	expect_pass("isolation");

	/* On cpu 3 while the cpuset was still 0-1: a violation. */
	w->migrations[0] = (struct wr_migration){ 500000000, 0, 3 };
	expect_fail("isolation", "ran on cpu 3 at 500 ms, outside the cpuset of 'a'");

	/* 500 ms before the change to 2-3: inside a 600 ms grace period. */
	s.checks[0].grace_ns = 600000000ull;
	expect_pass("isolation");
}

Test(checks, fairness_spread)
{

	load(HDR "step run 1s\n  cgroup a\n  workers a 2 spin\ncheck fairness max-spread=20\n");
	rep("a", 0, "spin")->cpu_time_ns = 500000000;
	rep("a", 1, "spin")->cpu_time_ns = 450000000;
	expect_pass("fairness");
	r.reps[1]->cpu_time_ns = 200000000;
	expect_fail("fairness", "cgroup a (2 spin workers): cpu time spread 85.7% > 20.0%");
}

Test(checks, weight_proportionality)
{

	load(HDR "step run 1s\n  cgroup hi weight=200\n  cgroup lo weight=100\n"
		 "  workers hi 1 spin\n  workers lo 1 spin\ncheck weight tolerance=10\n");
	rep("hi", 0, "spin")->cpu_time_ns = 660000000;
	rep("lo", 0, "spin")->cpu_time_ns = 340000000;
	expect_pass("weight");
	r.reps[1]->cpu_time_ns = 660000000;
	expect_fail("weight", "cgroup hi (weight 200): 50.0% of cpu time, expected 66.7%");
}

Test(checks, wake_latency_percentiles)
{
	struct wr_data *w;

	load(HDR "step run 1s\n  cgroup a\n  workers a 1 bursty\ncheck wake-latency p50=100us p99=1ms\n");
	w = rep("a", 0, "bursty");
	for (int i = 0; i < 1000; i++)
		w->resume_latencies_ns[i] = 40000 + i * 100;
	w->n_resume = 1000;
	expect_pass("wake-latency");
	for (int i = 980; i < 1000; i++)
		w->resume_latencies_ns[i] = 5000000;
	expect_fail("wake-latency", "p99 5000.0 us > 1000.0 us");
}

Test(checks, throughput_floor)
{

	load(HDR "step run 1s\n  cgroup a\n  workers a 2 spin\ncheck throughput min=500\n");
	rep("a", 0, "spin");
	rep("a", 1, "spin")->work_units = 100;
	expect_fail("throughput", "worker a/1 (tid 101, spin): 100.0 units/s < 500.0");
}

/* The count of reports a scenario should produce once overflowed an int
 * (workers x repeat summed over steps). */
Test(checks, expected_workers_do_not_overflow)
{
	char text[8192] = HDR;

	/* 25 steps x 1024 workers x 100000 repeats = 2.56e9 > INT_MAX. */
	for (int i = 0; i < 25; i++)
		snprintf(text + strlen(text), sizeof(text) - strlen(text),
			 "step s%d 1ms repeat=100000\n  workers - 1024 spin\n  stop-workers -\n", i);
	load(text);
	cr_assert_eq(checks_expected_workers(&s), 25ull * 1024 * 100000);
}

static void payload_run(const char *id, const char *out, const char *err, int exit_code,
			const char *tap)
{
	char buf[4096];

	snprintf(buf, sizeof(buf), "{\"kind\":\"payload_start\",\"id\":\"%s\",\"path\":\"/p\","
		 "\"pid\":5,\"t_ms\":1,\"mono_ns\":1}", id);
	event(buf);
	snprintf(buf, sizeof(buf), "{\"kind\":\"payload_output\",\"id\":\"%s\",\"stdout\":\"%s\","
		 "\"stderr\":\"%s\",\"stdout_bytes\":%zu,\"stderr_bytes\":%zu,\"t_ms\":2,"
		 "\"mono_ns\":2}", id, out, err, strlen(out), strlen(err));
	event(buf);
	snprintf(buf, sizeof(buf), "{\"kind\":\"payload_end\",\"id\":\"%s\",\"timed_out\":false,"
		 "\"killed\":false,\"exit_code\":%d%s%s,\"t_ms\":3,\"mono_ns\":3}", id,
		 exit_code, tap ? ",\"tap\":" : "", tap ? tap : "");
	event(buf);
}

static const struct check_result *skipped(const char *name)
{
	const struct check_result *x = find(name);

	cr_assert(x->skipped && x->pass, "%s: not skipped (%s)", name, x->detail);
	return x;
}

/* The sched_ext runner's shapes: ok, not ok, "ok N name # SKIP". */
Test(checks, tap_tests_are_checks)
{
	load(HDR "step run 1s\n  payload-run sel /runner\n  payload-wait sel\n");
	payload_run("sel", "ok 1 create_dsq # \\nnot ok 2 ddsp_bogus # \\n", "", 1,
		    "{\"tests\":[{\"n\":1,\"ok\":true,\"name\":\"create_dsq\"},"
		    "{\"n\":2,\"ok\":false,\"name\":\"ddsp_bogus\"},"
		    "{\"n\":3,\"ok\":true,\"name\":\"dsp_local_on\",\"directive\":\"SKIP\"},"
		    "{\"n\":4,\"ok\":true,\"name\":\"\",\"directive\":\"SKIP\","
		    "\"reason\":\"no CONFIG_FOO\"},"
		    "{\"n\":5,\"ok\":false,\"name\":\"later\",\"directive\":\"TODO\"},"
		    "{\"n\":6,\"ok\":true,\"name\":\"xf\",\"directive\":\"XFAIL\",\"reason\":\"known\"}]}");
	run();
	cr_assert(passed("payload sel: create_dsq"));
	cr_assert_not(passed("payload sel: ddsp_bogus"));
	cr_assert_str_eq(detail("payload sel: ddsp_bogus"), "not ok 2");
	cr_assert_str_eq(skipped("payload sel: dsp_local_on")->detail, "ok 3 # SKIP");
	cr_assert_str_eq(skipped("payload sel: test 4")->detail, "ok 4 # SKIP no CONFIG_FOO");
	skipped("payload sel: later");
	cr_assert(passed("payload sel: xf"));
	cr_assert_str_eq(detail("payload sel: xf"), "ok 6 # XFAIL known");
	cr_assert_eq(checks_skipped(&c), 3);
	cr_assert_not(passed("payloads"));
	cr_assert(strstr(detail("payloads"), "payload sel exited with 1 (its output ends: "
			 "not ok 2 ddsp_bogus #)"), "%s", detail("payloads"));
}

Test(checks, tap_plan_bail_out_and_skip_all)
{
	load(HDR "step run 1s repeat=3\n  payload-run k /kself\n  payload-wait k\n");
	payload_run("k", "", "", 0, "{\"plan\":3,\"tests\":[{\"n\":1,\"ok\":true,\"name\":\"a\"}]}");
	payload_run("k", "", "", 0, "{\"plan\":3,\"tests\":[],\"bail_out\":\"no device\"}");
	payload_run("k", "", "", 0, "{\"plan\":0,\"tests\":[],\"skip_all\":\"not here\"}");
	run();
	cr_assert(passed("payload k: a"));
	cr_assert_str_eq(detail("payload k"), "planned 3 TAP tests (1..3), 1 ran");
	cr_assert_not(passed("payload k"));
	cr_assert_str_eq(detail("payload k (run 2)"), "Bail out! no device");
	cr_assert_str_eq(skipped("payload k (run 3)")->detail, "1..0 # SKIP not here");
	cr_assert(passed("payloads"), "each run exited 0");
}

Test(checks, a_scheduler_that_never_came_up)
{
	load(HDR "scheduler qm exec=/bin/false\n"
	     "step attach 1s\n  cgroup a\n  workers a 2 spin\n  attach qm\n"
	     "check starvation max-gap=100ms\ncheck scheduler alive\n");
	rep("a", 0, "spin");
	rep("a", 1, "spin");
	event("{\"kind\":\"step_start\",\"step\":\"attach\",\"index\":0,\"iteration\":0,"
	      "\"duration_ms\":1000,\"t_ms\":1,\"mono_ns\":1}");
	event("{\"kind\":\"sched_output\",\"name\":\"qm\",\"state\":\"disabled\",\"reason\":\"\","
	      "\"type\":\"exec\",\"output\":\"libbpf: prog 'qmap_enqueue': failed to load\\n\","
	      "\"output_bytes\":45,\"t_ms\":900,\"mono_ns\":2}");
	event("{\"kind\":\"sched_attach_failed\",\"name\":\"qm\",\"state\":\"disabled\","
	      "\"reason\":\"scheduler 'qm' (exec=/bin/false) exited with status 1 before "
	      "sched_ext was enabled; output: libbpf: prog 'qmap_enqueue': failed to load\","
	      "\"phase\":\"exited\",\"exit_code\":1,\"t_ms\":900,\"mono_ns\":2}");
	run();
	cr_assert_not(passed("scheduler attach"));
	cr_assert(strstr(detail("scheduler attach"), "scheduler 'qm' did not come up (exited) "
			 "at 900 ms in step 'attach': scheduler 'qm' (exec=/bin/false) exited "
			 "with status 1"), "%s", detail("scheduler attach"));
	cr_assert(strstr(detail("scheduler attach"), "failed to load"), "the loader's output");
	/* The workers ran under EEVDF: their numbers are not the scheduler's. */
	cr_assert(strstr(skipped("starvation")->detail, "not judged: scheduler 'qm' did not "
			 "come up (exited) at 900 ms in step 'attach', so the run did not test "
			 "it; measured: PASS: 2 workers"), "%s", detail("starvation"));
	skipped("scheduler alive");
	cr_assert(passed("reports"), "implicit checks are still judged");
	cr_assert_not(checks_all_pass(&c));
}

Test(checks, schedulers_that_came_up_pass_the_attach_check)
{
	load(HDR "scheduler f bpf=fifo\nstep s 1s\n  attach f\n");
	event("{\"kind\":\"sched_attach\",\"name\":\"f\",\"state\":\"enabled\",\"reason\":\"\","
	      "\"t_ms\":5,\"mono_ns\":2}");
	run();
	cr_assert(passed("scheduler attach"));
	cr_assert_str_eq(detail("scheduler attach"), "every attach and replace (1) enabled sched_ext");
}

/* Payload events are paired through maps, not by scanning back: 60000 of
 * them (a guest may send 100000) are judged in a moment, where a scan per
 * event took 60000 x 60000 steps. */
Test(checks, many_payload_events_are_judged_in_linear_time, .timeout = 20)
{
	char buf[256];
	struct timespec t0, t1;

	load(HDR "step run 1s\n  payload-run p /p\n  payload-wait p\n");
	for (int i = 0; i < 60000; i++) {
		snprintf(buf, sizeof(buf), "{\"kind\":\"payload_end\",\"id\":\"p%d\",\"timed_out\":"
			 "false,\"killed\":false,\"exit_code\":1,\"tap\":{\"tests\":[{\"n\":1,"
			 "\"ok\":true,\"name\":\"t\"}]},\"t_ms\":3,\"mono_ns\":3}", i % 7);
		event(buf);
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	run();
	clock_gettime(CLOCK_MONOTONIC, &t1);
	cr_expect_lt((t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9, 2.0,
		     "judged in %.2f s", (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9);
	cr_assert_not(passed("payloads"));
	cr_assert(passed("payload TAP tests"), "%s", detail("payload TAP tests"));
	cr_assert(strstr(detail("payload TAP tests"), "55904 more TAP results than the 4096 "
			 "listed, 0 of them failed"), "%s", detail("payload TAP tests"));
	cr_assert_lt(c.n, 4096 + 10, "the TAP checks are bounded: %d", c.n);
}

/* A run's own TAP checks (plan, bail out) count against the bound too. */
Test(checks, tap_run_checks_are_bounded)
{
	char buf[256];

	load(HDR "step run 1s\n  payload-run p /p\n  payload-wait p\n");
	for (int i = 0; i < 5000; i++) {
		snprintf(buf, sizeof(buf), "{\"kind\":\"payload_end\",\"id\":\"p\",\"timed_out\":"
			 "false,\"killed\":false,\"exit_code\":0,\"tap\":{\"plan\":1,\"tests\":[]},"
			 "\"t_ms\":3,\"mono_ns\":3}");
		event(buf);
	}
	run();
	cr_assert_lt(c.n, 4096 + 10, "the TAP checks are bounded: %d", c.n);
	cr_assert_not(passed("payload TAP tests"));
	cr_assert_str_eq(detail("payload TAP tests"), "904 more TAP results than the 4096 "
			 "listed, 904 of them failed");
}
