// SPDX-License-Identifier: GPL-2.0-only
/* The requires directive (what a topology must have for the scenario) and
 * attach=start (a scheduler attached for the whole run): how they parse,
 * their errors with line:col, and what the validator makes of them. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "scenario/model.h"

static struct scenario s;

static int parse(const char *text, struct scn_error *err)
{
	return scn_parse_string("t.scn", text, strlen(text), &s, err);
}

static void parse_ok(const char *text)
{
	struct scn_error err;
	char buf[700];

	if (parse(text, &err)) {
		scn_error_format(NULL, "t.scn", &err, buf, sizeof(buf));
		cr_assert_fail("parse failed: %s\n--- input:\n%s", buf, text);
	}
}

static void parse_bad(const char *text, int line, int col, const char *msg)
{
	struct scn_error err;

	cr_assert_neq(parse(text, &err), 0, "accepted:\n%s", text);
	cr_expect_eq(err.loc.line, line, "line %d, expected %d: %s", err.loc.line, line, err.msg);
	cr_expect_eq(err.loc.col, col, "col %d, expected %d: %s", err.loc.col, col, err.msg);
	cr_expect(strstr(err.msg, msg), "message '%s' lacks '%s'", err.msg, msg);
}

static void teardown(void)
{
	scn_free(&s);
}

TestSuite(requires, .fini = teardown);

Test(requires, every_form)
{
	parse_ok("scenario t\ntopology numa=2 llcs=2 cores=2 threads=2\n"
		 "requires cpus>=16 llcs>=4 nodes>=2 smt\n");
	cr_expect_eq(s.req.cpus, 16);
	cr_expect_eq(s.req.llcs, 4);
	cr_expect_eq(s.req.nodes, 2);
	cr_expect(s.req.smt);
	cr_expect_eq(s.req.cpus_loc.line, 3);
	cr_expect_eq(s.req.cpus_loc.col, 10);
	cr_expect_eq(s.req.smt_loc.col, 36);
}

Test(requires, none_asks_nothing)
{
	parse_ok("scenario t\n");
	cr_expect_eq(s.req.cpus + s.req.llcs + s.req.nodes, 0);
	cr_expect_not(s.req.smt);
}

Test(requires, any_order_after_steps)
{
	parse_ok("scenario t\ntopology cores=4 threads=2\nstep a 1s\n  cgroup x\n"
		 "requires smt cpus>=2\n");
	cr_expect(s.req.smt);
	cr_expect_eq(s.req.cpus, 2);
}

/* The scenario's own topology must satisfy its requires: an error at the
 * requirement it fails. */
Test(requires, own_topology_fails)
{
	parse_bad("scenario t\nrequires cpus>=4\n", 2, 10,
		  "requires cpus>=4; topology numa=1 llcs=1 cores=2 threads=1 has 2 CPUs");
	parse_bad("scenario t\ntopology cores=8\nrequires cpus>=4 llcs>=2\n", 3, 18,
		  "requires llcs>=2; topology numa=1 llcs=1 cores=8 threads=1 has 1 LLC in all");
	parse_bad("scenario t\ntopology llcs=4\nrequires llcs>=4 nodes>=2\n", 3, 18,
		  "requires nodes>=2; topology numa=1 llcs=4 cores=2 threads=1 has 1 NUMA node");
	parse_bad("scenario t\nrequires smt\n", 2, 10,
		  "requires smt; topology numa=1 llcs=1 cores=2 threads=1 has one thread per core");
}

/* llcs counts every node's LLCs. */
Test(requires, llcs_in_all)
{
	parse_ok("scenario t\ntopology numa=2 llcs=1\nrequires llcs>=2\n");
}

Test(requires, syntax_errors)
{
	parse_bad("scenario t\nrequires\n", 2, 9, "missing what the scenario requires");
	parse_bad("scenario t\nrequires cpus=4\n", 2, 10,
		  "unexpected 'cpus=4'; expected: requires [cpus>=N] [llcs>=N] [nodes>=N] [smt]");
	parse_bad("scenario t\nrequires cpus>4\n", 2, 10, "unexpected 'cpus>4'");
	parse_bad("scenario t\nrequires cores>=4\n", 2, 10, "unexpected 'cores>=4'");
	parse_bad("scenario t\nrequires nosmt\n", 2, 10, "unexpected 'nosmt'");
	parse_bad("scenario t\nrequires cpus>=x\n", 2, 16, "cpus: expected an integer");
	parse_bad("scenario t\nrequires cpus>=0\n", 2, 16, "cpus: 0 is out of range; expected 1..256");
	parse_bad("scenario t\nrequires nodes>=17\n", 2, 17, "nodes: 17 is out of range; expected 1..16");
	parse_bad("scenario t\nrequires cpus>=1 cpus>=2\n", 2, 18, "'cpus' given twice");
	parse_bad("scenario t\nrequires smt smt\n", 2, 14, "'smt' given twice");
	parse_bad("scenario t\nrequires cpus>=1\nrequires smt\n", 3, 1,
		  "'requires' given twice (first at line 2)");
	parse_bad("requires cpus>=1\nscenario t\n", 1, 1, "missing 'scenario' directive before");
}

