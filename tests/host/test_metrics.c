// SPDX-License-Identifier: GPL-2.0-only
/* Tests for host/metrics.c: the registry's rows are whole, and each metric
 * reads the numbers it names from a results object (known inputs, values
 * worked out by hand). */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "host/metrics.h"

/* Two cgroups: a has two workers (wake samples, migrations, schedstat), b
 * one; a sched_replace with gap_ms 12.5 and one without a gap. */
static const char results[] =
	"{\"schema\":1,\"verdict\":\"pass\",\"boot\":{\"kind\":\"restored\"},"
	"\"timings\":{\"boot_ms\":1500,\"total_ms\":4000},"
	"\"scheduler_events\":[{\"kind\":\"sched_attach\",\"gap_ms\":99},"
	"{\"kind\":\"sched_replace\",\"gap_ms\":12.5},{\"kind\":\"sched_replace\"},"
	"{\"kind\":\"sched_replace\",\"gap_ms\":3}],"
	"\"cgroups\":[{\"name\":\"a\",\"workers\":["
	"{\"cpu_time_ns\":300000000,\"wall_time_ns\":1000000000,\"work_units\":1000,"
	"\"max_gap_ms\":20,\"migration_count\":3,\"schedstat_run_delay_ns\":4000000,"
	"\"schedstat_run_count\":100,\"resume_latencies_ns\":[1000,2000,3000,4000]},"
	"{\"cpu_time_ns\":100000000,\"wall_time_ns\":1000000000,\"work_units\":500,"
	"\"max_gap_ms\":35.5,\"migration_count\":1,\"schedstat_run_delay_ns\":1000000,"
	"\"schedstat_run_count\":100,\"resume_latencies_ns\":[5000]}]},"
	"{\"name\":\"\",\"workers\":["
	"{\"cpu_time_ns\":600000000,\"wall_time_ns\":2000000000,\"work_units\":100,"
	"\"max_gap_ms\":1,\"migration_count\":0,\"schedstat_run_delay_ns\":0,"
	"\"schedstat_run_count\":0}]}]}";

static struct metric_value *v;
static int n;

static void fini(void)
{
	free(v);
	v = NULL;
	n = 0;
}

TestSuite(metrics, .fini = fini);

static void extract(const char *text)
{
	json_error_t err;
	json_t *j = json_loads(text, 0, &err);

	cr_assert_not_null(j, "%s", err.text);
	cr_assert_eq(metrics_extract(j, &v, &n), 0);
	json_decref(j);
}

static const struct metric_value *find(const char *metric, const char *instance)
{
	for (int i = 0; i < n; i++)
		if (!strcmp(v[i].m->name, metric) && !strcmp(v[i].instance, instance))
			return &v[i];
	return NULL;
}

static double val(const char *metric, const char *instance)
{
	const struct metric_value *x = find(metric, instance);

	cr_assert_not_null(x, "%s[%s] present", metric, instance);
	return x->v;
}

Test(metrics, the_registry_is_whole_and_names_are_unique)
{
	cr_assert_geq(metric_count, 13);
	cr_assert_leq(metric_count, METRIC_MAX);
	for (int i = 0; i < metric_count; i++) {
		const struct metric_def *m = &metric_defs[i];

		cr_assert(m->name && m->unit && m->what && *m->what, "row %d", i);
		cr_assert(m->better == METRIC_LOWER || m->better == METRIC_HIGHER, "%s", m->name);
		cr_assert(m->scope == METRIC_PER_CGROUP ? m->of_cgroup != NULL : m->of_run != NULL,
			  "%s reads its scope", m->name);
		cr_assert(m->gate.abs >= 0 && m->gate.rel_pct > 0, "%s gates", m->name);
		cr_assert_eq(metric_find(m->name), m, "%s found by name", m->name);
		for (int k = 0; k < i; k++)
			cr_assert_str_neq(metric_defs[k].name, m->name);
	}
	cr_assert_null(metric_find("nope"));
}

