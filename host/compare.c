// SPDX-License-Identifier: GPL-2.0-only
/* `ktstr-run compare` and `ktstr-run metrics` (see compare.h): pair runs
 * by key, judge every metric, print regressions first. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "host/compare.h"
#include "host/run.h"
#include "lib/utf8.h"

static const char *const verdict_names[] = {
	[ROW_REGRESSION] = "regression", [ROW_INCONCLUSIVE] = "inconclusive",
	[ROW_NOISE] = "noise", [ROW_IMPROVEMENT] = "improvement", [ROW_SAME] = "same",
	[ROW_ONLY_BASE] = "only-base", [ROW_ONLY_NEW] = "only-new",
};

const char *compare_verdict_name(enum row_verdict v)
{
	return verdict_names[v];
}

/* A difference for a sentence: no exponent below 1e9. */
static const char *amount(double x, char *buf, size_t len)
{
	snprintf(buf, len, fabs(x) >= 1e4 && fabs(x) < 1e9 ? "%.0f" : "%.4g", x);
	return buf;
}

void compare_measure(struct compare_row *row)
{
	stats_describe(row->base, row->n_base, &row->sb);
	stats_describe(row->new_, row->n_new, &row->sn);
	row->tested = false;
	row->p_holm = NAN;
	row->family = 0;
	row->delta = row->delta_pct = NAN;
	if (!row->n_base || !row->n_new)
		return;
	row->delta = row->sn.mean - row->sb.mean;
	if (row->sb.mean != 0)
		row->delta_pct = row->delta / fabs(row->sb.mean) * 100;
	else
		row->delta_pct = row->delta == 0 ? 0 : copysign(INFINITY, row->delta);
	if (row->n_base >= COMPARE_MIN_REPEATS && row->n_new >= COMPARE_MIN_REPEATS)
		row->tested = !stats_welch(row->new_, row->n_new, row->base, row->n_base, &row->w);
	if (row->tested) {
		row->p_holm = row->w.p;
		row->family = 1;
	}
}

int compare_holm(struct compare_row *rows, int n)
{
	double *p = calloc(n > 0 ? n : 1, sizeof(*p));
	int m = 0;

	if (!p)
		return -1;
	for (int i = 0; i < n; i++)
		if (rows[i].tested)
			p[m++] = rows[i].w.p;
	if (stats_holm(p, m, p)) {
		free(p);
		return -1;
	}
	for (int i = 0, k = 0; i < n; i++)
		if (rows[i].tested) {
			rows[i].p_holm = p[k++];
			rows[i].family = m;
		}
	free(p);
	return 0;
}

void compare_judge(struct compare_row *row, const struct metric_gate *g, double alpha,
		   bool new_starved_only)
{
	const struct metric_def *m = row->m;
	bool worse, beyond;
	char d[32], ps[48] = "";

	row->gate = *g;
	if (!row->n_base || !row->n_new) {
		row->verdict = row->n_base ? ROW_ONLY_BASE : ROW_ONLY_NEW;
		snprintf(row->why, sizeof(row->why), "no value in %s", row->n_base ? "NEW" : "BASE");
		return;
	}
	if (row->tested && row->family > 1)
		snprintf(ps, sizeof(ps), " (p %.3g before Holm over %d)", row->w.p, row->family);
	worse = m->better == METRIC_LOWER ? row->delta > 0 : row->delta < 0;
	beyond = fabs(row->delta) > g->abs && fabs(row->delta_pct) > g->rel_pct;
	if (!beyond) {
		row->verdict = ROW_SAME;
		snprintf(row->why, sizeof(row->why), "within the gates (%g %s, %g%%)", g->abs,
			 m->unit, g->rel_pct);
	} else if (row->tested && !(row->p_holm < alpha)) {
		row->verdict = ROW_NOISE;
		snprintf(row->why, sizeof(row->why), "%s past the gates, but p %.3g >= %g%s",
			 worse ? "worse" : "better", row->p_holm, alpha, ps);
	} else if (!worse) {
		row->verdict = ROW_IMPROVEMENT;
		snprintf(row->why, sizeof(row->why), "better by %s %s and %.1f%%",
			 amount(fabs(row->delta), d, sizeof(d)), m->unit, fabs(row->delta_pct));
	} else {
		row->verdict = new_starved_only ? ROW_INCONCLUSIVE : ROW_REGRESSION;
		snprintf(row->why, sizeof(row->why), "worse by %s %s > %g and %.1f%% > %g%%%s%s",
			 amount(fabs(row->delta), d, sizeof(d)), m->unit, g->abs,
			 fabs(row->delta_pct), g->rel_pct,
			 row->tested ? "" : " (fewer than 3 repeats a side: no test)",
			 new_starved_only ? "; but NEW's host starved its VMs and BASE's did not" : "");
	}
}

