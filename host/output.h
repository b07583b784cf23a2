/* What a person and a CI job see: the terminal summary and the JSON
 * results file. */
#ifndef KTSTR__HOST_OUTPUT_H
#define KTSTR__HOST_OUTPUT_H

#include <stdio.h>

#include <jansson.h>

#include "host/results.h"
#include "scenario/model.h"

struct verdict {
	const char *verdict; /* "pass", "fail", "error" */
	int exit_code;       /* 0 pass, 1 fail, 2 harness/input, 3 crash/timeout */
	char reason[1024];
	json_t *checks;
};

struct run_meta {
	const char *scenario_path;
	const char *kernel_path;
	const char *kernel_release;
	const char *backend;
	const char *accel;
};

/* Decide the verdict from the run (consumes nothing; v->checks is new). */
void verdict_decide(const struct scenario *s, struct run_result *r, struct verdict *v);

json_t *results_to_json(const struct scenario *s, const struct run_result *r,
			const struct verdict *v, const struct run_meta *m);

/* JUnit XML: one testsuite (the scenario), one testcase per check; a run
 * that ended in error adds a testcase "run" with an <error>. */
int output_junit(const char *path, const struct scenario *s,
		 const struct run_result *r, const struct verdict *v);

void output_summary(FILE *f, const struct scenario *s, const struct run_result *r,
		    const struct verdict *v, const struct run_meta *m);

#endif
