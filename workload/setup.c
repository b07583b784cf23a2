// SPDX-License-Identifier: GPL-2.0-only
/* Per-worker setup: join the cgroup, set policy, nice and memory policy.
 * Runs in the worker (process or thread) itself, before it starts working. */
#include <errno.h>
#include <fcntl.h>
#include <linux/mempolicy.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "workload/internal.h"
#include "workload/setup.h"

/* Declared here: glibc 2.36 has no struct sched_attr. */
struct wl_sched_attr {
	uint32_t size;
	uint32_t sched_policy;
	uint64_t sched_flags;
	int32_t sched_nice;
	uint32_t sched_priority;
	uint64_t sched_runtime, sched_deadline, sched_period;
};

int wl_policy_num(enum scn_policy p)
{
	switch (p) {
	case SCN_POLICY_BATCH: return SCHED_BATCH;
	case SCN_POLICY_IDLE: return SCHED_IDLE;
	case SCN_POLICY_FIFO: return SCHED_FIFO;
	case SCN_POLICY_RR: return SCHED_RR;
	case SCN_POLICY_EXT: return WL_SCHED_EXT;
	default: return SCHED_OTHER;
	}
}

int wl_mempolicy_parse(const char *s, struct wl_mempolicy *mp, char *msg, size_t len)
{
	static const struct { const char *pfx; int mode; } modes[] = {
		{ "bind:", MPOL_BIND }, { "interleave:", MPOL_INTERLEAVE },
		{ "preferred:", MPOL_PREFERRED },
	};

	memset(mp, 0, sizeof(*mp));
	if (!*s)
		return 0;
	mp->set = 1;
	if (!strcmp(s, "local")) {
		mp->mode = MPOL_LOCAL;
		return 0;
	}
	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		size_t n = strlen(modes[i].pfx);

		if (strncmp(s, modes[i].pfx, n))
			continue;
		mp->mode = modes[i].mode;
		if (wl_parse_list(s + n, &mp->nodes, 1) ||
		    mp->nodes >> SCN_MAX_NODES) {
			snprintf(msg, len, "mempolicy '%s': expected a node list "
				 "(0-%d) after '%s'", s, SCN_MAX_NODES - 1, modes[i].pfx);
			return -1;
		}
		if (mp->mode == MPOL_PREFERRED && (mp->nodes & (mp->nodes - 1))) {
			snprintf(msg, len, "mempolicy '%s': preferred takes one node", s);
			return -1;
		}
		return 0;
	}
	snprintf(msg, len, "mempolicy '%s': expected local, bind:NODES, "
		 "interleave:NODES or preferred:NODE", s);
	return -1;
}

int wl_join_cgroup(const char *dir, char *msg, size_t len)
{
	char path[512];
	int fd, err = 0;

	snprintf(path, sizeof(path), "%s/cgroup.procs", dir);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, "0", 1) != 1)
		err = errno;
	if (fd >= 0)
		close(fd);
	if (err)
		snprintf(msg, len, "joining cgroup %s: %s", path, strerror(err));
	return err ? -1 : 0;
}

int wl_set_policy(pid_t tid, int policy, int priority, char *msg, size_t len)
{
	struct wl_sched_attr a = {
		.size = sizeof(a),
		.sched_policy = policy,
		.sched_priority = (policy == SCHED_FIFO || policy == SCHED_RR) ? priority : 0,
		.sched_flags = 0,
	};

	/* Keep the nice value across the change (sched_setattr sets it). */
	errno = 0;
	a.sched_nice = getpriority(PRIO_PROCESS, tid);
	if (syscall(SYS_sched_setattr, tid, &a, 0)) {
		snprintf(msg, len, "sched_setattr(policy %d, priority %u): %s",
			 policy, a.sched_priority, strerror(errno));
		return -1;
	}
	return 0;
}

int wl_apply_sched(const struct scn_workers *w, pid_t tid, char *msg, size_t len)
{
	int policy = wl_policy_num(w->policy);

	if ((policy != SCHED_OTHER || w->priority) &&
	    wl_set_policy(tid, policy, w->priority, msg, len))
		return WL_EXIT_POLICY;
	if (w->nice_set && setpriority(PRIO_PROCESS, tid, w->nice)) {
		snprintf(msg, len, "setpriority(nice %d): %s", w->nice, strerror(errno));
		return WL_EXIT_NICE;
	}
	return 0;
}

int wl_apply_mempolicy(const char *s, char *msg, size_t len)
{
	struct wl_mempolicy mp;
	unsigned long mask;

	if (wl_mempolicy_parse(s, &mp, msg, len))
		return -1;
	if (!mp.set)
		return 0;
	mask = mp.nodes;
	if (syscall(SYS_set_mempolicy, mp.mode, mp.mode == MPOL_LOCAL ? NULL : &mask,
		    mp.mode == MPOL_LOCAL ? 0 : SCN_MAX_NODES + 1)) {
		snprintf(msg, len, "set_mempolicy(%s): %s", s, strerror(errno));
		return -1;
	}
	return 0;
}
