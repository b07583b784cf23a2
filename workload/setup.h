/* SPDX-License-Identifier: GPL-2.0-only */
/* Per-worker setup before work starts: cgroup, scheduling policy, nice,
 * memory policy (setup.c). */
#ifndef KTSTR__WORKLOAD_SETUP_H
#define KTSTR__WORKLOAD_SETUP_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "scenario/model.h"

#define WL_SCHED_EXT 7 /* SCHED_EXT, not in every libc's headers */

struct wl_mempolicy {
	int mode;       /* MPOL_* */
	uint64_t nodes; /* node mask */
	int set;        /* 0 = leave the default */
};

/* "", "local", "bind:NODES", "interleave:NODES", "preferred:NODE". */
int wl_mempolicy_parse(const char *s, struct wl_mempolicy *mp, char *msg, size_t len);

/* Each returns 0 or -1 with msg filled. */
int wl_join_cgroup(const char *dir, char *msg, size_t len);
int wl_set_policy(pid_t tid, int policy, int priority, char *msg, size_t len);
int wl_apply_sched(const struct scn_workers *w, pid_t tid, char *msg, size_t len);
int wl_apply_mempolicy(const char *s, char *msg, size_t len);
/* The kernel policy number of a scenario policy. */
int wl_policy_num(enum scn_policy p);

#endif
