/* SPDX-License-Identifier: GPL-2.0-only */
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
	/* NAME of the output logs beside the results (NAME.payload-ID.log,
	 * NAME.sched-SCHED.log, output_log_path); NULL: none are written. */
	const char *log_stem;
	/* The run's key (docs/results.md): NULL and 0 for a plain run, which
	 * derives them from the scenario (host/runkey.h); a suite sets its own. */
	const char *key_topology;
	const char *key_scheduler;
	int repeat;
};

/* The log file of payload (what "payload") or scheduler ("sched") id. */
void output_log_path(const char *stem, const char *what, const char *id, char *buf,
		     size_t len);
/* The ids that may have a log: {"payload:ID": true, "sched:NAME": true} for
 * the scenario's payload-run ids and schedulers (a guest's event naming
 * another gets none: no file name from the guest). NULL without memory. */
json_t *output_log_ids(const struct scenario *s);
bool output_log_has(const json_t *ids, const char *what, const char *id);

/* The results object (docs/results.md). NULL if any part of it could not
 * be encoded (an error, never a missing field). */
json_t *results_to_json(const struct scenario *s, const struct run_result *r,
			const struct verdict *v, const struct run_meta *m);

/* JUnit XML: one testsuite (the scenario), one testcase per check (a
 * failed one with <failure>, a skipped one with <skipped>); a run that
 * ended in error adds a testcase "run" with an <error>. Well-formed
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
