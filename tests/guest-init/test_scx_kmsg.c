// SPDX-License-Identifier: GPL-2.0-only
/* Tests for guest-init/scx_kmsg.c, with the kernel's own wording. Quoted
 * from Linux 7.3.4 (Debian linux-source-7.3, the default guest kernel):
 * - kernel/sched/ext/ext.c:scx_log_sched_disable():
 *     pr_err/pr_info("sched_ext: BPF %s \"%s\" disabled (%s)\n", type, name, reason)
 *     pr_err("sched_ext: %s: %s\n", sch->ops.name, ei->msg)   (errors only)
 *   type is "scheduler", or "sub-scheduler" for a child (not ours).
 * - ext.c:scx_exit_reason(): the reasons, one per enum scx_exit_kind
 *   (kernel/sched/ext/internal.h). The same words since 6.12.
 * - the messages: ext.c ("%s[%d] failed to run for %u.%03us", "watchdog
 *   failed to check in for %u.%03us", "invalid CPU %d%s%s", "invalid DSQ ID
 *   0x%016llx", "ops.init() failed (%d)", ...), sub.c's pr_warn
 *   ("sched_ext: %s: watchdog timeout %ums <= rescue overload threshold
 *   %ums"), and other sched_ext lines that are no exit report.
 * Lines marked "seen" come from real runs (tests/fuzz/corpus/collect/). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

#include "guest-init/scx_kmsg.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* ext.c:scx_exit_reason(), every case, with what we make of it. */
static const struct {
	const char *reason;
	const char *kind;
} kernel_reasons[] = {
	{ "unregistered from user space", "unregistered" },      /* SCX_EXIT_UNREG */
	{ "unregistered from BPF", "unregistered" },             /* SCX_EXIT_UNREG_BPF */
	{ "unregistered from the main kernel", "unregistered" }, /* SCX_EXIT_UNREG_KERN */
	{ "disabled by sysrq-S", "sysrq" },                      /* SCX_EXIT_SYSRQ */
	{ "parent exiting", "other" },                           /* SCX_EXIT_PARENT */
	{ "killed by parent scheduler", "other" },               /* SCX_EXIT_PARENT_KILL */
	{ "runtime error", "error" },                            /* SCX_EXIT_ERROR */
	{ "scx_bpf_error", "error" },                            /* SCX_EXIT_ERROR_BPF */
	{ "runnable task stall", "stall" },                      /* SCX_EXIT_ERROR_STALL */
	{ "reenqueue limit", "error" },                          /* SCX_EXIT_ERROR_REENQ */
	{ "rescue bandwidth overload", "error" },                /* SCX_EXIT_ERROR_RESCUE */
	{ "<UNKNOWN>", "other" },                                /* default */
};

Test(scx_kmsg, text_of_a_record)
{
	static const struct {
		const char *rec;  /* as read(2) from /dev/kmsg returns it */
		const char *text; /* NULL: not a sched_ext line */
	} t[] = {
		/* seen */
		{ "3,1042,2816430,-;sched_ext: BPF scheduler \"stall\" disabled (runnable task stall)\n",
		  "sched_ext: BPF scheduler \"stall\" disabled (runnable task stall)" },
		/* a record with dictionary lines after the text */
		{ "6,900,100,-;sched_ext: BPF scheduler \"fifo\" enabled\n SUBSYSTEM=cpu\n DEVICE=+cpu:0\n",
		  "sched_ext: BPF scheduler \"fifo\" enabled" },
		{ "3,1043,2816431,c;sched_ext: stall: init[99] failed to run for 3.008s\n",
		  "sched_ext: stall: init[99] failed to run for 3.008s" },
		/* no newline at all (a read cut short) */
		{ "3,1,2,-;sched_ext: x", "sched_ext: x" },
		/* not ours */
		{ "6,12,3,-;virtio_blk virtio1: [vda] 2048 512-byte logical blocks\n", NULL },
		/* the stack trace after an error (stack_trace_print) */
		{ "3,1044,2816432,-;  scx_watchdog_workfn+0x161/0x1f0\n", NULL },
		/* the debug dump (scx_dump_state) says "Sched_ext" */
		{ "3,1045,2816433,-;Sched_ext: stall (enabled+all), task: runnable_at=-3008ms\n", NULL },
		{ "4,77,88,-;kernel: sched_ext: stall: x\n", NULL },
		/* the text must start right after the ';' */
		{ "3,1,2,-; sched_ext: x\n", NULL },
		{ "sched_ext: no prefix\n", NULL },
		{ "", NULL },
		/* a ';' inside the text: only the first one ends the prefix */
		{ "6,5,6,-;sched_ext: x: a;b\n", "sched_ext: x: a;b" },
		/* a ';' only after the first line does not count */
		{ "6,5,6,-\n;sched_ext: x\n", NULL },
	};

	for (size_t i = 0; i < N(t); i++) {
		char rec[256];
		const char *text;

		snprintf(rec, sizeof(rec), "%s", t[i].rec);
		text = scx_kmsg_text(rec);
		if (!t[i].text)
			cr_expect_null(text, "case %zu: %s", i, t[i].rec);
		else
			cr_expect(text && !strcmp(text, t[i].text), "case %zu: got '%s'", i,
				  text ?: "(null)");
	}
}

