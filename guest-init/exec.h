/* SPDX-License-Identifier: GPL-2.0-only */
/* The op executor: runs a scenario's backdrop and steps in the guest,
 * keeping track of live cgroups, worker groups and payloads. */
#ifndef KTSTR__GUEST_EXEC_H
#define KTSTR__GUEST_EXEC_H

#include <stdint.h>

#include "scenario/model.h"

struct exec_opts {
	uint64_t seed;          /* for random affinity */
	uint64_t stop_timeout_ns;
	/* Called after each step iteration's teardown (fault injection). */
	void (*after_step)(int step, int iteration);
};

/* Returns 0 when every op ran, or the number of ops that failed (each
 * already reported as an ERROR frame). */
int exec_scenario(const struct scenario *s, const struct exec_opts *o);

#endif
