/* SPDX-License-Identifier: GPL-2.0-only */
/* The judge: runs the checks over a collected run and decides the verdict
 * and exit code. The writers (output.h) only format what it decided.
 *
 * Timing checks (starvation gaps, wake latency, throughput, weight and
 * fairness shares) measure the host as much as the guest: when the host
 * starved the VM (dil_is_starved, host/dilation.h) and every check that
 * failed is a timing check, the verdict is inconclusive (exit 4), never a
 * fail. A failed correctness check (reports, workers exited, isolation,
 * payloads, scheduler alive/dies/deaths) is a fail however starved. */
#ifndef KTSTR__HOST_VERDICT_H
#define KTSTR__HOST_VERDICT_H

#include "host/checks.h"
#include "host/results.h"
#include "scenario/model.h"

struct verdict {
	const char *verdict; /* "pass", "fail", "error", "inconclusive" */
	int exit_code;       /* 0 pass, 1 fail, 2 harness/input, 3 crash/timeout,
			      * 4 inconclusive */
	char reason[1024];   /* valid UTF-8 */
	struct check_list checks;
};

/* Decide the verdict from the run; v->checks is new (verdict_free). */
void verdict_decide(const struct scenario *s, const struct run_result *r,
		    struct verdict *v);
void verdict_free(struct verdict *v);

/* Whether a check of kind k measures timing (see above). */
bool verdict_kind_is_timing(enum scn_check_kind k);

#define VERDICT_EXIT_INCONCLUSIVE 4

#endif
