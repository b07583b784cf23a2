// SPDX-License-Identifier: GPL-2.0-only
/* Tests for CPU numbering, cpuspec resolution on a 2-node 2-LLC 2-core
 * 2-thread topology, cpumask lists, and duration/size units. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "scenario/model.h"

/* 16 CPUs: node n = 8n..8n+7, LLC l = 4l..4l+3, core c = 2c..2c+1. */
static const struct scn_topology T = { .numa = 2, .llcs = 2, .cores = 2, .threads = 2 };

static const char *resolve(const char *spec)
{
	static char out[600];
	struct scn_cpuspec sp;
	struct scn_cpumask m;
	char msg[256];

	cr_assert_eq(scn_cpuspec_parse(spec, &sp, msg, sizeof(msg)), 0, "%s: %s", spec, msg);
	if (scn_cpuspec_resolve(&sp, &T, &m, msg, sizeof(msg))) {
		snprintf(out, sizeof(out), "ERR %s", msg);
		return out;
	}
	cr_assert_eq(scn_cpumask_format(&m, out, sizeof(out)), 0);
	return out;
}

Test(cpus, numbering)
{
	cr_expect_eq(scn_topo_ncpus(&T), 16);
	cr_expect_eq(scn_topo_cpu_node(&T, 7), 0);
	cr_expect_eq(scn_topo_cpu_node(&T, 8), 1);
	cr_expect_eq(scn_topo_cpu_llc(&T, 5), 1);
	cr_expect_eq(scn_topo_cpu_llc(&T, 15), 3);
	cr_expect_eq(scn_topo_cpu_core(&T, 9), 4);
	cr_expect_eq(scn_topo_cpu_core(&T, 0), 0);
	cr_expect_eq(scn_topo_cpu_core(&T, 16), -1);
	cr_expect_eq(scn_topo_cpu_node(&T, -1), -1);
	for (int n = 0; n < 2; n++)
		for (int l = 0; l < 2; l++)
			for (int c = 0; c < 2; c++)
				for (int t = 0; t < 2; t++) {
					int cpu = ((n * 2 + l) * 2 + c) * 2 + t;

					cr_expect_eq(scn_topo_cpu_node(&T, cpu), n);
					cr_expect_eq(scn_topo_cpu_llc(&T, cpu), n * 2 + l);
					cr_expect_eq(scn_topo_cpu_core(&T, cpu),
						     (n * 2 + l) * 2 + c);
				}
}

Test(cpus, resolve_every_kind)
{
	static const struct {
		const char *spec, *cpus;
	} t[] = {
		{ "0-3,6", "0-3,6" },
		{ "15", "15" },
		{ "llc:0", "0-3" },
		{ "llc:3", "12-15" },
		{ "node:0", "0-7" },
		{ "node:1", "8-15" },
		{ "frac:0.5", "0-7" },
		{ "frac:0.1", "0-1" },   /* ceil(1.6) */
		{ "frac:1", "0-15" },
		{ "share:0/4", "0-3" },
		{ "share:3/4", "12-15" },
		{ "share:1/3", "5-9" },
		{ "share:0/16", "0" },
		{ "overlap:0/4", "0-4" },
		{ "overlap:1/4", "3-8" },
		{ "overlap:3/4", "11-15" },
		{ "all", "0-15" },
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		cr_expect_str_eq(resolve(t[i].spec), t[i].cpus, "%s", t[i].spec);
}

Test(cpus, resolve_errors)
{
	cr_expect(strstr(resolve("16"), "cpu 16 does not exist in topology numa=2 llcs=2 cores=2 threads=2 (CPUs 0-15)"),
		  "%s", resolve("16"));
	cr_expect(strstr(resolve("llc:4"), "llc 4 does not exist"), "%s", resolve("llc:4"));
	cr_expect(strstr(resolve("node:2"), "(nodes 0-1)"), "%s", resolve("node:2"));
	cr_expect(strstr(resolve("share:0/32"), "is empty"), "%s", resolve("share:0/32"));
}

Test(cpus, none_is_everything)
{
	struct scn_cpuspec sp = { 0 };
	struct scn_cpumask m;
	char msg[128];

	cr_assert_eq(scn_cpuspec_resolve(&sp, &T, &m, msg, sizeof(msg)), 0);
	cr_expect_eq(scn_cpumask_count(&m), 16);
}

Test(cpus, spec_parse_errors)
{
	static const char *const bad[] = { "", "x", "1-", "-1", "3-1", "1,,2", "1,",
		"256", "llc:", "llc:x", "node:16", "frac:0", "frac:1.5", "share:1",
		"share:2/2", "share:-1/2", "overlap:0/0", "core:1", "0 - 3" };

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct scn_cpuspec sp;
		char msg[256] = "";

		cr_expect_eq(scn_cpuspec_parse(bad[i], &sp, msg, sizeof(msg)), -1,
			     "'%s' parsed", bad[i]);
		cr_expect_neq(msg[0], '\0', "'%s': no message", bad[i]);
	}
}

