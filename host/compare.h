/* SPDX-License-Identifier: GPL-2.0-only */
/* `ktstr-run compare BASE NEW`: pairs the runs of two result sets by key
 * (docs/results.md `key`), compares every metric of the registry
 * (host/metrics.h) with its gates and, where both sides have 3 or more
 * repeats, Welch's t-test corrected by Holm over the key's metrics, and
 * says which changes are regressions. */
#ifndef KTSTR__HOST_COMPARE_H
#define KTSTR__HOST_COMPARE_H

#include <stdbool.h>
#include <stdio.h>

#include <jansson.h>

#include "host/compare_stats.h"
#include "host/metrics.h"

/* Exit codes of `compare`. */
enum {
	COMPARE_OK = 0,           /* no regression */
	COMPARE_REGRESSION = 1,   /* at least one */
	COMPARE_ERROR = 2,        /* bad usage or input, or nothing to pair */
	COMPARE_INCONCLUSIVE = 4, /* none, but a worse change on a starved host */
};

#define COMPARE_MIN_REPEATS 3   /* per side, for the t-test */
#define COMPARE_ALPHA 0.05      /* default significance level */

/* The gates and the level: the registry's defaults, then --policy, then
 * --threshold. */
struct compare_policy {
	struct metric_gate gate[METRIC_MAX]; /* by index in metric_defs */
	double alpha;
};

void compare_policy_default(struct compare_policy *p);
/* One rule: "METRIC=ABS,REL[%]", "METRIC=off" or "alpha=P" (0 < P < 1).
 * 0, or -1 with msg naming the rule and what is wrong. */
int compare_policy_rule(struct compare_policy *p, const char *rule, char *msg, size_t len);
/* A policy file: one rule a line; blank lines and '#' comments. 0, or -1
 * with "FILE:LINE: ..." in msg. */
int compare_policy_load(struct compare_policy *p, const char *path, char *msg, size_t len);

/* Which key fields pair runs (repeat never does: repeats are samples). */
enum {
	KEY_SCENARIO = 1, KEY_TOPOLOGY = 2, KEY_SCHEDULER = 4, KEY_KERNEL = 8,
	KEY_ALL = 15,
};
/* "scenario,topology,..." into *mask. 0, or -1 with msg. */
int compare_parse_match(const char *list, unsigned *mask, char *msg, size_t len);

struct run_key {
	char scenario[64], topology[128], scheduler[256], kernel[128];
	int repeat;
};

/* One run of a set, reduced to what a comparison needs. */
struct compare_run {
	char file[512];
	struct run_key key;
	char verdict[16];
	bool starved;                /* dilation.starved */
	char cpu_model[128];         /* host.cpu_model */
	struct metric_value *v;
	int n_v;
};

struct compare_set {
	char path[512];
	struct compare_run *runs;
	int n;
	int errors;                  /* runs left out: verdict error */
	int not_run;                 /* index entries without results */
};

/* A directory (its index.json, else every results file in it) or one
 * results file. 0, or -1 with msg naming the file and the problem. */
int compare_set_load(const char *path, struct compare_set *s, char *msg, size_t len);
/* One results object (the key from its `key`, or from its fields for
 * results written before keys). 0, or -1 (out of memory). */
int compare_run_from_json(const json_t *res, const char *file, struct compare_run *r);
void compare_set_free(struct compare_set *s);

enum row_verdict {
	ROW_REGRESSION, ROW_INCONCLUSIVE, ROW_NOISE, ROW_IMPROVEMENT, ROW_SAME,
	ROW_ONLY_BASE, ROW_ONLY_NEW,
};
const char *compare_verdict_name(enum row_verdict v);

/* One metric of one paired key. */
struct compare_row {
	int group;                   /* index into the comparison's keys */
	const struct metric_def *m;
	char instance[64];
	double *base, *new_;         /* the values, one a run */
	int n_base, n_new;
	struct sample_stats sb, sn;
	double delta, delta_pct;     /* new - base; in % of |base| (inf for 0) */
	struct metric_gate gate;     /* the one it was judged by */
	bool tested;                 /* Welch's t-test ran */
	struct welch w;
	double p_holm;               /* w.p adjusted over the key's tested rows */
	int family;                  /* how many tested rows the key has */
	enum row_verdict verdict;
	char why[256];
};

/* Describe one row whose values are filled: both sides' statistics, the
 * difference and, where both sides have at least COMPARE_MIN_REPEATS
 * values, Welch's t-test (p_holm = p, family 1 until compare_holm). */
void compare_measure(struct compare_row *row);
/* Holm's correction over the tested rows among rows[0..n) (one key's
 * metrics are one family: 16 tests at alpha 0.05 each are 16 chances for
 * an unchanged rerun to flag a metric). 0, or -1 (out of memory). */
int compare_holm(struct compare_row *rows, int n);
/* Judge a measured row: the gates (both exceeded, in the worse
 * direction), then the test where it ran (p_holm >= alpha: noise).
 * new_starved_only: the new runs' host starved their VMs and the base
 * runs' did not, so a worse change is inconclusive. */
void compare_judge(struct compare_row *row, const struct metric_gate *g, double alpha,
		   bool new_starved_only);

struct comparison {
	const struct compare_set *base, *new_;
	unsigned match;
	double alpha;
	struct run_key *keys;        /* paired keys (from the base side) */
	bool *new_starved_only;      /* per key */
	int n_keys;
	struct run_key *unpaired;    /* keys of one side only */
	bool *unpaired_base;         /* which side */
	int n_unpaired;
	struct compare_row *rows;    /* sorted: regressions first */
	int n_rows;
	int count[ROW_ONLY_NEW + 1];
};

/* Pair and judge. 0, or -1 (out of memory). */
int compare_sets(const struct compare_set *base, const struct compare_set *new_,
		 const struct compare_policy *p, unsigned match, struct comparison *c);
void comparison_free(struct comparison *c);
/* The exit code the comparison calls for. */
int comparison_exit(const struct comparison *c);

/* The table (regressions first) and a summary line. */
void compare_print(FILE *f, const struct comparison *c);
/* The comparison as JSON (docs/ci.md). NULL if out of memory. */
json_t *compare_to_json(const struct comparison *c);

struct compare_opts {
	const char *base, *new_;
	const char *json;            /* NULL: none */
	const char *policy;          /* NULL: none */
	const char **thresholds;     /* --threshold rules, in order */
	int n_thresholds;
	const char *match;           /* NULL: every key field */
};

/* The command: load, compare, print, write --json. Returns the exit code. */
int cmd_compare(const struct compare_opts *o);
/* `ktstr-run metrics`: the registry with its gates. */
void compare_print_metrics(FILE *f);

#endif
