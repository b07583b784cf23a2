// SPDX-License-Identifier: GPL-2.0-only
/* Check evaluation (see checks.h). Each check reads only the decoded
 * WorkerReports and the guest's checked events, so it runs the same on
 * synthetic runs in unit tests. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host/checks.h"
#include "host/checks_sched.h"
#include "lib/utf8.h"
#include "lib/xalloc.h"

static struct check_result *check_new(struct check_list *l, const char *name,
				      const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));
static struct check_result *check_new(struct check_list *l, const char *name,
				      const char *fmt, va_list ap)
{
	struct check_result *c;

	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 16;
		l->v = xrealloc(l->v, l->cap, sizeof(*l->v));
	}
	c = &l->v[l->n++];
	memset(c, 0, sizeof(*c));
	utf8_copy(c->name, sizeof(c->name), name);
	utf8_vformat(c->detail, sizeof(c->detail), fmt, ap);
	return c;
}

void check_add(struct check_list *l, const char *name, bool pass, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	check_new(l, name, fmt, ap)->pass = pass;
	va_end(ap);
}

void check_skip(struct check_list *l, const char *name, const char *fmt, ...)
{
	struct check_result *c;
	va_list ap;

	va_start(ap, fmt);
	c = check_new(l, name, fmt, ap);
	va_end(ap);
	c->pass = c->skipped = true;
}

int checks_skipped(const struct check_list *l)
{
	int n = 0;

	for (int i = 0; i < l->n; i++)
		n += l->v[i].skipped;
	return n;
}

bool checks_all_pass(const struct check_list *l)
{
	for (int i = 0; i < l->n; i++)
		if (!l->v[i].pass)
			return false;
	return true;
}

void check_list_free(struct check_list *l)
{
	free(l->v);
	memset(l, 0, sizeof(*l));
}

void appendf(char *buf, size_t len, const char *fmt, ...)
{
	size_t n = strnlen(buf, len);
	va_list ap;

	if (n + 1 >= len)
		return;
	va_start(ap, fmt);
	utf8_vformat(buf + n, len - n, fmt, ap);
	va_end(ap);
}

/* What the checks read of the events, gathered once: each managed
 * cgroup's cpuset changes sorted by time, and for each cgroup a worker
 * started in, which cgroup it was in from when (following move-tasks).
 * Queries are binary searches, so a guest that sends many changes cannot
 * make judging slow. */
struct cpuset_change {
	const char *cgroup;
	uint64_t at;
	int seq;               /* event order, to keep the sort stable */
	const struct scn_cpumask *mask;
};

struct cs_group {
	const char *cgroup;
	int start, n;          /* in timeline.cs */
};

struct member {
	uint64_t at;           /* from here on (guest mono_ns) */
	const char *cgroup;    /* the worker was here */
};

struct membership {
	const char *cg0;       /* where the workers started */
	struct member *m;
	int n;
};

struct timeline {
	struct cpuset_change *cs;
	int n_cs;
	struct cs_group *groups;
	int n_groups;
	struct membership *mship;
	int n_mship;
};

/* At most this many cpuset changes of one cgroup are looked at around one
 * moment: honest runs have a handful within a grace period. */
#define WINDOW_MAX 64

struct ctx {
	const struct scenario *s;
	const struct run_result *r;
	struct timeline tl;
};

static int cs_cmp(const void *a, const void *b)
{
	const struct cpuset_change *x = a, *y = b;
	int c = strcmp(x->cgroup, y->cgroup);

	if (c)
		return c;
	if (x->at != y->at)
		return x->at < y->at ? -1 : 1;
	return x->seq - y->seq;
}

struct mv {
	const char *from, *to;
	uint64_t at;
	int seq;
};

