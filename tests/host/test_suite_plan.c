// SPDX-License-Identifier: GPL-2.0-only
/* The suite's decisions (host/suite_plan.c): --scheduler and --topology,
 * the presets on each backend, what a run costs and how long it takes,
 * the -j default, which runs a --budget keeps, which CPUs a run gets. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host/backend.h"
#include "host/suite.h"
#include "scenario/topologies.h"

static char msg[1024];

Test(sched, eevdf)
{
	struct suite_sched k;

	cr_assert_eq(suite_sched_parse("eevdf", &k, msg, sizeof(msg)), 0);
	cr_expect(k.eevdf);
	cr_expect_str_eq(k.label, "eevdf");
}

Test(sched, bpf_named_after_its_object)
{
	struct suite_sched k;

	cr_assert_eq(suite_sched_parse("bpf=build/tests/sched/scx_simple.bpf.o", &k, msg,
				       sizeof(msg)), 0, "%s", msg);
	cr_expect_not(k.eevdf);
	cr_expect_str_eq(k.label, "scx_simple");
	cr_expect_str_eq(k.sc.name, "scx_simple");
	cr_expect_eq(k.sc.kind, SCN_SCHED_BPF);
	cr_expect_str_eq(k.sc.target, "build/tests/sched/scx_simple.bpf.o");
	cr_assert_eq(suite_sched_parse("bpf=fifo partial=yes", &k, msg, sizeof(msg)), 0);
	cr_expect_str_eq(k.label, "fifo");
	cr_expect(k.sc.partial);
	/* What a scenario name cannot hold becomes '_'. */
	cr_assert_eq(suite_sched_parse("bpf=/x/.my+sched.o", &k, msg, sizeof(msg)), 0);
	cr_expect_str_eq(k.label, "_my_sched");
}

Test(sched, exec_with_args_and_a_name)
{
	struct suite_sched k;

	cr_assert_eq(suite_sched_parse("exec=/usr/bin/scx_rusty args=\"--slice-us 5000\"", &k,
				       msg, sizeof(msg)), 0, "%s", msg);
	cr_expect_str_eq(k.label, "scx_rusty");
	cr_expect_eq(k.sc.kind, SCN_SCHED_EXEC);
	cr_expect_str_eq(k.sc.args, "--slice-us 5000");
	cr_assert_eq(suite_sched_parse("name=rusty-fast exec=/usr/bin/scx_rusty", &k, msg,
				       sizeof(msg)), 0, "%s", msg);
	cr_expect_str_eq(k.label, "rusty-fast");
	cr_expect_str_eq(k.sc.name, "rusty-fast");
}

Test(sched, errors)
{
	static const struct { const char *arg, *msg; } bad[] = {
		{ "bpf=x.o attach=start", "attach= is the suite's to give" },
		{ "bpf=x.o exec=/y", "give one of bpf= and exec=, not both" },
		{ "bpf=x.o slice=5", "unknown option 'slice'" },
		{ "args=-v", "missing bpf=OBJ or exec=PATH" },
		{ "bpf=x.o args=-v", "args= is only for exec= schedulers" },
		{ "fifo", "unexpected 'fifo'" },
		{ "", "missing bpf=OBJ or exec=PATH" },
		{ "name=a/b bpf=x.o", "bad scheduler name 'a/b'" },
		{ "bpf=/x/eevdf.bpf.o", "its name would be 'eevdf'; give one with name=LABEL" },
		{ "name=scenario bpf=x.o", "its name would be 'scenario'" },
		{ "bpf=\"x.o", "unterminated string" },
	};
	struct suite_sched k;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cr_expect_neq(suite_sched_parse(bad[i].arg, &k, msg, sizeof(msg)), 0, "%s",
			      bad[i].arg);
		cr_expect(strstr(msg, bad[i].msg), "'%s': '%s' lacks '%s'", bad[i].arg, msg,
			  bad[i].msg);
		cr_expect(!strncmp(msg, "--scheduler '", 13), "%s", msg);
	}
}

Test(topo, presets_shapes_own)
{
	struct suite_topo *v = NULL;
	int n = 0;

	cr_assert_eq(suite_topo_parse("tiny-1llc,2n1l2c1t,own", &v, &n, msg, sizeof(msg)), 0,
		     "%s", msg);
	cr_assert_eq(n, 3);
	cr_expect_str_eq(v[0].label, "tiny-1llc");
	cr_expect(v[0].preset);
	cr_expect_str_eq(v[1].label, "2n1l2c1t");
	cr_expect_not(v[1].preset);
	cr_expect_eq(v[1].t.numa, 2);
	cr_expect(v[2].own);
	/* The same machine twice is kept once; a second option adds. */
	cr_assert_eq(suite_topo_parse("1n2l2c1t,tiny-2llc", &v, &n, msg, sizeof(msg)), 0);
	cr_assert_eq(n, 4);
	cr_expect_str_eq(v[3].label, "1n2l2c1t");
	free(v);
}