Test(scx_kmsg, disabled_line_with_every_kernel_reason)
{
	for (size_t i = 0; i < N(kernel_reasons); i++) {
		char text[256], name[64], why[128];

		snprintf(text, sizeof(text), "sched_ext: BPF scheduler \"fifo\" disabled (%s)",
			 kernel_reasons[i].reason);
		cr_expect_eq(scx_parse_kmsg(text, name, sizeof(name), why, sizeof(why)), 1,
			     "%s", text);
		cr_expect_str_eq(name, "fifo");
		cr_expect_str_eq(why, kernel_reasons[i].reason);
	}
}

Test(scx_kmsg, disabled_line_keeps_parentheses_inside_the_reason)
{
	char name[64], why[128];

	/* The reason ends at the last ')'. */
	cr_assert_eq(scx_parse_kmsg("sched_ext: BPF scheduler \"a.b_c\" disabled (x (y) z)", name,
				    sizeof(name), why, sizeof(why)), 1);
	cr_expect_str_eq(name, "a.b_c");
	cr_expect_str_eq(why, "x (y) z");
}

Test(scx_kmsg, reason_lines)
{
	static const struct {
		const char *text, *name, *why;
	} t[] = {
		/* seen: SCX_EXIT_ERROR_STALL from check_rq_for_timeouts() */
		{ "sched_ext: stall: init[99] failed to run for 3.008s", "stall",
		  "init[99] failed to run for 3.008s" },
		/* SCX_EXIT_ERROR_STALL from scx_tick() */
		{ "sched_ext: qmap: watchdog failed to check in for 2.500s", "qmap",
		  "watchdog failed to check in for 2.500s" },
		/* seen: SCX_EXIT_ERROR_BPF; the name ends at the first ": " */
		{ "sched_ext: error: ktstr error scheduler: failing on purpose after 300 dispatches",
		  "error", "ktstr error scheduler: failing on purpose after 300 dispatches" },
		/* SCX_EXIT_ERROR: scx_error() from the core */
		{ "sched_ext: simple: invalid CPU 7 from ops.select_cpu()", "simple",
		  "invalid CPU 7 from ops.select_cpu()" },
		{ "sched_ext: simple: invalid CPU 9 in SCX_DSQ_LOCAL_ON dispatch verdict", "simple",
		  "invalid CPU 9 in SCX_DSQ_LOCAL_ON dispatch verdict" },
		{ "sched_ext: qmap: invalid DSQ ID 0x0000000000001234", "qmap",
		  "invalid DSQ ID 0x0000000000001234" },
		{ "sched_ext: qmap: invalid enq_flags 0x8000000000000000", "qmap",
		  "invalid enq_flags 0x8000000000000000" },
		{ "sched_ext: vtime: ops.init() failed (-12)", "vtime", "ops.init() failed (-12)" },
		{ "sched_ext: fifo: SCX_DSQ_LOCAL[_ON] target CPU 3 not allowed for stress[412]",
		  "fifo", "SCX_DSQ_LOCAL[_ON] target CPU 3 not allowed for stress[412]" },
		/* seen: sub.c's warning at enable has the same shape */
		{ "sched_ext: stall: watchdog timeout 2000ms <= rescue overload threshold 4096ms",
		  "stall", "watchdog timeout 2000ms <= rescue overload threshold 4096ms" },
		/* an empty message after the name */
		{ "sched_ext: fifo: ", "fifo", "" },
	};

	for (size_t i = 0; i < N(t); i++) {
		char name[64], why[256];

		cr_expect_eq(scx_parse_kmsg(t[i].text, name, sizeof(name), why, sizeof(why)), 2,
			     "%s", t[i].text);
		cr_expect_str_eq(name, t[i].name, "case %zu", i);
		cr_expect_str_eq(why, t[i].why, "case %zu", i);
	}
}

