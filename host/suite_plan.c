// SPDX-License-Identifier: GPL-2.0-only
/* The suite's decisions, free of processes and files (see suite.h): what
 * --scheduler and --topology mean, what a run costs and how long it
 * takes, which runs fit a --budget, which host CPUs a run gets. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host/suite.h"
#include "scenario/topologies.h"

/* A NAME of the scenario language from a file's base name. */
static void label_from(const char *target, char *out, size_t len)
{
	const char *base = strrchr(target, '/') ? strrchr(target, '/') + 1 : target;
	size_t n = strlen(base), o = 0;

	if (n > 6 && !strcmp(base + n - 6, ".bpf.o"))
		n -= 6;
	else if (n > 2 && !strcmp(base + n - 2, ".o"))
		n -= 2;
	for (size_t i = 0; i < n && o + 1 < len && o + 1 < SCN_NAME_MAX; i++) {
		char c = base[i];
		bool ok = isalnum((unsigned char)c) || c == '_' || (o && (c == '.' || c == '-'));

		out[o++] = ok ? c : '_';
	}
	out[o] = 0;
}

int suite_sched_parse(const char *arg, struct suite_sched *out, char *msg, size_t len)
{
	char text[2048], label[SCN_NAME_MAX] = "", why[700];
	const char *rest = arg;
	struct scn_error err;
	struct scenario s;
	int hdr;

	memset(out, 0, sizeof(*out));
	if (!strcmp(arg, "eevdf")) {
		strcpy(out->label, "eevdf");
		out->eevdf = true;
		return 0;
	}
	if (!strncmp(arg, "name=", 5)) {
		size_t n = strcspn(arg + 5, " \t");

		if (n >= sizeof(label)) {
			snprintf(msg, len, "--scheduler '%s': name= is longer than %d bytes", arg,
				 SCN_NAME_MAX - 1);
			return -1;
		}
		memcpy(label, arg + 5, n);
		label[n] = 0;
		rest = arg + 5 + n;
	}
	/* The scenario language's own words and checks: a scheduler line. */
	hdr = snprintf(text, sizeof(text), "scenario x\nscheduler %s ", label[0] ? label : "x");
	if (snprintf(text + hdr, sizeof(text) - hdr, "%s\n", rest) >= (int)(sizeof(text) - hdr)) {
		snprintf(msg, len, "--scheduler '%.64s...': too long", arg);
		return -1;
	}
	if (scn_parse_string("--scheduler", text, strlen(text), &s, &err)) {
		int line2 = hdr - 11; /* bytes of line 2 before rest */

		if (err.loc.line == 2 && err.loc.col > line2)
			snprintf(why, sizeof(why), "%s (at byte %d)", err.msg,
				 err.loc.col - line2 + (int)(rest - arg));
		else
			snprintf(why, sizeof(why), "%s", err.msg);
		snprintf(msg, len, "--scheduler '%s': %s", arg, why);
		return -1;
	}
	out->sc = s.scheds[0];
	scn_free(&s);
	if (out->sc.attach_start) {
		snprintf(msg, len, "--scheduler '%s': attach= is the suite's to give (it attaches "
			 "the scheduler for the whole of each run)", arg);
		return -1;
	}
	if (!label[0])
		label_from(out->sc.target, label, sizeof(label));
	if (!label[0] || !strcmp(label, "eevdf") || !strcmp(label, SUITE_SCHED_SCENARIO)) {
		snprintf(msg, len, "--scheduler '%s': its name would be '%s'; give one with "
			 "name=LABEL as the first word", arg, label);
		return -1;
	}
	snprintf(out->label, sizeof(out->label), "%s", label);
	snprintf(out->sc.name, sizeof(out->sc.name), "%s", label);
	memset(&out->sc.loc, 0, sizeof(out->sc.loc));
	return 0;
}

static int topo_add(struct suite_topo **v, int *n, const struct suite_topo *t, char *msg,
		    size_t len)
{
	struct suite_topo *nv;

	for (int i = 0; i < *n; i++) {
		if ((*v)[i].own != t->own)
			continue;
		if (t->own || !memcmp(&(*v)[i].t, &t->t, sizeof(t->t)))
			return 0; /* the same machine again */
	}
	nv = realloc(*v, (size_t)(*n + 1) * sizeof(**v));
	if (!nv) {
		snprintf(msg, len, "out of memory");
		return -1;
	}
	*v = nv;
	nv[(*n)++] = *t;
	return 0;
}

