// SPDX-License-Identifier: GPL-2.0-only
/* The semantic pass: replays the backdrop and every step in order, keeping
 * which cgroups, payloads and scheduler exist, and rejects ops that would
 * fail in the guest, before anything boots. */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scenario/internal.h"

/* Repeated steps are replayed this many times at most: enough to catch an
 * op that only fails from the second repetition on (attach, cgroup). A
 * step with 'workers' ops is replayed until a cgroup that outlives it
 * could pass SCN_MAX_WORKER_GROUPS (each repetition adds at least one). */
#define REPLAY_REPEATS 3
#define REPLAY_REPEATS_WORKERS (SCN_MAX_WORKER_GROUPS + 1)

struct vcg {
	char name[SCN_NAME_MAX];
	int line;          /* created at */
	int scope;         /* -1 backdrop, else step index */
	bool live, frozen;
	int gone_line;     /* removed by the op at this line, 0 = step end */
	int groups;        /* workers ops since creation or stop-workers */
};

struct vpl {
	char name[SCN_NAME_MAX];
	int line, scope;
	bool live;
};

struct vstate {
	const struct scenario *s;
	struct scn_error *err;
	struct vcg *cg;
	int ncg, nlive;
	struct vpl *pl;
	int npl, pl_live;
	/* Name -> index into cg, pl and s->scheds. */
	struct scn_names cg_names, pl_names, sched_names;
	/* Indexes of the cgroups and payloads this step repetition started:
	 * what its end removes, without a scan of every name. */
	int *made_cg, n_made_cg, *made_pl, n_made_pl;
	const char *attached;   /* scheduler name, NULL for EEVDF */
	int attach_line;
	int host_groups;        /* worker groups outside every cgroup ('-') */
	int scope, rep;
};

