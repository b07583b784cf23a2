// SPDX-License-Identifier: GPL-2.0-only
/* The metric registry (see metrics.h): one row per metric, and how each is
 * read from a results object's cgroups, events and timings. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host/metrics.h"
#include "workload/report.h"

/* One cgroup's workers, summed once for every per-cgroup metric. */
struct metric_cgroup {
	int n;                 /* workers */
	double cpu_ns, wall_ns, all_cpu_ns; /* all_cpu_ns: every cgroup's */
	double migrations, run_delay_ns, run_count;
	double worst_gap_ms;
	double rate_sum, rate_min;         /* work units / s of wall, per worker */
	double cpu_min, cpu_max;           /* per worker */
	uint64_t *lat;                     /* wake latencies, sorted */
	uint32_t n_lat;
};

static double num(const json_t *o, const char *key)
{
	return json_number_value(json_object_get(o, key));
}

static double cpu_share(const struct metric_cgroup *c)
{
	return c->all_cpu_ns > 0 ? c->cpu_ns / c->all_cpu_ns * 100 : NAN;
}

static double rate_mean(const struct metric_cgroup *c)
{
	return c->n ? c->rate_sum / c->n : NAN;
}

static double rate_worst(const struct metric_cgroup *c)
{
	return c->n ? c->rate_min : NAN;
}

static double wake(const struct metric_cgroup *c, double pct)
{
	return c->n_lat ? wr_percentile_sorted(c->lat, c->n_lat, pct) / 1e3 : NAN;
}

static double wake_p50(const struct metric_cgroup *c)
{
	return wake(c, 50);
}

static double wake_p99(const struct metric_cgroup *c)
{
	return wake(c, 99);
}

static double wake_p999(const struct metric_cgroup *c)
{
	return wake(c, 99.9);
}

static double worst_gap(const struct metric_cgroup *c)
{
	return c->n ? c->worst_gap_ms : NAN;
}

static double migrations_per_s(const struct metric_cgroup *c)
{
	return c->wall_ns > 0 ? c->migrations / (c->wall_ns / 1e9) : NAN;
}

static double run_delay(const struct metric_cgroup *c)
{
	return c->run_count > 0 ? c->run_delay_ns / c->run_count / 1e3 : NAN;
}

/* As `check fairness` has it: (max - min) / mean of the workers' CPU time. */
static double spread(const struct metric_cgroup *c)
{
	double mean = c->n ? c->cpu_ns / c->n : 0;

	return c->n >= 2 && mean > 0 ? (c->cpu_max - c->cpu_min) / mean * 100 : NAN;
}

static double replace_gap(const json_t *res)
{
	const json_t *e;
	double worst = NAN;
	size_t i;

	json_array_foreach(json_object_get(res, "scheduler_events"), i, e) {
		const json_t *gap = json_object_get(e, "gap_ms");
		const char *kind = json_string_value(json_object_get(e, "kind"));

		if (json_is_number(gap) && kind && !strcmp(kind, "sched_replace"))
			worst = isnan(worst) ? json_number_value(gap)
					     : fmax(worst, json_number_value(gap));
	}
	return worst;
}

static double timing(const json_t *res, const char *key)
{
	const json_t *v = json_object_get(json_object_get(res, "timings"), key);

	return json_is_number(v) ? json_number_value(v) : NAN;
}

static double boot_ms(const json_t *res)
{
	return timing(res, "boot_ms");
}

static double total_ms(const json_t *res)
{
	return timing(res, "total_ms");
}

/* The registry. Gates: worse by more than abs (unit) AND rel_pct. */
const struct metric_def metric_defs[] = {
	{ "cpu_share", "%", METRIC_HIGHER, METRIC_PER_CGROUP, { 5, 10, false },
	  "the cgroup's workers' CPU time, in % of every worker's", cpu_share, NULL },
	{ "work_rate_mean", "units/s", METRIC_HIGHER, METRIC_PER_CGROUP, { 0, 10, false },
	  "work units per second of a worker's life, mean of the cgroup's workers "
	  "(the unit is the work type's)", rate_mean, NULL },
	{ "work_rate_worst", "units/s", METRIC_HIGHER, METRIC_PER_CGROUP, { 0, 15, false },
	  "the same, of the cgroup's slowest worker", rate_worst, NULL },
	{ "wake_p50_us", "us", METRIC_LOWER, METRIC_PER_CGROUP, { 20, 20, false },
	  "wake-up latency, median of every sample of the cgroup's workers", wake_p50, NULL },
	{ "wake_p99_us", "us", METRIC_LOWER, METRIC_PER_CGROUP, { 100, 25, false },
	  "wake-up latency, 99th percentile", wake_p99, NULL },
	{ "wake_p999_us", "us", METRIC_LOWER, METRIC_PER_CGROUP, { 500, 30, false },
	  "wake-up latency, 99.9th percentile", wake_p999, NULL },
	{ "worst_gap_ms", "ms", METRIC_LOWER, METRIC_PER_CGROUP, { 10, 25, false },
	  "the longest time any of the cgroup's workers made no progress", worst_gap, NULL },
	{ "migrations_per_s", "1/s", METRIC_LOWER, METRIC_PER_CGROUP, { 1, 25, false },
	  "CPU migrations per second of worker life, the cgroup's workers together",
	  migrations_per_s, NULL },
	{ "run_delay_us", "us", METRIC_LOWER, METRIC_PER_CGROUP, { 50, 25, false },
	  "schedstat run delay per timeslice: time runnable but waiting for a CPU, "
	  "divided by the times run", run_delay, NULL },
	{ "fairness_spread_pct", "%", METRIC_LOWER, METRIC_PER_CGROUP, { 5, 25, false },
	  "(max - min) / mean of the cgroup's workers' CPU time (two or more workers)",
	  spread, NULL },
	{ "replace_gap_ms", "ms", METRIC_LOWER, METRIC_PER_RUN, { 5, 25, false },
	  "the longest scheduler replace: old scheduler stopping to new one running "
	  "(sched_replace gap_ms)", NULL, replace_gap },
	{ "boot_ms", "ms", METRIC_LOWER, METRIC_PER_BOOT, { 500, 25, false },
	  "VM launch to the run starting (HELLO), per boot kind (cold, restored, warm)",
	  NULL, boot_ms },
	{ "total_ms", "ms", METRIC_LOWER, METRIC_PER_BOOT, { 1000, 20, false },
	  "VM launch to VM end, per boot kind", NULL, total_ms },
};
const int metric_count = sizeof(metric_defs) / sizeof(metric_defs[0]);