Test(scx_kmsg, lines_that_are_not_exit_reports)
{
	static const char *const t[] = {
		/* seen: ext.c:scx_root_enable_workfn() */
		"sched_ext: BPF scheduler \"fifo\" enabled",
		"sched_ext: BPF scheduler \"fifo\" enabled (partial)",
		/* a child of a root scheduler: not something guest-init attaches */
		"sched_ext: BPF sub-scheduler \"child\" disabled (parent exiting)",
		/* ext.c: lockup handlers, warnings, init */
		"sched_ext: Soft lockup - CPU 1 stuck for 22s, disabling BPF scheduler",
		"sched_ext: Hard lockup - CPU 1, disabling BPF scheduler",
		"sched_ext: stress[412] has zero slice in dispatch()",
		"sched_ext: Not compatible with \"isolcpus=\" domain isolation",
		"sched_ext: BPF schedulers not loaded",
		"sched_ext: Failed to register struct_ops (-22)",
		"sched_ext: cid-form scheduler must use a BPF arena map",
		"sched_ext: ops error detected without ops (runtime error)",
		"sched_ext: failed to attach ext_server on CPU 1 (-16)",
		"sched_ext: Unassociated program dispatch (id 42)",
		"sched_ext: BPF sub-scheduler \"child\" enabled",
		/* made up: a name is one word, so this is no reason line */
		"sched_ext: Failed to register struct_ops: -22",
		/* the debug dump and other subsystems */
		"Sched_ext: stall (enabled+all), task: runnable_at=-3008ms",
		"virtio_blk virtio1: [vda] 2048 512-byte logical blocks",
		"kernel: sched_ext: fifo: x",
		"sched_ext:fifo: no space after the prefix",
		"sched_ext: ",
		"",
		/* truncated disabled lines: no closing quote, parenthesis */
		"sched_ext: BPF scheduler \"stall",
		"sched_ext: BPF scheduler \"stall\"",
		"sched_ext: BPF scheduler \"stall\" disabled (runnable task st",
		"sched_ext: BPF scheduler \"stall\" disab",
		"sched_ext: BPF scheduler ",
	};

	for (size_t i = 0; i < N(t); i++) {
		char name[64] = "untouched", why[64] = "untouched";

		cr_expect_eq(scx_parse_kmsg(t[i], name, sizeof(name), why, sizeof(why)), 0, "%s",
			     t[i]);
	}
}

/* The kernel's message can be SCX_EXIT_MSG_LEN - 1 = 1023 characters
 * (kernel/sched/ext/types.h); name and why are cut to their buffers. */
Test(scx_kmsg, long_lines_are_cut_to_the_buffers)
{
	char text[1200], name[8], why[32], lname[300];

	memset(why, 0, sizeof(why));
	snprintf(text, sizeof(text), "sched_ext: fifo: %01023d", 7);
	cr_assert_eq(scx_parse_kmsg(text, name, sizeof(name), why, sizeof(why)), 2);
	cr_expect_str_eq(name, "fifo");
	cr_expect_eq(strlen(why), sizeof(why) - 1);
	cr_expect_eq(strspn(why, "0"), sizeof(why) - 1);

	cr_assert_eq(scx_parse_kmsg("sched_ext: BPF scheduler \"a_very_long_name\" disabled "
				    "(runnable task stall)", name, sizeof(name), why, 8), 1);
	cr_expect_str_eq(name, "a_very_");
	cr_expect_str_eq(why, "runnabl");

	/* A disabled line too long for struct scx_exit's why. */
	memset(lname, 'r', sizeof(lname) - 1);
	lname[sizeof(lname) - 1] = 0;
	snprintf(text, sizeof(text), "sched_ext: BPF scheduler \"fifo\" disabled (%s)", lname);
	struct scx_exit e = { 0 };
	cr_assert_eq(scx_kmsg_note(&e, text), 1);
	cr_expect_eq(strlen(e.why), sizeof(e.why) - 1);
	cr_expect_str_eq(e.ops, "fifo");

	/* A reason line too long for its msg. */
	snprintf(text, sizeof(text), "sched_ext: fifo: %01023d", 7);
	cr_assert_eq(scx_kmsg_note(&e, text), 2);
	cr_expect_eq(strlen(e.msg), sizeof(e.msg) - 1);
}

