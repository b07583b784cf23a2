// SPDX-License-Identifier: GPL-2.0-only
/* Tests that valid scenarios parse into the right model fields: every stock
 * scenario, every directive, every op and every check. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <stdio.h>
#include <string.h>

#include "scenario/model.h"

static struct scenario s;

static void parse_ok(const char *text)
{
	struct scn_error err;
	char buf[700];

	if (scn_parse_string("t.scn", text, strlen(text), &s, &err)) {
		scn_error_format(NULL, "t.scn", &err, buf, sizeof(buf));
		cr_assert_fail("parse failed: %s\n--- input:\n%s", buf, text);
	}
}

static void teardown(void)
{
	scn_free(&s);
}

TestSuite(parse, .fini = teardown);

/* The first op of the only step of "scenario t\nstep s 1s\n" + ops. */
static const struct scn_op *op_of(const char *ops, int i)
{
	char text[2048];

	snprintf(text, sizeof(text),
		 "scenario t\ntopology numa=2 llcs=2 cores=2 threads=2\n"
		 "scheduler a bpf=a\nscheduler b exec=/b\n"
		 "backdrop\n  cgroup x\n  cgroup y\n"
		 "step s 10s\n%s", ops);
	parse_ok(text);
	cr_assert_gt(s.steps[0].n_ops, i);
	return &s.steps[0].ops[i];
}

Test(parse, stock_scenarios_all_parse_and_use_every_op)
{
	bool used[SCN_OP_DETACH + 1] = { false };
	DIR *d = opendir(SCN_STOCK_DIR);
	struct dirent *e;
	int n = 0;

	cr_assert_not_null(d, "opendir %s", SCN_STOCK_DIR);
	while ((e = readdir(d))) {
		char path[1024], buf[700];
		struct scn_error err;
		size_t len = strlen(e->d_name);

		if (len < 5 || strcmp(e->d_name + len - 4, ".scn"))
			continue;
		snprintf(path, sizeof(path), "%s/%s", SCN_STOCK_DIR, e->d_name);
		if (scn_parse_file(path, &s, &err)) {
			scn_error_format(NULL, path, &err, buf, sizeof(buf));
			cr_expect_fail("%s", buf);
			continue;
		}
		for (int b = -1; b < s.n_steps; b++) {
			const struct scn_block *blk = b < 0 ? &s.backdrop : &s.steps[b];

			for (int i = 0; i < blk->n_ops; i++)
				used[blk->ops[i].kind] = true;
		}
		cr_expect_str_neq(s.name, "");
		scn_free(&s);
		n++;
	}
	closedir(d);
	cr_expect_geq(n, 16, "only %d stock scenarios", n);
	for (int k = SCN_OP_CGROUP; k <= SCN_OP_DETACH; k++)
		cr_expect(used[k], "no stock scenario uses op '%s'", scn_op_name(k));
}

Test(parse, hello_fields)
{
	struct scn_error err;

	cr_assert_eq(scn_parse_file(SCN_STOCK_DIR "/hello.scn", &s, &err), 0, "%s", err.msg);
	cr_expect_str_eq(s.name, "hello");
	cr_expect_str_eq(s.description, "two spinners, nobody starves");
	cr_expect_eq(s.topo.cores, 2);
	cr_expect_eq(s.memory_bytes, 512ull << 20);
	cr_expect_eq(s.backdrop.n_ops, 0);
	cr_assert_eq(s.n_steps, 1);
	cr_expect_str_eq(s.steps[0].name, "run");
	cr_expect_eq(s.steps[0].duration_ns, 1000000000ull);
	cr_expect_eq(s.steps[0].repeat, 1);
	cr_assert_eq(s.steps[0].n_ops, 2);
	cr_expect_eq(s.steps[0].ops[1].kind, SCN_OP_WORKERS);
	cr_expect_str_eq(s.steps[0].ops[1].workers.cgroup, "a");
	cr_expect_eq(s.steps[0].ops[1].workers.count, 2);
	cr_expect_str_eq(s.steps[0].ops[1].workers.type, "spin");
	cr_expect_eq(s.steps[0].ops[1].loc.line, 9);
	cr_expect_eq(s.steps[0].ops[1].loc.col, 3);
	cr_assert_eq(s.n_checks, 1);
	cr_expect_eq(s.checks[0].kind, SCN_CHECK_STARVATION);
	cr_expect_eq(s.checks[0].max_gap_ns, 500000000ull);
}