/* On another topology (as a suite sets it), scn_validate says why not. */
Test(requires, validate_on_other_topology)
{
	struct scn_error err;

	parse_ok("scenario t\ntopology llcs=2 threads=2\nrequires llcs>=2 smt\n");
	s.topo = (struct scn_topology){ 1, 2, 2, 1 };
	cr_assert_neq(scn_validate(&s, &err), 0);
	cr_expect_eq(err.loc.line, 3);
	cr_expect_eq(err.loc.col, 18);
	cr_expect(strstr(err.msg, "requires smt"), "%s", err.msg);
	s.topo = (struct scn_topology){ 2, 1, 4, 2 };
	cr_expect_eq(scn_validate(&s, &err), 0, "%s", err.msg);
}

Test(requires, check_function)
{
	struct scn_requires r = { .cpus = 4, .cpus_loc = { 7, 3 } };
	struct scn_topology t = { 1, 1, 2, 1 };
	struct scn_loc at = { 0, 0 };
	char msg[256];

	cr_assert_neq(scn_requires_check(&r, &t, &at, msg, sizeof(msg)), 0);
	cr_expect_eq(at.line, 7);
	cr_expect_eq(at.col, 3);
	t.cores = 4;
	cr_expect_eq(scn_requires_check(&r, &t, &at, msg, sizeof(msg)), 0);
}

TestSuite(attach_start, .fini = teardown);

/* attach=start puts "attach NAME" before the backdrop's own first op. */
Test(attach_start, first_op_of_backdrop)
{
	parse_ok("scenario t\nbackdrop\n  cgroup a\n  workers a 1 spin\nstep s 1s\n"
		 "scheduler sut bpf=x.bpf.o attach=start\n");
	cr_assert_eq(s.backdrop.n_ops, 3);
	cr_expect_eq(s.backdrop.ops[0].kind, SCN_OP_ATTACH);
	cr_expect_str_eq(s.backdrop.ops[0].name, "sut");
	cr_expect_eq(s.backdrop.ops[0].loc.line, 6);
	cr_expect_eq(s.backdrop.ops[0].loc.col, 34);
	cr_expect_eq(s.backdrop.ops[1].kind, SCN_OP_CGROUP);
	cr_expect(s.scheds[0].attach_start);
}

Test(attach_start, without_backdrop)
{
	parse_ok("scenario t\nscheduler sut exec=/bin/x args=\"-v\" attach=start partial=yes\n"
		 "step s 1s\n  cgroup a\ncheck scheduler alive\n");
	cr_assert_eq(s.backdrop.n_ops, 1);
	cr_expect_eq(s.backdrop.ops[0].kind, SCN_OP_ATTACH);
	cr_expect(s.scheds[0].partial);
}

/* Ops that need a scheduler attached are valid after it. */
Test(attach_start, replace_and_detach_later)
{
	parse_ok("scenario t\nscheduler a bpf=a attach=start\nscheduler b bpf=b\n"
		 "step s 1s\n  replace b\nstep u 1s\n  detach\n");
}

Test(attach_start, errors)
{
	parse_bad("scenario t\nscheduler a bpf=a attach=later\n", 2, 26,
		  "bad attach='later'; expected start");
	parse_bad("scenario t\nscheduler a bpf=a attach=start\nscheduler b bpf=b attach=start\n",
		  3, 26, "attach=start for 'b' too; expected one scheduler attached at the start "
		  "('a', line 2)");
	parse_bad("scenario t\nscheduler a bpf=a attach=start\nscheduler b bpf=b\n"
		  "backdrop\n  attach b\n", 5, 3, "attach 'b' while 'a' is attached");
	parse_bad("scenario t\nscheduler a bpf=a attach=start attach=start\n", 2, 32,
		  "option 'attach' given twice");
}
