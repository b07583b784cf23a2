/* Check evaluation (see checks.h). Each check reads only the decoded
 * WorkerReports and the guest's events, so it runs the same on synthetic
 * reports in unit tests. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host/checks.h"
#include "host/checks_sched.h"

struct ctx {
	const struct scenario *s;
	const struct run_result *r;
};

static bool in_scope(const struct worker_report *w, const char *cgroup)
{
	if (cgroup && *cgroup)
		return !strcmp(w->cgroup, cgroup);
	return w->cgroup[0] != 0; /* host contention workers are not judged */
}

static void add(json_t *arr, const char *name, bool pass, bool *all, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
static void add(json_t *arr, const char *name, bool pass, bool *all, const char *fmt, ...)
{
	char detail[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	json_array_append_new(arr, json_pack("{s:s, s:b, s:s}", "name", name,
					     "pass", pass, "detail", detail));
	if (!pass)
		*all = false;
}

static void appendf(char *buf, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void appendf(char *buf, size_t len, const char *fmt, ...)
{
	size_t n = strlen(buf);
	va_list ap;

	if (n >= len - 1)
		return;
	va_start(ap, fmt);
	vsnprintf(buf + n, len - n, fmt, ap);
	va_end(ap);
}

static const char *label(const struct scn_check *c, char *buf, size_t len)
{
	snprintf(buf, len, "%s%s%s", scn_check_name(c->kind), c->cgroup[0] ? " " : "",
		 c->cgroup);
	return buf;
}

static void check_starvation(struct ctx *x, const struct scn_check *c, json_t *out,
			     bool *all)
{
	char bad[1536] = "", name[96];
	double limit = c->max_gap_ns / 1e6, worst = 0;
	int n = 0, nbad = 0;

	for (int i = 0; i < x->r->n_reps; i++) {
		const struct worker_report *w = x->r->reps[i];
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
		add(out, name, false, all, "no worker reports to judge");
	else if (nbad)
		add(out, name, false, all, "%s", bad);
	else
		add(out, name, true, all, "%d workers, worst gap %.1f ms <= %.1f ms", n,
		    worst, limit);
}

/* The cpuset history of one cgroup: (mono_ns, mask) from "cpuset" events. */
struct cpuset_hist {
	int n;
	uint64_t at[256];
	struct scn_cpumask m[256];
};

static void cpuset_history(const struct run_result *r, const char *cgroup,
			   struct cpuset_hist *h)
{
	size_t i;
	json_t *ev;

	h->n = 0;
	json_array_foreach(r->events, i, ev) {
		const char *k = json_string_value(json_object_get(ev, "kind"));
		const char *cg = json_string_value(json_object_get(ev, "cgroup"));
		if (!k || strcmp(k, "cpuset") || !cg || strcmp(cg, cgroup) || h->n == 256)
			continue;
		h->at[h->n] = json_integer_value(json_object_get(ev, "mono_ns"));
		memset(&h->m[h->n], 0, sizeof(h->m[0]));
		scn_cpumask_parse(json_string_value(json_object_get(ev, "cpus")) ?: "",
				  &h->m[h->n]);
		h->n++;
	}
}

/* Was cpu allowed at time t (or within the grace period around it)? */
static bool cpu_allowed(const struct cpuset_hist *h, uint64_t t, int cpu, uint64_t grace)
{
	for (int i = 0; i < h->n; i++) {
		uint64_t from = h->at[i];
		uint64_t to = i + 1 < h->n ? h->at[i + 1] + grace : UINT64_MAX;
		if (t + grace >= from && t <= to &&
		    scn_cpumask_test(&h->m[i], cpu))
			return true;
	}
	return false;
}

/* The cgroup a worker started in cg0 belonged to at time t, following the
 * guest's move-tasks events. */
static const char *member_at(const struct run_result *r, const char *cg0, uint64_t t)
{
	const char *cur = cg0;
	size_t i;
	json_t *ev;

	json_array_foreach(r->events, i, ev) {
		const char *k = json_string_value(json_object_get(ev, "kind"));
		const char *from = json_string_value(json_object_get(ev, "from"));
		uint64_t at = json_integer_value(json_object_get(ev, "mono_ns"));

		if (k && !strcmp(k, "move-tasks") && from && !strcmp(from, cur) && at <= t)
			cur = json_string_value(json_object_get(ev, "to"));
	}
	return cur;
}

/* Was cpu allowed for a worker of cg0 at time t: by the cgroup it was in
 * then, or the one it was in a grace period before or after (the guest
 * stamps an event when the op has finished, and moves and cpuset changes
 * take effect asynchronously)? */
static bool worker_cpu_allowed(const struct run_result *r, const char *cg0,
			       uint64_t t, int cpu, uint64_t grace, struct cpuset_hist *h)
{
	uint64_t times[3] = { t, t > grace ? t - grace : 0, t + grace };

	for (int k = 0; k < 3; k++) {
		cpuset_history(r, member_at(r, cg0, times[k]), h);
		if (h->n == 0 || cpu_allowed(h, t, cpu, grace))
			return true;
	}
	return false;
}

static void check_isolation(struct ctx *x, const struct scn_check *c, json_t *out,
			    bool *all)
{
	char bad[1536] = "", name[96];
	struct cpuset_hist *h = malloc(sizeof(*h));
	int n = 0, nbad = 0;

	for (int i = 0; i < x->r->n_reps; i++) {
		const struct worker_report *w = x->r->reps[i];
		int cpu = -1;

		if (!in_scope(w, c->cgroup))
			continue;
		cpuset_history(x->r, w->cgroup, h);
		if (h->n == 0)
			continue; /* not in a managed cgroup: nothing to violate */
		n++;
		if (w->n_migrations)
			cpu = w->migrations[0].from_cpu;
		else
			for (int k = 0; k < SCN_MAX_CPUS && cpu < 0; k++)
				if (scn_cpumask_test(&w->cpus_used, k))
					cpu = k;
		if (cpu >= 0 && !worker_cpu_allowed(x->r, w->cgroup, w->started_at_ns, cpu, c->grace_ns, h)) {
			appendf(bad, sizeof(bad), "%sworker %s/%d (tid %d) started on cpu %d outside its cpuset",
				nbad++ ? "; " : "", w->cgroup, w->index, w->tid, cpu);
			continue;
		}
		for (uint32_t m = 0; m < w->n_migrations; m++) {
			uint64_t t = w->started_at_ns + w->migrations[m].at_ns;
			int to = w->migrations[m].to_cpu;
			if (!worker_cpu_allowed(x->r, w->cgroup, t, to, c->grace_ns, h)) {
				appendf(bad, sizeof(bad),
					"%sworker %s/%d (tid %d) ran on cpu %d at %.0f ms, outside the cpuset of '%s'",
					nbad++ ? "; " : "", w->cgroup, w->index, w->tid, to,
					w->migrations[m].at_ns / 1e6, member_at(x->r, w->cgroup, t));
				break;
			}
		}
		/* Records past WR_MAX_MIGRATIONS are lost: fall back to the
		 * union of every cpuset the cgroup had. */
		if (w->migration_count > w->n_migrations) {
			cpuset_history(x->r, w->cgroup, h);
			for (int k = 0; k < SCN_MAX_CPUS; k++) {
				bool ok = false;
				if (!scn_cpumask_test(&w->cpus_used, k))
					continue;
				for (int e = 0; e < h->n; e++)
					ok |= scn_cpumask_test(&h->m[e], k);
				if (!ok)
					appendf(bad, sizeof(bad), "%sworker %s/%d used cpu %d, never in its cpuset",
						nbad++ ? "; " : "", w->cgroup, w->index, k);
			}
		}
	}
	free(h);
	label(c, name, sizeof(name));
	if (nbad)
		add(out, name, false, all, "%s", bad);
	else if (n == 0)
		add(out, name, false, all, "no worker ran in a managed cgroup");
	else
		add(out, name, true, all, "%d workers stayed inside their cgroups' cpusets", n);
}

static void check_fairness(struct ctx *x, const struct scn_check *c, json_t *out,
			   bool *all)
{
	char bad[1536] = "", good[512] = "", name[96];
	int nbad = 0, groups = 0;

	/* Group by (cgroup, type): equal workers. */
	for (int i = 0; i < x->r->n_reps; i++) {
		const struct worker_report *a = x->r->reps[i];
		double min = INFINITY, max = 0, sum = 0;
		int n = 0, first = 1;

		if (!in_scope(a, c->cgroup))
			continue;
		for (int j = 0; j < i; j++)
			if (!strcmp(x->r->reps[j]->cgroup, a->cgroup) &&
			    !strcmp(x->r->reps[j]->type, a->type))
				first = 0;
		if (!first)
			continue;
		for (int j = i; j < x->r->n_reps; j++) {
			const struct worker_report *b = x->r->reps[j];
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
		add(out, name, false, all, "%s", bad);
	else if (!groups)
		add(out, name, false, all, "no cgroup has two or more equal workers to compare");
	else
		add(out, name, true, all, "cpu time spread within %.1f%% (%s)",
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

static void check_weight(struct ctx *x, const struct scn_check *c, json_t *out,
			 bool *all)
{
	char names[16][SCN_NAME_MAX], bad[1536] = "", good[512] = "";
	double cpu[16] = { 0 }, wsum = 0, csum = 0;
	int weights[16], n = 0, nbad = 0;

	for (int i = 0; i < x->r->n_reps; i++) {
		const struct worker_report *w = x->r->reps[i];
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
		add(out, "weight", false, all, "needs two or more cgroups with workers, found %d", n);
	else if (nbad)
		add(out, "weight", false, all, "%s", bad);
	else
		add(out, "weight", true, all, "cpu shares follow weights (got/expected: %s)", good);
}

static void check_wake_latency(struct ctx *x, const struct scn_check *c, json_t *out,
			       bool *all)
{
	uint64_t *v = NULL, p[3];
	uint32_t n = 0;
	const uint64_t lim[3] = { c->p50_ns, c->p99_ns, c->p999_ns };
	static const double pct[3] = { 50, 99, 99.9 };
	static const char *const pname[3] = { "p50", "p99", "p99.9" };
	char bad[512] = "", name[96];
	int nbad = 0;

	for (int i = 0; i < x->r->n_reps; i++) {
		const struct worker_report *w = x->r->reps[i];
		if (!in_scope(w, c->cgroup) || !w->n_resume)
			continue;
		v = realloc(v, (n + w->n_resume) * sizeof(*v));
		memcpy(v + n, w->resume_latencies_ns, w->n_resume * sizeof(*v));
		n += w->n_resume;
	}
	label(c, name, sizeof(name));
	if (!n) {
		add(out, name, false, all, "no wake-up latency samples (use a work type that sleeps or blocks)");
		return;
	}
	for (int k = 0; k < 3; k++) {
		p[k] = wr_percentile(v, n, pct[k]);
		if (lim[k] && p[k] > lim[k])
			appendf(bad, sizeof(bad), "%s%s %.1f us > %.1f us", nbad++ ? "; " : "",
				pname[k], p[k] / 1e3, lim[k] / 1e3);
	}
	free(v);
	if (nbad)
		add(out, name, false, all, "%s (%u samples)", bad, n);
	else
		add(out, name, true, all, "p50 %.1f us, p99 %.1f us, p99.9 %.1f us (%u samples)",
		    p[0] / 1e3, p[1] / 1e3, p[2] / 1e3, n);
}

static void check_throughput(struct ctx *x, const struct scn_check *c, json_t *out,
			     bool *all)
{
	char bad[1536] = "", name[96];
	double worst = INFINITY;
	int n = 0, nbad = 0;

	for (int i = 0; i < x->r->n_reps; i++) {
		const struct worker_report *w = x->r->reps[i];
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
		add(out, name, false, all, "no worker reports to judge");
	else if (nbad)
		add(out, name, false, all, "%s", bad);
	else
		add(out, name, true, all, "%d workers, slowest %.1f units/s >= %.1f", n,
		    worst, c->min_rate);
}

/* Implicit: the guest sent one report per worker it was asked to start. */
static int expected_workers(const struct scenario *s)
{
	int n = 0;

	for (int i = 0; i < s->backdrop.n_ops; i++)
		if (s->backdrop.ops[i].kind == SCN_OP_WORKERS)
			n += s->backdrop.ops[i].workers.count;
	for (int b = 0; b < s->n_steps; b++)
		for (int i = 0; i < s->steps[b].n_ops; i++)
			if (s->steps[b].ops[i].kind == SCN_OP_WORKERS)
				n += s->steps[b].ops[i].workers.count * s->steps[b].repeat;
	return n;
}

static void check_reports(struct ctx *x, json_t *out, bool *all)
{
	char bad[1536] = "";
	int want = expected_workers(x->s), nbad = 0;

	for (int i = 0; i < x->r->n_reps; i++) {
		const struct worker_report *w = x->r->reps[i];
		bool ok = w->exit_kind == WR_EXIT_EXITED && w->exit_code == 0;
		if (!ok)
			appendf(bad, sizeof(bad), "%sworker %s/%d (tid %d, %s) %s %d",
				nbad++ ? "; " : "", w->cgroup, w->index, w->tid, w->type,
				wr_exit_kind_name(w->exit_kind), w->exit_code);
	}
	if (x->r->n_reps != want)
		add(out, "reports", false, all, "%d of %d worker reports arrived",
		    x->r->n_reps, want);
	else
		add(out, "reports", true, all, "%d of %d worker reports arrived",
		    x->r->n_reps, want);
	if (nbad)
		add(out, "workers exited", false, all, "%s", bad);
	else
		add(out, "workers exited", true, all, "every worker ended when asked");
}

/* Implicit when the scenario runs payloads: each one that ended by itself
 * exited 0 (127 means it could not be executed). */
static void check_payloads(struct ctx *x, json_t *out, bool *all)
{
	char bad[1536] = "";
	int n = 0, nbad = 0;
	size_t i;
	json_t *ev;

	json_array_foreach(x->r->events, i, ev) {
		const char *k = json_string_value(json_object_get(ev, "kind"));
		json_t *code = json_object_get(ev, "exit_code");

		if (!k || strcmp(k, "payload_end"))
			continue;
		n++;
		if (json_is_true(json_object_get(ev, "killed")))
			continue;
		if (!code)
			appendf(bad, sizeof(bad), "%spayload %s killed by signal %lld",
				nbad++ ? "; " : "",
				json_string_value(json_object_get(ev, "id")),
				json_integer_value(json_object_get(ev, "signal")));
		else if (json_integer_value(code))
			appendf(bad, sizeof(bad), "%spayload %s exited with %lld%s",
				nbad++ ? "; " : "",
				json_string_value(json_object_get(ev, "id")),
				json_integer_value(code),
				json_integer_value(code) == 127 ? " (could not be executed)" : "");
	}
	if (!n)
		return;
	if (nbad)
		add(out, "payloads", false, all, "%s", bad);
	else
		add(out, "payloads", true, all, "%d payloads ended as expected", n);
}

json_t *checks_run(const struct scenario *s, const struct run_result *r, bool *all_pass)
{
	struct ctx x = { s, r };
	json_t *out = json_array();

	*all_pass = true;
	check_reports(&x, out, all_pass);
	checks_sched_implicit(s, r, out, all_pass);
	check_payloads(&x, out, all_pass);
	for (int i = 0; i < s->n_checks; i++) {
		const struct scn_check *c = &s->checks[i];
		switch (c->kind) {
		case SCN_CHECK_STARVATION:
			check_starvation(&x, c, out, all_pass);
			break;
		case SCN_CHECK_ISOLATION:
			check_isolation(&x, c, out, all_pass);
			break;
		case SCN_CHECK_FAIRNESS:
			check_fairness(&x, c, out, all_pass);
			break;
		case SCN_CHECK_WEIGHT:
			check_weight(&x, c, out, all_pass);
			break;
		case SCN_CHECK_WAKE_LATENCY:
			check_wake_latency(&x, c, out, all_pass);
			break;
		case SCN_CHECK_THROUGHPUT:
			check_throughput(&x, c, out, all_pass);
			break;
		case SCN_CHECK_SCHED_ALIVE:
		case SCN_CHECK_SCHED_DIES:
			checks_sched(s, r, c, out, all_pass);
			break;
		}
	}
	return out;
}