Test(parse, defaults)
{
	parse_ok("scenario t\n");
	cr_expect_eq(s.topo.numa, 1);
	cr_expect_eq(s.topo.llcs, 1);
	cr_expect_eq(s.topo.cores, 2);
	cr_expect_eq(s.topo.threads, 1);
	cr_expect_eq(s.memory_bytes, 512ull << 20);
	cr_expect_str_eq(s.description, "");
	cr_expect_str_eq(s.backdrop.name, "backdrop");
	cr_expect_eq(s.n_steps, 0);
}

Test(parse, directives)
{
	parse_ok("# comment\n\nscenario t \"a \\\"quoted\\\" \\\\ desc\"   # trailing\n"
		 "topology numa=2 llcs=3 cores=4 threads=2\r\n"
		 "memory 2G\n"
		 "scheduler one bpf=scx_one.bpf.o partial=yes\n"
		 "scheduler two exec=/usr/bin/scx_two args=\"--slice 5 -v\" enable-timeout=90s\n"
		 "step a 1.5s repeat=4\n"
		 "step b 250ms\n");
	cr_expect_str_eq(s.description, "a \"quoted\" \\ desc");
	cr_expect_eq(s.topo.numa, 2);
	cr_expect_eq(s.topo.llcs, 3);
	cr_expect_eq(s.topo.cores, 4);
	cr_expect_eq(s.topo.threads, 2);
	cr_expect_eq(s.topo_loc.line, 4);
	cr_expect_eq(s.memory_bytes, 2ull << 30);
	cr_assert_eq(s.n_scheds, 2);
	cr_expect_eq(s.scheds[0].kind, SCN_SCHED_BPF);
	cr_expect_str_eq(s.scheds[0].target, "scx_one.bpf.o");
	cr_expect(s.scheds[0].partial);
	cr_expect_eq(s.scheds[1].kind, SCN_SCHED_EXEC);
	cr_expect_str_eq(s.scheds[1].target, "/usr/bin/scx_two");
	cr_expect_str_eq(s.scheds[1].args, "--slice 5 -v");
	cr_expect_eq(s.scheds[0].enable_timeout_ns, SCN_SCHED_ENABLE_TIMEOUT_NS);
	cr_expect_eq(s.scheds[1].enable_timeout_ns, 90000000000ull);
	cr_expect_not(s.scheds[1].partial);
	cr_assert_eq(s.n_steps, 2);
	cr_expect_eq(s.steps[0].duration_ns, 1500000000ull);
	cr_expect_eq(s.steps[0].repeat, 4);
	cr_expect_eq(s.steps[1].duration_ns, 250000000ull);
	cr_expect_eq(s.steps[1].loc.line, 9);
}