int suite_topo_parse(const char *list, struct suite_topo **v, int *n, char *msg, size_t len)
{
	char *copy = strdup(list), *save = NULL, *item;
	int ret = 0;

	if (!copy) {
		snprintf(msg, len, "out of memory");
		return -1;
	}
	if (!*list) {
		snprintf(msg, len, "--topology '': expected presets, shapes NnLlCcTt, own or all");
		ret = -1;
	}
	for (item = strtok_r(copy, ",", &save); item && !ret; item = strtok_r(NULL, ",", &save)) {
		struct suite_topo t = { 0 };
		char why[400];

		if (!strcmp(item, "all")) {
			int np;
			const struct scn_preset *p = scn_presets(&np);

			for (int i = 0; i < np && !ret; i++) {
				t = (struct suite_topo){ .preset = true, .t = p[i].topo };
				snprintf(t.label, sizeof(t.label), "%s", p[i].name);
				ret = topo_add(v, n, &t, msg, len);
			}
			continue;
		}
		if (!strcmp(item, "own")) {
			t.own = true;
			strcpy(t.label, "own");
		} else if (scn_topology_lookup(item, &t.t, why, sizeof(why))) {
			snprintf(msg, len, "--topology %s: %s", list, why);
			ret = -1;
			break;
		} else {
			t.preset = scn_preset_find(item) != NULL;
			if (t.preset)
				snprintf(t.label, sizeof(t.label), "%s", item);
			else
				scn_shape_format(&t.t, t.label, sizeof(t.label));
		}
		ret = topo_add(v, n, &t, msg, len);
	}
	free(copy);
	return ret;
}

int suite_run_cost(const struct scn_topology *t, bool per_vcpu, int host)
{
	int n = scn_topo_ncpus(t);

	if (!per_vcpu)
		return 1;
	return n < host ? n : host;
}

int suite_default_jobs(int host, int min_cost)
{
	int j = min_cost > 0 ? host / min_cost : host;

	return j > 0 ? j : 1;
}

/* Measured on the development machines (QEMU 7.2 TCG, the default
 * kernel): a 2-CPU guest boots to READY in about 3.5 s and is restored in
 * about 1 s; TCG runs every vCPU on one host thread, so each vCPU adds
 * boot time. Under KVM a boot is about a second. After the scenario's own
 * time a run stops its workers, sends its reports and powers off. */
#define EST_TCG_COLD_S 3.5
#define EST_TCG_COLD_PER_CPU_S 0.5
#define EST_TCG_RESTORE_S 1.2
#define EST_TCG_RESTORE_PER_CPU_S 0.05
#define EST_KVM_COLD_S 1.5
#define EST_KVM_RESTORE_S 0.5
#define EST_END_S 1.0

double suite_estimate_s(uint64_t run_ns, const struct scn_topology *t, bool kvm, bool cold)
{
	int extra = scn_topo_ncpus(t) - 2;
	double boot;

	if (extra < 0)
		extra = 0;
	if (kvm)
		boot = cold ? EST_KVM_COLD_S : EST_KVM_RESTORE_S;
	else if (cold)
		boot = EST_TCG_COLD_S + EST_TCG_COLD_PER_CPU_S * extra;
	else
		boot = EST_TCG_RESTORE_S + EST_TCG_RESTORE_PER_CPU_S * extra;
	return boot + run_ns / 1e9 + EST_END_S;
}

static int lines_of(const struct scenario *s)
{
	int n = 0;

	for (size_t i = 0; i < s->source_len; i++)
		n += s->source[i] == '\n';
	return n + (s->source_len && s->source[s->source_len - 1] != '\n');
}

int suite_run_scenario(const struct suite *su, const struct suite_run *r, struct scenario *buf,
		       const struct scenario **s, char *msg, size_t len)
{
	const struct scenario *f = &su->scn[r->scn];
	struct scn_rewrite rw = { 0 };
	struct scn_error err;
	size_t n;
	char *text;

	*s = f;
	if (!r->rewrite)
		return 0;
	if (!su->topos[r->topo].own)
		rw.topo = &r->t;
	if (r->memory != f->memory_bytes)
		rw.memory_bytes = r->memory;
	if (r->sched >= 0 && !su->scheds[r->sched].eevdf)
		rw.sched = &su->scheds[r->sched].sc;
	if (scn_rewrite(f, &rw, &text, &n, msg, len))
		return -1;
	if (scn_parse_string(su->paths[r->scn], text, n, buf, &err)) {
		/* A place past the file's last line is one the suite added. */
		if (err.loc.line > lines_of(f))
			snprintf(msg, len, "%s", err.msg);
		else
			scn_error_format(NULL, su->paths[r->scn], &err, msg, len);
		free(text);
		return -1;
	}
	buf->source = text;
	buf->source_len = n;
	*s = buf;
	return 0;
}

/* Coverage weights: a new scenario, topology or scheduler outweighs any
 * number of new pairs, a pair any number of new triples, a triple any
 * number of repetitions (up to a thousand of each). */
#define W1 1e9
#define W2 1e6
#define W3 1e3
#define W4 1.0

struct cover {
	int n_scn, n_topo, n_sched;
	bool *s, *t, *k, *st, *sk, *tk, *stk;
};

static int sched_ix(const struct cover *c, const struct suite_run *r)
{
	return r->sched < 0 ? c->n_sched : r->sched; /* the last: "as the scenario says" */
}

