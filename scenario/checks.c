// SPDX-License-Identifier: GPL-2.0-only
/* Parses "check KIND [options]" directives into struct scn_check, with the
 * documented defaults (max-gap 2s, grace 250ms, max-spread 25%,
 * tolerance 25%). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scenario/internal.h"

static const struct {
	const char *name;
	const char *const keys[5];
	const char *usage;
} kinds[] = {
	[SCN_CHECK_STARVATION] = { "starvation", { "max-gap", "cgroup" },
		"check starvation [max-gap=DURATION] [cgroup=NAME]" },
	[SCN_CHECK_ISOLATION] = { "isolation", { "grace", "cgroup" },
		"check isolation [grace=DURATION] [cgroup=NAME]" },
	[SCN_CHECK_FAIRNESS] = { "fairness", { "max-spread", "cgroup" },
		"check fairness [max-spread=PCT] [cgroup=NAME]" },
	[SCN_CHECK_WEIGHT] = { "weight", { "tolerance" },
		"check weight [tolerance=PCT]" },
	[SCN_CHECK_WAKE_LATENCY] = { "wake-latency", { "p50", "p99", "p999", "cgroup" },
		"check wake-latency [p50=DURATION] [p99=DURATION] [p999=DURATION] [cgroup=NAME]" },
	[SCN_CHECK_THROUGHPUT] = { "throughput", { "min", "cgroup" },
		"check throughput min=RATE [cgroup=NAME]" },
	[SCN_CHECK_SCHED_ALIVE] = { "scheduler alive", { NULL },
		"check scheduler alive" },
	[SCN_CHECK_SCHED_DIES] = { "scheduler dies", { "reason", "name" },
		"check scheduler dies [reason=stall|error|unregistered|any] [name=SCHEDULER]" },
};

#define N_KINDS ((int)(sizeof(kinds) / sizeof(kinds[0])))

const char *scn_check_name(enum scn_check_kind k)
{
	if ((int)k <= 0 || (int)k >= N_KINDS)
		return "?";
	return kinds[k].name;
}

/* The check kind named by words 1 (and 2 for "scheduler ..."); sets *next
 * to the first option word. */
static int check_kind(const struct scn_line *l, int *next, struct scn_error *err)
{
	const struct scn_tok *t;

	if (l->ntok < 2)
		return scn_err(err, l->lineno, l->end_col,
			       "missing check kind; expected one of: starvation, isolation, fairness, weight, wake-latency, throughput, scheduler alive, scheduler dies");
	t = &l->tok[1];
	*next = 2;
	if (!strcmp(t->text, "scheduler")) {
		*next = 3;
		if (l->ntok < 3)
			return scn_err(err, l->lineno, l->end_col,
				       "missing 'alive' or 'dies' after 'check scheduler'");
		if (!strcmp(l->tok[2].text, "alive"))
			return SCN_CHECK_SCHED_ALIVE;
		if (!strcmp(l->tok[2].text, "dies"))
			return SCN_CHECK_SCHED_DIES;
		return scn_err(err, l->lineno, l->tok[2].col,
			       "unknown check 'scheduler %s'; expected 'scheduler alive' or 'scheduler dies'",
			       l->tok[2].text);
	}
	for (int k = 1; k < SCN_CHECK_SCHED_ALIVE; k++)
		if (!strcmp(t->text, kinds[k].name) && !t->key)
			return k;
	return scn_err(err, l->lineno, t->col,
		       "unknown check '%s'; expected one of: starvation, isolation, fairness, weight, wake-latency, throughput, scheduler alive, scheduler dies",
		       t->text);
}

static int pct(const struct scn_line *l, const struct scn_tok *t, double *out,
	       struct scn_error *err)
{
	char buf[64], msg[256];
	size_t n = strlen(t->val);

	snprintf(buf, sizeof(buf), "%s", t->val);
	if (n && n < sizeof(buf) && buf[n - 1] == '%')
		buf[n - 1] = '\0';
	if (scn_parse_double(buf, 0, 1000, out, msg, sizeof(msg)))
		return scn_err(err, l->lineno, t->val_col, "%s: %s", t->key, msg);
	return 0;
}

static int dur(const struct scn_line *l, const struct scn_tok *t, uint64_t *out,
	       struct scn_error *err)
{
	char msg[256];

	if (scn_duration_parse(t->val, out, msg, sizeof(msg)))
		return scn_err(err, l->lineno, t->val_col, "%s: %s", t->key, msg);
	if (!*out)
		return scn_err(err, l->lineno, t->val_col,
			       "%s must be greater than 0", t->key);
	return 0;
}

static int name_val(const struct scn_line *l, const struct scn_tok *t,
		    const char *what, char *dst, struct scn_loc *loc,
		    struct scn_error *err)
{
	char msg[256];