/* What the kernel printed when the stall scheduler's watchdog fired
 * (seen), line by line through scx_kmsg_note. */
Test(scx_kmsg, note_a_stall)
{
	static const char *const log[] = {
		"sched_ext: stall: watchdog timeout 2000ms <= rescue overload threshold 4096ms",
		"sched_ext: BPF scheduler \"stall\" enabled",
		"sched_ext: BPF scheduler \"stall\" disabled (runnable task stall)",
		"sched_ext: stall: init[99] failed to run for 3.008s",
	};
	struct scx_exit e = { 0 };

	for (size_t i = 0; i < N(log); i++)
		scx_kmsg_note(&e, log[i]);
	cr_expect_eq(e.seq, 1);
	cr_expect_str_eq(e.ops, "stall");
	cr_expect_str_eq(e.why, "runnable task stall");
	cr_expect_str_eq(e.msg, "init[99] failed to run for 3.008s");
}

Test(scx_kmsg, note_takes_only_the_first_reason_line_of_the_same_scheduler)
{
	struct scx_exit e = { 0 };

	cr_expect_eq(scx_kmsg_note(&e, "sched_ext: BPF scheduler \"error\" disabled (scx_bpf_error)"), 1);
	cr_expect_eq(scx_kmsg_note(&e, "sched_ext: other: not about error"), 2);
	cr_expect_str_eq(e.msg, "");
	scx_kmsg_note(&e, "sched_ext: error: ktstr error scheduler: failing on purpose");
	scx_kmsg_note(&e, "sched_ext: error: a second line");
	cr_expect_str_eq(e.msg, "ktstr error scheduler: failing on purpose");
	/* A line that is no report changes nothing. */
	cr_expect_eq(scx_kmsg_note(&e, "sched_ext: BPF scheduler \"fifo\" enabled"), 0);
	cr_expect_eq(e.seq, 1);
	cr_expect_str_eq(e.ops, "error");

	/* The next exit starts afresh. */
	scx_kmsg_note(&e, "sched_ext: BPF scheduler \"fifo\" disabled (unregistered from user space)");
	cr_expect_eq(e.seq, 2);
	cr_expect_str_eq(e.ops, "fifo");
	cr_expect_str_eq(e.why, "unregistered from user space");
	cr_expect_str_eq(e.msg, "");
}

Test(scx_kmsg, exit_kind_of_every_kernel_reason)
{
	for (size_t i = 0; i < N(kernel_reasons); i++)
		cr_expect_str_eq(scx_exit_kind(kernel_reasons[i].reason), kernel_reasons[i].kind,
				 "%s", kernel_reasons[i].reason);
	/* words of another kernel version: guessed from the words */
	cr_expect_str_eq(scx_exit_kind("watchdog stall"), "stall");
	cr_expect_str_eq(scx_exit_kind("some new error"), "error");
	cr_expect_str_eq(scx_exit_kind("unregistered from somewhere"), "unregistered");
	cr_expect_str_eq(scx_exit_kind("requested by sysrq"), "sysrq");
	/* guest-init's own words when the kernel said nothing */
	cr_expect_str_eq(scx_exit_kind("scheduler process exited"), "other");
	cr_expect_str_eq(scx_exit_kind("unknown"), "other");
	cr_expect_str_eq(scx_exit_kind(""), "other");
}

/* enum scx_exit_kind (kernel/sched/ext/internal.h), as a BPF scheduler's
 * uei.kind has it. */