static int mv_cmp(const void *a, const void *b)
{
	const struct mv *x = a, *y = b;

	if (x->at != y->at)
		return x->at < y->at ? -1 : 1;
	return x->seq - y->seq;
}

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void timeline_build(const struct run_result *r, struct timeline *tl)
{
	struct mv *mv = xcalloc(r->n_events, sizeof(*mv));
	const char **names = xcalloc(r->n_reps, sizeof(*names));
	int n_mv = 0, n_names = 0;

	memset(tl, 0, sizeof(*tl));
	tl->cs = xcalloc(r->n_events, sizeof(*tl->cs));
	for (int i = 0; i < r->n_events; i++) {
		const struct guest_event *e = &r->events[i];

		if (e->kind == EV_CPUSET)
			tl->cs[tl->n_cs++] = (struct cpuset_change){ e->cgroup, e->mono_ns, i,
								     &e->cpus };
		else if (e->kind == EV_MOVE_TASKS)
			mv[n_mv++] = (struct mv){ e->from, e->to, e->mono_ns, i };
	}
	qsort(tl->cs, tl->n_cs, sizeof(*tl->cs), cs_cmp);
	tl->groups = xcalloc(tl->n_cs, sizeof(*tl->groups));
	for (int i = 0; i < tl->n_cs; i++) {
		if (!tl->n_groups || strcmp(tl->groups[tl->n_groups - 1].cgroup, tl->cs[i].cgroup))
			tl->groups[tl->n_groups++] = (struct cs_group){ tl->cs[i].cgroup, i, 0 };
		tl->groups[tl->n_groups - 1].n++;
	}
	/* Where the workers of each starting cgroup were, over time. */
	qsort(mv, n_mv, sizeof(*mv), mv_cmp);
	for (int i = 0; i < r->n_reps; i++)
		names[n_names++] = r->reps[i]->cgroup;
	qsort(names, n_names, sizeof(*names), str_cmp);
	tl->mship = xcalloc(n_names, sizeof(*tl->mship));
	for (int i = 0; i < n_names; i++) {
		struct membership *ms;
		const char *cur;

		if (i && !strcmp(names[i], names[i - 1]))
			continue;
		ms = &tl->mship[tl->n_mship++];
		ms->cg0 = cur = names[i];
		ms->m = xcalloc(n_mv + 1, sizeof(*ms->m));
		ms->m[ms->n++] = (struct member){ 0, cur };
		for (int k = 0; k < n_mv; k++)
			if (!strcmp(mv[k].from, cur))
				ms->m[ms->n++] = (struct member){ mv[k].at, cur = mv[k].to };
	}
	free(mv);
	free(names);
}

static void timeline_free(struct timeline *tl)
{
	for (int i = 0; i < tl->n_mship; i++)
		free(tl->mship[i].m);
	free(tl->mship);
	free(tl->groups);
	free(tl->cs);
}