static int verr(struct vstate *v, struct scn_loc loc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int verr(struct vstate *v, struct scn_loc loc, const char *fmt, ...)
{
	size_t n;
	va_list ap;

	v->err->loc = loc;
	va_start(ap, fmt);
	vsnprintf(v->err->msg, sizeof(v->err->msg), fmt, ap);
	va_end(ap);
	n = strlen(v->err->msg);
	if (v->rep > 0)
		snprintf(v->err->msg + n, sizeof(v->err->msg) - n,
			 " (in repetition %d of step '%s')", v->rep + 1,
			 v->s->steps[v->scope].name);
	return -1;
}

static struct vcg *cg_any(struct vstate *v, const char *name)
{
	const int *i = scn_names_get(&v->cg_names, name);

	return i ? &v->cg[*i] : NULL;
}

/* A live cgroup, or NULL with an error at loc saying what happened to it. */
static struct vcg *cg_get(struct vstate *v, const char *name, struct scn_loc loc)
{
	struct vcg *c = cg_any(v, name);

	if (c && c->live)
		return c;
	if (c && c->gone_line)
		verr(v, loc, "unknown cgroup '%s'; it was removed at line %d",
		     name, c->gone_line);
	else if (c)
		verr(v, loc, "unknown cgroup '%s'; it was created at line %d in step '%s' and removed when that step ended",
		     name, c->line, v->s->steps[c->scope].name);
	else
		verr(v, loc, "unknown cgroup '%s'; expected a cgroup created earlier with 'cgroup %s'",
		     name, name);
	return NULL;
}

static int spec_ok(struct vstate *v, const char *what, const char *name,
		   const struct scn_cpuspec *spec)
{
	struct scn_cpumask m;
	char msg[400];

	if (spec->kind == SCN_CPUS_NONE ||
	    !scn_cpuspec_resolve(spec, &v->s->topo, &m, msg, sizeof(msg)))
		return 0;
	return verr(v, spec->loc, "%s '%s': %s", what, name, msg);
}

static int nodes_ok(struct vstate *v, const char *what, const char *name,
		    const char *list, struct scn_loc loc)
{
	struct scn_cpumask m;
	char msg[256], topo[96];
	const char *colon = strchr(list, ':');

	if (!strcmp(list, "local") || !*list)
		return 0;
	if (scn_nodelist_parse(colon ? colon + 1 : list, &m, msg, sizeof(msg)))
		return verr(v, loc, "%s '%s': %s", what, name, msg);
	for (int n = v->s->topo.numa; n < SCN_MAX_NODES; n++) {
		if (!scn_cpumask_test(&m, n))
			continue;
		scn_topo_format(&v->s->topo, topo, sizeof(topo));
		return verr(v, loc, "%s '%s': node %d does not exist in topology %s (nodes 0-%d)",
			    what, name, n, topo, v->s->topo.numa - 1);
	}
	return 0;
}

static int op_cgroup(struct vstate *v, const struct scn_op *op)
{
	struct vcg *c = cg_any(v, op->name);

	if (c && c->live)
		return verr(v, op->loc, "cgroup '%s' already exists (created at line %d)",
			    op->name, c->line);
	if (v->nlive == SCN_MAX_LIVE_CGROUPS)
		return verr(v, op->loc, "too many cgroups at once; expected at most %d",
			    SCN_MAX_LIVE_CGROUPS);
	if (spec_ok(v, "cpuset", op->name, &op->knobs.cpus) ||
	    nodes_ok(v, "mems of cgroup", op->name, op->knobs.mems, op->knobs.mems_loc))
		return -1;
	if (!c) {
		if (scn_names_set(&v->cg_names, op->name, v->ncg))
			return verr(v, op->loc, "out of memory");
		c = &v->cg[v->ncg++];
	}
	if (v->scope >= 0)
		v->made_cg[v->n_made_cg++] = (int)(c - v->cg);
	memset(c, 0, sizeof(*c));
	strcpy(c->name, op->name);
	c->line = op->loc.line;
	c->scope = v->scope;
	c->live = true;
	v->nlive++;
	return 0;
}

static void cg_kill(struct vstate *v, struct vcg *c, int line)
{
	c->live = false;
	c->gone_line = line;
	v->nlive--;
}

static int op_affinity(struct vstate *v, const struct scn_op *op)
{
	const struct scn_affinity *a = &op->affinity;
	const struct scn_topology *t = &v->s->topo;
	int ncpus = scn_topo_ncpus(t);
	char topo[96];

	scn_topo_format(t, topo, sizeof(topo));
	switch (a->kind) {
	case SCN_AFF_CPUS:
		return spec_ok(v, "affinity of cgroup", op->name, &a->cpus);
	case SCN_AFF_RANDOM:
		if (a->n > ncpus)
			return verr(v, a->loc, "affinity random=%d: topology %s has only %d CPUs",
				    a->n, topo, ncpus);
		return 0;
	case SCN_AFF_SINGLE:
		if (a->n >= ncpus)
			return verr(v, a->loc, "affinity single=%d: cpu %d does not exist in topology %s (CPUs 0-%d)",
				    a->n, a->n, topo, ncpus - 1);
		return 0;
	case SCN_AFF_LLC:
		if (a->n >= t->numa * t->llcs)
			return verr(v, a->loc, "affinity llc=%d: llc %d does not exist in topology %s (LLCs 0-%d)",
				    a->n, a->n, topo, t->numa * t->llcs - 1);
		return 0;
	case SCN_AFF_SMT_PAIR:
		if (t->threads < 2)
			return verr(v, a->loc, "affinity smt-pair: topology %s has no SMT; expected threads=2 or more",
				    topo);
		if (a->n >= ncpus / t->threads)
			return verr(v, a->loc, "affinity smt-pair=%d: core %d does not exist in topology %s (cores 0-%d)",
				    a->n, a->n, topo, ncpus / t->threads - 1);
		return 0;
	default:
		return 0;
	}
}

static int op_freeze(struct vstate *v, const struct scn_op *op, struct vcg *c)
{
	bool freeze = op->kind == SCN_OP_FREEZE;

	if (c->frozen == freeze)
		return verr(v, op->loc, "cgroup '%s' is %s; expected %s first",
			    op->name, freeze ? "already frozen" : "not frozen",
			    freeze ? "thaw" : "freeze");
	c->frozen = freeze;
	return 0;
}

static struct vpl *pl_find(struct vstate *v, const char *name)
{
	const int *i = scn_names_get(&v->pl_names, name);

	return i ? &v->pl[*i] : NULL;
}

static int op_payload(struct vstate *v, const struct scn_op *op)
{
	struct vpl *p = pl_find(v, op->name);

	if (op->kind != SCN_OP_PAYLOAD_RUN) {
		if (!p || !p->live)
			return verr(v, op->name_loc, "unknown payload '%s'; expected the id of a running 'payload-run'",
				    op->name);
		p->live = false;
		v->pl_live--;
		return 0;
	}
	if (p && p->live)
		return verr(v, op->name_loc, "payload '%s' is already running (started at line %d)",
			    op->name, p->line);
	if (op->cgroup[0] && !cg_get(v, op->cgroup, op->cgroup_loc))
		return -1;
	if (v->pl_live == SCN_MAX_PAYLOADS)
		return verr(v, op->loc, "too many payloads at once; expected at most %d",
			    SCN_MAX_PAYLOADS);
	if (!p) {
		if (scn_names_set(&v->pl_names, op->name, v->npl))
			return verr(v, op->loc, "out of memory");
		p = &v->pl[v->npl++];
	}
	if (v->scope >= 0)
		v->made_pl[v->n_made_pl++] = (int)(p - v->pl);
	v->pl_live++;
	strcpy(p->name, op->name);
	p->line = op->loc.line;
	p->scope = v->scope;
	p->live = true;
	return 0;
}

static const struct scn_scheduler *sched_find(struct vstate *v, const char *name)
{
	const int *i = scn_names_get(&v->sched_names, name);

	return i ? &v->s->scheds[*i] : NULL;
}

static int unknown_sched(struct vstate *v, const char *name, struct scn_loc loc)
{
	char list[256] = "";

	for (int i = 0; i < v->s->n_scheds; i++)
		snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s",
			 i ? ", " : "", v->s->scheds[i].name);
	if (!v->s->n_scheds)
		return verr(v, loc, "unknown scheduler '%s'; no scheduler is declared (add 'scheduler %s bpf=OBJ' or 'exec=PATH')",
			    name, name);
	return verr(v, loc, "unknown scheduler '%s'; expected one of: %s", name, list);
}

