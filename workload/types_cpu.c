// SPDX-License-Identifier: GPL-2.0-only
/* CPU-bound work types: spin, yield-heavy, mixed, alu-hot, smt-sibling-spin,
 * cache-pressure, cache-yield. */
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "workload/types.h"

#define CHUNK (256u << 10) /* cache walks: bytes per iteration */

static const struct wl_opt_def work_opts[] = {
	{ "work", WL_OPT_INT, "1000", "compute rounds per work unit" },
	{ NULL },
};

static int run_spin(struct wl_worker *w)
{
	wl_spin_until(w, UINT64_MAX, wl_opt(w, "work"));
	return 0;
}

const struct wl_type wl_type_spin = {
	.name = "spin", .summary = "busy loop on a fixed compute kernel",
	.opts = work_opts, .min_count = 1, .multiple = 1, .run = run_spin,
};

static const struct wl_opt_def yield_opts[] = {
	{ "work", WL_OPT_INT, "100", "compute rounds between yields" },
	{ NULL },
};

static int run_yield_heavy(struct wl_worker *w)
{
	uint64_t rounds = wl_opt(w, "work"), t = wl_now();

	while (!wl_stopping(w)) {
		wl_compute(rounds);
		sched_yield();
		t = wm_iter(w, t, 1);
	}
	return 0;
}

const struct wl_type wl_type_yield_heavy = {
	.name = "yield-heavy", .summary = "short compute, then sched_yield(), in a loop",
	.opts = yield_opts, .min_count = 1, .multiple = 1, .run = run_yield_heavy,
};

static const struct wl_opt_def mixed_opts[] = {
	{ "work", WL_OPT_INT, "1000", "compute rounds per compute step" },
	{ "sleep", WL_OPT_DUR, "100us", "length of a sleep step" },
	{ NULL },
};

/* 7 in 10 steps compute, 2 yield, 1 sleeps. */
static int run_mixed(struct wl_worker *w)
{
	uint64_t rounds = wl_opt(w, "work"), nap = wl_opt(w, "sleep"), t = wl_now();

	while (!wl_stopping(w)) {
		uint64_t pick = wl_rand(&w->m.rng) % 10;

		if (pick < 7)
			wl_compute(rounds);
		else if (pick < 9)
			sched_yield();
		else
			wl_sleep_until(w, wl_now() + nap);
		t = wm_iter(w, t, 1);
	}
	return 0;
}

const struct wl_type wl_type_mixed = {
	.name = "mixed", .summary = "random mix of compute, yield and short sleeps",
	.opts = mixed_opts, .min_count = 1, .multiple = 1, .run = run_mixed,
};

/* Four independent multiply-add chains: keeps the integer units busy. */
static uint64_t alu_kernel(uint64_t n)
{
	uint64_t a = 1, b = 2, c = 3, d = 4;

	for (uint64_t i = 0; i < n; i++) {
		a = a * 6364136223846793005ull + 1442695040888963407ull;
		b = b * 3935559000370003845ull + 2691343689449507681ull;
		c = c * 2862933555777941757ull + 3037000493ull;
		d = d * 1181783497276652981ull + i;
	}
	__asm__ volatile("" : "+r"(a), "+r"(b), "+r"(c), "+r"(d));
	return a ^ b ^ c ^ d;
}

static const struct wl_opt_def alu_opts[] = {
	{ "work", WL_OPT_INT, "4096", "kernel rounds per work unit" },
	{ NULL },
};

static void alu_loop(struct wl_worker *w)
{
	uint64_t rounds = wl_opt(w, "work"), t = wl_now();

	while (!wl_stopping(w)) {
		alu_kernel(rounds);
		t = wm_iter(w, t, 1);
	}
}

static int run_alu_hot(struct wl_worker *w)
{
	alu_loop(w);
	return 0;
}

const struct wl_type wl_type_alu_hot = {
	.name = "alu-hot", .summary = "dense integer multiply-add chains",
	.opts = alu_opts, .min_count = 1, .multiple = 1, .run = run_alu_hot,
};

