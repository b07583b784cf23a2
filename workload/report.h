/* WorkerReport: what one worker measured about its own scheduling, and its
 * JSON form (the same on the wire and in the results file). */
#ifndef KTSTR__WORKLOAD_REPORT_H
#define KTSTR__WORKLOAD_REPORT_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "scenario/model.h"

#define WR_RESERVOIR_CAP 100000 /* resume latency / iteration cost samples */
#define WR_MAX_MIGRATIONS 1024  /* migration records kept (count is exact) */

struct wr_migration {
	uint64_t at_ns;   /* since the worker started */
	int32_t from_cpu;
	int32_t to_cpu;
};

enum wr_exit_kind {
	WR_EXIT_RUNNING = 0, /* no exit observed (report taken while running) */
	WR_EXIT_EXITED,      /* exited with code */
	WR_EXIT_SIGNALED,    /* killed by signal */
	WR_EXIT_TIMED_OUT,   /* did not stop when asked; was killed */
	WR_EXIT_WAIT_FAILED, /* waitpid failed */
};

struct worker_report {
	int32_t tid;
	char cgroup[SCN_NAME_MAX];
	char type[32];
	int32_t index;               /* worker index within its cgroup */
	uint64_t work_units;
	uint64_t iterations;
	uint64_t cpu_time_ns;
	uint64_t wall_time_ns;
	uint64_t off_cpu_ns;
	uint64_t migration_count;
	struct scn_cpumask cpus_used;
	uint32_t n_migrations;
	struct wr_migration migrations[WR_MAX_MIGRATIONS];
	double max_gap_ms;
	int32_t max_gap_cpu;
	double max_gap_at_ms;        /* since the worker started */
	uint64_t started_at_ns;      /* CLOCK_MONOTONIC when the worker started */
	/* Reservoirs (Algorithm R). Counts are of valid entries. */
	uint32_t n_resume;
	uint64_t wake_sample_total;
	uint32_t n_iter_cost;
	uint64_t iteration_cost_sample_total;
	uint64_t schedstat_run_delay_ns;
	uint64_t schedstat_run_count;
	uint64_t schedstat_cpu_time_ns;
	uint64_t numa_pages[SCN_MAX_NODES];
	uint64_t vmstat_numa_pages_migrated;
	bool completed;              /* reached its normal end */
	enum wr_exit_kind exit_kind;
	int32_t exit_code;           /* code or signal number */
	bool is_messenger;
	char exit_msg[128];          /* why a worker failed its setup, or "" */
	/* Large arrays last; a report lives in shared memory so a worker that
	 * dies still leaves what it measured. */
	uint64_t resume_latencies_ns[WR_RESERVOIR_CAP];
	uint64_t iteration_costs_ns[WR_RESERVOIR_CAP];
};

/* Encode as a JSON object (fields named as in the struct; cpus_used as an
 * array of CPU numbers; exit_info as {"kind":..., "code":...}). */
json_t *wr_to_json(const struct worker_report *r);
/* Decode; unknown fields are ignored, missing ones are zero. Returns 0 or -1
 * with msg filled. */
int wr_from_json(const json_t *j, struct worker_report *r, char *msg, size_t len);

const char *wr_exit_kind_name(enum wr_exit_kind k);

/* Reservoir sampling (Algorithm R) helper: keep sample v, seen = total so
 * far including v. rng is xorshift state. */
void wr_reservoir_add(uint64_t *res, uint32_t *n, uint32_t cap,
		      uint64_t *seen, uint64_t v, uint64_t *rng);

/* Percentile (0..100) of a sample array (copied and sorted). 0 if empty. */
uint64_t wr_percentile(const uint64_t *v, uint32_t n, double pct);

#endif
