/* SPDX-License-Identifier: GPL-2.0-only */
/* WorkerReport: what one worker measured about its own scheduling, and its
 * JSON form (the same on the wire and in the results file). */
#ifndef KTSTR__WORKLOAD_REPORT_H
#define KTSTR__WORKLOAD_REPORT_H

#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>

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

/* The fields every WorkerReport has, listed once: the guest's shared-memory
 * struct and the host's decoded struct both hold them, and both JSON
 * directions are generated from these lists (workload/report.c).
 * WR_INTS: X(type, name, min, max) - a JSON integer in [min, max].
 * WR_REALS: X(name) - a JSON number (ms), finite and >= 0.
 * WR_BOOLS: X(name). */
#define WR_INTS(X)                                                    \
	X(int32_t, tid, 0, INT32_MAX)                                 \
	X(int32_t, index, 0, INT32_MAX)    /* within its cgroup */    \
	X(uint64_t, work_units, 0, INT64_MAX)                         \
	X(uint64_t, iterations, 0, INT64_MAX)                         \
	X(uint64_t, cpu_time_ns, 0, INT64_MAX)                        \
	X(uint64_t, wall_time_ns, 0, INT64_MAX)                       \
	X(uint64_t, off_cpu_ns, 0, INT64_MAX)                         \
	X(uint64_t, migration_count, 0, INT64_MAX) /* exact */        \
	X(int32_t, max_gap_cpu, -1, SCN_MAX_CPUS - 1)                 \
	X(uint64_t, started_at_ns, 0, INT64_MAX) /* CLOCK_MONOTONIC */ \
	X(uint64_t, wake_sample_total, 0, INT64_MAX)                  \
	X(uint64_t, iteration_cost_sample_total, 0, INT64_MAX)        \
	X(uint64_t, schedstat_run_delay_ns, 0, INT64_MAX)             \
	X(uint64_t, schedstat_run_count, 0, INT64_MAX)                \
	X(uint64_t, schedstat_cpu_time_ns, 0, INT64_MAX)              \
	X(uint64_t, vmstat_numa_pages_migrated, 0, INT64_MAX)
#define WR_REALS(X)                                                   \
	X(max_gap_ms)                                                 \
	X(max_gap_at_ms) /* since the worker started */
#define WR_BOOLS(X)                                                   \
	X(completed)     /* reached its normal end */                 \
	X(is_messenger)

#define WR_DECLARE_INT(type, name, min, max) type name;
#define WR_DECLARE_REAL(name) double name;
#define WR_DECLARE_BOOL(name) bool name;

/* What both structs hold besides the sample arrays. */
#define WR_COMMON_FIELDS                                              \
	WR_INTS(WR_DECLARE_INT)                                       \
	WR_REALS(WR_DECLARE_REAL)                                     \
	WR_BOOLS(WR_DECLARE_BOOL)                                     \
	char cgroup[SCN_NAME_MAX];                                    \
	char type[32];                                                \
	struct scn_cpumask cpus_used;                                 \
	uint64_t numa_pages[SCN_MAX_NODES];                           \
	enum wr_exit_kind exit_kind;                                  \
	int32_t exit_code;           /* code or signal number */      \
	char exit_msg[128];          /* why a worker failed its setup, or "" */ \
	uint32_t n_migrations;       /* records kept, <= WR_MAX_MIGRATIONS */ \
	uint32_t n_resume;           /* reservoir entries (Algorithm R) */ \
	uint32_t n_iter_cost;

/* The guest's report: lives in shared memory so that a worker that dies
 * still leaves what it measured; fixed arrays, large ones last. */
struct worker_report {
	WR_COMMON_FIELDS
	struct wr_migration migrations[WR_MAX_MIGRATIONS];
	uint64_t resume_latencies_ns[WR_RESERVOIR_CAP];
	uint64_t iteration_costs_ns[WR_RESERVOIR_CAP];
};

/* The host's decoded report: the same fields, the arrays on the heap sized
 * to what arrived (a report of 100 samples costs 100 samples, not 1.6 MB). */
struct wr_data {
	WR_COMMON_FIELDS
	struct wr_migration *migrations;
	uint64_t *resume_latencies_ns;
	uint64_t *iteration_costs_ns;
};

/* Encode as a JSON object (fields named as in the struct; cpus_used as an
 * array of CPU numbers; exit_info as {"kind":..., "code":...}). NULL only on
 * ENOMEM. */
json_t *wr_to_json(const struct worker_report *r);
json_t *wr_data_to_json(const struct wr_data *d);

/* Decode a report that came from a guest. Every field is checked: its JSON
 * type, its range (CPU numbers within SCN_MAX_CPUS, counts within the caps,
 * strings within their fields, cut at a character boundary), and
 * max_samples caps the samples kept of both reservoirs together (0: no
 * samples kept; the arrays are then left empty and *dropped says how many
 * were skipped). Unknown fields are ignored, missing ones are zero.
 * Returns 0, or -1 with msg filled (nothing allocated). */
int wr_data_decode(const json_t *j, struct wr_data *d, uint64_t max_samples,
		   uint64_t *dropped, char *msg, size_t len);
void wr_data_free(struct wr_data *d);

const char *wr_exit_kind_name(enum wr_exit_kind k);

/* Reservoir sampling (Algorithm R) helper: keep sample v, seen = total so
 * far including v. rng is xorshift state. */
void wr_reservoir_add(uint64_t *res, uint32_t *n, uint32_t cap,
		      uint64_t *seen, uint64_t v, uint64_t *rng);

/* Percentile (0..100) of a sample array (copied and sorted). 0 if empty. */
uint64_t wr_percentile(const uint64_t *v, uint32_t n, double pct);
/* The same of an array already sorted ascending (wr_sort), without a copy. */
uint64_t wr_percentile_sorted(const uint64_t *sorted, uint32_t n, double pct);
void wr_sort(uint64_t *v, uint32_t n);

#endif