static int op_sched(struct vstate *v, const struct scn_op *op)
{
	if (op->kind != SCN_OP_DETACH && !sched_find(v, op->name))
		return unknown_sched(v, op->name, op->name_loc);
	if (op->kind == SCN_OP_ATTACH && v->attached)
		return verr(v, op->loc, "attach '%s' while '%s' is attached (since line %d); expected replace or detach first",
			    op->name, v->attached, v->attach_line);
	if (op->kind != SCN_OP_ATTACH && !v->attached)
		return verr(v, op->loc, "%s with no scheduler attached; expected attach first",
			    scn_op_name(op->kind));
	v->attached = op->kind == SCN_OP_DETACH ? NULL : op->name;
	v->attach_line = op->loc.line;
	return 0;
}

static int op_workers(struct vstate *v, const struct scn_op *op)
{
	const struct scn_workers *w = &op->workers;
	struct vcg *c = NULL;
	int *groups = &v->host_groups;

	if (w->cgroup[0]) {
		if (!(c = cg_get(v, w->cgroup, op->name_loc)))
			return -1;
		groups = &c->groups;
	}
	if (nodes_ok(v, "mempolicy of workers in", c ? w->cgroup : "-", w->mempolicy,
		     w->mempolicy_loc))
		return -1;
	if (*groups == SCN_MAX_WORKER_GROUPS) {
		char who[SCN_NAME_MAX + 32];

		snprintf(who, sizeof(who), "cgroup '%s' already has", w->cgroup);
		return verr(v, op->loc, "%s %d worker groups; expected at most %d 'workers' ops on one cgroup until its 'stop-workers'",
			    c ? who : "workers outside every cgroup ('-') already have",
			    SCN_MAX_WORKER_GROUPS, SCN_MAX_WORKER_GROUPS);
	}
	(*groups)++;
	return 0;
}