Test(scx_kmsg, exit_kind_of_the_kernel_enum)
{
	static const struct {
		int kind;
		const char *want;
	} t[] = {
		{ 0, "other" },       /* SCX_EXIT_NONE */
		{ 1, "other" },       /* SCX_EXIT_DONE */
		{ 63, "other" },
		{ 64, "unregistered" }, /* SCX_EXIT_UNREG */
		{ 65, "unregistered" }, /* SCX_EXIT_UNREG_BPF */
		{ 66, "unregistered" }, /* SCX_EXIT_UNREG_KERN */
		{ 67, "sysrq" },      /* SCX_EXIT_SYSRQ */
		{ 68, "other" },      /* SCX_EXIT_PARENT */
		{ 69, "other" },      /* SCX_EXIT_PARENT_KILL */
		{ 1023, "other" },
		{ 1024, "error" },    /* SCX_EXIT_ERROR */
		{ 1025, "error" },    /* SCX_EXIT_ERROR_BPF */
		{ 1026, "stall" },    /* SCX_EXIT_ERROR_STALL */
		{ 1027, "error" },    /* SCX_EXIT_ERROR_REENQ */
		{ 1028, "error" },    /* SCX_EXIT_ERROR_RESCUE */
		{ 1100, "error" },    /* a later error kind */
		{ -1, "other" },
	};

	for (size_t i = 0; i < N(t); i++)
		cr_expect_str_eq(scx_exit_kind_of(t[i].kind), t[i].want, "kind %d", t[i].kind);
}

static const struct scx_exit stall_exit = {
	.seq = 3,
	.ops = "stall",
	.why = "runnable task stall",
	.msg = "init[99] failed to run for 3.008s",
};

Test(scx_kmsg, explain_a_logged_death)
{
	struct scx_death d;

	scx_exit_explain(&stall_exit, 2, "stall", false, 0, &d);
	cr_expect_str_eq(d.why, "runnable task stall");
	cr_expect_str_eq(d.kind, "stall");
	cr_expect_str_eq(d.reason, "init[99] failed to run for 3.008s");

	/* No reason line: the reason is the kernel's why. */
	struct scx_exit e = stall_exit;
	e.msg[0] = 0;
	scx_exit_explain(&e, 2, "stall", false, 0, &d);
	cr_expect_str_eq(d.reason, "runnable task stall");
}

Test(scx_kmsg, explain_ignores_old_or_foreign_reports)
{
	struct scx_death d;

	/* No disabled line since it came up. */
	scx_exit_explain(&stall_exit, 3, "stall", false, 0, &d);
	cr_expect_str_eq(d.why, "unknown");
	cr_expect_str_eq(d.kind, "other");
	cr_expect_str_eq(d.reason, "unknown");
	/* A disabled line about another scheduler. */
	scx_exit_explain(&stall_exit, 2, "fifo", false, 0, &d);
	cr_expect_str_eq(d.why, "unknown");
}

Test(scx_kmsg, explain_a_loader_that_exited)
{
	struct scx_death d;

	/* exited 1, the kernel said nothing: unregistered */
	scx_exit_explain(&stall_exit, 3, "simple", true, W_EXITCODE(1, 0), &d);
	cr_expect_str_eq(d.why, "scheduler process exited");
	cr_expect_str_eq(d.kind, "unregistered");
	cr_expect_str_eq(d.reason, "scheduler process exited; process exited with 1");

	/* killed by SIGKILL after the kernel's report: the kernel's kind */
	scx_exit_explain(&stall_exit, 2, "stall", true, W_EXITCODE(0, 9), &d);
	cr_expect_str_eq(d.kind, "stall");
	cr_expect_str_eq(d.reason, "init[99] failed to run for 3.008s; process killed by signal 9");

	/* a clean unregistration the kernel reported is "unregistered" too */
	struct scx_exit e = { .seq = 1, .ops = "simple", .why = "unregistered from user space" };
	scx_exit_explain(&e, 0, "simple", true, W_EXITCODE(0, 0), &d);
	cr_expect_str_eq(d.kind, "unregistered");
	cr_expect_str_eq(d.reason, "unregistered from user space; process exited with 0");

	/* a reason the classifier does not know becomes "unregistered" */
	struct scx_exit p = { .seq = 1, .ops = "simple", .why = "parent exiting" };
	scx_exit_explain(&p, 0, "simple", true, W_EXITCODE(2, 0), &d);
	cr_expect_str_eq(d.kind, "unregistered");
}

/* The longest message and the loader's status both fit. */
Test(scx_kmsg, explain_keeps_a_long_message_whole)
{
	struct scx_exit e = { .seq = 1, .ops = "fifo", .why = "runtime error" };
	struct scx_death d;

	memset(e.msg, 'm', sizeof(e.msg) - 1);
	scx_exit_explain(&e, 0, "fifo", true, W_EXITCODE(0, 11), &d);
	cr_expect_eq(strlen(d.reason), sizeof(e.msg) - 1 + strlen("; process killed by signal 11"));
	cr_expect(strstr(d.reason, "; process killed by signal 11"));
}