static double gain(const struct cover *c, const struct suite_run *r)
{
	int s = r->scn, t = r->topo, k = sched_ix(c, r), nk = c->n_sched + 1;
	double g = W4;

	g += W1 * (!c->s[s] + !c->t[t] + !c->k[k]);
	g += W2 * (!c->st[s * c->n_topo + t] + !c->sk[s * nk + k] + !c->tk[t * nk + k]);
	g += W3 * !c->stk[(s * c->n_topo + t) * nk + k];
	return g;
}

static void take(struct cover *c, const struct suite_run *r)
{
	int s = r->scn, t = r->topo, k = sched_ix(c, r), nk = c->n_sched + 1;

	c->s[s] = c->t[t] = c->k[k] = true;
	c->st[s * c->n_topo + t] = c->sk[s * nk + k] = c->tk[t * nk + k] = true;
	c->stk[(s * c->n_topo + t) * nk + k] = true;
}

static bool same_shape(const struct suite_run *a, const struct suite_run *b)
{
	return !memcmp(&a->t, &b->t, sizeof(a->t)) && a->memory == b->memory;
}

int suite_budget_select(struct suite_run *runs, int n, int n_scn, int n_topo, int n_sched,
			double capacity, const char *why)
{
	size_t nk = (size_t)n_sched + 1;
	struct cover c = { .n_scn = n_scn, .n_topo = n_topo, .n_sched = n_sched };
	bool *chosen = calloc((size_t)n + 1, sizeof(*chosen));
	bool *warm = calloc((size_t)n + 1, sizeof(*warm)); /* a chosen run has its shape */
	double left = capacity;
	int picked = 0;

	c.s = calloc((size_t)n_scn + 1, 1);
	c.t = calloc((size_t)n_topo + 1, 1);
	c.k = calloc(nk, 1);
	c.st = calloc((size_t)n_scn * n_topo + 1, 1);
	c.sk = calloc((size_t)n_scn * nk, 1);
	c.tk = calloc((size_t)n_topo * nk, 1);
	c.stk = calloc((size_t)n_scn * n_topo * nk, 1);
	if (!chosen || !warm || !c.s || !c.t || !c.k || !c.st || !c.sk || !c.tk || !c.stk)
		goto out; /* nothing chosen: every run is left out, and says so */
	for (;;) {
		double best = 0, best_cost = 0;
		int b = -1;

		for (int i = 0; i < n; i++) {
			const struct suite_run *r = &runs[i];
			double cost, score;

			if (r->state != SUITE_PENDING || chosen[i])
				continue;
			cost = (warm[i] ? r->est_s : r->est_cold_s) * (r->cost > 0 ? r->cost : 1);
			if (cost > left)
				continue;
			score = gain(&c, r) / (cost > 0.001 ? cost : 0.001);
			if (score > best) {
				best = score;
				best_cost = cost;
				b = i;
			}
		}
		if (b < 0)
			break;
		chosen[b] = true;
		for (int i = 0; i < n; i++)
			warm[i] |= same_shape(&runs[i], &runs[b]);
		take(&c, &runs[b]);
		left -= best_cost;
		picked++;
	}
out:
	for (int i = 0; i < n; i++) {
		if (runs[i].state != SUITE_PENDING || chosen[i])
			continue;
		runs[i].state = SUITE_SKIPPED;
		snprintf(runs[i].skip, sizeof(runs[i].skip), "%s", why);
	}
	free(chosen);
	free(warm);
	free(c.s);
	free(c.t);
	free(c.k);
	free(c.st);
	free(c.sk);
	free(c.tk);
	free(c.stk);
	return picked;
}

int suite_allot(const struct suite_lanes *l, int *load, int c, int *cpus)
{
	int idle = 0;

	for (int i = 0; i < l->host; i++)
		idle += load[i] == 0;
	if (c > l->host)
		c = l->host;
	if (idle < c)
		return -1;
	for (int i = 0, k = 0; i < l->host && k < c; i++) {
		if (load[i])
			continue;
		cpus[k++] = l->cpu_ids[i];
		load[i]++;
	}
	return c;
}

void suite_release(const struct suite_lanes *l, int *load, const int *cpus, int n)
{
	for (int k = 0; k < n; k++)
		for (int i = 0; i < l->host; i++)
			if (l->cpu_ids[i] == cpus[k] && load[i] > 0)
				load[i]--;
}

/* From best to worst: 0 pass, 4 inconclusive (only timing checks failed,
 * on a host that starved the VM), 1 a check failed, 3 a guest crashed or
 * timed out, 2 an input or harness error; anything else counts as 2. */
int suite_exit_worse(int a, int b)
{
	static const int rank[] = { [0] = 0, [4] = 1, [1] = 2, [3] = 3, [2] = 4 };
	int ra = a >= 0 && a <= 4 ? rank[a] : 4, rb = b >= 0 && b <= 4 ? rank[b] : 4;
	int wa = a >= 0 && a <= 4 ? a : 2, wb = b >= 0 && b <= 4 ? b : 2;

	return ra >= rb ? wa : wb;
}