static bool key_eq(const struct run_key *a, const struct run_key *b, unsigned match)
{
	return (!(match & KEY_SCENARIO) || !strcmp(a->scenario, b->scenario)) &&
	       (!(match & KEY_TOPOLOGY) || !strcmp(a->topology, b->topology)) &&
	       (!(match & KEY_SCHEDULER) || !strcmp(a->scheduler, b->scheduler)) &&
	       (!(match & KEY_KERNEL) || !strcmp(a->kernel, b->kernel));
}

/* Distinct keys of a set, in the order they first appear. */
static int distinct_keys(const struct compare_set *s, unsigned match, struct run_key **out)
{
	int n = 0;

	*out = NULL;
	for (int i = 0; i < s->n; i++) {
		int k;
		struct run_key *nk;

		for (k = 0; k < n && !key_eq(&(*out)[k], &s->runs[i].key, match); k++)
			;
		if (k < n)
			continue;
		if (!(nk = realloc(*out, (n + 1) * sizeof(*nk))))
			return -1;
		*out = nk;
		nk[n++] = s->runs[i].key;
	}
	return n;
}

static int add_unpaired(struct comparison *c, const struct run_key *k, bool base)
{
	struct run_key *nk = realloc(c->unpaired, (c->n_unpaired + 1) * sizeof(*nk));
	bool *nb;

	if (!nk)
		return -1;
	c->unpaired = nk;
	if (!(nb = realloc(c->unpaired_base, (c->n_unpaired + 1) * sizeof(*nb))))
		return -1;
	c->unpaired_base = nb;
	nk[c->n_unpaired] = *k;
	nb[c->n_unpaired++] = base;
	return 0;
}

/* Append the value of (m, instance) of every run of s under key g. */
static int values_of(const struct compare_set *s, const struct run_key *g, unsigned match,
		     const struct metric_def *m, const char *instance, double **v, int *n)
{
	for (int i = 0; i < s->n; i++) {
		const struct compare_run *r = &s->runs[i];

		if (!key_eq(&r->key, g, match))
			continue;
		for (int k = 0; k < r->n_v; k++) {
			double *nv;

			if (r->v[k].m != m || strcmp(r->v[k].instance, instance))
				continue;
			if (!(nv = realloc(*v, (*n + 1) * sizeof(*nv))))
				return -1;
			*v = nv;
			nv[(*n)++] = r->v[k].v;
			break;
		}
	}
	return 0;
}

static bool row_exists(const struct comparison *c, int group, const struct metric_def *m,
		       const char *instance)
{
	for (int i = 0; i < c->n_rows; i++)
		if (c->rows[i].group == group && c->rows[i].m == m &&
		    !strcmp(c->rows[i].instance, instance))
			return true;
	return false;
}

/* One row for every (metric, instance) either side has under key g. */
static int group_rows(struct comparison *c, int g, const struct compare_policy *p)
{
	const struct compare_set *sides[2] = { c->base, c->new_ };
	int first = c->n_rows;

	for (int side = 0; side < 2; side++) {
		const struct compare_set *s = sides[side];

		for (int i = 0; i < s->n; i++) {
			const struct compare_run *r = &s->runs[i];

			if (!key_eq(&r->key, &c->keys[g], c->match))
				continue;
			for (int k = 0; k < r->n_v; k++) {
				const struct metric_value *mv = &r->v[k];
				struct compare_row *row;

				if (p->gate[mv->m - metric_defs].off ||
				    row_exists(c, g, mv->m, mv->instance))
					continue;
				if (!(row = realloc(c->rows, (c->n_rows + 1) * sizeof(*row))))
					return -1;
				c->rows = row;
				row += c->n_rows++;
				memset(row, 0, sizeof(*row));
				row->group = g;
				row->m = mv->m;
				snprintf(row->instance, sizeof(row->instance), "%s", mv->instance);
				if (values_of(c->base, &c->keys[g], c->match, row->m, row->instance,
					      &row->base, &row->n_base) ||
				    values_of(c->new_, &c->keys[g], c->match, row->m, row->instance,
					      &row->new_, &row->n_new))
					return -1;
				compare_measure(row);
			}
		}
	}
	if (compare_holm(c->rows + first, c->n_rows - first))
		return -1;
	for (int i = first; i < c->n_rows; i++)
		compare_judge(&c->rows[i], &p->gate[c->rows[i].m - metric_defs], p->alpha,
			      c->new_starved_only[g]);
	return 0;
}

