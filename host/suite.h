/* SPDX-License-Identifier: GPL-2.0-only */
/* `ktstr-run suite`: many scenarios across topologies and schedulers, runs
 * in parallel VMs, one results file per run, an index and JUnit XML.
 * suite.c is the command (options, loading and checking every input, the
 * runs and their skips), suite_plan.c decides (scheduler and topology
 * arguments, rewritten scenarios, estimates, --budget, -j, CPUs),
 * suite_run.c runs (a child process per run, or per VM shape with the
 * kvm backend), suite_output.c writes
 * (progress, index.json, JUnit, the table). */
#ifndef KTSTR__HOST_SUITE_H
#define KTSTR__HOST_SUITE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include <jansson.h>

#include "host/run.h"
#include "scenario/model.h"

#define SUITE_MAX_REPEAT 1000

/* A topology of --topology: a preset, a shape, or each scenario's own. */
struct suite_topo {
	char label[SCN_NAME_MAX];  /* the preset's name, the shape, or "own" */
	bool preset;
	bool own;
	struct scn_topology t;     /* unless own */
};

/* A row of --scheduler: the built-in class (eevdf), or a scheduler added
 * to every scenario that does not manage schedulers itself. */
struct suite_sched {
	char label[SCN_NAME_MAX];  /* "eevdf", or the scheduler's name */
	bool eevdf;
	struct scn_scheduler sc;   /* unless eevdf; sc.name == label */
};

/* The label of the runs of a scenario that manages its schedulers itself:
 * they run once per topology, as written. */
#define SUITE_SCHED_SCENARIO "scenario"

/* --scheduler ARG: "eevdf", or [name=LABEL] bpf=OBJ|exec=PATH [args=...]
 * [partial=yes|no] in the scenario language's words; LABEL defaults to
 * the object's or binary's base name (without .bpf.o / .o). 0, or -1 with
 * msg. Files are not looked at here. */
int suite_sched_parse(const char *arg, struct suite_sched *out, char *msg, size_t len);

/* --topology LIST: comma-separated presets, shapes, "own", or "all" (every
 * preset). Appended to *v (n, cap); a shape met twice is kept once. 0, or
 * -1 with msg. */
int suite_topo_parse(const char *list, struct suite_topo **v, int *n, char *msg,
		     size_t len);

enum suite_state {
	SUITE_PENDING,
	SUITE_RUNNING,
	SUITE_DONE,
	SUITE_SKIPPED,     /* never to run: skip says why */
	SUITE_CANCELLED,   /* --fail-fast or an interrupt stopped it */
};

/* One run: a scenario on a topology under a scheduler, repetition r. */
struct suite_run {
	int scn, topo, sched;      /* indexes; sched -1: as the scenario says */
	int repeat;
	struct scn_topology t;     /* the topology it runs on */
	uint64_t memory;           /* the guest's memory */
	bool rewrite;              /* its text differs from the file's */
	double est_s;              /* estimated wall time, as it will likely boot */
	double est_cold_s;         /* the same, booted */
	int cost;                  /* host CPUs it takes (suite_run_cost) */
	char stem[4 * SCN_NAME_MAX]; /* its files' names, without extension */
	char skip[1024];           /* why it does not run ("" if it does) */
	enum suite_state state;
	bool signalled;            /* the suite told it to stop */
	int order;                 /* as planned, before largest-first */
	/* while and after it runs */
	pid_t pid;
	double t0, secs;
	int exit_code;
	char verdict[16];          /* results' verdict, or "error" */
	char reason[1024];
	json_t *checks;            /* the results' checks[] */
	char console_tail[8192];
	int cpus[SCN_MAX_CPUS];    /* host CPUs allotted, n_cpus of them */
	int n_cpus;
};

/* How runs are placed on the host's CPUs. */
struct suite_lanes {
	int host;                  /* host CPUs this process may use */
	int cpu_ids[1024];         /* their numbers */
	bool per_vcpu;             /* a VM takes a CPU per vCPU (KVM), else one (TCG) */
	int jobs;                  /* VMs at once at most */
	bool strict;               /* -j not given: never more CPUs than the host's,
				    * each VM pinned to its own; -j N: not pinned */
};

/* What a run costs in host CPUs: its vCPUs under KVM (at most the host's),
 * one under TCG (QEMU runs the guest on one thread). */
int suite_run_cost(const struct scn_topology *t, bool per_vcpu, int host);
/* The default -j: as many VMs as the host's CPUs hold (strict), given
 * the smallest cost among the runs. */
int suite_default_jobs(int host, int min_cost);

/* Estimated wall time of a run of scenario length run_ns on topology t:
 * booted (cold) or restored from a snapshot, under KVM or TCG. */
double suite_estimate_s(uint64_t run_ns, const struct scn_topology *t, bool kvm, bool cold);

