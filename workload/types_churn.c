// SPDX-License-Identifier: GPL-2.0-only
/* Work types that churn kernel state: fork-exit, page-fault-churn,
 * affinity-churn, cross-affinity-churn, cgroup-churn. */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "workload/setup.h"
#include "workload/types.h"

static int run_fork_exit(struct wl_worker *w)
{
	uint64_t t = wl_now();

	while (!wl_stopping(w)) {
		pid_t pid = fork();
		int st;

		if (pid == 0)
			_exit(0);
		if (pid < 0)
			return wl_fail(w, WL_EXIT_SETUP, "fork: %s", strerror(errno));
		wm_block(w);
		while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
			;
		wm_woke(w, 0);
		t = wm_iter(w, t, 1);
	}
	return 0;
}

const struct wl_type wl_type_fork_exit = {
	.name = "fork-exit", .summary = "fork a child that exits at once, reap it, repeat",
	.min_count = 1, .multiple = 1, .run = run_fork_exit,
};

static int run_page_fault_churn(struct wl_worker *w)
{
	size_t size = wl_opt(w, "size"), page = sysconf(_SC_PAGESIZE);
	uint64_t t = wl_now();

	while (!wl_stopping(w)) {
		volatile uint8_t *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
					   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (p == MAP_FAILED)
			return wl_fail(w, WL_EXIT_SETUP, "mmap %zu: %s", size, strerror(errno));
		for (size_t off = 0; off < size; off += page)
			p[off] = 1;
		munmap((void *)p, size);
		t = wm_iter(w, t, size / page);
	}
	return 0;
}

static const struct wl_opt_def pf_opts[] = {
	{ "size", WL_OPT_SIZE, "4M", "bytes mapped, touched and unmapped per iteration" },
	{ NULL },
};

const struct wl_type wl_type_page_fault_churn = {
	.name = "page-fault-churn",
	.summary = "map, touch every page, unmap: a stream of page faults",
	.opts = pf_opts, .min_count = 1, .multiple = 1, .run = run_page_fault_churn,
};

/* A random CPU of the set. */
static int pick_cpu(const cpu_set_t *set, uint64_t *rng)
{
	int n = CPU_COUNT(set), k = n ? wl_rand(rng) % n : 0;

	for (int c = 0; c < CPU_SETSIZE; c++)
		if (CPU_ISSET(c, set) && k-- == 0)
			return c;
	return 0;
}

static int affinity_loop(struct wl_worker *w, bool cross)
{
	cpu_set_t allowed, one;
	uint64_t t = wl_now(), rounds = wl_opt(w, "work");

	if (sched_getaffinity(0, sizeof(allowed), &allowed))
		return wl_fail(w, WL_EXIT_SETUP, "sched_getaffinity: %s", strerror(errno));
	while (!wl_stopping(w)) {
		pid_t target = 0;

		if (cross) {
			target = __atomic_load_n(&w->all[(w->index + 1) % w->count].tid,
						 __ATOMIC_ACQUIRE);
			if (target <= 0)
				target = w->tid;
		}
		CPU_ZERO(&one);
		CPU_SET(pick_cpu(&allowed, &w->m.rng), &one);
		/* EINVAL: the cpuset moved under us; ESRCH: the peer left. */
		sched_setaffinity(target, sizeof(one), &one);
		wl_compute(rounds);
		t = wm_iter(w, t, 1);
	}
	sched_setaffinity(0, sizeof(allowed), &allowed);
	return 0;
}

static int run_affinity_churn(struct wl_worker *w)
{
	return affinity_loop(w, false);
}

static int run_cross_affinity_churn(struct wl_worker *w)
{
	return affinity_loop(w, true);
}

static const struct wl_opt_def aff_opts[] = {
	{ "work", WL_OPT_INT, "2000", "compute rounds between affinity changes" },
	{ NULL },
};

const struct wl_type wl_type_affinity_churn = {
	.name = "affinity-churn",
	.summary = "pin itself to a random allowed CPU, compute, repeat",
	.opts = aff_opts, .min_count = 1, .multiple = 1, .run = run_affinity_churn,
};

const struct wl_type wl_type_cross_affinity_churn = {
	.name = "cross-affinity-churn",
	.summary = "each worker re-pins the next worker to a random CPU",
	.opts = aff_opts, .min_count = 2, .multiple = 1, .run = run_cross_affinity_churn,
};

