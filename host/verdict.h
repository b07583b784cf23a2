/* SPDX-License-Identifier: GPL-2.0-only */
/* The judge: runs the checks over a collected run and decides the verdict
 * and exit code. The writers (output.h) only format what it decided. */
#ifndef KTSTR__HOST_VERDICT_H
#define KTSTR__HOST_VERDICT_H

#include "host/checks.h"
#include "host/results.h"
#include "scenario/model.h"

struct verdict {
	const char *verdict; /* "pass", "fail", "error" */
	int exit_code;       /* 0 pass, 1 fail, 2 harness/input, 3 crash/timeout */
	char reason[1024];   /* valid UTF-8 */
	struct check_list checks;
};

/* Decide the verdict from the run; v->checks is new (verdict_free). */
void verdict_decide(const struct scenario *s, const struct run_result *r,
		    struct verdict *v);
void verdict_free(struct verdict *v);

#endif
