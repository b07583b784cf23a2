// SPDX-License-Identifier: GPL-2.0-only
/* NUMA work types: numa-working-set-sweep (a working set that grows and
 * shrinks) and numa-migration-churn (pages moved between nodes with mbind). */
#include <errno.h>
#include <linux/mempolicy.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "workload/types.h"

static uint8_t *map_anon(struct wl_worker *w, size_t size)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	return p;
}

static uint64_t touch_pages(volatile uint8_t *p, size_t len, size_t page)
{
	for (size_t off = 0; off < len; off += page)
		p[off]++;
	return len / page;
}

/* The working set steps from size/8 up to size and back, 8 steps each way;
 * each iteration touches every page of the current set once. */
static int run_numa_working_set_sweep(struct wl_worker *w)
{
	size_t size = wl_opt(w, "size"), page = sysconf(_SC_PAGESIZE), cur;
	uint64_t t = wl_now(), step_ns = wl_opt(w, "step"), next = t + step_ns;
	uint8_t *p = map_anon(w, size);
	int step = 0;

	if (!p)
		return wl_fail(w, WL_EXIT_SETUP, "mmap %zu: %s", size, strerror(errno));
	while (!wl_stopping(w)) {
		int k = step < 8 ? step : 15 - step; /* 0..7..0 */

		cur = size / 8 * (k + 1);
		t = wm_iter(w, t, touch_pages(p, cur, page));
		if (t >= next) {
			step = (step + 1) % 16;
			next = t + step_ns;
		}
	}
	munmap(p, size);
	return 0;
}

static const struct wl_opt_def sweep_opts[] = {
	{ "size", WL_OPT_SIZE, "16M", "largest working set" },
	{ "step", WL_OPT_DUR, "50ms", "time at each working-set size" },
	{ NULL },
};

const struct wl_type wl_type_numa_working_set_sweep = {
	.name = "numa-working-set-sweep",
	.summary = "a working set that grows to size= and shrinks again, touched "
		   "page by page",
	.opts = sweep_opts, .min_count = 1, .multiple = 1,
	.run = run_numa_working_set_sweep,
};

static uint64_t online_nodes(void)
{
	char buf[128] = "0";
	uint64_t mask = 1;
	FILE *f = fopen("/sys/devices/system/node/online", "re");

	if (f) {
		if (fgets(buf, sizeof(buf), f))
			buf[strcspn(buf, "\n")] = 0;
		fclose(f);
	}
	if (wl_parse_list(buf, &mask, 1) || !mask)
		mask = 1;
	return mask;
}

/* Bind the buffer to the next online node, moving its pages, then touch
 * every page. Without NUMA support the mbind fails and only the touching
 * remains; exit_msg says so. */
static int run_numa_migration_churn(struct wl_worker *w)
{
	size_t size = wl_opt(w, "size"), page = sysconf(_SC_PAGESIZE);
	uint64_t nodes = online_nodes(), t = wl_now();
	uint8_t *p = map_anon(w, size);
	int node = -1;

	if (!p)
		return wl_fail(w, WL_EXIT_SETUP, "mmap %zu: %s", size, strerror(errno));
	touch_pages(p, size, page);
	while (!wl_stopping(w)) {
		unsigned long mask;

		do
			node = (node + 1) % 64;
		while (!(nodes >> node & 1));
		mask = 1ul << node;
		if (syscall(SYS_mbind, p, size, MPOL_BIND, &mask, 65, MPOL_MF_MOVE) &&
		    !w->r->exit_msg[0])
			wl_fail(w, 0, "mbind to node %d: %s", node, strerror(errno));
		t = wm_iter(w, t, touch_pages(p, size, page));
	}
	munmap(p, size);
	return 0;
}

static const struct wl_opt_def mig_opts[] = {
	{ "size", WL_OPT_SIZE, "4M", "buffer moved between nodes" },
	{ NULL },
};

const struct wl_type wl_type_numa_migration_churn = {
	.name = "numa-migration-churn",
	.summary = "move a buffer's pages round the online nodes with mbind, touching "
		   "them after each move",
	.opts = mig_opts, .min_count = 1, .multiple = 1, .run = run_numa_migration_churn,
};
