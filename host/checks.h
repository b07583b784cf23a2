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
	char name[256];      /* "payload ID: TEST" for a payload's TAP test */
	bool pass;           /* true for a skipped one too: it fails nothing */
	bool skipped;        /* not judged: a TAP "# SKIP", or a check whose
			      * scheduler never came up; detail says why */
	char detail[2048];   /* valid UTF-8, cut at a character */
};

struct check_list {
	struct check_result *v;
	int n, cap;
};

/* Append a result (name and detail are made valid UTF-8). */
void check_add(struct check_list *l, const char *name, bool pass, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* Append a skipped result: fmt says why it was not judged. */
void check_skip(struct check_list *l, const char *name, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* How many results are skipped. */
int checks_skipped(const struct check_list *l);
bool checks_all_pass(const struct check_list *l);
void check_list_free(struct check_list *l);

/* Every check of the scenario plus the implicit ones (all reports arrived,
 * every worker ended normally, scheduler attaches and deaths, payloads and
 * each TAP test a payload printed), in that order: implicit first, then
 * the scenario's in file order. When a scheduler did not come up, the
 * scenario's checks are not judged (skipped, with what they measured). */
void checks_run(const struct scenario *s, const struct run_result *r,
		struct check_list *out);

/* How many worker reports the scenario should produce (saturating). */
uint64_t checks_expected_workers(const struct scenario *s);

/* Append to buf (size len) without overflowing; never cuts a character. */
void appendf(char *buf, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
