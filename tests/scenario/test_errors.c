// SPDX-License-Identifier: GPL-2.0-only
/* Malformed scenarios: each must be rejected with the exact line:col of the
 * offending token and a message saying what was found and what was expected. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scenario/model.h"

struct bad {
	const char *what;
	const char *text;
	int line, col;
	const char *msg;  /* substring of the message */
};

#define HDR "scenario t\n"
#define T4 "scenario t\ntopology cores=4\n"
#define SCH "scenario t\nscheduler a bpf=a\nscheduler b bpf=b\n"

static const struct bad cases[] = {
	{ "empty file", "", 1, 1, "missing 'scenario' directive" },
	{ "comments only", "# nothing\n\n", 2, 1, "missing 'scenario' directive" },
	{ "scenario not first", "topology cores=4\nscenario t\n", 1, 1,
	  "missing 'scenario' directive before 'topology'" },
	{ "unknown directive", HDR "topolgy cores=4\n", 2, 1,
	  "unknown directive 'topolgy'; expected one of: scenario, topology" },
	{ "op at column 1", HDR "cgroup a\n", 2, 1, "must be indented" },
	{ "op outside block", HDR "  cgroup a\n", 2, 3, "outside a block" },
	{ "op after check", HDR "check isolation\n  cgroup a\n", 3, 3, "outside a block" },
	{ "unknown op", HDR "step s 1s\n  worker a 2 spin\n", 3, 3,
	  "unknown op 'worker'; expected one of: cgroup, remove" },
	{ "duplicate scenario", HDR "scenario u\n", 2, 1, "given twice (first at line 1)" },
	{ "bad scenario name", "scenario a/b\n", 1, 10, "bad scenario name 'a/b'" },
	{ "unterminated string", "scenario t \"desc\n", 1, 12, "unterminated string" },
	{ "bad escape", "scenario t \"a\\nb\"\n", 1, 14, "unknown escape '\\n'" },
	{ "topology unknown key", HDR "topology cpus=4\n", 2, 10,
	  "unknown option 'cpus'; expected one of: numa, llcs, cores, threads" },
	{ "topology bad number", HDR "topology cores=x\n", 2, 16, "cores: expected an integer" },
	{ "topology too big", HDR "topology numa=4 llcs=4 cores=4 threads=8\n", 2, 1,
	  "topology has 512 CPUs; expected at most 256" },
	{ "topology twice", HDR "topology cores=2\ntopology cores=4\n", 3, 1,
	  "'topology' given twice (first at line 2)" },
	{ "memory too small", HDR "memory 64M\n", 2, 8, "expected 128M..1024G" },
	{ "memory bad suffix", HDR "memory 1T\n", 2, 8, "unknown size suffix 'T'" },
	{ "memory missing", HDR "memory\n", 2, 7, "missing size" },
	{ "bare duration", HDR "step s 1\n", 2, 8, "expected a unit after '1'" },
	{ "bad duration unit", HDR "step s 5sec\n", 2, 8,
	  "unknown unit 'sec' in duration '5sec'; expected ns, us, ms, s or m" },
	{ "zero step", HDR "step s 0ms\n", 2, 8, "zero duration" },
	{ "step missing duration", HDR "step s\n", 2, 7, "missing step duration" },
	{ "duplicate step", HDR "step s 1s\nstep s 2s\n", 3, 6, "step 's' already defined at line 2" },
	{ "bad repeat", HDR "step s 1s repeat=0\n", 2, 18, "repeat: 0 is out of range" },
	{ "backdrop after step", HDR "step s 1s\nbackdrop\n", 3, 1,
	  "backdrop after a step" },
	{ "duplicate scheduler", HDR "scheduler a bpf=x\nscheduler a bpf=y\n", 3, 11,
	  "scheduler 'a' already declared at line 2" },
	{ "scheduler no target", HDR "scheduler a partial=yes\n", 2, 24,
	  "missing bpf=OBJ or exec=PATH" },
	{ "scheduler both", HDR "scheduler a bpf=x exec=/y\n", 2, 19, "not both" },
	{ "scheduler bad partial", HDR "scheduler a bpf=x partial=maybe\n", 2, 27,
	  "expected yes or no" },
	{ "enable-timeout without unit", HDR "scheduler a bpf=x enable-timeout=90\n", 2, 34,
	  "enable-timeout: expected a unit after '90'" },
	{ "enable-timeout zero", HDR "scheduler a bpf=x enable-timeout=0s\n", 2, 34,
	  "enable-timeout=0s is out of range; expected more than 0 and at most 60m" },
	{ "enable-timeout too long", HDR "scheduler a exec=/a enable-timeout=61m\n", 2, 36,
	  "enable-timeout=61m is out of range" },
	{ "enable-timeout not a number", HDR "scheduler a bpf=x enable-timeout=soon\n", 2, 34,
	  "enable-timeout: bad duration 'soon'" },
	{ "enable-timeout twice", HDR "scheduler a bpf=x enable-timeout=1s enable-timeout=2s\n",
	  2, 37, "enable-timeout" },
	{ "cgroup unknown option", HDR "step s 1s\n  cgroup a cpu=0\n", 3, 12,
	  "unknown option 'cpu'; expected one of: cpus, mems, weight" },
	{ "cgroup missing name", HDR "step s 1s\n  cgroup\n", 3, 9, "missing cgroup name" },
	{ "bad cpus", HDR "step s 1s\n  cgroup a cpus=0-\n", 3, 17, "bad cpu list '0-'" },
	{ "bad cpus form", HDR "step s 1s\n  cgroup a cpus=core:1\n", 3, 17,
	  "unknown cpu set 'core:1'" },
	{ "cpu out of topology", T4 "step s 1s\n  cgroup a cpus=2-9\n", 4, 17,
	  "cpuset 'a': cpu 4 does not exist in topology numa=1 llcs=1 cores=4 threads=1 (CPUs 0-3)" },
	{ "llc out of topology", T4 "step s 1s\n  cgroup a cpus=llc:1\n", 4, 17,
	  "llc 1 does not exist" },
	{ "share empty", T4 "step s 1s\n  cgroup a cpus=share:4/8\n", 4, 17,
	  "share:4/8 is empty" },
	{ "share index too big", HDR "step s 1s\n  cgroup a cpus=share:2/2\n", 3, 17,
	  "expected share:I/N" },
	{ "frac zero", HDR "step s 1s\n  cgroup a cpus=frac:0\n", 3, 17, "frac:0 is empty" },
	{ "duplicate cgroup", HDR "step s 1s\n  cgroup a\n  cgroup a\n", 4, 3,
	  "cgroup 'a' already exists (created at line 3)" },
	{ "backdrop cgroup recreated", HDR "backdrop\n  cgroup a\nstep s 1s\n  cgroup a\n",
	  5, 3, "cgroup 'a' already exists (created at line 3)" },
	{ "unknown cgroup", HDR "step s 1s\n  workers b 2 spin\n", 3, 11, "unknown cgroup 'b'" },
	{ "cgroup gone after step", HDR "step s 1s\n  cgroup a\nstep u 1s\n  freeze a\n",
	  5, 10, "removed when that step ended" },
	{ "cgroup removed", HDR "backdrop\n  cgroup a\n  remove a\n  thaw a\n", 5, 8,
	  "it was removed at line 4" },
	{ "repeat recreates", HDR "backdrop\n  cgroup a\nstep s 1s repeat=2\n  remove a\n",
	  5, 10, "(in repetition 2 of step 's')" },
	{ "swap with itself", HDR "backdrop\n  cgroup a\n  swap-cpusets a a\n", 4, 18,
	  "swap-cpusets of cgroup 'a' with itself" },
	{ "move to itself", HDR "backdrop\n  cgroup a\n  move-tasks a a\n", 4, 16,
	  "move-tasks of cgroup 'a' with itself" },
	{ "set-cpuset missing spec", HDR "backdrop\n  cgroup a\n  set-cpuset a\n", 4, 15,
	  "missing cpu set" },
	{ "set-cpuset out of topology", HDR "backdrop\n  cgroup a\n  set-cpuset a 2\n", 4, 16,
	  "cpuset 'a': cpu 2 does not exist" },
	{ "thaw not frozen", HDR "backdrop\n  cgroup a\n  thaw a\n", 4, 3,
	  "cgroup 'a' is not frozen" },
	{ "workers count 0", HDR "backdrop\n  cgroup a\n  workers a 0 spin\n", 4, 13,
	  "worker count: 0 is out of range; expected 1..1024" },
	{ "workers count over the limit", HDR "backdrop\n  workers - 1025 spin\n", 3, 13,
	  "worker count: 1025 is out of range; expected 1..1024" },
	{ "worker groups of '-' across repetitions", HDR "step s 1s repeat=40\n  workers - 1 spin\n",
	  3, 3, "workers outside every cgroup ('-') already have 32 worker groups; expected "
	  "at most 32 'workers' ops on one cgroup until its 'stop-workers' (in repetition 33 of step 's')" },
	{ "worker groups of a backdrop cgroup", HDR "backdrop\n  cgroup a\nstep s 1s repeat=33\n"
	  "  workers a 2 spin\n", 5, 3,
	  "cgroup 'a' already has 32 worker groups; expected at most 32 'workers' ops on one "
	  "cgroup until its 'stop-workers' (in repetition 33 of step 's')" },
	{ "payload runs over the run", HDR "step s 1s repeat=1025\n  payload-run p /a\n  payload-wait p\n",
	  3, 3, "payload-run number 1025 of the run; expected at most 1024 in all (repetitions "
	  "count) (in repetition 1025 of step 's')" },
	{ "payload runs add up across steps", HDR "backdrop\n  payload-run b /b\n"
	  "step s 1s repeat=511\n  payload-run p /a\n  payload-kill p\n  payload-run q /a\n"
	  "step t 1s repeat=2\n  payload-run p /a\n", 9, 3,
	  "payload-run number 1025 of the run; expected at most 1024 in all (repetitions count) "
	  "(in repetition 2 of step 't')" },
	{ "workers missing type", HDR "backdrop\n  cgroup a\n  workers a 2\n", 4, 14,
	  "missing work type" },
	{ "unknown policy", HDR "backdrop\n  cgroup a\n  workers a 1 spin policy=deadline\n",
	  4, 27, "unknown policy 'deadline'; expected normal, batch, idle, fifo:P, rr:P or ext" },
	{ "fifo without priority", HDR "backdrop\n  cgroup a\n  workers a 1 spin policy=fifo\n",
	  4, 27, "needs a priority" },
	{ "fifo priority range", HDR "backdrop\n  cgroup a\n  workers a 1 spin policy=fifo:100\n",
	  4, 32, "fifo priority: 100 is out of range; expected 1..99" },
	{ "nice range", HDR "backdrop\n  cgroup a\n  workers a 1 spin nice=20\n", 4, 25,
	  "nice: 20 is out of range; expected -20..19" },
	{ "bad clone", HDR "backdrop\n  cgroup a\n  workers a 1 spin clone=vfork\n", 4, 26,
	  "unknown clone mode 'vfork'" },
	{ "mempolicy node missing", HDR "backdrop\n  cgroup a\n  workers a 1 spin mempolicy=bind:1\n",
	  4, 30, "node 1 does not exist" },
	{ "duplicate option", HDR "backdrop\n  cgroup a weight=1 weight=2\n", 3, 21,
	  "option 'weight' given twice" },
	{ "weight range", HDR "backdrop\n  cgroup a weight=0\n", 3, 19, "weight: 0 is out of range" },
	{ "bad cpu.max", HDR "backdrop\n  cgroup a max=half\n", 3, 16, "bad max='half'" },
	{ "affinity unknown form", HDR "backdrop\n  cgroup a\n  affinity a everywhere\n", 4, 14,
	  "unknown affinity 'everywhere'" },
	{ "smt-pair without smt", HDR "backdrop\n  cgroup a\n  affinity a smt-pair=0\n", 4, 23,
	  "has no SMT" },
	{ "affinity single out of range", HDR "backdrop\n  cgroup a\n  affinity a single=2\n", 4, 21,
	  "cpu 2 does not exist" },
	{ "attach undeclared", HDR "step s 1s\n  attach fifo\n", 3, 10,
	  "unknown scheduler 'fifo'; no scheduler is declared" },
	{ "attach unknown", SCH "step s 1s\n  attach c\n", 5, 10,
	  "unknown scheduler 'c'; expected one of: a, b" },
	{ "attach twice", SCH "step s 1s\n  attach a\nstep u 1s\n  attach b\n", 7, 3,
	  "attach 'b' while 'a' is attached (since line 5); expected replace" },
	{ "replace without attach", SCH "step s 1s\n  replace a\n", 5, 3,
	  "replace with no scheduler attached" },
	{ "detach without attach", SCH "step s 1s\n  attach a\n  detach\n  detach\n", 7, 3,
	  "detach with no scheduler attached" },
	{ "detach with argument", SCH "step s 1s\n  detach a\n", 5, 10, "unexpected 'a'" },
	{ "attach in repeated step", SCH "step s 1s repeat=2\n  attach a\n", 5, 3,
	  "in repetition 2 of step 's'" },
	{ "payload-wait unknown", HDR "step s 1s\n  payload-wait p\n", 3, 16, "unknown payload 'p'" },
	{ "payload-kill after wait", HDR "step s 1s\n  payload-run p /bin/true\n  payload-wait p\n"
	  "  payload-kill p\n", 5, 16, "unknown payload 'p'" },
	{ "payload twice", HDR "step s 1s\n  payload-run p /a\n  payload-run p /b\n", 4, 15,
	  "payload 'p' is already running (started at line 3)" },
	{ "payload gone after step", HDR "step s 1s\n  payload-run p /a\nstep u 1s\n  payload-kill p\n",
	  5, 16, "unknown payload 'p'" },
	{ "payload unknown cgroup", HDR "step s 1s\n  payload-run p /a cgroup=z\n", 3, 27,
	  "unknown cgroup 'z'" },
	{ "payload-wait zero timeout", HDR "step s 1s\n  payload-run p /a\n  payload-wait p timeout=0s\n",
	  4, 26, "greater than 0" },
	{ "sleep bare number", HDR "step s 1s\n  sleep 5\n", 3, 9, "expected a unit" },
	{ "sleeps exceed step", HDR "step s 1s\n  sleep 600ms\n  sleep 500ms\n", 4, 3,
	  "sleeps in step 's' add up to 1.1s; expected at most the step's duration 1s" },
	{ "run too long", HDR "step s 1m\nstep u 1m repeat=2880\n", 3, 1,
	  "the scenario runs for at least 2881m by the end of step 'u'; expected at most 2880m" },
	{ "run length overflows", HDR "step s 150000000m repeat=100000\n", 2, 1,
	  "the scenario runs for at least 18446744073709551.615us by the end of step 's'" },
	{ "backdrop waits too long", HDR "backdrop\n  payload-run p /a\n  payload-wait p timeout=2881m\n",
	  2, 1, "by the end of the backdrop; expected at most 2880m" },
	{ "step waits count", HDR "step s 1s repeat=2\n  payload-run p /a\n  payload-wait p timeout=1441m\n",
	  2, 1, "the scenario runs for at least 2882m by the end of step 's'" },
	{ "unknown check", HDR "check starve\n", 2, 7, "unknown check 'starve'" },
	{ "check unknown option", HDR "check starvation gap=1s\n", 2, 18,
	  "unknown option 'gap'; expected one of: max-gap, cgroup" },
	{ "check unknown cgroup", HDR "check isolation cgroup=nope\n", 2, 24, "unknown cgroup 'nope'" },
	{ "check duplicate", HDR "check starvation\ncheck starvation max-gap=1s\n", 3, 7,
	  "already given at line 2" },
	{ "check alive no scheduler", HDR "check scheduler alive\n", 2, 1,
	  "with no scheduler declared" },
	{ "check dies unknown reason", SCH "check scheduler dies reason=oops\n", 4, 29,
	  "unknown reason 'oops'" },
	{ "check dies unknown name", SCH "check scheduler dies name=c\n", 4, 27,
	  "unknown scheduler 'c'" },
	{ "check throughput without min", HDR "check throughput\n", 2, 17, "missing min=RATE" },
	{ "check wake-latency without bound", HDR "check wake-latency\n", 2, 19,
	  "missing latency bound" },
	{ "check latency bad duration", HDR "check wake-latency p99=2\n", 2, 24,
	  "p99: expected a unit" },
	{ "indented directive", HDR "  check isolation\n", 3 - 1, 1, "indented directive 'check'" },
	{ "positional where option expected", HDR "backdrop\n  cgroup a b\n", 3, 12,
	  "unexpected 'b'; expected an option KEY=VALUE" },
	{ "file without path", HDR "file\n", 2, 5, "missing host path; expected: file HOST_PATH" },
	{ "file option for path", HDR "file to=/x\n", 2, 6, "expected a host path, found option 'to=/x'" },
	{ "file relative to", HDR "file a to=b/c\n", 2, 11, "guest path 'b/c' is not absolute" },
	{ "file to root", HDR "file a to=/\n", 2, 11, "guest path '/' is the root itself" },
	{ "file to dotdot", HDR "file a to=/opt/../etc\n", 2, 11, "has a '..' component" },
	{ "file to trailing slash", HDR "file a to=/opt/\n", 2, 11, "has a trailing '/'" },
	{ "file to double slash", HDR "file a to=/opt//x\n", 2, 11, "has an empty component" },
	{ "file to proc", HDR "file a to=/proc/x\n", 2, 11,
	  "guest path '/proc/x' is on /proc, a pseudo filesystem" },
	{ "file to dev itself", HDR "file a to=/dev\n", 2, 11, "is on /dev" },
	{ "file host under sys", HDR "file /sys/kernel/x\n", 2, 6,
	  "guest path '/sys/kernel/x' is on /sys, a pseudo filesystem guest-init mounts before the files arrive; expected a path elsewhere (e.g. under /opt or /tmp); give to=GUEST_PATH" },
	{ "file host normalizes into dev", HDR "file /opt/../dev/x\n", 2, 6, "'/dev/x' is on /dev" },
	{ "file bad mode", HDR "file a mode=999\n", 2, 13, "bad mode='999'; expected an octal mode" },
	{ "file mode too long", HDR "file a mode=17777\n", 2, 13, "bad mode='17777'" },
	{ "file unknown option", HDR "file a dest=/x\n", 2, 8,
	  "unknown option 'dest'; expected one of: to, mode" },
	{ "file option twice", HDR "file a to=/x to=/y\n", 2, 14, "option 'to' given twice" },
	{ "file before scenario", "file a\nscenario t\n", 1, 1,
	  "missing 'scenario' directive before 'file'" },
	{ "file indented", HDR "step s 1s\n  file a\n", 3, 3, "unknown op 'file'" },
};