static bool any_starved(const struct compare_set *s, const struct run_key *g, unsigned match)
{
	for (int i = 0; i < s->n; i++)
		if (key_eq(&s->runs[i].key, g, match) && s->runs[i].starved)
			return true;
	return false;
}

static int row_cmp(const void *a, const void *b)
{
	const struct compare_row *x = a, *y = b;

	if (x->verdict != y->verdict)
		return (int)x->verdict - (int)y->verdict;
	if (x->group != y->group)
		return x->group - y->group;
	if (x->m != y->m)
		return x->m < y->m ? -1 : 1;
	return strcmp(x->instance, y->instance);
}

int compare_sets(const struct compare_set *base, const struct compare_set *new_,
		 const struct compare_policy *p, unsigned match, struct comparison *c)
{
	struct run_key *bk, *nk;
	int nb, nn;

	memset(c, 0, sizeof(*c));
	c->base = base;
	c->new_ = new_;
	c->match = match;
	c->alpha = p->alpha;
	if ((nb = distinct_keys(base, match, &bk)) < 0)
		return -1;
	if ((nn = distinct_keys(new_, match, &nk)) < 0) {
		free(bk);
		return -1;
	}
	c->keys = calloc(nb ? nb : 1, sizeof(*c->keys));
	c->new_starved_only = calloc(nb ? nb : 1, sizeof(*c->new_starved_only));
	for (int i = 0; c->keys && c->new_starved_only && i < nb; i++) {
		bool paired = false;

		for (int k = 0; k < nn && !paired; k++)
			paired = key_eq(&bk[i], &nk[k], match);
		if (!paired) {
			if (add_unpaired(c, &bk[i], true))
				goto err;
			continue;
		}
		c->keys[c->n_keys] = bk[i];
		c->new_starved_only[c->n_keys] = any_starved(new_, &bk[i], match) &&
						 !any_starved(base, &bk[i], match);
		c->n_keys++;
	}
	if (!c->keys || !c->new_starved_only)
		goto err;
	for (int k = 0; k < nn; k++) {
		bool paired = false;

		for (int i = 0; i < c->n_keys && !paired; i++)
			paired = key_eq(&c->keys[i], &nk[k], match);
		if (!paired && add_unpaired(c, &nk[k], false))
			goto err;
	}
	for (int g = 0; g < c->n_keys; g++)
		if (group_rows(c, g, p))
			goto err;
	if (c->n_rows)
		qsort(c->rows, c->n_rows, sizeof(*c->rows), row_cmp);
	for (int i = 0; i < c->n_rows; i++)
		c->count[c->rows[i].verdict]++;
	free(bk);
	free(nk);
	return 0;
err:
	free(bk);
	free(nk);
	comparison_free(c);
	return -1;
}

void comparison_free(struct comparison *c)
{
	for (int i = 0; i < c->n_rows; i++) {
		free(c->rows[i].base);
		free(c->rows[i].new_);
	}
	free(c->rows);
	free(c->keys);
	free(c->new_starved_only);
	free(c->unpaired);
	free(c->unpaired_base);
	memset(c, 0, sizeof(*c));
}

int comparison_exit(const struct comparison *c)
{
	if (c->count[ROW_REGRESSION])
		return COMPARE_REGRESSION;
	if (c->count[ROW_INCONCLUSIVE])
		return COMPARE_INCONCLUSIVE;
	return COMPARE_OK;
}

static bool kernels_differ(const struct comparison *c)
{
	for (int i = 1; i < c->n_keys; i++)
		if (strcmp(c->keys[i].kernel, c->keys[0].kernel))
			return true;
	return false;
}

static void key_label(const struct run_key *k, bool kernel, char *buf, size_t len)
{
	snprintf(buf, len, "%s %s %s%s%s", k->scenario, k->topology, k->scheduler,
		 kernel ? " " : "", kernel ? k->kernel : "");
}