Test(metrics, the_issue_s_metrics_are_there_with_their_directions)
{
	static const struct { const char *name; enum metric_better b; } want[] = {
		{ "cpu_share", METRIC_HIGHER }, { "work_rate_mean", METRIC_HIGHER },
		{ "work_rate_worst", METRIC_HIGHER }, { "wake_p50_us", METRIC_LOWER },
		{ "wake_p99_us", METRIC_LOWER }, { "wake_p999_us", METRIC_LOWER },
		{ "worst_gap_ms", METRIC_LOWER }, { "migrations_per_s", METRIC_LOWER },
		{ "run_delay_us", METRIC_LOWER }, { "fairness_spread_pct", METRIC_LOWER },
		{ "replace_gap_ms", METRIC_LOWER }, { "boot_ms", METRIC_LOWER },
		{ "total_ms", METRIC_LOWER },
	};

	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		const struct metric_def *m = metric_find(want[i].name);

		cr_assert_not_null(m, "%s", want[i].name);
		cr_assert_eq(m->better, want[i].b, "%s", want[i].name);
	}
}

Test(metrics, per_cgroup_values_from_the_workers)
{
	extract(results);
	/* a: 400 of 1000 ms of CPU; root: 600. */
	cr_assert_float_eq(val("cpu_share", "a"), 40.0, 1e-9);
	cr_assert_float_eq(val("cpu_share", "(root)"), 60.0, 1e-9);
	/* a: 1000/s and 500/s. */
	cr_assert_float_eq(val("work_rate_mean", "a"), 750.0, 1e-9);
	cr_assert_float_eq(val("work_rate_worst", "a"), 500.0, 1e-9);
	cr_assert_float_eq(val("work_rate_mean", "(root)"), 50.0, 1e-9);
	/* Nearest rank over 1, 2, 3, 4, 5 us. */
	cr_assert_float_eq(val("wake_p50_us", "a"), 3.0, 1e-9);
	cr_assert_float_eq(val("wake_p99_us", "a"), 5.0, 1e-9);
	cr_assert_float_eq(val("wake_p999_us", "a"), 5.0, 1e-9);
	cr_assert_float_eq(val("worst_gap_ms", "a"), 35.5, 1e-9);
	/* 4 migrations in 2 s of worker life. */
	cr_assert_float_eq(val("migrations_per_s", "a"), 2.0, 1e-9);
	/* 5 ms of delay over 200 timeslices. */
	cr_assert_float_eq(val("run_delay_us", "a"), 25.0, 1e-9);
	/* (300 - 100) / 200 ms. */
	cr_assert_float_eq(val("fairness_spread_pct", "a"), 100.0, 1e-9);
}

Test(metrics, what_a_cgroup_lacks_is_left_out)
{
	extract(results);
	cr_assert_null(find("wake_p50_us", "(root)"), "no wake samples");
	cr_assert_null(find("run_delay_us", "(root)"), "no timeslices");
	cr_assert_null(find("fairness_spread_pct", "(root)"), "one worker has no spread");
	cr_assert_not_null(find("migrations_per_s", "(root)"), "0 migrations is a value");
}

Test(metrics, per_run_values)
{
	extract(results);
	cr_assert_float_eq(val("replace_gap_ms", ""), 12.5, 1e-9);
	cr_assert_float_eq(val("boot_ms", "restored"), 1500, 1e-9);
	cr_assert_float_eq(val("total_ms", "restored"), 4000, 1e-9);
	cr_assert_null(find("boot_ms", "cold"));
}

Test(metrics, a_run_without_replaces_or_workers_has_only_timings)
{
	extract("{\"timings\":{\"boot_ms\":10,\"total_ms\":20},\"cgroups\":[]}");
	cr_assert_eq(n, 2, "boot_ms and total_ms only, got %d", n);
	cr_assert_float_eq(val("boot_ms", "cold"), 10, 1e-9, "no boot kind: a cold boot");
	cr_assert_null(find("replace_gap_ms", ""));
}

Test(metrics, wrong_types_are_not_values)
{
	extract("{\"cgroups\":[{\"name\":\"a\",\"workers\":[{\"cpu_time_ns\":\"x\","
		"\"resume_latencies_ns\":[\"1\",-5,null,7000]}]}],\"timings\":{\"boot_ms\":\"1\"}}");
	cr_assert_float_eq(val("wake_p50_us", "a"), 7.0, 1e-9, "only the one good sample");
	cr_assert_null(find("cpu_share", "a"), "no CPU time at all: no share");
	cr_assert_null(find("boot_ms", "cold"));
}
