/* SPDX-License-Identifier: GPL-2.0-only */
/* How much CPU the host gave the VM: its threads' CPU time and the time they
 * waited, runnable, for a host CPU (the kernel's schedstat per thread),
 * between two marks. The verdict reads it to tell a guest the host starved
 * from a slow scheduler (docs/results.md, "dilation"). */
#ifndef KTSTR__HOST_DILATION_H
#define KTSTR__HOST_DILATION_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/* One thread's counters at a mark. */
struct dil_thread {
	pid_t tid;
	uint64_t cpu_ns, wait_ns;
};

/* The VM's threads at one moment. */
struct dil_mark {
	pid_t pid;                /* the VM's process; 0: this one */
	pid_t skip_tid;           /* with pid 0: the caller, not a VM thread */
	uint64_t mono_ns;
	struct dil_thread *t;
	int n, cap;
	bool ok;                  /* at least one thread was read */
};

/* What the VM got between two marks. */
struct dilation {
	bool measured;
	uint64_t wall_ns;         /* between the marks */
	uint64_t cpu_ns;          /* the VM's threads ran */
	uint64_t wait_ns;         /* they were runnable but not running */
	int threads;              /* VM threads seen */
	int usable_cpus;          /* host CPUs the VM could run on at once */
};

/* Mark the VM's threads now: pid's (0: this process's, all but the
 * calling thread). Returns 0, or -errno when none could be read
 * (/proc/PID/task/TID/schedstat needs CONFIG_SCHED_INFO). */
int dil_mark(struct dil_mark *m, pid_t pid);
void dil_mark_free(struct dil_mark *m);

/* From a to b: threads in both count their deltas, threads that appeared
 * after a count whole; threads gone by b are lost (their last slice). */
void dil_between(const struct dil_mark *a, const struct dil_mark *b, int usable_cpus,
		 struct dilation *d);

/* Host CPUs the VM's process (pid 0: this one) may run on: its affinity. */
int dil_affinity_cpus(pid_t pid);

/* Derived figures (0 when nothing was measured):
 * cpu_share   = cpu / (wall x usable_cpus)
 * starved     = wait / (cpu + wait), the part of its runnable time the VM
 *               spent waiting for a host CPU
 * factor      = (cpu + wait) / cpu, how much the host stretched its time */
double dil_cpu_share(const struct dilation *d);
double dil_starved(const struct dilation *d);
double dil_factor(const struct dilation *d);

/* Starved: the VM waited at least DIL_STARVED_MIN of its runnable time and
 * at least DIL_STARVED_MIN_WAIT_NS in all. Timing checks assume the vCPUs
 * run when the guest wants them to; past this they measured the host. */
#define DIL_STARVED_MIN 0.25
#define DIL_STARVED_MIN_WAIT_NS 50000000ull
bool dil_is_starved(const struct dilation *d);

#endif
