// SPDX-License-Identifier: GPL-2.0-only
/* suite_dispatch's processes (host/suite_run.c), with a fake run in place
 * of run_one: a kvm suite's process goes on with the next run of its VM
 * shape (its warm VM), a QEMU suite's runs one each, and the verdicts,
 * exit codes and --fail-fast come out as with a process per run. */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "host/suite.h"
#include "tests/tmpdir.h"

TestSuite(dispatch, .init = test_dir_init, .fini = test_dir_fini);

#define N_RUNS 5

static struct scenario scn[1];
static struct suite_topo topos[2];
static struct suite_run runs[N_RUNS];
static struct suite su;

/* The fake run: its process's pid in STEM.pid, results in STEM.json that
 * pass, or fail (exit 1) for a stem starting with "fail"; one starting
 * with "crash" kills its process instead. */
static int fake_run(const struct suite *s, const struct suite_run *r)
{
	char path[4400];
	bool fail = !strncmp(r->stem, "fail", 4);
	FILE *f;

	suite_path(s, r, ".pid", path, sizeof(path));
	f = fopen(path, "w");
	if (!f)
		return 2;
	fprintf(f, "%d\n", (int)getpid());
	fclose(f);
	if (!strncmp(r->stem, "crash", 5))
		kill(getpid(), SIGKILL);
	suite_path(s, r, ".json", path, sizeof(path));
	f = fopen(path, "w");
	if (!f)
		return 2;
	fprintf(f, "{\"verdict\": \"%s\", \"reason\": \"\", \"checks\": []}\n",
		fail ? "fail" : "pass");
	fclose(f);
	return fail ? 1 : 0;
}

/* Runs of shapes "AABAB" (topology 0 or 1), named by stems. */
static void setup(const char *backend, const char *const stems[N_RUNS])
{
	static const char shapes[] = "AABAB";

	memset(&su, 0, sizeof(su));
	memset(runs, 0, sizeof(runs));
	snprintf(scn[0].name, sizeof(scn[0].name), "hello");
	for (int i = 0; i < 2; i++) {
		snprintf(topos[i].label, sizeof(topos[i].label), "t%d", i);
		topos[i].t = (struct scn_topology){ .numa = 1, .llcs = 1, .cores = i + 1,
						    .threads = 1 };
	}
	for (int i = 0; i < N_RUNS; i++) {
		struct suite_run *r = &runs[i];

		r->topo = shapes[i] - 'A';
		r->t = topos[r->topo].t;
		r->sched = -1;
		r->memory = 512ull << 20;
		r->cost = 1;
		r->repeat = i;
		r->state = SUITE_PENDING;
		snprintf(r->stem, sizeof(r->stem), "%s", stems[i]);
	}
	su.backend = backend;
	su.scn = scn;
	su.n_scn = 1;
	su.topos = topos;
	su.n_topo = 2;
	su.runs = runs;
	su.n_runs = N_RUNS;
	su.out_dir = test_dir;
	su.o.quiet = 1;
	su.lanes.host = 1;
	su.lanes.jobs = 1;
	su.run_fn = fake_run;
}

static long pid_of(int i)
{
	char path[4400];
	long pid = -1;
	FILE *f;

	suite_path(&su, &runs[i], ".pid", path, sizeof(path));
	f = fopen(path, "r");
	if (!f)
		return -1;
	if (fscanf(f, "%ld", &pid) != 1)
		pid = -1;
	fclose(f);
	return pid;
}

static void free_runs(void)
{
	for (int i = 0; i < N_RUNS; i++)
		json_decref(runs[i].checks);
}

static const char *const ok[N_RUNS] = { "a1", "a2", "b1", "a3", "b2" };

Test(dispatch, next_same_vm)
{
	setup("kvm", ok);
	runs[1].state = SUITE_DONE;
	cr_assert_eq(suite_next_same_vm(&su, &runs[0]), &runs[3]);
	cr_assert_eq(suite_next_same_vm(&su, &runs[2]), &runs[4]);
	runs[3].cost = 2;	/* another CPU count: not this process's */
	cr_assert_null(suite_next_same_vm(&su, &runs[0]));
	runs[3].cost = 1;
	runs[3].memory <<= 1;	/* another memory size: another VM */
	cr_assert_null(suite_next_same_vm(&su, &runs[0]));
	runs[4].state = SUITE_RUNNING;
	cr_assert_null(suite_next_same_vm(&su, &runs[2]));
}