Test(errors, table)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct bad *b = &cases[i];
		struct scenario s;
		struct scn_error err;
		char buf[700];
		int ret = scn_parse_string("x.scn", b->text, strlen(b->text), &s, &err);

		scn_error_format(NULL, "x.scn", &err, buf, sizeof(buf));
		cr_expect_eq(ret, -1, "[%s] parsed, expected an error", b->what);
		if (ret == 0) {
			scn_free(&s);
			continue;
		}
		cr_expect(err.loc.line == b->line && err.loc.col == b->col,
			  "[%s] at %d:%d, expected %d:%d: %s", b->what, err.loc.line,
			  err.loc.col, b->line, b->col, buf);
		cr_expect(strstr(err.msg, b->msg), "[%s] message '%s' lacks '%s'",
			  b->what, err.msg, b->msg);
	}
}

/* head, n copies of line (an '@' in it is the copy's index), tail. */
static char *repeat_lines(const char *head, const char *line, int n, const char *tail)
{
	size_t len = strlen(head) + (size_t)n * (strlen(line) + 8) + strlen(tail) + 1;
	char *t = malloc(len), *p = t;

	p += sprintf(p, "%s", head);
	for (int i = 0; i < n; i++)
		for (const char *c = line; *c; c++)
			p += *c == '@' ? sprintf(p, "%d", i) : sprintf(p, "%c", *c);
	sprintf(p, "%s", tail);
	return t;
}

