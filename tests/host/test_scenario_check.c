// SPDX-License-Identifier: GPL-2.0-only
/* The host's whole validation (scenario_check, what `validate` and `run`
 * do before booting): each check it adds to the parser's carries
 * file:line:col. */
#include <criterion/criterion.h>
#include <string.h>

#include "host/run.h"
#include "scenario/model.h"

static void bad(const char *text, const char *backend, const char *want)
{
	struct scenario s;
	char msg[1024] = "";

	cr_expect_eq(scenario_check("x.scn", text, strlen(text), backend, &s, msg,
				    sizeof(msg)), -1, "accepted for %s: %s", backend, text);
	cr_expect(strstr(msg, want), "'%s' lacks '%s'", msg, want);
}

static void good(const char *text, const char *backend)
{
	struct scenario s;
	char msg[1024] = "";

	cr_expect_eq(scenario_check("x.scn", text, strlen(text), backend, &s, msg,
				    sizeof(msg)), 0, "%s: %s", backend ? backend : "-", msg);
	if (!msg[0])
		scn_free(&s);
}

#define SMT16 "scenario t\n# sixteen threads a core\ntopology cores=2 threads=16\n"

Test(scenario_check, topology_against_the_backend)
{
	bad(SMT16, "kvm", "x.scn:3:1: topology numa=1 llcs=1 cores=2 threads=16: threads=16 is out of range for the kvm backend (1 to 8)");
	good(SMT16, "qemu");
	good(SMT16, NULL);
	bad("scenario t\ntopology numa=3 cores=65\n", "qemu", "x.scn:2:1: topology numa=3 llcs=1 cores=65 threads=1 needs APIC ID 320");
	good("scenario t\n", "kvm");
}

Test(scenario_check, work_type_options_at_their_place)
{
	bad("scenario t\nbackdrop\n  workers - 2 asymmetric-waker period=1.5ns\n", "qemu",
	    "x.scn:3:32: work type 'asymmetric-waker': option period=1.5ns: duration '1.5ns' is not a whole number of nanoseconds");
	bad("scenario t\nbackdrop\n  workers - 2 spinn\n", NULL, "x.scn:3:3: unknown work type 'spinn'");
	bad("scenario t\nbackdrop\n  workers - 2 page-fault-churn size=4k\n", NULL,
	    "x.scn:3:32: work type 'page-fault-churn': option size=4k: unknown size suffix 'k'");
}

Test(scenario_check, parser_errors_come_through)
{
	bad("scenario t\nstep s 1.5ns\n", "kvm", "x.scn:2:8: duration '1.5ns' is not a whole number of nanoseconds");
	bad("", "kvm", "x.scn:1:1: missing 'scenario' directive");
}
