/* The writers: what a person and a CI job see of a judged run (the
 * terminal summary, the JSON results, JUnit XML). They format a finished
 * verdict and decide nothing. */
#ifndef KTSTR__HOST_OUTPUT_H
#define KTSTR__HOST_OUTPUT_H

#include <stdio.h>

#include <jansson.h>

#include "host/results.h"
#include "host/verdict.h"
#include "scenario/model.h"

struct run_meta {
	const char *scenario_path;
	const char *kernel_path;
	const char *kernel_release;
	const char *backend;
	const char *accel;
};

/* The results object (docs/results.md). NULL if any part of it could not
 * be encoded (an error, never a missing field). */
json_t *results_to_json(const struct scenario *s, const struct run_result *r,
			const struct verdict *v, const struct run_meta *m);

/* JUnit XML: one testsuite (the scenario), one testcase per check; a run
 * that ended in error adds a testcase "run" with an <error>. Well-formed
 * XML 1.0 whatever bytes the guest sent. Returns 0 or -1 (a write error). */
int output_junit(FILE *f, const struct scenario *s, const struct run_result *r,
		 const struct verdict *v);
/* s (NULL: nothing) as XML 1.0 text, whatever its bytes: made valid UTF-8,
 * escaped, and stripped of what XML forbids even escaped; in an attribute
 * (attr), newlines and tabs are character references (a parser would turn
 * them into spaces). For every JUnit writer (the suite's too). */
void output_xml_text(FILE *f, const char *s, bool attr);

void output_summary(FILE *f, const struct scenario *s, const struct run_result *r,
		    const struct verdict *v, const struct run_meta *m);

#endif