static int op_two(struct vstate *v, const struct scn_op *op)
{
	if (!strcmp(op->name, op->name2))
		return verr(v, op->name2_loc, "%s of cgroup '%s' with itself; expected two different cgroups",
			    scn_op_name(op->kind), op->name);
	if (!cg_get(v, op->name, op->name_loc) || !cg_get(v, op->name2, op->name2_loc))
		return -1;
	return 0;
}

static int run_op(struct vstate *v, const struct scn_op *op)
{
	struct vcg *c = NULL;

	switch (op->kind) {
	case SCN_OP_CGROUP:
		return op_cgroup(v, op);
	case SCN_OP_SWAP_CPUSETS:
	case SCN_OP_MOVE:
		return op_two(v, op);
	case SCN_OP_PAYLOAD_RUN:
	case SCN_OP_PAYLOAD_WAIT:
	case SCN_OP_PAYLOAD_KILL:
		return op_payload(v, op);
	case SCN_OP_ATTACH:
	case SCN_OP_REPLACE:
	case SCN_OP_DETACH:
		return op_sched(v, op);
	case SCN_OP_SLEEP:
		return 0;
	case SCN_OP_WORKERS:
		return op_workers(v, op);
	case SCN_OP_STOP_WORKERS:
		if (!op->name[0]) {
			v->host_groups = 0;
			return 0;
		}
		break;
	default:
		break;
	}
	if (!(c = cg_get(v, op->name, op->name_loc)))
		return -1;
	switch (op->kind) {
	case SCN_OP_REMOVE:
		cg_kill(v, c, op->loc.line);
		return 0;
	case SCN_OP_STOP_WORKERS:
		c->groups = 0;
		return 0;
	case SCN_OP_SET_CPUSET:
		return spec_ok(v, "cpuset", op->name, &op->cpus);
	case SCN_OP_FREEZE:
	case SCN_OP_THAW:
		return op_freeze(v, op, c);
	case SCN_OP_AFFINITY:
		return op_affinity(v, op);
	default:
		return 0;
	}
}

/* The end of a step repetition: what it started goes. */
static void scope_end(struct vstate *v, int scope)
{
	for (int i = 0; i < v->n_made_cg; i++) {
		struct vcg *c = &v->cg[v->made_cg[i]];

		if (c->live && c->scope == scope)
			cg_kill(v, c, 0);
	}
	for (int i = 0; i < v->n_made_pl; i++) {
		struct vpl *p = &v->pl[v->made_pl[i]];

		if (p->live && p->scope == scope) {
			p->live = false;
			v->pl_live--;
		}
	}
	v->n_made_cg = v->n_made_pl = 0;
}

static int run_block(struct vstate *v, const struct scn_block *b, bool is_step)
{
	uint64_t slept = 0;
	char a[32], d[32];

	for (int i = 0; i < b->n_ops; i++) {
		const struct scn_op *op = &b->ops[i];

		if (run_op(v, op))
			return -1;
		if (op->kind != SCN_OP_SLEEP || !is_step)
			continue;
		slept += op->duration_ns;
		if (slept <= b->duration_ns)
			continue;
		scn_duration_format(slept, a, sizeof(a));
		scn_duration_format(b->duration_ns, d, sizeof(d));
		return verr(v, op->loc, "sleeps in step '%s' add up to %s; expected at most the step's duration %s",
			    b->name, a, d);
	}
	return 0;
}

static int checks_ok(struct vstate *v)
{
	const struct scenario *s = v->s;

	for (int i = 0; i < s->n_checks; i++) {
		const struct scn_check *c = &s->checks[i];

		if (c->cgroup[0] && !cg_any(v, c->cgroup))
			return verr(v, c->cgroup_loc, "check %s: unknown cgroup '%s'; expected a cgroup the scenario creates",
				    scn_check_name(c->kind), c->cgroup);
		if ((c->kind == SCN_CHECK_SCHED_ALIVE || c->kind == SCN_CHECK_SCHED_DIES) &&
		    !s->n_scheds)
			return verr(v, c->loc, "check %s with no scheduler declared; expected a 'scheduler' directive",
				    scn_check_name(c->kind));
		if (c->sched[0] && !sched_find(v, c->sched))
			return unknown_sched(v, c->sched, c->sched_loc);
	}
	return 0;
}