/* cgroup-churn: every worker hops between two child cgroups of the group's
 * cgroup. The parent creates them and removes them once every worker is
 * reaped, so a killed worker never leaves a cgroup behind. */
struct cgchurn {
	char base[512];
	char dir[2][600];
};

static size_t cgchurn_shared(int count)
{
	return sizeof(struct cgchurn);
}

/* Where cgroup v2 is mounted (/sys/fs/cgroup, or .../unified on hybrid
 * hosts). */
static int cgroup2_mount(char *out, size_t len)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	char line[512], mnt[256], fstype[64];
	int found = -1;

	if (!f)
		return -1;
	while (found && fgets(line, sizeof(line), f)) {
		char *dash = strstr(line, " - ");

		if (!dash || sscanf(dash, " - %63s", fstype) != 1 || strcmp(fstype, "cgroup2"))
			continue;
		if (sscanf(line, "%*s %*s %*s %*s %255s", mnt) == 1) {
			snprintf(out, len, "%s", mnt);
			found = 0;
		}
	}
	fclose(f);
	return found;
}

/* The cgroup v2 directory this process is in. */
static int own_cgroup(char *out, size_t len)
{
	FILE *f = fopen("/proc/self/cgroup", "re");
	char line[200], mnt[256];

	if (!f)
		return -1;
	out[0] = 0;
	if (cgroup2_mount(mnt, sizeof(mnt))) {
		fclose(f);
		return -1;
	}
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "0::", 3)) {
			line[strcspn(line, "\n")] = 0;
			snprintf(out, len, "%s%s", mnt, strcmp(line + 3, "/") ? line + 3 : "");
		}
	fclose(f);
	return out[0] ? 0 : -1;
}

static void cgchurn_fini(void *shared, int count)
{
	struct cgchurn *c = shared;

	for (int k = 0; k < 2; k++)
		if (c->dir[k][0])
			rmdir(c->dir[k]);
}

static int cgchurn_init(void *shared, int count, const struct wl_optval *o,
			const char *cgroup_dir, char *msg, size_t len)
{
	static int seq;
	struct cgchurn *c = shared;

	if (cgroup_dir)
		snprintf(c->base, sizeof(c->base), "%s", cgroup_dir);
	else if (own_cgroup(c->base, sizeof(c->base))) {
		snprintf(msg, len, "cgroup-churn: cannot find this process's cgroup v2 directory");
		return -1;
	}
	for (int k = 0; k < 2; k++) {
		snprintf(c->dir[k], sizeof(c->dir[k]), "%s/ktstr-churn-%d-%d-%d", c->base,
			 getpid(), seq, k);
		if (mkdir(c->dir[k], 0755)) {
			snprintf(msg, len, "cgroup-churn: mkdir %s: %s", c->dir[k], strerror(errno));
			c->dir[k][0] = 0;
			cgchurn_fini(shared, count);
			return -1;
		}
	}
	seq++;
	return 0;
}

static int run_cgroup_churn(struct wl_worker *w)
{
	struct cgchurn *c = w->shared;
	uint64_t t = wl_now(), rounds = wl_opt(w, "work");
	char msg[128];
	int rc = 0;

	for (int k = w->index & 1; !wl_stopping(w); k ^= 1) {
		int err;

		/* Migration waits for RCU: blocked, not starved. */
		wm_block(w);
		err = wl_join_cgroup(c->dir[k], msg, sizeof(msg));
		wm_woke(w, 0);
		if (err) {
			rc = wl_fail(w, WL_EXIT_SETUP, "%s", msg);
			break;
		}
		wl_compute(rounds);
		t = wm_iter(w, t, 1);
	}
	wl_join_cgroup(c->base, msg, sizeof(msg));
	return rc;
}

static const struct wl_opt_def cgchurn_opts[] = {
	{ "work", WL_OPT_INT, "2000", "compute rounds between moves" },
	{ NULL },
};

const struct wl_type wl_type_cgroup_churn = {
	.name = "cgroup-churn",
	.summary = "move itself back and forth between two child cgroups",
	.opts = cgchurn_opts, .min_count = 1, .multiple = 1,
	.shared_size = cgchurn_shared, .group_init = cgchurn_init,
	.group_fini = cgchurn_fini, .run = run_cgroup_churn,
};