/* Choose among runs[] (state SUITE_PENDING; the others are left alone)
 * the subset that covers the most distinct scenarios, topologies and
 * schedulers, then pairs of them, then triples, then repetitions, within
 * capacity CPU-seconds: a run costs est_s x cost, or est_cold_s x cost if
 * it is the first chosen of its VM shape (topology and memory: the rest
 * restore its snapshot). Greedy, by new coverage per CPU-second. The
 * others become SUITE_SKIPPED with why. Returns the runs chosen. */
int suite_budget_select(struct suite_run *runs, int n, int n_scn, int n_topo, int n_sched,
			double capacity, const char *why);

/* Host CPUs of its own for a run of cost c (at most the host's): idle
 * ones of lanes (load[i] VMs on cpu_ids[i]), or none (-1) if fewer than c
 * are idle. Fills cpus[c] and bumps their load; returns c or -1. */
int suite_allot(const struct suite_lanes *l, int *load, int c, int *cpus);
void suite_release(const struct suite_lanes *l, int *load, const int *cpus, int n);

/* The worst of two exit codes: 2 (harness or input error) over 3 (a guest
 * crashed or timed out) over 1 (a check failed) over 0. */
int suite_exit_worse(int a, int b);

/* The suite as a whole, for the writers. */
struct suite {
	struct run_opts o;         /* what every run shares */
	const char *backend;       /* resolved */
	const char *accel;         /* "kvm" or "tcg" (qemu), "kvm" (own VMM) */
	struct kernel *kernel;
	char **paths;              /* the scenario files, sorted */
	struct scenario *scn;      /* parsed, one per path */
	int n_scn;
	struct suite_topo *topos;
	int n_topo;
	struct suite_sched *scheds;
	int n_sched;
	int repeat;
	struct suite_run *runs;
	int n_runs;
	struct suite_lanes lanes;
	const char *out_dir;       /* --out, or a temporary directory */
	double wall_s;
	int exit_code;
	/* What a run's process does for run r (tests put a fake here); NULL:
	 * run_one on r's scenario. Returns the run's exit code. */
	int (*run_fn)(const struct suite *su, const struct suite_run *r);
};

/* The runs' key parts as they appear in index.json and the table. */
const char *suite_topo_label(const struct suite *su, const struct suite_run *r);
const char *suite_sched_label(const struct suite *su, const struct suite_run *r);

/* index.json: {schema, kernel, backend, accel, jobs, wall_s, exit_code,
 * counts, runs: [{key: {scenario, topology, scheduler, kernel, repeat},
 * preset, file, verdict, exit_code, reason, seconds, results, console_log,
 * log, seed} or for a skipped one {key, preset, file, verdict "skipped",
 * reason}]} (docs/suite.md). NULL on ENOMEM. */
json_t *suite_index_json(const struct suite *su);
/* JUnit XML: a testsuite per scenario x topology x scheduler, a testcase
 * per check of each run (repetitions as "CHECK #N"), a run that did not
 * finish as an error, a skipped or cancelled one as skipped. 0 or -1 (a
 * write error). */
int suite_junit(FILE *f, const struct suite *su);
/* The final table: a row per scenario, a column per topology x scheduler. */
void suite_table(FILE *f, const struct suite *su);

/* The scenario run r runs: the file's own (*s = &su->scn[r->scn]), or
 * the file rewritten (another topology or memory, the scheduler under
 * test attached: scn_rewrite) and parsed into buf as the guest will parse
 * it (*s = buf, scn_free it). 0, or -1 with msg: why r cannot run there
 * (FILE:LINE:COL where the file says it). */
int suite_run_scenario(const struct suite *su, const struct suite_run *r, struct scenario *buf,
		       const struct scenario **s, char *msg, size_t len);

/* Whether a run's process goes on with further runs of its VM shape
 * (kvm, unless --cold): its warm VM (backend_kvm_warm) is reset to the
 * snapshot for each instead of built. */
bool suite_serial_runners(const struct suite *su);
/* For the process that ran done: its next run, the first pending one (in
 * the order planned) of the same VM shape (topology and memory), or NULL. */
struct suite_run *suite_next_same_vm(struct suite *su, const struct suite_run *done);
/* Run the pending runs (suite_run.c): at most lanes.jobs at once, each
 * in a child process (with suite_serial_runners, one that is handed the
 * next run of its VM shape while there is one, over a pipe); their
 * results read back into runs[]; su->exit_code the worst. fail_fast:
 * stop at the first run that does not pass. An interrupt (SIGINT,
 * SIGTERM) stops them too (suite_interrupted() says so after). 0, or -1 out of memory. */
int suite_dispatch(struct suite *su, bool fail_fast);
bool suite_interrupted(void);
double suite_now(void);

/* "[ktstr-run] ..." on stderr unless -q. */
void suite_say(const struct suite *su, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* "42 s", "3m05s", "2h10m". */
void suite_fmt_secs(double s, char *buf, size_t len);
/* <out_dir>/<stem><ext>: a run's files. */
void suite_path(const struct suite *su, const struct suite_run *r, const char *ext, char *buf,
		size_t len);

int cmd_suite(int argc, char **argv);
/* `ktstr-run topology list`. */
int cmd_topology_list(FILE *f, const char *backend);

#endif
