// SPDX-License-Identifier: GPL-2.0-only
/* The suite's topology presets and the NnLlCcTt shape notation. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "scenario/topologies.h"

Test(presets, every_one_is_a_valid_topology_with_a_unique_name)
{
	const struct scn_preset *p;
	char msg[256];
	int n;

	p = scn_presets(&n);
	cr_assert_gt(n, 10);
	for (int i = 0; i < n; i++) {
		cr_expect_eq(scn_topo_check(&p[i].topo, msg, sizeof(msg)), 0, "%s: %s",
			     p[i].name, msg);
		cr_expect(p[i].what && *p[i].what, "%s has no description", p[i].name);
		cr_expect_eq(scn_preset_find(p[i].name), &p[i], "%s", p[i].name);
		for (int j = 0; j < i; j++) {
			cr_expect_str_neq(p[i].name, p[j].name);
			cr_expect(memcmp(&p[i].topo, &p[j].topo, sizeof(p[i].topo)),
				  "%s and %s have the same shape", p[i].name, p[j].name);
		}
		if (i)
			cr_expect_geq(scn_topo_ncpus(&p[i].topo), scn_topo_ncpus(&p[i - 1].topo),
				      "%s is listed after a larger one", p[i].name);
	}
	cr_expect_null(scn_preset_find("nope"));
}

/* What schedulers are tuned for, each covered by at least one preset. */
Test(presets, cover_what_schedulers_are_tuned_for)
{
	bool one_llc = false, multi_llc = false, odd_llcs = false, smt = false, numa2 = false;
	bool numa4 = false, cpus64 = false, near_max = false, small = false;
	const struct scn_preset *p;
	int n;

	p = scn_presets(&n);
	for (int i = 0; i < n; i++) {
		const struct scn_topology *t = &p[i].topo;
		int llcs = t->numa * t->llcs, cpus = scn_topo_ncpus(t);

		one_llc |= llcs == 1;
		multi_llc |= llcs > 1;
		odd_llcs |= llcs > 1 && llcs % 2;
		smt |= t->threads == 2;
		numa2 |= t->numa == 2;
		numa4 |= t->numa == 4;
		cpus64 |= cpus >= 64;
		near_max |= cpus >= 240;
		/* Something a 2-CPU CI host under TCG can run in seconds. */
		small |= cpus <= 4 && llcs > 1;
	}
	cr_expect(one_llc && multi_llc && odd_llcs && smt && numa2 && numa4 && cpus64 &&
		  near_max && small);
}

Test(shape, parse_and_format)
{
	struct scn_topology t;
	char msg[256], buf[32];

	cr_assert_eq(scn_shape_parse("1n2l2c1t", &t, msg, sizeof(msg)), 0, "%s", msg);
	cr_expect_eq(t.numa, 1);
	cr_expect_eq(t.llcs, 2);
	cr_expect_eq(t.cores, 2);
	cr_expect_eq(t.threads, 1);
	cr_assert_eq(scn_shape_parse("4n3l8c2t", &t, msg, sizeof(msg)), 0, "%s", msg);
	cr_expect_eq(scn_topo_ncpus(&t), 192);
	scn_shape_format(&t, buf, sizeof(buf));
	cr_expect_str_eq(buf, "4n3l8c2t");
	cr_assert_eq(scn_shape_parse("16n1l16c1t", &t, msg, sizeof(msg)), 0, "%s", msg);
	cr_expect_eq(t.numa, 16);
}

Test(shape, errors)
{
	static const struct { const char *in, *msg; } bad[] = {
		{ "", "'' is not a shape; expected NnLlCcTt, e.g. 1n2l2c1t" },
		{ "1n2l2c", "'1n2l2c' is not a shape" },
		{ "1n2l2c1t2", "shape '1n2l2c1t2': unexpected '2' after the threads" },
		{ "2l1n2c1t", "is not a shape" },
		{ "1N2L2C1T", "is not a shape" },
		{ "n2l2c1t", "is not a shape" },
		{ "1n-2l2c1t", "is not a shape" },
		{ "0n2l2c1t", "shape '0n2l2c1t': 0n is out of range; expected 1..256" },
		{ "1n2l2c0t", "0t is out of range" },
		{ "1n99999999999999999999l2c1t", "is out of range" },
		{ "17n1l1c1t", "shape '17n1l1c1t': numa=17 is out of range; expected 1..16" },
		{ "1n16l16c2t", "shape '1n16l16c2t': topology has 512 CPUs; expected at most 256" },
	};
	struct scn_topology t;
	char msg[256];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cr_expect_neq(scn_shape_parse(bad[i].in, &t, msg, sizeof(msg)), 0, "%s", bad[i].in);
		cr_expect(strstr(msg, bad[i].msg), "'%s': '%s' lacks '%s'", bad[i].in, msg,
			  bad[i].msg);
	}
}

Test(lookup, preset_or_shape)
{
	struct scn_topology t;
	char msg[256];

	cr_assert_eq(scn_topology_lookup("numa2-4llc", &t, msg, sizeof(msg)), 0);
	cr_expect_eq(t.numa, 2);
	cr_assert_eq(scn_topology_lookup("2n1l2c1t", &t, msg, sizeof(msg)), 0);
	cr_expect_eq(scn_topo_ncpus(&t), 4);
	cr_expect_neq(scn_topology_lookup("tiny", &t, msg, sizeof(msg)), 0);
	cr_expect(strstr(msg, "unknown topology 'tiny'; expected a preset"), "%s", msg);
	cr_expect_neq(scn_topology_lookup("1n2l", &t, msg, sizeof(msg)), 0);
	cr_expect(strstr(msg, "'1n2l' is not a shape"), "%s", msg);
}

Test(lookup, memory_floor)
{
	struct scn_topology t = { 1, 15, 8, 2 };

	cr_expect_eq(scn_topo_memory_floor(&t), (256ull + 8 * 240) << 20);
	t = (struct scn_topology){ 1, 1, 2, 1 };
	cr_expect_lt(scn_topo_memory_floor(&t), 512ull << 20);
}