Test(parse, file_directives)
{
	parse_ok("scenario t\n"
		 "file build/runner\n"
		 "file /opt/data to=/srv/data mode=644\n"
		 "file \"/a b/x=y\" to=/x mode=0755   # quoted: a blank and an '='\n"
		 "file /usr/lib/../share/./x\n"
		 "step s 1s\n");
	cr_assert_eq(s.n_files, 4);
	cr_expect_str_eq(s.files[0].host, "build/runner");
	cr_expect_str_eq(s.files[0].to, "");
	cr_expect_eq(s.files[0].mode, -1);
	cr_expect_eq(s.files[0].loc.line, 2);
	cr_expect_eq(s.files[0].host_loc.col, 6);
	cr_expect_str_eq(s.files[1].to, "/srv/data");
	cr_expect_eq(s.files[1].mode, 0644);
	cr_expect_eq(s.files[1].to_loc.col, 19);
	cr_expect_str_eq(s.files[2].host, "/a b/x=y");
	cr_expect_eq(s.files[2].mode, 0755);
	cr_expect_str_eq(s.files[3].host, "/usr/lib/../share/./x", "kept as written");
	scn_free(&s);
	/* The limits: 64 directives, paths of 1023 bytes. */
	{
		char text[SCN_MAX_FILES * 16 + 64] = "scenario t\n";
		struct scn_error err;

		for (int i = 0; i < SCN_MAX_FILES; i++)
			snprintf(text + strlen(text), sizeof(text) - strlen(text), "file /f%d\n", i);
		parse_ok(text);
		cr_expect_eq(s.n_files, SCN_MAX_FILES);
		scn_free(&s);
		strcat(text, "file /one-more\n");
		cr_assert_eq(scn_parse_string("t.scn", text, strlen(text), &s, &err), -1);
		cr_expect_eq(err.loc.line, SCN_MAX_FILES + 2);
		cr_expect(strstr(err.msg, "too many file directives; expected at most 64"), "%s", err.msg);
	}
	{
		char text[2 * SCN_FILE_PATH_MAX + 64];
		struct scn_error err;
		int n = snprintf(text, sizeof(text), "scenario t\nfile /");

		memset(text + n, 'a', SCN_FILE_PATH_MAX - 2);
		strcpy(text + n + SCN_FILE_PATH_MAX - 2, "\n");
		parse_ok(text);
		cr_expect_eq(strlen(s.files[0].host), SCN_FILE_PATH_MAX - 1);
		scn_free(&s);
		n = snprintf(text, sizeof(text), "scenario t\nfile /");
		memset(text + n, 'a', SCN_FILE_PATH_MAX - 1);
		strcpy(text + n + SCN_FILE_PATH_MAX - 1, "\n");
		cr_assert_eq(scn_parse_string("t.scn", text, strlen(text), &s, &err), -1);
		cr_expect(strstr(err.msg, "host path is 1024 bytes long; expected at most 1023"),
			  "%s", err.msg);
	}
}

Test(parse, path_normalize_and_guest_path_rule)
{
	static const struct { const char *in, *out; } norm[] = {
		{ "/", "/" }, { "/a/b", "/a/b" }, { "//a///b/", "/a/b" }, { "/a/./b/.", "/a/b" },
		{ "/a/b/../c", "/a/c" }, { "/../..", "/" }, { "/a/..", "/" }, { "/a/../../b", "/b" },
	};
	char out[64], msg[256];

	for (size_t i = 0; i < sizeof(norm) / sizeof(norm[0]); i++) {
		cr_assert_eq(scn_path_normalize(norm[i].in, out, sizeof(out)), 0, "%s", norm[i].in);
		cr_expect_str_eq(out, norm[i].out, "%s", norm[i].in);
	}
	cr_expect_eq(scn_path_normalize("a/b", out, sizeof(out)), -1, "relative");
	cr_expect_eq(scn_path_normalize("/abcdef", out, 4), -1, "too long");
	cr_expect_eq(scn_guest_path_check("/opt/x", msg, sizeof(msg)), 0);
	cr_expect_eq(scn_guest_path_check("/tmp/x", msg, sizeof(msg)), 0, "/tmp is fine");
	cr_expect_eq(scn_guest_path_check("/procfs", msg, sizeof(msg)), 0, "only /proc itself");
	cr_expect_eq(scn_guest_path_check("/sys", msg, sizeof(msg)), -1);
	cr_expect_eq(scn_guest_path_check("/dev/x", msg, sizeof(msg)), -1);
}

