/* Unit tests for every check on synthetic WorkerReports and events: each
 * check must pass on good numbers and fail, naming the worker, on bad ones. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "host/checks.h"

static struct scenario s;
static struct run_result r;

static void load(const char *text)
{
	struct scn_error err;

	cr_assert_eq(scn_parse_string("t.scn", text, strlen(text), &s, &err), 0,
		     "%d:%d: %s", err.loc.line, err.loc.col, err.msg);
	results_init(&r);
}

static struct worker_report *rep(const char *cg, int index, const char *type)
{
	struct worker_report *w = calloc(1, sizeof(*w));

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
	r.reps = realloc(r.reps, (r.n_reps + 1) * sizeof(*r.reps));
	r.reps[r.n_reps++] = w;
	return w;
}

static void cpuset_event(const char *cg, uint64_t mono_ns, const char *cpus)
{
	json_array_append_new(r.events, json_pack("{s:s, s:s, s:I, s:s}", "kind", "cpuset",
						  "cgroup", cg, "mono_ns", (json_int_t)mono_ns,
						  "cpus", cpus));
}

static json_t *find(json_t *checks, const char *name)
{
	size_t i;
	json_t *c;

	json_array_foreach(checks, i, c)
		if (!strcmp(json_string_value(json_object_get(c, "name")), name))
			return c;
	cr_assert_fail("no check named %s", name);
	return NULL;
}

static bool passed(json_t *checks, const char *name)
{
	return json_is_true(json_object_get(find(checks, name), "pass"));
}

static const char *detail(json_t *checks, const char *name)
{
	return json_string_value(json_object_get(find(checks, name), "detail"));
}

static void fini(void)
{
	results_free(&r);
	scn_free(&s);
}

TestSuite(checks, .fini = fini);

#define HDR "scenario t \"d\"\ntopology numa=1 llcs=1 cores=4 threads=1\n"

Test(checks, starvation_pass_and_fail)
{
	bool all;
	json_t *c;

	load(HDR "step run 1s\n  cgroup a\n  workers a 2 spin\ncheck starvation max-gap=100ms\n");
	rep("a", 0, "spin");
	rep("a", 1, "spin");
	c = checks_run(&s, &r, &all);
	cr_assert(all);
	cr_assert(passed(c, "starvation"));
	cr_assert(passed(c, "reports"));
	json_decref(c);

	r.reps[1]->max_gap_ms = 450;
	r.reps[1]->max_gap_cpu = 3;
	c = checks_run(&s, &r, &all);
	cr_assert_not(all);
	cr_assert_not(passed(c, "starvation"));
	cr_assert(strstr(detail(c, "starvation"), "worker a/1 (tid 101, spin) starved: max gap 450.0 ms > 100.0 ms on cpu 3"),
		  "%s", detail(c, "starvation"));
	json_decref(c);

	r.reps[1]->max_gap_ms = 0;
	r.reps[1]->work_units = 0;
	c = checks_run(&s, &r, &all);
	cr_assert(strstr(detail(c, "starvation"), "made no progress"));
	json_decref(c);
}

Test(checks, missing_and_dead_workers)
{
	bool all;
	json_t *c;

	load(HDR "step run 1s\n  cgroup a\n  workers a 3 spin\n");
	rep("a", 0, "spin");
	rep("a", 1, "spin")->exit_kind = WR_EXIT_SIGNALED;
	r.reps[1]->exit_code = 9;
	c = checks_run(&s, &r, &all);
	cr_assert_not(all);
	cr_assert_str_eq(detail(c, "reports"), "2 of 3 worker reports arrived");
	cr_assert(strstr(detail(c, "workers exited"), "worker a/1 (tid 101, spin) signaled 9"),
		  "%s", detail(c, "workers exited"));
	json_decref(c);
}

Test(checks, isolation_follows_cpuset_history)
{
	bool all;
	json_t *c;
	struct worker_report *w;
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
	c = checks_run(&s, &r, &all);
	cr_assert(passed(c, "isolation"), "%s", detail(c, "isolation"));
	json_decref(c);

	/* On cpu 3 while the cpuset was still 0-1: a violation. */
	w->migrations[0] = (struct wr_migration){ 500000000, 0, 3 };
	c = checks_run(&s, &r, &all);
	cr_assert_not(passed(c, "isolation"));
	cr_assert(strstr(detail(c, "isolation"), "ran on cpu 3 at 500 ms, outside the cpuset of 'a'"),
		  "%s", detail(c, "isolation"));
	json_decref(c);

	/* 500 ms before the change to 2-3: inside a 600 ms grace period. */
	s.checks[0].grace_ns = 600000000ull;
	c = checks_run(&s, &r, &all);
	cr_assert(passed(c, "isolation"), "%s", detail(c, "isolation"));
	json_decref(c);
}