Test(dispatch, serial_only_for_kvm_with_snapshots)
{
	setup("kvm", ok);
	cr_assert(suite_serial_runners(&su));
	su.o.cold = 1;
	cr_assert_not(suite_serial_runners(&su));
	setup("qemu", ok);
	cr_assert_not(suite_serial_runners(&su));
}

Test(dispatch, kvm_runs_a_shape_in_one_process)
{
	setup("kvm", ok);
	cr_assert_eq(suite_dispatch(&su, false), 0);
	for (int i = 0; i < N_RUNS; i++) {
		cr_assert_eq(runs[i].state, SUITE_DONE, "run %d", i);
		cr_assert_str_eq(runs[i].verdict, "pass", "run %d", i);
		cr_assert_eq(runs[i].exit_code, 0, "run %d", i);
		cr_assert_gt(pid_of(i), 0, "run %d", i);
	}
	cr_assert_eq(su.exit_code, 0);
	/* a1, a2, a3 in one process, b1 and b2 in another. */
	cr_assert_eq(pid_of(0), pid_of(1));
	cr_assert_eq(pid_of(0), pid_of(3));
	cr_assert_eq(pid_of(2), pid_of(4));
	cr_assert_neq(pid_of(0), pid_of(2));
	free_runs();
}

Test(dispatch, qemu_runs_each_in_its_own_process)
{
	setup("qemu", ok);
	cr_assert_eq(suite_dispatch(&su, false), 0);
	for (int i = 0; i < N_RUNS; i++) {
		cr_assert_str_eq(runs[i].verdict, "pass", "run %d", i);
		for (int k = 0; k < i; k++)
			cr_assert_neq(pid_of(i), pid_of(k), "runs %d and %d", k, i);
	}
	free_runs();
}

Test(dispatch, kvm_fail_fast_stops_the_process)
{
	static const char *const stems[N_RUNS] = { "a1", "fail-a2", "b1", "a3", "b2" };

	setup("kvm", stems);
	cr_assert_eq(suite_dispatch(&su, true), 0);
	cr_assert_eq(runs[0].state, SUITE_DONE);
	cr_assert_str_eq(runs[1].verdict, "fail");
	cr_assert_eq(runs[1].exit_code, 1);
	cr_assert_eq(su.exit_code, 1);
	for (int i = 2; i < N_RUNS; i++) {
		cr_assert_eq(runs[i].state, SUITE_CANCELLED, "run %d", i);
		cr_assert_eq(pid_of(i), -1, "run %d ran", i);
	}
	free_runs();
}

Test(dispatch, kvm_a_failed_run_does_not_end_the_process)
{
	static const char *const stems[N_RUNS] = { "a1", "fail-a2", "b1", "a3", "b2" };

	setup("kvm", stems);
	cr_assert_eq(suite_dispatch(&su, false), 0);
	cr_assert_eq(runs[1].exit_code, 1);
	cr_assert_eq(runs[3].exit_code, 0);
	cr_assert_eq(pid_of(1), pid_of(3));
	cr_assert_eq(su.exit_code, 1);
	free_runs();
}

Test(dispatch, kvm_a_process_killed_mid_run)
{
	static const char *const stems[N_RUNS] = { "a1", "crash-a2", "b1", "a3", "b2" };

	setup("kvm", stems);
	cr_assert_eq(suite_dispatch(&su, false), 0);
	cr_assert_str_eq(runs[1].verdict, "error");
	cr_assert_eq(runs[1].exit_code, 2);
	cr_assert(strstr(runs[1].reason, "signal 9"), "%s", runs[1].reason);
	/* The rest of its shape ran, in a new process. */
	cr_assert_str_eq(runs[3].verdict, "pass");
	cr_assert_neq(pid_of(3), pid_of(0));
	cr_assert_eq(su.exit_code, 2);
	free_runs();
}