Test(parse, blocks_and_indentation)
{
	parse_ok("scenario t\nbackdrop\n\tcgroup a\n   \t cgroup b # c\n\n  # x\n"
		 "step one 1s\n    remove b\nstep two 1s\n");
	cr_expect_eq(s.backdrop.n_ops, 2);
	cr_expect_eq(s.backdrop.ops[1].loc.col, 6);
	cr_expect_str_eq(s.backdrop.ops[1].name, "b");
	cr_expect_eq(s.steps[0].n_ops, 1);
	cr_expect_eq(s.steps[1].n_ops, 0);
}

Test(parse, op_cgroup_knobs)
{
	const struct scn_op *op = op_of(
		"  cgroup c cpus=llc:1 mems=0-1 weight=300 max=50% memory.max=64M "
		"memory.high=max io.weight=50 pids.max=100\n"
		"  cgroup d max=20000/100000 memory.max=max pids.max=max\n"
		"  cgroup e max=max\n", 0);
	const struct scn_cgroup_knobs *k = &op->knobs;

	cr_expect_eq(op->kind, SCN_OP_CGROUP);
	cr_expect_str_eq(op->name, "c");
	cr_expect_eq(op->name_loc.col, 10);
	cr_expect_eq(k->cpus.kind, SCN_CPUS_LLC);
	cr_expect_eq(k->cpus.index, 1);
	cr_expect_eq(k->cpus.loc.line, 9);
	cr_expect_eq(k->cpus.loc.col, 17);
	cr_expect_str_eq(k->mems, "0-1");
	cr_expect_eq(k->weight, 300);
	cr_expect_str_eq(k->cpu_max, "50000 100000");
	cr_expect(k->memory_max_set);
	cr_expect_eq(k->memory_max, 64ll << 20);
	cr_expect(k->memory_high_set);
	cr_expect_eq(k->memory_high, -1);
	cr_expect_eq(k->io_weight, 50);
	cr_expect(k->pids_max_set);
	cr_expect_eq(k->pids_max, 100);
	k = &s.steps[0].ops[1].knobs;
	cr_expect_str_eq(k->cpu_max, "20000 100000");
	cr_expect_eq(k->memory_max, -1);
	cr_expect_eq(k->pids_max, -1);
	cr_expect_not(k->memory_high_set);
	cr_expect_eq(k->cpus.kind, SCN_CPUS_NONE);
	cr_expect_str_eq(s.steps[0].ops[2].knobs.cpu_max, "max");
}

Test(parse, op_cpusets)
{
	const struct scn_op *op = op_of("  set-cpuset x 0-3,6\n  set-cpuset y cpus=node:1\n"
					"  clear-cpuset x\n  swap-cpusets x y\n", 0);

	cr_expect_eq(op->kind, SCN_OP_SET_CPUSET);
	cr_expect_eq(op->cpus.kind, SCN_CPUS_LIST);
	cr_expect_eq(scn_cpumask_count(&op->cpus.list), 5);
	cr_expect(scn_cpumask_test(&op->cpus.list, 6));
	op = &s.steps[0].ops[1];
	cr_expect_eq(op->cpus.kind, SCN_CPUS_NODE);
	cr_expect_eq(op->cpus.index, 1);
	cr_expect_eq(op->cpus.loc.col, 21);
	cr_expect_eq(s.steps[0].ops[2].kind, SCN_OP_CLEAR_CPUSET);
	cr_expect_str_eq(s.steps[0].ops[2].name, "x");
	op = &s.steps[0].ops[3];
	cr_expect_eq(op->kind, SCN_OP_SWAP_CPUSETS);
	cr_expect_str_eq(op->name, "x");
	cr_expect_str_eq(op->name2, "y");
	cr_expect_eq(op->name2_loc.col, 18);
}

Test(parse, op_remove_freeze_thaw_move)
{
	op_of("  freeze x\n  thaw x\n  move-tasks x y\n  remove x\n", 0);
	cr_expect_eq(s.steps[0].ops[0].kind, SCN_OP_FREEZE);
	cr_expect_eq(s.steps[0].ops[1].kind, SCN_OP_THAW);
	cr_expect_eq(s.steps[0].ops[2].kind, SCN_OP_MOVE);
	cr_expect_str_eq(s.steps[0].ops[2].name, "x");
	cr_expect_str_eq(s.steps[0].ops[2].name2, "y");
	cr_expect_eq(s.steps[0].ops[3].kind, SCN_OP_REMOVE);
	cr_expect_str_eq(s.steps[0].ops[3].name, "x");
}