/* smt-sibling-spin: worker 2k pins to the CPU it is on, 2k+1 to an SMT
 * sibling of that CPU (the same CPU when it has none); both run alu-hot. */
static size_t smt_shared(int count)
{
	return count / 2 * sizeof(uint32_t);
}

static int sibling_of(int cpu)
{
	char path[96], buf[128];
	uint64_t mask[SCN_CPU_WORDS];
	FILE *f;

	snprintf(path, sizeof(path),
		 "/sys/devices/system/cpu/cpu%d/topology/thread_siblings_list", cpu);
	f = fopen(path, "re");
	if (!f)
		return cpu;
	if (!fgets(buf, sizeof(buf), f))
		buf[0] = 0;
	fclose(f);
	buf[strcspn(buf, "\n")] = 0;
	if (wl_parse_list(buf, mask, SCN_CPU_WORDS))
		return cpu;
	for (int c = 0; c < SCN_MAX_CPUS; c++)
		if (c != cpu && (mask[c / 64] >> (c % 64) & 1))
			return c;
	return cpu;
}

static void pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	sched_setaffinity(0, sizeof(set), &set); /* outside the cpuset: stay */
}

static int run_smt_sibling_spin(struct wl_worker *w)
{
	uint32_t *slot = (uint32_t *)w->shared + w->index / 2;
	uint32_t v;

	if (w->index % 2 == 0) {
		int cpu = sched_getcpu();

		pin(cpu);
		__atomic_store_n(slot, cpu + 1, __ATOMIC_SEQ_CST);
		wl_futex_wake(slot, 1);
	} else {
		while (!(v = __atomic_load_n(slot, __ATOMIC_SEQ_CST)) && !wl_stopping(w))
			wl_futex_wait(slot, 0, 50000000);
		if (v)
			pin(sibling_of(v - 1));
	}
	alu_loop(w);
	return 0;
}

const struct wl_type wl_type_smt_sibling_spin = {
	.name = "smt-sibling-spin",
	.summary = "pairs pinned to SMT siblings, both running alu-hot",
	.opts = alu_opts, .min_count = 2, .multiple = 2,
	.shared_size = smt_shared, .run = run_smt_sibling_spin,
};

static const struct wl_opt_def cache_opts[] = {
	{ "size", WL_OPT_SIZE, "8M", "working set per worker" },
	{ "stride", WL_OPT_SIZE, "64", "bytes between touches (a cache line)" },
	{ NULL },
};

static int cache_loop(struct wl_worker *w, bool yield)
{
	size_t size = wl_opt(w, "size"), stride = wl_opt(w, "stride");
	size_t chunk = size < CHUNK ? size : CHUNK;
	uint8_t *buf;
	uint64_t t;

	if (!stride || stride > chunk)
		return wl_fail(w, WL_EXIT_SETUP, "stride %zu must be 1..%zu", stride, chunk);
	buf = malloc(size);
	if (!buf)
		return wl_fail(w, WL_EXIT_SETUP, "cannot allocate %zu bytes", size);
	memset(buf, 1, size);
	t = wl_now();
	while (!wl_stopping(w)) {
		size_t off = (wl_rand(&w->m.rng) % (size / chunk)) * chunk;

		wl_touch(buf + off, chunk, stride, &w->m.rng);
		if (yield)
			sched_yield();
		t = wm_iter(w, t, chunk / stride);
	}
	free(buf);
	return 0;
}

static int run_cache_pressure(struct wl_worker *w)
{
	return cache_loop(w, false);
}

static int run_cache_yield(struct wl_worker *w)
{
	return cache_loop(w, true);
}

const struct wl_type wl_type_cache_pressure = {
	.name = "cache-pressure", .summary = "scattered walks over a large buffer",
	.opts = cache_opts, .min_count = 1, .multiple = 1, .run = run_cache_pressure,
};

const struct wl_type wl_type_cache_yield = {
	.name = "cache-yield", .summary = "cache-pressure walks with a yield after each chunk",
	.opts = cache_opts, .min_count = 1, .multiple = 1, .run = run_cache_yield,
};