static int count_ops(const struct scenario *s, enum scn_op_kind k)
{
	int n = 0;

	for (int i = -1; i < s->n_steps; i++) {
		const struct scn_block *b = i < 0 ? &s->backdrop : &s->steps[i];

		for (int j = 0; j < b->n_ops; j++)
			n += b->ops[j].kind == k;
	}
	return n;
}

static uint64_t add_sat(uint64_t a, uint64_t b)
{
	return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

static uint64_t mul_sat(uint64_t a, uint64_t b)
{
	return b && a > UINT64_MAX / b ? UINT64_MAX : a * b;
}

/* One pass of a block: its sleeps and payload timeouts, at least. */
static uint64_t block_ns(const struct scn_block *b)
{
	uint64_t ns = 0;

	for (int i = 0; i < b->n_ops; i++)
		if (b->ops[i].kind == SCN_OP_SLEEP || b->ops[i].kind == SCN_OP_PAYLOAD_WAIT)
			ns = add_sat(ns, b->ops[i].duration_ns);
	return ns > b->duration_ns ? ns : b->duration_ns;
}

uint64_t scn_run_ns(const struct scenario *s)
{
	uint64_t ns = block_ns(&s->backdrop);

	for (int i = 0; i < s->n_steps; i++)
		ns = add_sat(ns, mul_sat(block_ns(&s->steps[i]), (uint64_t)s->steps[i].repeat));
	return ns;
}

static uint64_t sched_enable_ns(const struct scenario *s, const char *name)
{
	for (int i = 0; i < s->n_scheds; i++)
		if (!strcmp(s->scheds[i].name, name))
			return s->scheds[i].enable_timeout_ns;
	return SCN_SCHED_ENABLE_TIMEOUT_NS;
}

/* One pass of a block: its scheduler ops' waits. */
static uint64_t block_sched_ns(const struct scenario *s, const struct scn_block *b)
{
	uint64_t ns = 0;

	for (int i = 0; i < b->n_ops; i++) {
		const struct scn_op *op = &b->ops[i];

		if (op->kind == SCN_OP_ATTACH || op->kind == SCN_OP_REPLACE)
			ns = add_sat(ns, sched_enable_ns(s, op->name));
		if (op->kind == SCN_OP_REPLACE || op->kind == SCN_OP_DETACH)
			ns = add_sat(ns, SCN_SCHED_SIGINT_NS + SCN_SCHED_DISABLE_NS);
	}
	return ns;
}

uint64_t scn_sched_wait_ns(const struct scenario *s)
{
	uint64_t ns = block_sched_ns(s, &s->backdrop);

	for (int i = 0; i < s->n_steps; i++)
		ns = add_sat(ns, mul_sat(block_sched_ns(s, &s->steps[i]),
					 (uint64_t)s->steps[i].repeat));
	/* What is still attached goes at the end. */
	return ns ? add_sat(ns, SCN_SCHED_SIGINT_NS + SCN_SCHED_DISABLE_NS) : 0;
}

/* The first step (or the backdrop) that takes the run past SCN_MAX_RUN_NS. */
static int run_length_ok(struct vstate *v)
{
	const struct scenario *s = v->s;
	uint64_t ns = block_ns(&s->backdrop);
	char a[32], max[32], where[SCN_NAME_MAX + 16];

	for (int i = -1; i < s->n_steps; i++) {
		const struct scn_block *b = i < 0 ? &s->backdrop : &s->steps[i];

		if (i >= 0)
			ns = add_sat(ns, mul_sat(block_ns(b), (uint64_t)b->repeat));
		if (ns <= SCN_MAX_RUN_NS)
			continue;
		scn_duration_format(ns, a, sizeof(a));
		scn_duration_format(SCN_MAX_RUN_NS, max, sizeof(max));
		snprintf(where, sizeof(where), i < 0 ? "the backdrop" : "step '%s'", b->name);
		return verr(v, b->loc, "the scenario runs for at least %s by the end of %s; expected at most %s (step durations times repeats, plus sleeps and payload waits)",
			    a, where, max);
	}
	return 0;
}

static bool has_op(const struct scn_block *b, enum scn_op_kind k)
{
	for (int i = 0; i < b->n_ops; i++)
		if (b->ops[i].kind == k)
			return true;
	return false;
}

/* Every payload-run over the whole run, repetitions counted: the guest
 * keeps SCN_MAX_PAYLOAD_RUNS records. Counted, not replayed. */
static int payload_runs_ok(struct vstate *v)
{
	const struct scenario *s = v->s;
	uint64_t total = 0;

	for (int i = -1; i < s->n_steps; i++) {
		const struct scn_block *b = i < 0 ? &s->backdrop : &s->steps[i];
		uint64_t k = 0, left = SCN_MAX_PAYLOAD_RUNS - total;

		for (int j = 0; j < b->n_ops; j++)
			k += b->ops[j].kind == SCN_OP_PAYLOAD_RUN;
		if (k * (uint64_t)b->repeat <= left) {
			total += k * (uint64_t)b->repeat;
			continue;
		}
		/* The (left % k + 1)-th payload-run of repetition left / k. */
		for (int j = 0, n = 0; j < b->n_ops; j++) {
			if (b->ops[j].kind != SCN_OP_PAYLOAD_RUN || n++ < (int)(left % k))
				continue;
			v->scope = i;
			v->rep = (int)(left / k);
			return verr(v, b->ops[j].loc, "payload-run number %d of the run; expected at most %d in all (repetitions count)",
				    SCN_MAX_PAYLOAD_RUNS + 1, SCN_MAX_PAYLOAD_RUNS);
		}
	}
	return 0;
}

static int replay(struct vstate *v)
{
	const struct scenario *s = v->s;

	v->scope = -1;
	if (run_block(v, &s->backdrop, false))
		return -1;
	for (int i = 0; i < s->n_steps; i++) {
		const struct scn_block *b = &s->steps[i];
		int most = has_op(b, SCN_OP_WORKERS) ? REPLAY_REPEATS_WORKERS : REPLAY_REPEATS;
		int reps = b->repeat < most ? b->repeat : most;

		v->scope = i;
		for (v->rep = 0; v->rep < reps; v->rep++) {
			if (run_block(v, b, true))
				return -1;
			scope_end(v, i);
		}
		v->rep = 0;
	}
	if (run_length_ok(v) || payload_runs_ok(v))
		return -1;
	return checks_ok(v);
}

int scn_validate(const struct scenario *s, struct scn_error *err)
{
	struct vstate v = { .s = s, .err = err };
	size_t ncg = (size_t)count_ops(s, SCN_OP_CGROUP) + 1;
	size_t npl = (size_t)count_ops(s, SCN_OP_PAYLOAD_RUN) + 1;
	struct scn_loc at;
	char msg[256];
	int ret = 0;

	if (scn_topo_check(&s->topo, msg, sizeof(msg)))
		return scn_err(err, s->topo_loc.line, s->topo_loc.col, "%s", msg);
	if (scn_requires_check(&s->req, &s->topo, &at, msg, sizeof(msg)))
		return scn_err(err, at.line, at.col, "%s", msg);
	v.cg = calloc(ncg, sizeof(*v.cg));
	v.pl = calloc(npl, sizeof(*v.pl));
	v.made_cg = calloc(ncg, sizeof(*v.made_cg));
	v.made_pl = calloc(npl, sizeof(*v.made_pl));
	for (int i = 0; i < s->n_scheds && !ret; i++)
		ret = scn_names_set(&v.sched_names, s->scheds[i].name, i);
	if (ret || !v.cg || !v.pl || !v.made_cg || !v.made_pl)
		ret = scn_err(err, 0, 0, "out of memory");
	else
		ret = replay(&v);
	free(v.cg);
	free(v.pl);
	free(v.made_cg);
	free(v.made_pl);
	scn_names_free(&v.cg_names);
	scn_names_free(&v.pl_names);
	scn_names_free(&v.sched_names);
	return ret;
}