Test(parse, op_affinity_forms)
{
	const struct scn_affinity *a;

	op_of("  affinity x cpus=share:1/4\n  affinity x random=3\n  affinity x single\n"
	      "  affinity x single=5\n  affinity x llc=2\n  affinity x smt-pair=7\n"
	      "  affinity x reset\n", 0);
	a = &s.steps[0].ops[0].affinity;
	cr_expect_eq(a->kind, SCN_AFF_CPUS);
	cr_expect_eq(a->cpus.kind, SCN_CPUS_SHARE);
	cr_expect_eq(a->cpus.index, 1);
	cr_expect_eq(a->cpus.parts, 4);
	a = &s.steps[0].ops[1].affinity;
	cr_expect_eq(a->kind, SCN_AFF_RANDOM);
	cr_expect_eq(a->n, 3);
	a = &s.steps[0].ops[2].affinity;
	cr_expect_eq(a->kind, SCN_AFF_SINGLE);
	cr_expect_eq(a->n, -1);
	a = &s.steps[0].ops[3].affinity;
	cr_expect_eq(a->kind, SCN_AFF_SINGLE);
	cr_expect_eq(a->n, 5);
	a = &s.steps[0].ops[4].affinity;
	cr_expect_eq(a->kind, SCN_AFF_LLC);
	cr_expect_eq(a->n, 2);
	a = &s.steps[0].ops[5].affinity;
	cr_expect_eq(a->kind, SCN_AFF_SMT_PAIR);
	cr_expect_eq(a->n, 7);
	cr_expect_eq(s.steps[0].ops[6].affinity.kind, SCN_AFF_RESET);
}

Test(parse, op_workers)
{
	const struct scn_op *op = op_of(
		"  workers x 3 futex-pingpong clone=thread policy=fifo:50 nice=-5 "
		"mempolicy=bind:0-1 size=4K pattern=\"a b\"\n"
		"  workers - 1 spin policy=ext mempolicy=preferred:1\n"
		"  workers y 2 spin policy=rr:99 nice=19 mempolicy=interleave:0,1\n"
		"  workers y 1 spin policy=batch mempolicy=local\n"
		"  workers y 1 spin policy=idle\n"
		"  stop-workers x\n  stop-workers -\n", 0);
	const struct scn_workers *w = &op->workers;

	cr_expect_eq(op->kind, SCN_OP_WORKERS);
	cr_expect_str_eq(w->cgroup, "x");
	cr_expect_eq(w->count, 3);
	cr_expect_str_eq(w->type, "futex-pingpong");
	cr_expect_eq(w->clone, SCN_CLONE_THREAD);
	cr_expect_eq(w->policy, SCN_POLICY_FIFO);
	cr_expect_eq(w->priority, 50);
	cr_expect(w->nice_set);
	cr_expect_eq(w->nice, -5);
	cr_expect_str_eq(w->mempolicy, "bind:0-1");
	cr_assert_eq(w->n_opts, 2);
	cr_expect_str_eq(w->opts[0].key, "size");
	cr_expect_str_eq(w->opts[0].value, "4K");
	cr_expect_eq(w->opts[0].loc.line, 9);
	cr_expect_eq(w->opts[0].loc.col, 85);
	cr_expect_str_eq(w->opts[1].key, "pattern");
	cr_expect_str_eq(w->opts[1].value, "a b");
	w = &s.steps[0].ops[1].workers;
	cr_expect_str_eq(w->cgroup, "");
	cr_expect_eq(w->clone, SCN_CLONE_FORK);
	cr_expect_eq(w->policy, SCN_POLICY_EXT);
	cr_expect_not(w->nice_set);
	cr_expect_str_eq(w->mempolicy, "preferred:1");
	w = &s.steps[0].ops[2].workers;
	cr_expect_eq(w->policy, SCN_POLICY_RR);
	cr_expect_eq(w->priority, 99);
	cr_expect_eq(w->nice, 19);
	cr_expect_eq(s.steps[0].ops[3].workers.policy, SCN_POLICY_BATCH);
	cr_expect_str_eq(s.steps[0].ops[3].workers.mempolicy, "local");
	cr_expect_eq(s.steps[0].ops[4].workers.policy, SCN_POLICY_IDLE);
	cr_expect_eq(s.steps[0].ops[5].kind, SCN_OP_STOP_WORKERS);
	cr_expect_str_eq(s.steps[0].ops[5].name, "x");
	cr_expect_str_eq(s.steps[0].ops[6].name, "");
}