/* A value in a column of width 11. */
static void value(char *buf, size_t len, const struct sample_stats *s)
{
	double a = fabs(s->mean);

	if (!s->n)
		snprintf(buf, len, "-");
	else if (a >= 1e7)
		snprintf(buf, len, "%.4g", s->mean);
	else if (a >= 100)
		snprintf(buf, len, "%.1f", s->mean);
	else
		snprintf(buf, len, "%.3g", s->mean);
}

static void set_line(FILE *f, const char *side, const struct compare_set *s)
{
	fprintf(f, "%s %s: %d run%s", side, s->path, s->n, s->n == 1 ? "" : "s");
	if (s->errors)
		fprintf(f, " (%d more left out: verdict error)", s->errors);
	if (s->not_run)
		fprintf(f, " (%d in its index not run: skipped or cancelled)", s->not_run);
	fputc('\n', f);
}

/* A host CPU model of NEW that no BASE run had (timings are not
 * comparable across machines), or NULL. */
static const char *other_host(const struct comparison *c)
{
	for (int i = 0; i < c->new_->n; i++) {
		bool seen = false;

		for (int k = 0; k < c->base->n && !seen; k++)
			seen = !strcmp(c->new_->runs[i].cpu_model, c->base->runs[k].cpu_model);
		if (!seen)
			return c->new_->runs[i].cpu_model;
	}
	return NULL;
}

void compare_print(FILE *f, const struct comparison *c)
{
	const char *host = other_host(c);
	static const char head[] = "run (scenario shape scheduler)";
	bool kern = kernels_differ(c);
	int w = (int)sizeof(head) - 1;
	static const char *const words[] = {
		[ROW_REGRESSION] = "regression", [ROW_INCONCLUSIVE] = "inconclusive",
		[ROW_NOISE] = "within noise", [ROW_IMPROVEMENT] = "improvement",
		[ROW_SAME] = "unchanged", [ROW_ONLY_BASE] = "only in BASE",
		[ROW_ONLY_NEW] = "only in NEW",
	};

	set_line(f, "BASE", c->base);
	set_line(f, "NEW ", c->new_);
	for (int g = 0; g < c->n_keys; g++) {
		char label[640];

		key_label(&c->keys[g], kern, label, sizeof(label));
		if ((int)strlen(label) > w)
			w = (int)strlen(label) < 60 ? (int)strlen(label) : 60;
	}
	fprintf(f, "\n%-*s %-28s %11s %11s %8s %8s  %s\n", w, head,
		"metric[cgroup]", "base", "new", "delta", "p(holm)", "verdict");
	for (int i = 0; i < c->n_rows; i++) {
		const struct compare_row *r = &c->rows[i];
		char label[640], name[128], b[32], n[32], d[16], p[16];

		key_label(&c->keys[r->group], kern, label, sizeof(label));
		snprintf(name, sizeof(name), "%s%s%s%s %s", r->m->name, r->instance[0] ? "[" : "",
			 r->instance, r->instance[0] ? "]" : "", r->m->unit);
		value(b, sizeof(b), &r->sb);
		value(n, sizeof(n), &r->sn);
		if (isnan(r->delta_pct))
			snprintf(d, sizeof(d), "-");
		else if (isinf(r->delta_pct))
			snprintf(d, sizeof(d), "%sinf", r->delta_pct > 0 ? "+" : "-");
		else
			snprintf(d, sizeof(d), "%+.1f%%", r->delta_pct);
		if (r->tested)
			snprintf(p, sizeof(p), "%.2g", r->p_holm);
		else
			snprintf(p, sizeof(p), "-");
		fprintf(f, "%-*s %-28s %11s %11s %8s %8s  %s", w, label, name, b, n, d, p,
			compare_verdict_name(r->verdict));
		if (r->verdict == ROW_REGRESSION || r->verdict == ROW_INCONCLUSIVE ||
		    r->verdict == ROW_NOISE)
			fprintf(f, ": %s", r->why);
		fputc('\n', f);
	}
	if (host && c->base->n)
		fprintf(f, "note: NEW ran on a host CPU BASE did not ('%s', BASE '%s'): timings "
			"compare machines as much as schedulers\n", host, c->base->runs[0].cpu_model);
	for (int g = 0; g < c->n_keys; g++)
		if (c->new_starved_only[g]) {
			char label[640];

			key_label(&c->keys[g], kern, label, sizeof(label));
			fprintf(f, "note: %s: NEW's host starved its VMs of CPU and BASE's did not "
				"(results' dilation): its worse changes are inconclusive\n", label);
		}
	for (int i = 0; i < c->n_unpaired; i++) {
		char label[640];

		key_label(&c->unpaired[i], true, label, sizeof(label));
		fprintf(f, "note: %s has runs only in %s\n", label,
			c->unpaired_base[i] ? "BASE" : "NEW");
	}
	fprintf(f, "\n%d key%s paired, %d metric%s compared (alpha %g, Holm over each key's "
		"tested metrics):", c->n_keys, c->n_keys == 1 ? "" : "s", c->n_rows,
		c->n_rows == 1 ? "" : "s", c->alpha);
	for (int v = 0, first = 1; v <= ROW_ONLY_NEW; v++) {
		if (!c->count[v] && v != ROW_REGRESSION)
			continue;
		fprintf(f, "%s %d %s%s", first ? "" : ",", c->count[v], words[v],
			c->count[v] != 1 && (v == ROW_REGRESSION || v == ROW_IMPROVEMENT) ? "s" : "");
		first = 0;
	}
	fputc('\n', f);
}