static const struct cs_group *cs_group(const struct timeline *tl, const char *cgroup)
{
	int lo = 0, hi = tl->n_groups;

	while (lo < hi) {
		int mid = lo + (hi - lo) / 2, c = strcmp(tl->groups[mid].cgroup, cgroup);

		if (!c)
			return &tl->groups[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static bool has_cpuset(const struct timeline *tl, const char *cgroup)
{
	return cs_group(tl, cgroup) != NULL;
}

static bool cpu_in(const struct scn_cpumask *m, int cpu)
{
	return cpu >= 0 && cpu < SCN_MAX_CPUS && scn_cpumask_test(m, cpu);
}

static uint64_t add_sat(uint64_t a, uint64_t b)
{
	return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

/* Was cpu in cgroup's cpuset at time t? Change i holds from at[i] until
 * at[i+1], each end widened by the grace period. A cgroup with no cpuset
 * history allows every CPU. */
static bool cpu_allowed(const struct timeline *tl, const char *cgroup, uint64_t t, int cpu,
			uint64_t grace)
{
	const struct cs_group *g = cs_group(tl, cgroup);
	const struct cpuset_change *c;
	uint64_t hi_t = add_sat(t, grace);
	int lo = 0, hi;

	if (!g)
		return true;
	c = tl->cs + g->start;
	/* hi: the first change after t + grace. */
	hi = g->n;
	while (lo < hi) {
		int mid = lo + (hi - lo) / 2;

		if (c[mid].at <= hi_t)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (int i = hi - 1, seen = 0; i >= 0 && seen < WINDOW_MAX; i--, seen++) {
		uint64_t until = i + 1 < g->n ? add_sat(c[i + 1].at, grace) : UINT64_MAX;

		if (until < t)
			break;
		if (cpu_in(c[i].mask, cpu))
			return true;
	}
	return false;
}

/* The cgroup a worker started in cg0 belonged to at time t. */
static const char *member_at(const struct timeline *tl, const char *cg0, uint64_t t)
{
	int lo = 0, hi = tl->n_mship;
	const struct membership *ms = NULL;

	while (lo < hi) {
		int mid = lo + (hi - lo) / 2, c = strcmp(tl->mship[mid].cg0, cg0);

		if (!c) {
			ms = &tl->mship[mid];
			break;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!ms)
		return cg0;
	/* The last membership that began at or before t. */
	lo = 0;
	hi = ms->n;
	while (lo < hi) {
		int mid = lo + (hi - lo) / 2;

		if (ms->m[mid].at <= t)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo ? ms->m[lo - 1].cgroup : cg0;
}

/* Was cpu allowed for a worker of cg0 at time t: by the cgroup it was in
 * then, or the one it was in a grace period before or after (the guest
 * stamps an event when the op has finished, and moves and cpuset changes
 * take effect asynchronously)? */
static bool worker_cpu_allowed(const struct timeline *tl, const char *cg0, uint64_t t,
			       int cpu, uint64_t grace)
{
	uint64_t times[3] = { t, t > grace ? t - grace : 0, add_sat(t, grace) };

	for (int k = 0; k < 3; k++)
		if (cpu_allowed(tl, member_at(tl, cg0, times[k]), t, cpu, grace))
			return true;
	return false;
}

static bool in_scope(const struct wr_data *w, const char *cgroup)
{
	if (cgroup && *cgroup)
		return !strcmp(w->cgroup, cgroup);
	return w->cgroup[0] != 0; /* workers outside every cgroup are not judged */
}

static const char *label(const struct scn_check *c, char *buf, size_t len)
{
	snprintf(buf, len, "%s%s%s", scn_check_name(c->kind), c->cgroup[0] ? " " : "",
		 c->cgroup);
	return buf;
}

static void check_starvation(struct ctx *x, const struct scn_check *c,
			     struct check_list *out)
{
	char bad[1536] = "", name[96];
	double limit = c->max_gap_ns / 1e6, worst = 0;
	int n = 0, nbad = 0;

	for (int i = 0; i < x->r->n_reps; i++) {
		const struct wr_data *w = x->r->reps[i];
		if (!in_scope(w, c->cgroup))
			continue;
		n++;
		if (w->max_gap_ms > worst)
			worst = w->max_gap_ms;
		if (w->work_units == 0)
			appendf(bad, sizeof(bad), "%sworker %s/%d (tid %d, %s) made no progress",
				nbad++ ? "; " : "", w->cgroup, w->index, w->tid, w->type);
		else if (w->max_gap_ms > limit)
			appendf(bad, sizeof(bad),
				"%sworker %s/%d (tid %d, %s) starved: max gap %.1f ms > %.1f ms on cpu %d at %.0f ms",
				nbad++ ? "; " : "", w->cgroup, w->index, w->tid, w->type,
				w->max_gap_ms, limit, w->max_gap_cpu, w->max_gap_at_ms);
	}
	label(c, name, sizeof(name));
	if (n == 0)
		check_add(out, name, false, "no worker reports to judge");
	else if (nbad)
		check_add(out, name, false, "%s", bad);
	else
		check_add(out, name, true, "%d workers, worst gap %.1f ms <= %.1f ms", n,
			  worst, limit);
}

static void check_isolation(struct ctx *x, const struct scn_check *c,
			    struct check_list *out)
{
	const struct timeline *tl = &x->tl;
	char bad[1536] = "", name[96];
	int n = 0, nbad = 0;

	for (int i = 0; i < x->r->n_reps; i++) {
		const struct wr_data *w = x->r->reps[i];
		int cpu = -1;

		if (!in_scope(w, c->cgroup))
			continue;
		if (!has_cpuset(tl, w->cgroup))
			continue; /* not in a managed cgroup: nothing to violate */
		n++;
		if (w->n_migrations)
			cpu = w->migrations[0].from_cpu;
		else
			for (int k = 0; k < SCN_MAX_CPUS && cpu < 0; k++)
				if (scn_cpumask_test(&w->cpus_used, k))
					cpu = k;
		if (cpu >= 0 && !worker_cpu_allowed(tl, w->cgroup, w->started_at_ns, cpu,
						    c->grace_ns)) {
			appendf(bad, sizeof(bad), "%sworker %s/%d (tid %d) started on cpu %d outside its cpuset",
				nbad++ ? "; " : "", w->cgroup, w->index, w->tid, cpu);
			continue;
		}
		for (uint32_t m = 0; m < w->n_migrations; m++) {
			uint64_t at = w->migrations[m].at_ns;
			uint64_t t = add_sat(w->started_at_ns, at);
			int to = w->migrations[m].to_cpu;

			if (!worker_cpu_allowed(tl, w->cgroup, t, to, c->grace_ns)) {
				appendf(bad, sizeof(bad),
					"%sworker %s/%d (tid %d) ran on cpu %d at %.0f ms, outside the cpuset of '%s'",
					nbad++ ? "; " : "", w->cgroup, w->index, w->tid, to,
					at / 1e6, member_at(tl, w->cgroup, t));
				break;
			}
		}
		/* Records past WR_MAX_MIGRATIONS are lost: fall back to the
		 * union of every cpuset the cgroup had. */
		if (w->migration_count > w->n_migrations) {
			for (int k = 0; k < SCN_MAX_CPUS; k++) {
				bool ok = false;

				if (!scn_cpumask_test(&w->cpus_used, k))
					continue;
				const struct cs_group *g = cs_group(tl, w->cgroup);

				for (int e = 0; g && e < g->n && !ok; e++)
					ok = cpu_in(tl->cs[g->start + e].mask, k);
				if (!ok)
					appendf(bad, sizeof(bad), "%sworker %s/%d used cpu %d, never in its cpuset",
						nbad++ ? "; " : "", w->cgroup, w->index, k);
			}
		}
	}
	label(c, name, sizeof(name));
	if (nbad)
		check_add(out, name, false, "%s", bad);
	else if (n == 0)
		check_add(out, name, false, "no worker ran in a managed cgroup");
	else
		check_add(out, name, true, "%d workers stayed inside their cgroups' cpusets", n);
}

static void check_fairness(struct ctx *x, const struct scn_check *c,
			   struct check_list *out)
{
	char bad[1536] = "", good[512] = "", name[96];
	int nbad = 0, groups = 0;

	/* Group by (cgroup, type): equal workers. */
	for (int i = 0; i < x->r->n_reps; i++) {
		const struct wr_data *a = x->r->reps[i];
		double min = INFINITY, max = 0, sum = 0;
		int n = 0, first = 1;

		if (!in_scope(a, c->cgroup))
			continue;
		for (int j = 0; j < i && first; j++)
			if (!strcmp(x->r->reps[j]->cgroup, a->cgroup) &&
			    !strcmp(x->r->reps[j]->type, a->type))
				first = 0;
		if (!first)
			continue;
		for (int j = i; j < x->r->n_reps; j++) {
			const struct wr_data *b = x->r->reps[j];
			if (strcmp(b->cgroup, a->cgroup) || strcmp(b->type, a->type))
				continue;
			min = fmin(min, b->cpu_time_ns);
			max = fmax(max, b->cpu_time_ns);
			sum += b->cpu_time_ns;
			n++;
		}
		if (n < 2)
			continue;
		groups++;
		double spread = sum > 0 ? (max - min) / (sum / n) * 100 : 0;
		if (spread > c->max_spread_pct)
			appendf(bad, sizeof(bad),
				"%scgroup %s (%d %s workers): cpu time spread %.1f%% > %.1f%% (min %.1f ms, max %.1f ms)",
				nbad++ ? "; " : "", a->cgroup, n, a->type, spread,
				c->max_spread_pct, min / 1e6, max / 1e6);
		else
			appendf(good, sizeof(good), "%s%s: %.1f%%", groups > 1 ? ", " : "",
				a->cgroup, spread);
	}
	label(c, name, sizeof(name));
	if (nbad)
		check_add(out, name, false, "%s", bad);
	else if (!groups)
		check_add(out, name, false, "no cgroup has two or more equal workers to compare");
	else
		check_add(out, name, true, "cpu time spread within %.1f%% (%s)",
			  c->max_spread_pct, good);
}

static int cgroup_weight(const struct scenario *s, const char *name)
{
	for (int b = -1; b < s->n_steps; b++) {
		const struct scn_block *blk = b < 0 ? &s->backdrop : &s->steps[b];

		for (int i = 0; i < blk->n_ops; i++) {
			const struct scn_op *op = &blk->ops[i];
			if (op->kind == SCN_OP_CGROUP && !strcmp(op->name, name))
				return op->knobs.weight ? op->knobs.weight : 100;
		}
	}
	return 100;
}

static void check_weight(struct ctx *x, const struct scn_check *c, struct check_list *out)
{
	char names[16][SCN_NAME_MAX], bad[1536] = "", good[512] = "";
	double cpu[16] = { 0 }, wsum = 0, csum = 0;
	int weights[16], n = 0, nbad = 0;

	for (int i = 0; i < x->r->n_reps; i++) {
		const struct wr_data *w = x->r->reps[i];
		int k;
		if (!w->cgroup[0])
			continue;
		for (k = 0; k < n && strcmp(names[k], w->cgroup); k++)
			;
		if (k == n) {
			if (n == 16)
				continue;
			snprintf(names[n], SCN_NAME_MAX, "%s", w->cgroup);
			weights[n] = cgroup_weight(x->s, w->cgroup);
			n++;
		}
		cpu[k] += w->cpu_time_ns;
	}
	for (int k = 0; k < n; k++) {
		wsum += weights[k];
		csum += cpu[k];
	}
	for (int k = 0; k < n && csum > 0; k++) {
		double want = weights[k] / wsum * 100, got = cpu[k] / csum * 100;
		double err = fabs(got - want) / want * 100;
		if (err > c->tolerance_pct)
			appendf(bad, sizeof(bad),
				"%scgroup %s (weight %d): %.1f%% of cpu time, expected %.1f%% (off by %.0f%% > %.0f%%)",
				nbad++ ? "; " : "", names[k], weights[k], got, want, err,
				c->tolerance_pct);
		else
			appendf(good, sizeof(good), "%s%s %.1f%%/%.1f%%", k ? ", " : "",
				names[k], got, want);
	}
	if (n < 2)
		check_add(out, "weight", false, "needs two or more cgroups with workers, found %d", n);
	else if (nbad)
		check_add(out, "weight", false, "%s", bad);
	else
		check_add(out, "weight", true, "cpu shares follow weights (got/expected: %s)", good);
}

static void check_wake_latency(struct ctx *x, const struct scn_check *c,
			       struct check_list *out)
{
	uint64_t *v = NULL, p[3];
	uint64_t total = 0;
	uint32_t n = 0;
	const uint64_t lim[3] = { c->p50_ns, c->p99_ns, c->p999_ns };
	static const double pct[3] = { 50, 99, 99.9 };
	static const char *const pname[3] = { "p50", "p99", "p99.9" };
	char bad[512] = "", name[96];
	int nbad = 0;

	for (int i = 0; i < x->r->n_reps; i++)
		if (in_scope(x->r->reps[i], c->cgroup))
			total += x->r->reps[i]->n_resume;
	label(c, name, sizeof(name));
	if (!total) {
		check_add(out, name, false, "no wake-up latency samples (use a work type that sleeps or blocks)");
		return;
	}
	/* frames.c keeps at most run_limits.max_samples in all. */
	if (total > UINT32_MAX)
		abort();
	v = xcalloc(total, sizeof(*v));
	for (int i = 0; i < x->r->n_reps; i++) {
		const struct wr_data *w = x->r->reps[i];
		if (!in_scope(w, c->cgroup) || !w->n_resume)
			continue;
		memcpy(v + n, w->resume_latencies_ns, w->n_resume * sizeof(*v));
		n += w->n_resume;
	}
	wr_sort(v, n);
	for (int k = 0; k < 3; k++) {
		p[k] = wr_percentile_sorted(v, n, pct[k]);
		if (lim[k] && p[k] > lim[k])
			appendf(bad, sizeof(bad), "%s%s %.1f us > %.1f us", nbad++ ? "; " : "",
				pname[k], p[k] / 1e3, lim[k] / 1e3);
	}
	free(v);
	if (nbad)
		check_add(out, name, false, "%s (%u samples)", bad, n);
	else
		check_add(out, name, true, "p50 %.1f us, p99 %.1f us, p99.9 %.1f us (%u samples)",
			  p[0] / 1e3, p[1] / 1e3, p[2] / 1e3, n);
}

static void check_throughput(struct ctx *x, const struct scn_check *c,
			     struct check_list *out)
{
	char bad[1536] = "", name[96];
	double worst = INFINITY;
	int n = 0, nbad = 0;

	for (int i = 0; i < x->r->n_reps; i++) {
		const struct wr_data *w = x->r->reps[i];
		double rate;
		if (!in_scope(w, c->cgroup))
			continue;
		n++;
		rate = w->wall_time_ns ? w->work_units / (w->wall_time_ns / 1e9) : 0;
		worst = fmin(worst, rate);
		if (rate < c->min_rate)
			appendf(bad, sizeof(bad), "%sworker %s/%d (tid %d, %s): %.1f units/s < %.1f",
				nbad++ ? "; " : "", w->cgroup, w->index, w->tid, w->type,
				rate, c->min_rate);
	}
	label(c, name, sizeof(name));
	if (!n)
		check_add(out, name, false, "no worker reports to judge");
	else if (nbad)
		check_add(out, name, false, "%s", bad);
	else
		check_add(out, name, true, "%d workers, slowest %.1f units/s >= %.1f", n,
			  worst, c->min_rate);
}

static uint64_t sat_mul(uint64_t a, uint64_t b)
{
	return b && a > UINT64_MAX / b ? UINT64_MAX : a * b;
}

uint64_t checks_expected_workers(const struct scenario *s)
{
	uint64_t n = 0;

	for (int i = 0; i < s->backdrop.n_ops; i++)
		if (s->backdrop.ops[i].kind == SCN_OP_WORKERS)
			n = add_sat(n, (uint64_t)s->backdrop.ops[i].workers.count);
	for (int b = 0; b < s->n_steps; b++)
		for (int i = 0; i < s->steps[b].n_ops; i++)
			if (s->steps[b].ops[i].kind == SCN_OP_WORKERS)
				n = add_sat(n, sat_mul((uint64_t)s->steps[b].ops[i].workers.count,
						       (uint64_t)s->steps[b].repeat));
	return n;
}

/* Implicit: the guest sent one report per worker it was asked to start. */
static void check_reports(struct ctx *x, struct check_list *out)
{
	char bad[1536] = "";
	uint64_t want = checks_expected_workers(x->s);
	int nbad = 0;

	for (int i = 0; i < x->r->n_reps; i++) {
		const struct wr_data *w = x->r->reps[i];
		bool ok = w->exit_kind == WR_EXIT_EXITED && w->exit_code == 0;
		if (!ok)
			appendf(bad, sizeof(bad), "%sworker %s/%d (tid %d, %s) %s %d",
				nbad++ ? "; " : "", w->cgroup, w->index, w->tid, w->type,
				wr_exit_kind_name(w->exit_kind), w->exit_code);
	}
	check_add(out, "reports", (uint64_t)x->r->n_reps == want,
		  "%d of %llu worker reports arrived", x->r->n_reps, (unsigned long long)want);
	if (nbad)
		check_add(out, "workers exited", false, "%s", bad);
	else
		check_add(out, "workers exited", true, "every worker ended when asked");
}

/* The last non-empty line of text, at most len - 1 bytes of its end. */
static void last_line(const char *text, char *buf, size_t len)
{
	const char *end = text + strlen(text), *start;

	while (end > text && (end[-1] == '\n' || end[-1] == '\r' || end[-1] == ' '))
		end--;
	start = end;
	while (start > text && start[-1] != '\n')
		start--;
	if ((size_t)(end - start) > len - 1)
		start = end - (len - 1);
	snprintf(buf, len, "%.*s", (int)(end - start), start);
}

/* The events below are paired in one pass, through maps keyed by payload
 * id: a guest that sends many cannot make judging quadratic. */
static int map_get(const json_t *map, const char *key)
{
	json_t *v = json_object_get(map, key);

	return v ? (int)json_integer_value(v) : -1;
}

static void map_set(json_t *map, const char *key, int v)
{
	if (json_object_set_new(map, key, json_integer(v)))
		abort();
}

/* Implicit when the scenario runs payloads: each one that ended by itself
 * exited 0 (127 means it could not be executed). */
static void check_payloads(struct ctx *x, struct check_list *out)
{
	char bad[1536] = "";
	int n = 0, nbad = 0, k;
	json_t *outs = json_object(); /* id -> its run's payload_output */

	for (int i = 0; i < x->r->n_events; i++) {
		const struct guest_event *e = &x->r->events[i], *o;
		char line[160] = "";

		if (e->kind == EV_PAYLOAD_START)
			json_object_del(outs, e->id);
		if (e->kind == EV_PAYLOAD_OUTPUT)
			map_set(outs, e->id, i);
		if (e->kind != EV_PAYLOAD_END)
			continue;
		n++;
		k = map_get(outs, e->id);
		json_object_del(outs, e->id);
		if (e->killed)
			continue;
		if (e->has_exit_code && !e->exit_code)
			continue;
		if (k >= 0) {
			o = &x->r->events[k];
			const char *err = json_string_value(json_object_get(o->json, EVF_STDERR));
			const char *std = json_string_value(json_object_get(o->json, EVF_STDOUT));

			last_line(err && *err ? err : std ? std : "", line, sizeof(line));
		}
		if (!e->has_exit_code)
			appendf(bad, sizeof(bad), "%spayload %s killed by signal %lld",
				nbad++ ? "; " : "", e->id, (long long)e->signal);
		else
			appendf(bad, sizeof(bad), "%spayload %s exited with %lld%s",
				nbad++ ? "; " : "", e->id, (long long)e->exit_code,
				e->exit_code == 127 ? " (could not be executed)" : "");
		if (line[0])
			appendf(bad, sizeof(bad), " (its output ends: %s)", line);
	}
	json_decref(outs);
	if (!n)
		return;
	if (nbad)
		check_add(out, "payloads", false, "%s", bad);
	else
		check_add(out, "payloads", true, "%d payloads ended as expected", n);
}

/* At most this many TAP tests become checks of their own (a payload run
 * sends at most PROTO_TAP_MAX); the rest are summed up in one. */
#define TAP_CHECKS_MAX 4096

struct tap_sum {
	int checks;              /* per-test checks made */
	long long more, more_failed;
};

/* One TAP test line of payload run `who`: ok is a pass, "# SKIP" a skip,
 * not ok a failure unless it is "# TODO" (TAP: not a failure). */
static void tap_test(const char *who, const json_t *t, struct tap_sum *sum,
		     struct check_list *out)
{
	const char *name = json_string_value(json_object_get(t, TAPF_NAME));
	const char *dir = json_string_value(json_object_get(t, TAPF_DIRECTIVE)) ?: "";
	const char *why = json_string_value(json_object_get(t, TAPF_REASON)) ?: "";
	long long n = json_integer_value(json_object_get(t, TAPF_N));
	bool ok = json_is_true(json_object_get(t, TAPF_OK));
	char label[256];

	if (sum->checks >= TAP_CHECKS_MAX) {
		sum->more++;
		sum->more_failed += !ok && strcmp(dir, "TODO");
		return;
	}
	sum->checks++;
	if (name && *name)
		snprintf(label, sizeof(label), "%s: %s", who, name);
	else
		snprintf(label, sizeof(label), "%s: test %lld", who, n);
	if ((ok && !strcmp(dir, "SKIP")) || (!ok && !strcmp(dir, "TODO")))
		check_skip(out, label, "%s %lld # %s%s%s", ok ? "ok" : "not ok", n, dir,
			   *why ? " " : "", why);
	else
		check_add(out, label, ok, "%s %lld%s%s%s%s", ok ? "ok" : "not ok", n,
			  *dir ? " # " : "", dir, *why ? " " : "", why);
}

/* Implicit for each payload run whose stdout was TAP: a check per test
 * line, a failed one for a "Bail out!" or for fewer tests than planned. */
static void check_tap(struct ctx *x, struct check_list *out)
{
	struct tap_sum sum = { 0 };
	json_t *runs = json_object(); /* id -> payload_ends so far */

	for (int i = 0; i < x->r->n_events; i++) {
		const struct guest_event *e = &x->r->events[i];
		const json_t *tap = json_object_get(e->json, EVF_TAP), *tests, *t, *v;
		long long run, more, ran;
		char who[160];
		size_t k;

		if (e->kind != EV_PAYLOAD_END)
			continue;
		run = map_get(runs, e->id);
		run = run < 0 ? 1 : run + 1;
		map_set(runs, e->id, (int)run);
		if (!tap)
			continue;
		if (run > 1)
			snprintf(who, sizeof(who), "payload %s (run %lld)", e->id, run);
		else
			snprintf(who, sizeof(who), "payload %s", e->id);
		tests = json_object_get(tap, TAPF_TESTS);
		json_array_foreach(tests, k, t)
			tap_test(who, t, &sum, out);
		more = json_integer_value(json_object_get(tap, TAPF_MORE));
		ran = (long long)json_array_size(tests) + more;
		/* These count against TAP_CHECKS_MAX too: one per run. */
		if ((more || json_object_get(tap, TAPF_SKIP_ALL) ||
		     json_object_get(tap, TAPF_BAIL_OUT) || json_object_get(tap, TAPF_PLAN)) &&
		    sum.checks >= TAP_CHECKS_MAX) {
			sum.more++;
			sum.more_failed +=
				json_object_get(tap, TAPF_BAIL_OUT) ||
				json_integer_value(json_object_get(tap, TAPF_PLAN)) > ran;
			continue;
		}
		if (more && ++sum.checks)
			check_skip(out, who, "%lld more TAP test lines than the %d a run sends: "
				   "not judged one by one", more, PROTO_TAP_MAX);
		if ((v = json_object_get(tap, TAPF_SKIP_ALL)) && ++sum.checks)
			check_skip(out, who, "1..0 # SKIP %s", json_string_value(v));
		if ((v = json_object_get(tap, TAPF_BAIL_OUT)) && ++sum.checks)
			check_add(out, who, false, "Bail out! %s", json_string_value(v));
		else if ((v = json_object_get(tap, TAPF_PLAN)) && json_integer_value(v) > ran &&
			 ++sum.checks)
			check_add(out, who, false, "planned %lld TAP tests (1..%lld), %lld ran",
				  (long long)json_integer_value(v),
				  (long long)json_integer_value(v), ran);
	}
	json_decref(runs);
	if (sum.more)
		check_add(out, "payload TAP tests", !sum.more_failed,
			  "%lld more TAP results than the %d listed, %lld of them failed",
			  sum.more, TAP_CHECKS_MAX, sum.more_failed);
}

/* The scenario's own checks by kind; the scheduler's are checks_sched's. */
static void (*const check_of_kind[])(struct ctx *, const struct scn_check *,
				     struct check_list *) = {
	[SCN_CHECK_STARVATION] = check_starvation,
	[SCN_CHECK_ISOLATION] = check_isolation,
	[SCN_CHECK_FAIRNESS] = check_fairness,
	[SCN_CHECK_WEIGHT] = check_weight,
	[SCN_CHECK_WAKE_LATENCY] = check_wake_latency,
	[SCN_CHECK_THROUGHPUT] = check_throughput,
};

void checks_run(const struct scenario *s, const struct run_result *r,
		struct check_list *out)
{
	struct ctx x = { s, r, { 0 } };
	int first;

	timeline_build(r, &x.tl);
	check_reports(&x, out);
	checks_sched_implicit(s, r, out);
	check_payloads(&x, out);
	check_tap(&x, out);
	first = out->n;
	for (int i = 0; i < s->n_checks; i++) {
		const struct scn_check *c = &s->checks[i];

		if (c->kind == SCN_CHECK_SCHED_ALIVE || c->kind == SCN_CHECK_SCHED_DIES)
			checks_sched(s, r, c, out);
		else if ((unsigned)c->kind < sizeof(check_of_kind) / sizeof(check_of_kind[0]) &&
			 check_of_kind[c->kind])
			check_of_kind[c->kind](&x, c, out);
	}
	checks_sched_not_judged(r, out, first);
	timeline_free(&x.tl);
}
