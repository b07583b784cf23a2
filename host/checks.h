/* SPDX-License-Identifier: GPL-2.0-only */
/* Checks: turn a scenario's `check` lines and the run's reports and events
 * into pass/fail results that name the worker, the cgroup and the numbers.
 * They read the host's checked records (results.h), never raw guest JSON. */
#ifndef KTSTR__HOST_CHECKS_H
#define KTSTR__HOST_CHECKS_H

#include <stdbool.h>

#include "host/results.h"
#include "scenario/model.h"

struct check_result {
	char name[96];
	bool pass;
	char detail[2048];   /* valid UTF-8, cut at a character */
};

struct check_list {
	struct check_result *v;
	int n, cap;
};

/* Append a result (name and detail are made valid UTF-8). */
void check_add(struct check_list *l, const char *name, bool pass, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
bool checks_all_pass(const struct check_list *l);
void check_list_free(struct check_list *l);

/* Every check of the scenario plus the implicit ones (all reports arrived,
 * every worker ended normally, payloads, scheduler deaths), in that order:
 * implicit first, then the scenario's in file order. */
void checks_run(const struct scenario *s, const struct run_result *r,
		struct check_list *out);

/* How many worker reports the scenario should produce (saturating). */
uint64_t checks_expected_workers(const struct scenario *s);

/* Append to buf (size len) without overflowing; never cuts a character. */
void appendf(char *buf, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