	if (scn_valid_name(t->val, what, msg, sizeof(msg)))
		return scn_err(err, l->lineno, t->val_col, "%s", msg);
	strcpy(dst, t->val);
	*loc = (struct scn_loc){ l->lineno, t->val_col };
	return 0;
}

static int check_opt(const struct scn_line *l, const struct scn_tok *t,
		     struct scn_check *c, struct scn_error *err)
{
	const char *k = t->key;
	char msg[256];

	if (!strcmp(k, "cgroup"))
		return name_val(l, t, "cgroup name", c->cgroup, &c->cgroup_loc, err);
	if (!strcmp(k, "name"))
		return name_val(l, t, "scheduler name", c->sched, &c->sched_loc, err);
	if (!strcmp(k, "max-gap"))
		return dur(l, t, &c->max_gap_ns, err);
	if (!strcmp(k, "grace"))
		return dur(l, t, &c->grace_ns, err);
	if (!strcmp(k, "p50"))
		return dur(l, t, &c->p50_ns, err);
	if (!strcmp(k, "p99"))
		return dur(l, t, &c->p99_ns, err);
	if (!strcmp(k, "p999"))
		return dur(l, t, &c->p999_ns, err);
	if (!strcmp(k, "max-spread"))
		return pct(l, t, &c->max_spread_pct, err);
	if (!strcmp(k, "tolerance"))
		return pct(l, t, &c->tolerance_pct, err);
	if (!strcmp(k, "min")) {
		if (scn_parse_double(t->val, 0, 1e15, &c->min_rate, msg, sizeof(msg)))
			return scn_err(err, l->lineno, t->val_col, "min: %s", msg);
		if (c->min_rate <= 0)
			return scn_err(err, l->lineno, t->val_col,
				       "min must be greater than 0");
		return 0;
	}
	/* reason */
	if (strcmp(t->val, "stall") && strcmp(t->val, "error") &&
	    strcmp(t->val, "unregistered") && strcmp(t->val, "any"))
		return scn_err(err, l->lineno, t->val_col,
			       "unknown reason '%s'; expected stall, error, unregistered or any",
			       t->val);
	snprintf(c->reason, sizeof(c->reason), "%s", t->val);
	return 0;
}

static int check_dup(const struct scn_line *l, const struct scenario *s,
		     struct scn_names *seen, const struct scn_check *c,
		     struct scn_error *err)
{
	char key[2 * SCN_NAME_MAX + 16];
	const int *i;

	/* Names hold no '/': the key is unambiguous. */
	snprintf(key, sizeof(key), "%d/%s/%s", (int)c->kind, c->cgroup, c->sched);
	if (!(i = scn_names_get(seen, key)))
		return scn_names_set(seen, key, s->n_checks) ?
		       scn_err(err, l->lineno, 1, "out of memory") : 0;
	return scn_err(err, l->lineno, l->tok[1].col,
		       "check %s%s%s%s already given at line %d; expected one per cgroup",
		       kinds[c->kind].name, c->cgroup[0] ? " for cgroup '" : "",
		       c->cgroup, c->cgroup[0] ? "'" : "", s->checks[*i].loc.line);
}

int scn_parse_check(const struct scn_line *l, struct scenario *s,
		    struct scn_names *checks, struct scn_error *err)
{
	const struct scn_tok *t;
	struct scn_check c = {
		.loc = { l->lineno, l->tok[0].col },
		.max_gap_ns = 2000000000ull,
		.grace_ns = 250000000ull,
		.max_spread_pct = 25,
		.tolerance_pct = 25,
		.reason = "any",
	};
	unsigned seen = 0;
	int next, i, k = check_kind(l, &next, err);
	struct scn_check *nc;

	if (k < 0)
		return -1;
	c.kind = (enum scn_check_kind)k;
	while ((i = scn_next_option(l, &next, &seen, kinds[k].keys, false,
				    kinds[k].usage, &t, err)) >= 0)
		if (check_opt(l, t, &c, err))
			return -1;
	if (i != -3)
		return -1;
	if (k == SCN_CHECK_WAKE_LATENCY && !c.p50_ns && !c.p99_ns && !c.p999_ns)
		return scn_err(err, l->lineno, l->end_col,
			       "missing latency bound; expected at least one of p50=, p99=, p999=");
	if (k == SCN_CHECK_THROUGHPUT && !c.min_rate)
		return scn_err(err, l->lineno, l->end_col,
			       "missing min=RATE; expected: %s", kinds[k].usage);
	/* Room first, so the index check_dup records is the check's. */
	if (!(s->n_checks & (s->n_checks - 1))) {
		nc = realloc(s->checks, (size_t)(s->n_checks ? 2 * s->n_checks : 1) * sizeof(*nc));
		if (!nc)
			return scn_err(err, l->lineno, 1, "out of memory");
		s->checks = nc;
	}
	if (check_dup(l, s, checks, &c, err))
		return -1;
	s->checks[s->n_checks++] = c;
	return 0;
}
