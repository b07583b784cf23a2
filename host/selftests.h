/* SPDX-License-Identifier: GPL-2.0-only */
/* `ktstr-run selftests`: the kernel's own sched_ext selftests
 * (tools/testing/selftests/sched_ext) built for the kernel in use, run in a
 * guest of any topology, one result per test. selftests.c builds and runs
 * them; selftests_results.c turns the runner's output into results and
 * writes them (terminal, JSON, JUnit). */
#ifndef KTSTR__HOST_SELFTESTS_H
#define KTSTR__HOST_SELFTESTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "scenario/model.h"

struct selftests_opts {
	const char *kernel;     /* NULL: the default kernel */
	const char *source;     /* a kernel tree holding the selftests; NULL: the
				 * Debian linux-source of the default kernel, or
				 * the --kernel tree */
	const char *topology;   /* "numa=1 llcs=1 cores=4 threads=1" (or with
				 * commas); NULL: that */
	const char *memory;     /* "1G"; NULL: that */
	const char *filter;     /* -t NAME: tests whose name holds NAME */
	const char *append;     /* more kernel command line */
	const char *backend;
	const char *json, *junit, *log;
	uint64_t timeout_ms;    /* the runner's; 0: SELFTESTS_TIMEOUT_S */
	int cold, verbose, quiet;
	bool rebuild;           /* build again even when a build is cached */
};

#define SELFTESTS_TIMEOUT_S 1800u
#define SELFTESTS_TOPOLOGY "numa=1 llcs=1 cores=4 threads=1"
#define SELFTESTS_MEMORY "1G"

int cmd_selftests(const struct selftests_opts *o);

/* --- lower level, unit tested --- */

/* --topology: words KEY=N (numa, llcs, cores, threads) separated by blanks
 * or commas, the rest defaulting as in a scenario. 0, or -1 with msg. */
int selftests_parse_topology(const char *s, struct scn_topology *t, char *msg, size_t len);

/* The kernel command line the tests need for topology t: nohz_full= of
 * every CPU but the first (the nohz_tick test needs one), unless append
 * sets nohz_full= itself or t has one CPU. Into buf ("" for none). */
void selftests_cmdline(const struct scn_topology *t, const char *append, char *buf, size_t len);

/* What a generated scenario runs. */
struct selftests_plan {
	const char *runner;        /* host path of the built runner */
	const char *const *libs;   /* the libraries it needs beyond libc */
	size_t n_libs;
	const char *script;        /* host path of the guest-side script */
	struct scn_topology topo;
	const char *memory;        /* "1G" */
	const char *filter;        /* NULL: every test */
	uint64_t timeout_ms;
};

/* The scenario text (malloc'd) that ships the runner, its libraries and
 * the script with `file` directives and runs them as a payload, or NULL
 * with msg (a path the scenario language cannot quote). */
char *selftests_scenario(const struct selftests_plan *p, char *msg, size_t len);

/* The script the guest runs: the runner with its stderr in its stdout,
 * which guest-init keeps (the payload's output) and reads as TAP. Exit
 * status the runner's. */
extern const char selftests_run_sh[];

/* One test's result. */
enum selftest_result { ST_PASS, ST_FAIL, ST_SKIP, ST_NOT_RUN };

struct selftest {
	char name[128];
	enum selftest_result result;
	char *output;   /* what it printed (its block of the runner's output),
			 * malloc'd, "" if none */
	char why[256];  /* a skip or not-run reason, "" if none */
};

struct selftests_results {
	struct selftest *t;
	size_t n;
	int summary_passed, summary_skipped, summary_failed; /* -1: none seen */
};

/* What the run's results (docs/results.md) hold of the "selftests"
 * payload: the runner's output (payloads[].stdout, run.sh having put its
 * stderr there: all of it up to 64 KiB, else its start and end around a
 * "[ktstr-run: N bytes not kept]" line), the TAP test lines guest-init read
 * from all of it (payloads[].tap.tests), and its exit status. Borrowed
 * from run; NULL and -1 where the results hold none. */
struct selftests_run {
	const char *out;
	const json_t *tap;
	int exit_code;
};
void selftests_from_run(const json_t *run, struct selftests_run *sr);

/* One result per test into r. The results are the runner's own TAP lines
 * among tap (payload_tap's tests[]: "ok N name #" passed, "ok N name #
 * SKIP" skipped, "not ok N name #" failed): those naming a test of
 * `expect` (the runner's -l list), or, without one, a name of one word;
 * TAP lines the tests print themselves (rt_stall's "ok 1 PASS: ...") are
 * not results. Each test's output is its block of out ("===== START
 * =====", "TEST: name", "OUTPUT:", what it printed, up to its result
 * line), or a note where that fell in the part not kept. A test whose
 * block out ends in without a result is not run (the runner died in it);
 * so is every test of `expect` that the filter selected and that did not
 * report. The runner's closing "PASSED: / SKIPPED: / FAILED:" counts go
 * to summary_*. 0, or -ENOMEM. */
int selftests_parse(const char *out, const json_t *tap, const char *const *expect,
		    size_t n_expect, const char *filter, struct selftests_results *r);
void selftests_results_free(struct selftests_results *r);

/* Why a test skips itself, as its code says (for the table; its own words
 * are in its output), or NULL. */
const char *selftests_skip_hint(const char *name);

/* Output. meta: the kernel release, the topology as text, the command line
 * added, wall seconds. */
struct selftests_meta {
	const char *release, *topology, *cmdline, *source;
	double wall_s;
	int run_exit;       /* cmd_run's exit code */
	int runner_exit;    /* -1: unknown */
};
void selftests_print(FILE *f, const struct selftests_results *r, const struct selftests_meta *m);
json_t *selftests_json(const struct selftests_results *r, const struct selftests_meta *m,
		       json_t *run);
int selftests_junit(FILE *f, const struct selftests_results *r, const struct selftests_meta *m);

#endif
