// SPDX-License-Identifier: GPL-2.0-only
/* scn_rewrite: a scenario's text for one run of a suite. The rewritten
 * text parses, says what the run changes, and keeps every line where it
 * was, so that messages still point into the user's file. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scenario/model.h"

static struct scenario s, r;
static char *text;

static void load(const char *src)
{
	struct scn_error err;
	char buf[700];

	if (scn_parse_string("t.scn", src, strlen(src), &s, &err)) {
		scn_error_format(NULL, "t.scn", &err, buf, sizeof(buf));
		cr_assert_fail("%s", buf);
	}
	s.source = strdup(src);
	s.source_len = strlen(src);
}

static void rewrite(const struct scn_rewrite *rw)
{
	struct scn_error err;
	char msg[700];
	size_t len;

	cr_assert_eq(scn_rewrite(&s, rw, &text, &len, msg, sizeof(msg)), 0, "%s", msg);
	cr_assert_eq(strlen(text), len);
	if (scn_parse_string("t.scn", text, len, &r, &err)) {
		scn_error_format(NULL, "t.scn", &err, msg, sizeof(msg));
		cr_assert_fail("%s\n--- rewritten:\n%s", msg, text);
	}
}

static void teardown(void)
{
	scn_free(&s);
	scn_free(&r);
	free(text);
	text = NULL;
}

TestSuite(rewrite, .fini = teardown);

static const char src[] =
	"scenario t \"d\"\n"
	"topology numa=1 llcs=2 cores=2 threads=1   # 4 CPUs\n"
	"memory 256M\n"
	"backdrop\n"
	"  cgroup a cpus=llc:1\n"
	"step s 1s\n"
	"  workers a 2 spin\n"
	"check starvation\n";

Test(rewrite, nothing_changes_nothing)
{
	struct scn_rewrite rw = { 0 };

	load(src);
	rewrite(&rw);
	cr_expect_str_eq(text, src);
}

Test(rewrite, topology_and_memory_in_place)
{
	struct scn_topology t = { 2, 1, 4, 1 };
	struct scn_rewrite rw = { .topo = &t, .memory_bytes = 1ull << 30 };

	load(src);
	rewrite(&rw);
	cr_expect(!memcmp(&r.topo, &t, sizeof(t)));
	cr_expect_eq(r.memory_bytes, 1ull << 30);
	cr_expect_eq(r.topo_loc.line, 2);
	cr_expect_eq(r.memory_loc.line, 3);
	/* Every other line is where it was. */
	cr_expect_eq(r.backdrop.ops[0].loc.line, 5);
	cr_expect_eq(r.steps[0].ops[0].loc.line, 7);
	cr_expect_eq(r.checks[0].loc.line, 8);
	cr_expect(strstr(text, "\ntopology numa=2 llcs=1 cores=4 threads=1\nmemory 1024M\n"), "%s",
		  text);
}

Test(rewrite, added_at_the_end_when_absent)
{
	static const char bare[] = "scenario t\nstep s 1s\n  cgroup a"; /* no newline at the end */
	struct scn_topology t = { 1, 1, 4, 1 };
	struct scn_rewrite rw = { .topo = &t, .memory_bytes = 768ull << 20 };

	load(bare);
	rewrite(&rw);
	cr_expect_eq(scn_topo_ncpus(&r.topo), 4);
	cr_expect_eq(r.memory_bytes, 768ull << 20);
	cr_expect_eq(r.steps[0].ops[0].loc.line, 3);
	cr_expect_eq(r.topo_loc.line, 5, "%s", text);
	cr_expect(!strncmp(text, bare, strlen(bare)));
}

Test(rewrite, scheduler_attached_for_the_whole_run)
{
	struct scn_scheduler sc = { .name = "sut", .kind = SCN_SCHED_EXEC,
				    .target = "/opt/my \"scx\"\\bin", .args = "--slice-us 5000 -v",
				    .partial = true };
	struct scn_rewrite rw = { .sched = &sc };

	load(src);
	rewrite(&rw);
	cr_assert_eq(r.n_scheds, 1);
	cr_expect_str_eq(r.scheds[0].name, "sut");
	cr_expect_eq(r.scheds[0].kind, SCN_SCHED_EXEC);
	cr_expect_str_eq(r.scheds[0].target, sc.target);
	cr_expect_str_eq(r.scheds[0].args, sc.args);
	cr_expect(r.scheds[0].partial);
	cr_assert_eq(r.backdrop.n_ops, 2);
	cr_expect_eq(r.backdrop.ops[0].kind, SCN_OP_ATTACH);
	cr_expect_str_eq(r.backdrop.ops[0].name, "sut");
	cr_expect_eq(r.backdrop.ops[1].loc.line, 5);
}

Test(rewrite, bpf_scheduler_without_args)
{
	struct scn_scheduler sc = { .name = "scx_simple", .kind = SCN_SCHED_BPF,
				    .target = "build/scx_simple.bpf.o" };
	struct scn_rewrite rw = { .sched = &sc };

	load(src);
	rewrite(&rw);
	cr_expect_eq(r.scheds[0].kind, SCN_SCHED_BPF);
	cr_expect_not(r.scheds[0].partial);
	cr_expect(strstr(text, "scheduler scx_simple bpf=\"build/scx_simple.bpf.o\" attach=start\n"),
		  "%s", text);
}

/* A CRLF file: the lines it keeps keep their \r. */
Test(rewrite, crlf)
{
	static const char crlf[] = "scenario t\r\ntopology cores=4\r\nstep s 1s\r\n  cgroup a\r\n";
	struct scn_topology t = { 1, 1, 2, 2 };
	struct scn_rewrite rw = { .topo = &t };

	load(crlf);
	rewrite(&rw);
	cr_expect_str_eq(text, "scenario t\r\ntopology numa=1 llcs=1 cores=2 threads=2\n"
			 "step s 1s\r\n  cgroup a\r\n");
}

Test(rewrite, line_break_in_a_path)
{
	struct scn_scheduler sc = { .name = "x", .kind = SCN_SCHED_BPF, .target = "a\nb.o" };
	struct scn_rewrite rw = { .sched = &sc };
	char msg[256];
	size_t len;

	load(src);
	cr_expect_neq(scn_rewrite(&s, &rw, &text, &len, msg, sizeof(msg)), 0);
	cr_expect(strstr(msg, "bpf= 'a\nb.o' holds a line break"), "%s", msg);
	cr_expect_null(text);
}
