/* Checks: turn a scenario's `check` lines and the run's reports and events
 * into pass/fail results that name the worker, the cgroup and the numbers. */
#ifndef KTSTR__HOST_CHECKS_H
#define KTSTR__HOST_CHECKS_H

#include <stdbool.h>

#include <jansson.h>

#include "host/results.h"
#include "scenario/model.h"

/* Every check of the scenario plus the implicit ones (all reports arrived,
 * every worker ended normally). Returns an array of {name, pass, detail};
 * *all_pass says whether each passed. */
json_t *checks_run(const struct scenario *s, const struct run_result *r,
		   bool *all_pass);

#endif