Test(topo, all)
{
	struct suite_topo *v = NULL;
	int n = 0, np;

	scn_presets(&np);
	cr_assert_eq(suite_topo_parse("all,tiny-1llc", &v, &n, msg, sizeof(msg)), 0);
	cr_expect_eq(n, np);
	free(v);
}

Test(topo, errors)
{
	struct suite_topo *v = NULL;
	int n = 0;

	cr_expect_neq(suite_topo_parse("tiny-1llc,huge", &v, &n, msg, sizeof(msg)), 0);
	cr_expect(strstr(msg, "--topology tiny-1llc,huge: unknown topology 'huge'"), "%s", msg);
	cr_expect_neq(suite_topo_parse("1n2l", &v, &n, msg, sizeof(msg)), 0);
	cr_expect(strstr(msg, "'1n2l' is not a shape"), "%s", msg);
	cr_expect_neq(suite_topo_parse("", &v, &n, msg, sizeof(msg)), 0);
	free(v);
}

/* Every preset but the largest builds on both backends today; that one
 * needs APIC IDs past 254 and is skipped, saying so. */
Test(topo, presets_on_the_backends)
{
	const struct scn_preset *p;
	int n;

	p = scn_presets(&n);
	for (int i = 0; i < n; i++) {
		int kvm = backend_topo_check("kvm", &p[i].topo, msg, sizeof(msg));
		int qemu = backend_topo_check("qemu", &p[i].topo, msg, sizeof(msg));

		if (strcmp(p[i].name, "max-cpu")) {
			cr_expect_eq(kvm, 0, "%s on kvm", p[i].name);
			cr_expect_eq(qemu, 0, "%s on qemu", p[i].name);
			continue;
		}
		/* APIC ID 433: x2APIC, the own VMM's alone. */
		cr_expect_eq(kvm, 0, "max-cpu on kvm");
		cr_expect_neq(qemu, 0);
		cr_expect(strstr(msg, "needs APIC ID"), "%s", msg);
	}
}

Test(cost, tcg_one_kvm_per_vcpu)
{
	struct scn_topology t = { 1, 2, 4, 2 };

	cr_expect_eq(suite_run_cost(&t, false, 2), 1);
	cr_expect_eq(suite_run_cost(&t, true, 64), 16);
	cr_expect_eq(suite_run_cost(&t, true, 8), 8);
}

/* The -j default never gives VMs more CPUs than the host has. */
Test(cost, default_jobs)
{
	cr_expect_eq(suite_default_jobs(2, 1), 2);
	cr_expect_eq(suite_default_jobs(16, 4), 4);
	cr_expect_eq(suite_default_jobs(16, 5), 3);
	cr_expect_eq(suite_default_jobs(2, 2), 1);
	cr_expect_eq(suite_default_jobs(1, 1), 1);
	for (int host = 1; host <= 64; host++)
		for (int c = 1; c <= host; c++)
			cr_expect_leq(suite_default_jobs(host, c) * c, host);
}

Test(cost, estimates)
{
	struct scn_topology two = { 1, 1, 2, 1 }, many = { 1, 4, 4, 2 };
	uint64_t s1 = 1000000000ull;

	double two_warm = suite_estimate_s(s1, &two, false, false);
	double two_cold = suite_estimate_s(s1, &two, false, true);
	double many_cold = suite_estimate_s(s1, &many, false, true);

	cr_expect_lt(two_warm, two_cold);
	cr_expect_lt(two_cold, many_cold);
	cr_expect_lt(suite_estimate_s(s1, &many, true, true), many_cold);
	cr_expect_gt(suite_estimate_s(60 * s1, &two, true, false), 60);
}

/* A grid of scenarios x topologies x schedulers, est_s each, cost 1. */
static struct suite_run *grid(int ns, int nt, int nk, int reps, double est, int *n)
{
	struct suite_run *v = calloc((size_t)(ns * nt * nk * reps), sizeof(*v));
	int i = 0;

	for (int s = 0; s < ns; s++)
		for (int t = 0; t < nt; t++)
			for (int k = 0; k < nk; k++)
				for (int r = 0; r < reps; r++, i++) {
					v[i] = (struct suite_run){ .scn = s, .topo = t,
						.sched = k, .repeat = r, .est_s = est,
						.est_cold_s = est, .cost = 1,
						.state = SUITE_PENDING };
					v[i].t = (struct scn_topology){ 1, t + 1, 2, 1 };
					v[i].memory = 512 << 20;
				}
	*n = i;
	return v;
}

static int covered(const struct suite_run *v, int n, int which, int count)
{
	int c = 0;

	for (int x = 0; x < count; x++)
		for (int i = 0; i < n; i++) {
			int dim = which == 0 ? v[i].scn : which == 1 ? v[i].topo : v[i].sched;

			if (v[i].state == SUITE_PENDING && dim == x) {
				c++;
				break;
			}
		}
	return c;
}