const struct metric_def *metric_find(const char *name)
{
	for (int i = 0; i < metric_count; i++)
		if (!strcmp(metric_defs[i].name, name))
			return &metric_defs[i];
	return NULL;
}

static int push(struct metric_value **v, int *n, const struct metric_def *m,
		const char *instance, double x)
{
	struct metric_value *nv;

	if (isnan(x))
		return 0;
	if (!(nv = realloc(*v, (*n + 1) * sizeof(**v))))
		return -1;
	*v = nv;
	nv[*n].m = m;
	snprintf(nv[*n].instance, sizeof(nv[*n].instance), "%s", instance);
	nv[*n].v = x;
	(*n)++;
	return 0;
}

/* Sum one cgroup's workers; c->lat is malloc'd (or NULL). */
static int cgroup_sum(const json_t *workers, double all_cpu, struct metric_cgroup *c)
{
	const json_t *w;
	size_t i;

	memset(c, 0, sizeof(*c));
	c->all_cpu_ns = all_cpu;
	c->rate_min = c->cpu_min = INFINITY;
	json_array_foreach(workers, i, w) {
		const json_t *lat = json_object_get(w, "resume_latencies_ns");
		double wall = num(w, "wall_time_ns"), cpu = num(w, "cpu_time_ns");
		double rate = wall > 0 ? num(w, "work_units") / (wall / 1e9) : 0;
		size_t k;
		const json_t *x;

		c->n++;
		c->cpu_ns += cpu;
		c->wall_ns += wall;
		c->cpu_min = fmin(c->cpu_min, cpu);
		c->cpu_max = fmax(c->cpu_max, cpu);
		c->rate_sum += rate;
		c->rate_min = fmin(c->rate_min, rate);
		c->migrations += num(w, "migration_count");
		c->run_delay_ns += num(w, "schedstat_run_delay_ns");
		c->run_count += num(w, "schedstat_run_count");
		c->worst_gap_ms = fmax(c->worst_gap_ms, num(w, "max_gap_ms"));
		if (json_array_size(lat) > UINT32_MAX - c->n_lat)
			continue;
		if (json_array_size(lat)) {
			uint64_t *nl = realloc(c->lat, (c->n_lat + json_array_size(lat)) *
					       sizeof(*nl));
			if (!nl)
				return -1;
			c->lat = nl;
		}
		json_array_foreach(lat, k, x)
			if (json_is_integer(x) && json_integer_value(x) >= 0)
				c->lat[c->n_lat++] = (uint64_t)json_integer_value(x);
	}
	if (c->n_lat)
		wr_sort(c->lat, c->n_lat);
	return 0;
}

int metrics_extract(const json_t *res, struct metric_value **v, int *n)
{
	const json_t *cgroups = json_object_get(res, "cgroups"), *cg, *w;
	const char *boot = json_string_value(json_object_get(json_object_get(res, "boot"), "kind"));
	double all_cpu = 0;
	size_t i, k;

	json_array_foreach(cgroups, i, cg)
		json_array_foreach(json_object_get(cg, "workers"), k, w)
			all_cpu += num(w, "cpu_time_ns");
	json_array_foreach(cgroups, i, cg) {
		const char *name = json_string_value(json_object_get(cg, "name"));
		struct metric_cgroup c;
		int err = cgroup_sum(json_object_get(cg, "workers"), all_cpu, &c);

		for (int m = 0; !err && m < metric_count; m++)
			if (metric_defs[m].scope == METRIC_PER_CGROUP)
				err = push(v, n, &metric_defs[m], name && *name ? name : "(root)",
					   metric_defs[m].of_cgroup(&c));
		free(c.lat);
		if (err)
			return -1;
	}
	for (int m = 0; m < metric_count; m++) {
		const struct metric_def *d = &metric_defs[m];

		if (d->scope != METRIC_PER_CGROUP &&
		    push(v, n, d, d->scope == METRIC_PER_BOOT ? boot ? boot : "cold" : "",
			 d->of_run(res)))
			return -1;
	}
	return 0;
}

_Static_assert(sizeof(metric_defs) / sizeof(metric_defs[0]) <= METRIC_MAX,
	       "struct compare_policy holds METRIC_MAX gates");
