// SPDX-License-Identifier: GPL-2.0-only
/* Tests for host/runkey.c (the parts of a run's key a scenario gives) and
 * host/hostinfo.c's reading of /proc/cpuinfo. */
#include <criterion/criterion.h>
#include <string.h>

#include "host/hostinfo.h"
#include "host/runkey.h"

static struct scenario s;

static void fini(void)
{
	scn_free(&s);
}

TestSuite(runkey, .fini = fini);

static void load(const char *text)
{
	struct scn_error err;

	cr_assert_eq(scn_parse_string("t.scn", text, strlen(text), &s, &err), 0, "%s", err.msg);
}

Test(runkey, topology_is_its_shape)
{
	char buf[128];

	load("scenario t \"d\"\ntopology numa=2 llcs=2 cores=3 threads=2\nstep s 1s\n");
	runkey_topology(&s.topo, buf, sizeof(buf));
	cr_assert_str_eq(buf, "2n2l3c2t");
}

Test(runkey, a_scenario_without_schedulers_runs_eevdf)
{
	char buf[64];

	load("scenario t \"d\"\nscheduler x bpf=fifo\nstep s 1s\n");
	runkey_scheduler(&s, buf, sizeof(buf));
	cr_assert_str_eq(buf, "eevdf", "declared but never attached");
}

Test(runkey, attached_schedulers_in_order_once_each)
{
	char buf[64];

	load("scenario t \"d\"\nscheduler fifo bpf=fifo\nscheduler vt bpf=vtime\n"
	     "step a 1s\n  attach fifo\nstep b 1s\n  replace vt\nstep c 1s\n  replace fifo\n"
	     "step d 1s\n  detach\n");
	runkey_scheduler(&s, buf, sizeof(buf));
	cr_assert_str_eq(buf, "fifo+vt");
}

Test(runkey, a_name_that_is_a_prefix_of_another_is_its_own)
{
	char buf[64];

	load("scenario t \"d\"\nscheduler fifo2 bpf=fifo\nscheduler fifo bpf=fifo\n"
	     "step a 1s\n  attach fifo2\nstep b 1s\n  replace fifo\n");
	runkey_scheduler(&s, buf, sizeof(buf));
	cr_assert_str_eq(buf, "fifo2+fifo");
}

Test(runkey, a_short_buffer_keeps_whole_names)
{
	char buf[8];

	load("scenario t \"d\"\nscheduler abc bpf=fifo\nscheduler defgh bpf=vtime\n"
	     "step a 1s\n  attach abc\nstep b 1s\n  replace defgh\n");
	runkey_scheduler(&s, buf, sizeof(buf));
	cr_assert_str_eq(buf, "abc");
}

Test(hostinfo, cpu_model_is_the_first_model_name_trimmed)
{
	char out[64];

	hostinfo_cpu_model("processor\t: 0\nvendor_id\t: AuthenticAMD\n"
			   "model name\t:  AMD EPYC 7B13 64-Core Processor  \nmodel name\t: other\n",
			   out, sizeof(out));
	cr_assert_str_eq(out, "AMD EPYC 7B13 64-Core Processor");
	hostinfo_cpu_model("processor\t: 0\nFeatures\t: fp asimd\n", out, sizeof(out));
	cr_assert_str_eq(out, "", "no model name (some arm64 hosts)");
	hostinfo_cpu_model("model name\t: \xff\xfe", out, sizeof(out));
	cr_assert_str_eq(out, "\xef\xbf\xbd\xef\xbf\xbd", "made valid UTF-8");
}

Test(hostinfo, start_reads_this_host)
{
	struct host_facts h;

	hostinfo_start(&h);
	hostinfo_end(&h);
	cr_assert_geq(h.cpus, 1);
	cr_assert_geq(h.load_end[0], 0);
}