/* A path from the command line, made valid UTF-8 for JSON. */
static json_t *jpath(const char *p)
{
	char *t = utf8_sanitize_dup(p, strlen(p));
	json_t *j = t ? json_string(t) : NULL;

	free(t);
	return j;
}

static json_t *key_json(const struct run_key *k)
{
	return json_pack("{s:s, s:s, s:s, s:s}", "scenario", k->scenario, "topology",
			 k->topology, "scheduler", k->scheduler, "kernel", k->kernel);
}

static json_t *num_or_null(double v)
{
	return isfinite(v) ? json_real(v) : json_null();
}

static json_t *side_json(const struct sample_stats *s, const double *v, int n)
{
	json_t *vals = json_array();

	for (int i = 0; vals && i < n; i++)
		json_array_append_new(vals, json_real(v[i]));
	return json_pack("{s:i, s:o, s:o, s:o, s:o, s:o}", "n", n, "mean", num_or_null(s->mean),
			 "sd", num_or_null(s->sd), "min", num_or_null(s->min), "max",
			 num_or_null(s->max), "values", vals ? vals : json_null());
}

json_t *compare_to_json(const struct comparison *c)
{
	json_t *rows = json_array(), *unp = json_array(), *sum = json_object(), *o;

	for (int i = 0; rows && i < c->n_rows; i++) {
		const struct compare_row *r = &c->rows[i];
		const struct metric_gate *g = &r->gate;

		json_array_append_new(rows, json_pack(
			"{s:o, s:s, s:s, s:s, s:s, s:o, s:o, s:o, s:o, s:s?, s:o, s:o, s:o, s:s, s:s}",
			"key", key_json(&c->keys[r->group]), "metric", r->m->name,
			"instance", r->instance, "unit", r->m->unit,
			"better", r->m->better == METRIC_LOWER ? "lower" : "higher",
			"gate", json_pack("{s:f, s:f}", "abs", g->abs, "rel_pct", g->rel_pct),
			"base", side_json(&r->sb, r->base, r->n_base),
			"new", side_json(&r->sn, r->new_, r->n_new),
			"delta", num_or_null(r->delta),
			"test", r->tested ? "welch" : NULL,
			"t", r->tested ? num_or_null(r->w.t) : json_null(),
			"df", r->tested ? num_or_null(r->w.df) : json_null(),
			"p", r->tested ? num_or_null(r->w.p) : json_null(),
			"verdict", compare_verdict_name(r->verdict), "why", r->why));
		json_object_set_new(json_array_get(rows, i), "p_holm",
				    r->tested ? num_or_null(r->p_holm) : json_null());
		json_object_set_new(json_array_get(rows, i), "family", json_integer(r->family));
		json_object_set_new(json_array_get(rows, i), "delta_pct",
				    isnan(r->delta_pct) ? json_null() :
				    isinf(r->delta_pct) ? json_string(r->delta_pct > 0 ? "+inf" : "-inf") :
				    json_real(r->delta_pct));
	}
	for (int i = 0; unp && i < c->n_unpaired; i++) {
		json_t *k = key_json(&c->unpaired[i]);

		json_object_set_new(k, "only_in", json_string(c->unpaired_base[i] ? "base" : "new"));
		json_array_append_new(unp, k);
	}
	for (int v = 0; sum && v <= ROW_ONLY_NEW; v++)
		json_object_set_new(sum, compare_verdict_name(v), json_integer(c->count[v]));
	o = json_pack("{s:i, s:s, s:{s:o, s:i, s:i, s:i}, s:{s:o, s:i, s:i, s:i}, s:f, s:i, s:o,"
		      " s:o, s:o, s:i}",
		      "schema", 1, "version", KTSTR_VERSION,
		      "base", "path", jpath(c->base->path), "runs", c->base->n,
		      "error_runs", c->base->errors, "not_run", c->base->not_run,
		      "new", "path", jpath(c->new_->path), "runs", c->new_->n,
		      "error_runs", c->new_->errors, "not_run", c->new_->not_run,
		      "alpha", c->alpha, "paired_keys", c->n_keys,
		      "summary", sum ? sum : json_null(), "rows", rows ? rows : json_null(),
		      "unpaired", unp ? unp : json_null(), "exit_code", comparison_exit(c));
	return o;
}