static void expect_error(char *text, int line, int col, const char *msg)
{
	struct scenario s;
	struct scn_error err;
	int ret = scn_parse_string("x.scn", text, strlen(text), &s, &err);

	cr_expect_eq(ret, -1, "parsed, expected '%s'", msg);
	if (ret == 0)
		scn_free(&s);
	else
		cr_expect(err.loc.line == line && err.loc.col == col && strstr(err.msg, msg),
			  "%d:%d: %s; expected %d:%d: ...%s...", err.loc.line, err.loc.col,
			  err.msg, line, col, msg);
	free(text);
}

static void expect_ok(char *text)
{
	struct scenario s;
	struct scn_error err;

	cr_expect_eq(scn_parse_string("x.scn", text, strlen(text), &s, &err), 0,
		     "%d:%d: %s", err.loc.line, err.loc.col, err.msg);
	scn_free(&s);
	free(text);
}

Test(errors, limits_at_once)
{
	expect_error(repeat_lines(HDR "backdrop\n", "  cgroup c@\n", 65, ""), 67, 3,
		     "too many cgroups at once; expected at most 64");
	expect_error(repeat_lines(HDR "backdrop\n", "  payload-run p@ /a\n", 33, ""), 35, 3,
		     "too many payloads at once; expected at most 32");
	expect_error(repeat_lines(HDR "backdrop\n  cgroup a\n", "  workers a 1 spin\n", 33, ""),
		     36, 3, "cgroup 'a' already has 32 worker groups");
	expect_ok(repeat_lines(HDR "backdrop\n  cgroup a\n", "  workers a 1 spin\n", 32,
			       "  stop-workers a\n  workers a 1 spin\n"));
	expect_ok(repeat_lines(HDR "backdrop\n  cgroup a\n", "  workers a 1 spin\n", 32,
			       "  remove a\n  cgroup a\n  workers a 1 spin\n"));
	/* A step's own cgroup goes at the end of each repetition. */
	expect_ok(strdup(HDR "step s 1s repeat=100\n  cgroup a\n  workers a 1 spin\n"));
	expect_ok(strdup(HDR "step s 1s repeat=1000\n  stop-workers -\n  workers - 1 spin\n"));
	expect_ok(strdup(HDR "step s 1s repeat=1024\n  payload-run p /a\n  payload-wait p\n"));
}

Test(errors, model_is_clean_after_error)
{
	struct scenario s;
	struct scn_error err;
	const char *text = HDR "step s 1s\n  cgroup a\n  bogus\n";

	cr_assert_eq(scn_parse_string("x.scn", text, strlen(text), &s, &err), -1);
	cr_expect_eq(s.n_steps, 0);
	cr_expect_null(s.steps);
	cr_expect_str_eq(s.path, "x.scn");
	scn_free(&s); /* harmless on a failed parse */
}
