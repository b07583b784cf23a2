/* SPDX-License-Identifier: GPL-2.0-only */
/* Spawning, stopping and collecting a group of workers (one "workers" op):
 * the entry points guest-init uses. Work types live in workload/types_*.c. */
#ifndef KTSTR__WORKLOAD_WORKLOAD_H
#define KTSTR__WORKLOAD_WORKLOAD_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "scenario/model.h"
#include "workload/report.h"

struct wl_group;

/* Check that a work type exists and its options and worker count are valid
 * (used by the host validator too). Returns 0 or -1 with msg filled, and
 * *bad_opt set to the index of the offending option in w->opts (-1 when the
 * problem is not an option). */
int wl_validate(const struct scn_workers *w, int *bad_opt, char *msg, size_t len);

/* Start w->count workers of w->type. cgroup_dir is the cgroup v2 directory
 * the workers must run in (each worker process writes itself into its
 * cgroup.procs before it starts working), or NULL to leave them where they
 * are. Returns 0 or -1 with msg filled. */
int wl_spawn(const struct scn_workers *w, const char *cgroup_dir,
	     struct wl_group **out, char *msg, size_t len);

/* The pids (fork mode) or tids (thread mode) of the group's workers. */
int wl_group_tids(const struct wl_group *g, pid_t *out, int max);
/* The process ids to move between cgroups (fork: one per worker; thread: the
 * carrier process). */
int wl_group_pids(const struct wl_group *g, pid_t *out, int max);

/* Ask every worker to stop without waiting: lets a caller stop many groups
 * at once before waiting for each. */
void wl_request_stop(struct wl_group *g);

/* Ask every worker to stop, wait up to timeout_ns, kill the rest (their
 * reports say timed out). Idempotent. */
void wl_stop(struct wl_group *g, uint64_t timeout_ns);

/* After wl_stop: the reports, one per worker, in shared memory owned by g. */
int wl_group_count(const struct wl_group *g);
const struct worker_report *wl_group_report(const struct wl_group *g, int i);

void wl_free(struct wl_group *g);

/* Names of every work type, NULL-terminated (for --help and docs). */
const char *const *wl_type_names(void);

#endif
