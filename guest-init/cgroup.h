/* SPDX-License-Identifier: GPL-2.0-only */
/* The managed cgroup v2 tree in the guest: /sys/fs/cgroup/ktstr/<name>,
 * created, tuned, frozen, moved into and removed. Errors keep the kernel's
 * errno (name and words) in their messages. */
#ifndef KTSTR__GUEST_CGROUP_H
#define KTSTR__GUEST_CGROUP_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "scenario/model.h"

#define CG_DIR "ktstr"
#define CG_ROOT "/sys/fs/cgroup/" CG_DIR

int cg_setup(char *msg, size_t len);
void cg_path(const char *name, char *buf, size_t len);
int cg_create(const char *name, const struct scn_cgroup_knobs *k,
	      const struct scn_topology *t, char *msg, size_t len);
/* mask NULL clears the cpuset (inherits the parent's CPUs). */
int cg_set_cpus(const char *name, const struct scn_cpumask *mask, char *msg, size_t len);
int cg_effective_cpus(const char *name, struct scn_cpumask *out);
int cg_freeze(const char *name, bool freeze, char *msg, size_t len);
/* Move every process of from into to ("" = the root cgroup). */
int cg_move_all(const char *from, const char *to, char *msg, size_t len);
int cg_remove(const char *name, char *msg, size_t len);
/* Move pid (0: the caller) into name ("" = the root cgroup): 0 or -errno,
 * the kernel's own (an attached sched_ext scheduler's ops.cgroup_prep_move
 * may refuse with any). */
int cg_move_pid(const char *name, pid_t pid);
/* The errno's name ("EPERM"), "?" for none. */
const char *cg_errname(int err);

#endif