Test(cpus, spec_format_round_trip)
{
	static const char *const forms[] = { "0-3,6", "llc:2", "node:1", "frac:0.25",
		"share:1/3", "overlap:2/4", "all" };

	for (size_t i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
		struct scn_cpuspec sp;
		char msg[128], buf[64];

		cr_assert_eq(scn_cpuspec_parse(forms[i], &sp, msg, sizeof(msg)), 0, "%s", msg);
		cr_assert_eq(scn_cpuspec_format(&sp, buf, sizeof(buf)), 0);
		cr_expect_str_eq(buf, forms[i]);
	}
}

Test(cpus, mask_round_trip)
{
	static const char *const lists[] = { "", "0", "0-3", "0,2,4", "1-2,5-7,9",
		"0-255", "63-64", "127,129", "0,255" };

	for (size_t i = 0; i < sizeof(lists) / sizeof(lists[0]); i++) {
		struct scn_cpumask m, m2;
		char buf[1024];

		cr_assert_eq(scn_cpumask_parse(lists[i], &m), 0, "%s", lists[i]);
		cr_assert_eq(scn_cpumask_format(&m, buf, sizeof(buf)), 0);
		cr_expect_str_eq(buf, lists[i]);
		cr_assert_eq(scn_cpumask_parse(buf, &m2), 0);
		cr_expect_eq(memcmp(&m, &m2, sizeof(m)), 0);
	}
}

Test(cpus, mask_parse_kernel_file_and_errors)
{
	struct scn_cpumask m;
	char small[4];

	cr_assert_eq(scn_cpumask_parse("0-1,4\n", &m), 0);
	cr_expect_eq(scn_cpumask_count(&m), 3);
	cr_assert_eq(scn_cpumask_parse("\n", &m), 0);
	cr_expect_eq(scn_cpumask_count(&m), 0);
	cr_expect_eq(scn_cpumask_parse("256", &m), -1);
	cr_expect_eq(scn_cpumask_parse("a", &m), -1);
	cr_expect_eq(scn_cpumask_parse("2-1", &m), -1);
	cr_assert_eq(scn_cpumask_parse("0-3,10-12", &m), 0);
	cr_expect_eq(scn_cpumask_format(&m, small, sizeof(small)), -1);
	cr_expect_str_eq(small, "0-3");
}

Test(cpus, topology_check)
{
	char msg[128];
	struct scn_topology t = { 1, 1, 2, 1 };

	cr_expect_eq(scn_topo_check(&t, msg, sizeof(msg)), 0);
	t = (struct scn_topology){ 17, 1, 1, 1 };
	cr_expect_eq(scn_topo_check(&t, msg, sizeof(msg)), -1);
	t = (struct scn_topology){ 1, 1, 0, 1 };
	cr_expect_eq(scn_topo_check(&t, msg, sizeof(msg)), -1);
	t = (struct scn_topology){ 2, 2, 32, 2 };
	cr_expect_eq(scn_topo_check(&t, msg, sizeof(msg)), 0);
	t.threads = 3;
	cr_expect_eq(scn_topo_check(&t, msg, sizeof(msg)), -1);
	scn_topo_format(&T, msg, sizeof(msg));
	cr_expect_str_eq(msg, "numa=2 llcs=2 cores=2 threads=2");
}

Test(units, durations)
{
	static const struct { const char *s; uint64_t ns; } ok[] = {
		{ "1ns", 1 }, { "5us", 5000 }, { "500ms", 500000000ull },
		{ "1s", 1000000000ull }, { "1.5s", 1500000000ull },
		{ "0.25ms", 250000 }, { "2m", 120000000000ull }, { "0s", 0 },
		{ "1.000000001s", 1000000001ull },
	};
	static const char *const bad[] = { "1", "1.5", "s", "", "1.s", "-1s", "1sec",
		"1 s", "1.5ns", "99999999999999999999s", "1h", "1.0000000001s" };

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		uint64_t ns = 7;
		char msg[128];

		cr_expect_eq(scn_duration_parse(ok[i].s, &ns, msg, sizeof(msg)), 0,
			     "%s: %s", ok[i].s, msg);
		cr_expect_eq(ns, ok[i].ns, "%s", ok[i].s);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		uint64_t ns;
		char msg[128];

		cr_expect_eq(scn_duration_parse(bad[i], &ns, msg, sizeof(msg)), -1,
			     "'%s' parsed", bad[i]);
	}
}

Test(units, sizes)
{
	int64_t b;
	char msg[128];

	cr_expect_eq(scn_size_parse("4096", &b, msg, sizeof(msg)), 0);
	cr_expect_eq(b, 4096);
	cr_expect_eq(scn_size_parse("4K", &b, msg, sizeof(msg)), 0);
	cr_expect_eq(b, 4096);
	cr_expect_eq(scn_size_parse("512M", &b, msg, sizeof(msg)), 0);
	cr_expect_eq(b, 512ll << 20);
	cr_expect_eq(scn_size_parse("3G", &b, msg, sizeof(msg)), 0);
	cr_expect_eq(b, 3ll << 30);
	cr_expect_eq(scn_size_parse("1T", &b, msg, sizeof(msg)), -1);
	cr_expect_eq(scn_size_parse("M", &b, msg, sizeof(msg)), -1);
	cr_expect_eq(scn_size_parse("1.5G", &b, msg, sizeof(msg)), -1);
	cr_expect_eq(scn_size_parse("99999999999999G", &b, msg, sizeof(msg)), -1);
}