/* Three runs' time covers 3 scenarios, 2 topologies and 2 schedulers. */
Test(budget, covers_every_dimension_first)
{
	int n;
	struct suite_run *v = grid(3, 2, 2, 1, 10, &n);

	cr_expect_eq(suite_budget_select(v, n, 3, 2, 2, 30, "left out"), 3);
	cr_expect_eq(covered(v, n, 0, 3), 3);
	cr_expect_eq(covered(v, n, 1, 2), 2);
	cr_expect_eq(covered(v, n, 2, 2), 2);
	for (int i = 0; i < n; i++)
		if (v[i].state == SUITE_SKIPPED)
			cr_expect_str_eq(v[i].skip, "left out");
	free(v);
}

/* Repetitions come after every combination. */
Test(budget, repeats_last)
{
	int n, first = 0;
	struct suite_run *v = grid(2, 2, 1, 3, 10, &n);

	cr_expect_eq(suite_budget_select(v, n, 2, 2, 1, 40, "x"), 4);
	for (int i = 0; i < n; i++)
		first += v[i].state == SUITE_PENDING && v[i].repeat == 0;
	cr_expect_eq(first, 4);
	free(v);
}

Test(budget, all_or_nothing)
{
	int n;
	struct suite_run *v = grid(2, 2, 2, 1, 10, &n);

	cr_expect_eq(suite_budget_select(v, n, 2, 2, 2, 1000, "x"), n);
	free(v);
	v = grid(2, 2, 2, 1, 10, &n);
	cr_expect_eq(suite_budget_select(v, n, 2, 2, 2, 9, "x"), 0);
	for (int i = 0; i < n; i++)
		cr_expect_eq(v[i].state, SUITE_SKIPPED);
	free(v);
}

/* Skipped runs stay skipped, with their own reason. */
Test(budget, leaves_skipped_runs_alone)
{
	int n;
	struct suite_run *v = grid(2, 1, 1, 1, 10, &n);

	v[0].state = SUITE_SKIPPED;
	strcpy(v[0].skip, "requires smt");
	cr_expect_eq(suite_budget_select(v, n, 2, 1, 1, 100, "x"), 1);
	cr_expect_str_eq(v[0].skip, "requires smt");
	cr_expect_eq(v[1].state, SUITE_PENDING);
	free(v);
}

/* A run that restores a chosen shape's snapshot is cheaper than one that
 * boots a new shape: with room for two, the second shares the first's. */
Test(budget, prefers_a_warm_shape)
{
	int n;
	struct suite_run *v = grid(1, 2, 2, 1, 5, &n); /* one scenario: 2 topos x 2 scheds */

	for (int i = 0; i < n; i++)
		v[i].est_cold_s = 20;
	/* Room for one cold (20) and one warm (5) run: the first run covers
	 * the scenario, a topology and a scheduler; the second can add a
	 * scheduler warm (5) or a topology cold (20): only the warm fits. */
	cr_expect_eq(suite_budget_select(v, n, 1, 2, 2, 25, "x"), 2);
	cr_expect_eq(covered(v, n, 1, 2), 1);
	cr_expect_eq(covered(v, n, 2, 2), 2);
	free(v);
}

Test(allot, strict_waits_for_idle_cpus)
{
	struct suite_lanes l = { .host = 4, .cpu_ids = { 0, 2, 5, 7 }, .strict = true };
	int load[4] = { 0 }, a[4], b[4], c[4];

	cr_assert_eq(suite_allot(&l, load, 3, a), 3);
	cr_expect_eq(suite_allot(&l, load, 2, b), -1);
	cr_assert_eq(suite_allot(&l, load, 1, b), 1);
	/* Every CPU is taken once. */
	for (int i = 0; i < 4; i++)
		cr_expect_eq(load[i], 1);
	cr_expect(b[0] == 0 || b[0] == 2 || b[0] == 5 || b[0] == 7);
	suite_release(&l, load, a, 3);
	cr_assert_eq(suite_allot(&l, load, 3, c), 3);
	for (int i = 0; i < 3; i++)
		cr_expect_neq(c[i], b[0]);
	/* A run larger than the host gets all of it, alone. */
	suite_release(&l, load, c, 3);
	suite_release(&l, load, b, 1);
	cr_expect_eq(suite_allot(&l, load, 9, a), 4);
}

Test(exit, precedence)
{
	cr_expect_eq(suite_exit_worse(0, 0), 0);
	cr_expect_eq(suite_exit_worse(0, 1), 1);
	cr_expect_eq(suite_exit_worse(1, 3), 3);
	cr_expect_eq(suite_exit_worse(3, 1), 3);
	cr_expect_eq(suite_exit_worse(3, 2), 2);
	cr_expect_eq(suite_exit_worse(2, 3), 2);
	cr_expect_eq(suite_exit_worse(1, 0), 1);
	cr_expect_eq(suite_exit_worse(0, 7), 2);
	/* Inconclusive is worse than a pass, better than a failed check. */
	cr_expect_eq(suite_exit_worse(0, 4), 4);
	cr_expect_eq(suite_exit_worse(4, 1), 1);
	cr_expect_eq(suite_exit_worse(1, 4), 1);
	cr_expect_eq(suite_exit_worse(4, 0), 4);
}