/* Apply --policy, then each --threshold. 0, or -1 with a message out. */
static int policy_from(const struct compare_opts *o, struct compare_policy *p)
{
	char msg[1024];

	compare_policy_default(p);
	if (o->policy && compare_policy_load(p, o->policy, msg, sizeof(msg))) {
		fprintf(stderr, "ktstr-run compare: --policy %s\n", msg);
		return -1;
	}
	for (int i = 0; i < o->n_thresholds; i++)
		if (compare_policy_rule(p, o->thresholds[i], msg, sizeof(msg))) {
			fprintf(stderr, "ktstr-run compare: --threshold %s\n", msg);
			return -1;
		}
	return 0;
}

int cmd_compare(const struct compare_opts *o)
{
	struct compare_set base = { 0 }, new_ = { 0 };
	struct compare_policy p;
	struct comparison c = { 0 };
	unsigned match = KEY_ALL;
	char msg[1024];
	int code = COMPARE_ERROR;

	if (policy_from(o, &p))
		return COMPARE_ERROR;
	if (o->match && compare_parse_match(o->match, &match, msg, sizeof(msg))) {
		fprintf(stderr, "ktstr-run compare: %s\n", msg);
		return COMPARE_ERROR;
	}
	if (compare_set_load(o->base, &base, msg, sizeof(msg)) ||
	    compare_set_load(o->new_, &new_, msg, sizeof(msg))) {
		fprintf(stderr, "ktstr-run compare: %s\n", msg);
		goto out;
	}
	if (compare_sets(&base, &new_, &p, match, &c)) {
		fprintf(stderr, "ktstr-run compare: out of memory\n");
		goto out;
	}
	compare_print(stdout, &c);
	if (!c.n_keys) {
		fprintf(stderr, "ktstr-run compare: no run of NEW has the key of a run of BASE "
			"(see the notes above; --match pairs by fewer key fields)\n");
		goto out;
	}
	code = comparison_exit(&c);
	if (o->json) {
		json_t *j = compare_to_json(&c);

		if (!j)
			fprintf(stderr, "ktstr-run compare: the comparison could not be encoded\n");
		if (!j || run_write_json(o->json, j))
			code = COMPARE_ERROR;
		json_decref(j);
	}
out:
	comparison_free(&c);
	compare_set_free(&base);
	compare_set_free(&new_);
	return code;
}

void compare_print_metrics(FILE *f)
{
	static const char *const per[] = {
		[METRIC_PER_CGROUP] = "cgroup", [METRIC_PER_BOOT] = "boot kind",
		[METRIC_PER_RUN] = "run",
	};

	fprintf(f, "%-20s %-8s %-7s %-10s %8s %8s\n", "metric", "unit", "better", "per",
		"abs gate", "rel gate");
	for (int i = 0; i < metric_count; i++) {
		const struct metric_def *m = &metric_defs[i];

		fprintf(f, "%-20s %-8s %-7s %-10s %8g %7g%%\n", m->name, m->unit,
			m->better == METRIC_LOWER ? "lower" : "higher", per[m->scope], m->gate.abs,
			m->gate.rel_pct);
	}
	fputc('\n', f);
	for (int i = 0; i < metric_count; i++)
		fprintf(f, "%-20s %s\n", metric_defs[i].name, metric_defs[i].what);
	fprintf(f, "\nA change is a regression when it is worse by more than both gates and,\n"
		"with %d or more repeats on each side, Welch's t-test gives p < %g after\n"
		"Holm's correction over the metrics tested for the same key.\n",
		COMPARE_MIN_REPEATS, COMPARE_ALPHA);
}