Test(parse, op_payloads_and_sleep)
{
	const struct scn_op *op = op_of(
		"  payload-run p /bin/sh args=\"-c \\\"exit 3\\\"\" cgroup=x\n"
		"  payload-wait p timeout=2.5s\n"
		"  payload-run q \"/opt/my prog\"\n"
		"  sleep 100us\n"
		"  payload-kill q\n"
		"  payload-run p /bin/true\n  payload-wait p\n", 0);

	cr_expect_eq(op->kind, SCN_OP_PAYLOAD_RUN);
	cr_expect_str_eq(op->name, "p");
	cr_expect_str_eq(op->path, "/bin/sh");
	cr_expect_str_eq(op->args, "-c \"exit 3\"");
	cr_expect_str_eq(op->cgroup, "x");
	op = &s.steps[0].ops[1];
	cr_expect_eq(op->kind, SCN_OP_PAYLOAD_WAIT);
	cr_expect_eq(op->duration_ns, 2500000000ull);
	cr_expect_str_eq(s.steps[0].ops[2].path, "/opt/my prog");
	cr_expect_str_eq(s.steps[0].ops[2].cgroup, "");
	cr_expect_eq(s.steps[0].ops[3].kind, SCN_OP_SLEEP);
	cr_expect_eq(s.steps[0].ops[3].duration_ns, 100000ull);
	cr_expect_eq(s.steps[0].ops[4].kind, SCN_OP_PAYLOAD_KILL);
	cr_expect_eq(s.steps[0].ops[6].duration_ns, 0);
}

Test(parse, op_scheduler_lifecycle)
{
	op_of("  attach a\n  replace b\n  replace a\n  detach\n  attach b\n", 0);
	cr_expect_eq(s.steps[0].ops[0].kind, SCN_OP_ATTACH);
	cr_expect_str_eq(s.steps[0].ops[0].name, "a");
	cr_expect_eq(s.steps[0].ops[1].kind, SCN_OP_REPLACE);
	cr_expect_str_eq(s.steps[0].ops[1].name, "b");
	cr_expect_eq(s.steps[0].ops[3].kind, SCN_OP_DETACH);
	cr_expect_str_eq(s.steps[0].ops[3].name, "");
}

Test(parse, step_cgroups_are_scoped)
{
	/* A step's cgroups go at its end (and at the end of each repetition),
	 * so later steps and repetitions may reuse the names. */
	parse_ok("scenario t\nstep a 1s repeat=3\n  cgroup x\n  workers x 1 spin\n"
		 "step b 1s\n  cgroup x\n  payload-run p /bin/true\n"
		 "step c 1s\n  payload-run p /bin/true\n");
	cr_expect_eq(s.steps[0].repeat, 3);
}