Test(checks, fairness_spread)
{
	bool all;
	json_t *c;

	load(HDR "step run 1s\n  cgroup a\n  workers a 2 spin\ncheck fairness max-spread=20\n");
	rep("a", 0, "spin")->cpu_time_ns = 500000000;
	rep("a", 1, "spin")->cpu_time_ns = 450000000;
	c = checks_run(&s, &r, &all);
	cr_assert(passed(c, "fairness"), "%s", detail(c, "fairness"));
	json_decref(c);
	r.reps[1]->cpu_time_ns = 200000000;
	c = checks_run(&s, &r, &all);
	cr_assert_not(passed(c, "fairness"));
	cr_assert(strstr(detail(c, "fairness"), "cgroup a (2 spin workers): cpu time spread 85.7% > 20.0%"),
		  "%s", detail(c, "fairness"));
	json_decref(c);
}

Test(checks, weight_proportionality)
{
	bool all;
	json_t *c;

	load(HDR "step run 1s\n  cgroup hi weight=200\n  cgroup lo weight=100\n"
		 "  workers hi 1 spin\n  workers lo 1 spin\ncheck weight tolerance=10\n");
	rep("hi", 0, "spin")->cpu_time_ns = 660000000;
	rep("lo", 0, "spin")->cpu_time_ns = 340000000;
	c = checks_run(&s, &r, &all);
	cr_assert(passed(c, "weight"), "%s", detail(c, "weight"));
	json_decref(c);
	r.reps[1]->cpu_time_ns = 660000000;
	c = checks_run(&s, &r, &all);
	cr_assert_not(passed(c, "weight"));
	cr_assert(strstr(detail(c, "weight"), "cgroup hi (weight 200): 50.0% of cpu time, expected 66.7%"),
		  "%s", detail(c, "weight"));
	json_decref(c);
}

Test(checks, wake_latency_percentiles)
{
	bool all;
	json_t *c;
	struct worker_report *w;

	load(HDR "step run 1s\n  cgroup a\n  workers a 1 bursty\ncheck wake-latency p50=100us p99=1ms\n");
	w = rep("a", 0, "bursty");
	for (int i = 0; i < 1000; i++)
		w->resume_latencies_ns[i] = 40000 + i * 100;
	w->n_resume = 1000;
	c = checks_run(&s, &r, &all);
	cr_assert(passed(c, "wake-latency"), "%s", detail(c, "wake-latency"));
	json_decref(c);
	for (int i = 980; i < 1000; i++)
		w->resume_latencies_ns[i] = 5000000;
	c = checks_run(&s, &r, &all);
	cr_assert_not(passed(c, "wake-latency"));
	cr_assert(strstr(detail(c, "wake-latency"), "p99 5000.0 us > 1000.0 us"),
		  "%s", detail(c, "wake-latency"));
	json_decref(c);
}

Test(checks, throughput_floor)
{
	bool all;
	json_t *c;

	load(HDR "step run 1s\n  cgroup a\n  workers a 2 spin\ncheck throughput min=500\n");
	rep("a", 0, "spin");
	rep("a", 1, "spin")->work_units = 100;
	c = checks_run(&s, &r, &all);
	cr_assert_not(passed(c, "throughput"));
	cr_assert(strstr(detail(c, "throughput"), "worker a/1 (tid 101, spin): 100.0 units/s < 500.0"),
		  "%s", detail(c, "throughput"));
	json_decref(c);
}
