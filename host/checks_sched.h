/* SPDX-License-Identifier: GPL-2.0-only */
/* Scheduler checks: `check scheduler alive` and `check scheduler dies`,
 * judged from guest-init's sched_* events (see guest-init/scx.c). */
#ifndef KTSTR__HOST_CHECKS_SCHED_H
#define KTSTR__HOST_CHECKS_SCHED_H

#include "host/checks.h"

/* One scheduler check c (SCN_CHECK_SCHED_ALIVE or SCN_CHECK_SCHED_DIES). */
void checks_sched(const struct scenario *s, const struct run_result *r,
		  const struct scn_check *c, struct check_list *out);

/* Implicit, for scenarios that declare schedulers: every attach and
 * replace brought its scheduler up ("scheduler attach": one that did not
 * load, attach or get enabled fails it, with its reason and the end of
 * its output), and every scheduler death must be expected by a `check
 * scheduler dies` ("scheduler deaths"). */
void checks_sched_implicit(const struct scenario *s, const struct run_result *r,
			   struct check_list *out);

/* When a scheduler did not come up, the run did not test what the
 * scenario's checks judge: out's results from index first on become
 * skipped, saying so and keeping what they measured. */
void checks_sched_not_judged(const struct run_result *r, struct check_list *out,
			     int first);

#endif