Test(parse, checks_with_defaults)
{
	parse_ok("scenario t\nscheduler s bpf=s\nbackdrop\n  cgroup a\n"
		 "check starvation\ncheck starvation cgroup=a max-gap=100ms\n"
		 "check isolation\ncheck isolation cgroup=a\n"
		 "check fairness\ncheck fairness max-spread=10% cgroup=a\n"
		 "check weight\ncheck wake-latency p50=50us p99=1ms p999=5ms cgroup=a\n"
		 "check throughput min=1000.5\ncheck scheduler alive\n"
		 "check scheduler dies\ncheck scheduler dies reason=stall name=s\n");
	cr_assert_eq(s.n_checks, 12);
	cr_expect_eq(s.checks[0].kind, SCN_CHECK_STARVATION);
	cr_expect_eq(s.checks[0].max_gap_ns, 2000000000ull);
	cr_expect_str_eq(s.checks[0].cgroup, "");
	cr_expect_eq(s.checks[1].max_gap_ns, 100000000ull);
	cr_expect_str_eq(s.checks[1].cgroup, "a");
	cr_expect_eq(s.checks[1].cgroup_loc.col, 25);
	cr_expect_eq(s.checks[3].kind, SCN_CHECK_ISOLATION);
	cr_expect_eq(s.checks[4].max_spread_pct, 25);
	cr_expect_eq(s.checks[5].max_spread_pct, 10);
	cr_expect_eq(s.checks[6].kind, SCN_CHECK_WEIGHT);
	cr_expect_eq(s.checks[6].tolerance_pct, 25);
	cr_expect_eq(s.checks[7].p50_ns, 50000ull);
	cr_expect_eq(s.checks[7].p99_ns, 1000000ull);
	cr_expect_eq(s.checks[7].p999_ns, 5000000ull);
	cr_expect_eq(s.checks[8].kind, SCN_CHECK_THROUGHPUT);
	cr_expect_eq(s.checks[8].min_rate, 1000.5);
	cr_expect_eq(s.checks[9].kind, SCN_CHECK_SCHED_ALIVE);
	cr_expect_eq(s.checks[10].kind, SCN_CHECK_SCHED_DIES);
	cr_expect_str_eq(s.checks[10].reason, "any");
	cr_expect_str_eq(s.checks[11].reason, "stall");
	cr_expect_str_eq(s.checks[11].sched, "s");
	cr_expect_str_eq(scn_check_name(SCN_CHECK_SCHED_DIES), "scheduler dies");
	cr_expect_str_eq(scn_check_name(SCN_CHECK_WAKE_LATENCY), "wake-latency");
}

Test(parse, names_of_ops)
{
	cr_expect_str_eq(scn_op_name(SCN_OP_CGROUP), "cgroup");
	cr_expect_str_eq(scn_op_name(SCN_OP_MOVE), "move-tasks");
	cr_expect_str_eq(scn_op_name(SCN_OP_DETACH), "detach");
	cr_expect_str_eq(scn_op_name((enum scn_op_kind)0), "?");
}

Test(parse, revalidate_with_other_topology)
{
	struct scn_error err;

	parse_ok("scenario t\ntopology cores=8\nstep a 1s\n  cgroup x cpus=6-7\n");
	s.topo.cores = 4;
	cr_expect_eq(scn_validate(&s, &err), -1);
	cr_expect_eq(err.loc.line, 4);
	cr_expect_eq(err.loc.col, 17);
	cr_expect(strstr(err.msg, "cpu 6 does not exist"), "%s", err.msg);
}

Test(parse, error_format)
{
	struct scn_error err = { { 7, 11 }, "boom" };
	char buf[128];

	scn_error_format(NULL, "x.scn", &err, buf, sizeof(buf));
	cr_expect_str_eq(buf, "x.scn:7:11: boom");
	err.loc.line = 0;
	scn_error_format(NULL, "x.scn", &err, buf, sizeof(buf));
	cr_expect_str_eq(buf, "x.scn: boom");
}

Test(parse, missing_file)
{
	struct scn_error err;

	cr_expect_eq(scn_parse_file("/nonexistent/x.scn", &s, &err), -1);
	cr_expect_eq(err.loc.line, 0);
	cr_expect(strstr(err.msg, "cannot open"), "%s", err.msg);
}
