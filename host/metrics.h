/* SPDX-License-Identifier: GPL-2.0-only */
/* The metrics `compare` compares, in one table (metrics.c): what each one
 * measures, its unit, which way is better, its default gates, and how it is
 * read from a results file (docs/results.md). `ktstr-run metrics` lists it. */
#ifndef KTSTR__HOST_METRICS_H
#define KTSTR__HOST_METRICS_H

#include <stdbool.h>

#include <jansson.h>

enum metric_better { METRIC_LOWER = -1, METRIC_HIGHER = 1 };

#define METRIC_MAX 32  /* rows the registry may grow to */

/* A metric has a value per cgroup (workers outside every cgroup are the
 * cgroup "(root)"), per boot kind, or one per run. */
enum metric_scope { METRIC_PER_CGROUP, METRIC_PER_BOOT, METRIC_PER_RUN };

/* A change is a regression only if it is worse by more than abs (in the
 * metric's unit) and by more than rel_pct percent of the base. */
struct metric_gate {
	double abs;
	double rel_pct;
	bool off;       /* not compared */
};

struct metric_cgroup; /* metrics.c: one cgroup's workers, summed */

struct metric_def {
	const char *name;
	const char *unit;
	enum metric_better better;
	enum metric_scope scope;
	struct metric_gate gate;  /* the default */
	const char *what;
	/* METRIC_PER_CGROUP: the value for one cgroup; NAN when it has none
	 * (no samples, one worker for a spread). */
	double (*of_cgroup)(const struct metric_cgroup *c);
	/* Otherwise: the value for the run; NAN when it has none. */
	double (*of_run)(const json_t *results);
};

extern const struct metric_def metric_defs[];
extern const int metric_count;

/* The metric named name, or NULL. */
const struct metric_def *metric_find(const char *name);

/* One value of one metric in one results object. */
struct metric_value {
	const struct metric_def *m;
	char instance[64];  /* the cgroup or boot kind; "" per run */
	double v;
};

/* Every metric's values in results (a results object as `run --json`
 * writes it), appended to *v (*n of them, realloc'd). 0, or -1 when out
 * of memory. Values a run does not have are left out. */
int metrics_extract(const json_t *results, struct metric_value **v, int *n);

#endif
