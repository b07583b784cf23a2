// SPDX-License-Identifier: GPL-2.0-only
/* Validation scales with the file: a scenario file of the largest size
 * (4 MiB) with tens of thousands of steps, cgroups, schedulers and checks
 * parses and validates in well under the test's timeout. The quadratic
 * name scans this guards against took minutes on such a file; the time is
 * printed, not asserted. */
#include <criterion/criterion.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "scenario/model.h"

/* The 64 schedulers and 10000 ops allowed (4 per step), two checks per
 * cgroup, then as many op-less steps as fit. */
#define NSCHED SCN_MAX_SCHEDULERS
#define NOPSTEPS (SCN_MAX_OPS / 4)

struct text {
	char *buf;
	size_t len, cap;
};

static void add(struct text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void add(struct text *t, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(t->buf + t->len, t->cap - t->len, fmt, ap);
	va_end(ap);
	cr_assert(n >= 0 && (size_t)n < t->cap - t->len);
	t->len += (size_t)n;
}

/* Steps up to `size` bytes; returns how many. */
static int generate(struct text *t, size_t size)
{
	int steps = 0;

	t->cap = size + 256;
	t->buf = malloc(t->cap);
	t->len = 0;
	add(t, "scenario big \"every name distinct\"\ntopology cores=4\n");
	for (int i = 0; i < NSCHED; i++)
		add(t, "scheduler k%d bpf=k\n", i);
	add(t, "backdrop\n  cgroup base\n  sleep 1us\n  sleep 1us\n  sleep 1us\n");
	for (; steps < NOPSTEPS - 1; steps++)
		add(t, "step s%d 1ms\n  cgroup c%d cpus=%d\n  workers c%d 1 spin\n  %s k%d\n"
		    "  sleep 1us\n",
		    steps, steps, steps % 4, steps, steps ? "replace" : "attach",
		    (steps * 7) % NSCHED);
	for (int i = 0; i < steps; i++)
		add(t, "check starvation cgroup=c%d\ncheck isolation cgroup=c%d\n", i, i);
	while (t->len + 200 < size) {
		add(t, "step s%d 1ns\n", steps);
		steps++;
	}
	return steps;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

Test(scale, largest_file_validates, .timeout = 60)
{
	struct text t;
	struct scenario s;
	struct scn_error err;
	int steps = generate(&t, SCN_MAX_FILE_BYTES);
	double t0 = now();

	cr_assert_gt(steps, 200000);
	cr_assert_eq(scn_parse_string("big.scn", t.buf, t.len, &s, &err), 0, "%d:%d: %s",
		     err.loc.line, err.loc.col, err.msg);
	fprintf(stderr, "[scale] %zu bytes, %d steps, %d schedulers, %d checks: "
		"parsed and validated in %.2f s\n", t.len, steps, NSCHED, s.n_checks,
		now() - t0);
	cr_expect_eq(s.n_steps, steps);
	cr_expect_eq(s.n_scheds, NSCHED);
	cr_expect_eq(s.n_checks, 2 * (NOPSTEPS - 1));
	scn_free(&s);
	free(t.buf);
}

/* The same names found again at the far end are still duplicates. */
Test(scale, late_duplicates_are_found, .timeout = 60)
{
	static const struct { const char *tail; int col; const char *msg; } dups[] = {
		{ "step s0 1ms\n", 6, "step 's0' already defined at line" },
		{ "step s100000 1ms\n", 6, "step 's100000' already defined at line" },
		{ "scheduler k63 bpf=k\n", 1, "too many schedulers; expected at most 64" },
		{ "check isolation cgroup=c2498\n", 7,
		  "check isolation for cgroup 'c2498' already given at line" },
		{ "step more 1s\n  sleep 1ms\n", 3, "too many ops; expected at most 10000" },
		{ "check isolation cgroup=nowhere\n", 24, "unknown cgroup 'nowhere'" },
	};

	for (size_t i = 0; i < sizeof(dups) / sizeof(dups[0]); i++) {
		struct text t;
		struct scenario s;
		struct scn_error err;
		int lines = 0;

		generate(&t, SCN_MAX_FILE_BYTES / 2);
		for (size_t k = 0; k < t.len; k++)
			lines += t.buf[k] == '\n';
		add(&t, "%s", dups[i].tail);
		cr_assert_eq(scn_parse_string("big.scn", t.buf, t.len, &s, &err), -1,
			     "%s: parsed", dups[i].tail);
		cr_expect(strstr(err.msg, dups[i].msg), "'%s' lacks '%s'", err.msg, dups[i].msg);
		cr_expect_eq(err.loc.col, dups[i].col, "%s: col %d", err.msg, err.loc.col);
		cr_expect_geq(err.loc.line, lines + 1, "%s: line %d", err.msg, err.loc.line);
		free(t.buf);
	}
}
