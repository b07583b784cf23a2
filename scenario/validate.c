// SPDX-License-Identifier: GPL-2.0-only
/* The semantic pass: replays the backdrop and every step in order, keeping
 * which cgroups, payloads and scheduler exist, and rejects ops that would
 * fail in the guest, before anything boots. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scenario/internal.h"

/* Repeated steps are replayed this many times at most: enough to catch an
 * op that only fails from the second repetition on (attach, cgroup). */
#define REPLAY_REPEATS 3

struct vcg {
	char name[SCN_NAME_MAX];
	int line;          /* created at */
	int scope;         /* -1 backdrop, else step index */
	bool live, frozen;
	int gone_line;     /* removed by the op at this line, 0 = step end */
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
	int npl;
	const char *attached;   /* scheduler name, NULL for EEVDF */
	int attach_line;
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
	for (int i = 0; i < v->ncg; i++)
		if (!strcmp(v->cg[i].name, name))
			return &v->cg[i];
	return NULL;
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
	if (!c)
		c = &v->cg[v->ncg++];
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
	for (int i = 0; i < v->npl; i++)
		if (!strcmp(v->pl[i].name, name))
			return &v->pl[i];
	return NULL;
}

static int op_payload(struct vstate *v, const struct scn_op *op)
{
	struct vpl *p = pl_find(v, op->name);
	int live = 0;

	if (op->kind != SCN_OP_PAYLOAD_RUN) {
		if (!p || !p->live)
			return verr(v, op->name_loc, "unknown payload '%s'; expected the id of a running 'payload-run'",
				    op->name);
		p->live = false;
		return 0;
	}
	if (p && p->live)
		return verr(v, op->name_loc, "payload '%s' is already running (started at line %d)",
			    op->name, p->line);
	if (op->cgroup[0] && !cg_get(v, op->cgroup, op->cgroup_loc))
		return -1;
	for (int i = 0; i < v->npl; i++)
		live += v->pl[i].live;
	if (live == SCN_MAX_PAYLOADS)
		return verr(v, op->loc, "too many payloads at once; expected at most %d",
			    SCN_MAX_PAYLOADS);
	if (!p)
		p = &v->pl[v->npl++];
	strcpy(p->name, op->name);
	p->line = op->loc.line;
	p->scope = v->scope;
	p->live = true;
	return 0;
}

static const struct scn_scheduler *sched_find(struct vstate *v, const char *name)
{
	for (int i = 0; i < v->s->n_scheds; i++)
		if (!strcmp(v->s->scheds[i].name, name))
			return &v->s->scheds[i];
	return NULL;
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
		if (op->workers.cgroup[0] && !cg_get(v, op->workers.cgroup, op->name_loc))
			return -1;
		return nodes_ok(v, "mempolicy of workers in", op->workers.cgroup[0] ?
				op->workers.cgroup : "-", op->workers.mempolicy,
				op->workers.mempolicy_loc);
	case SCN_OP_STOP_WORKERS:
		if (!op->name[0])
			return 0;
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

/* The end of a step repetition (or of the run, scope -1). */
static void scope_end(struct vstate *v, int scope)
{
	for (int i = 0; i < v->ncg; i++)
		if (v->cg[i].live && v->cg[i].scope == scope)
			cg_kill(v, &v->cg[i], 0);
	for (int i = 0; i < v->npl; i++)
		if (v->pl[i].scope == scope)
			v->pl[i].live = false;
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

static int replay(struct vstate *v)
{
	const struct scenario *s = v->s;

	v->scope = -1;
	if (run_block(v, &s->backdrop, false))
		return -1;
	for (int i = 0; i < s->n_steps; i++) {
		const struct scn_block *b = &s->steps[i];
		int reps = b->repeat < REPLAY_REPEATS ? b->repeat : REPLAY_REPEATS;

		v->scope = i;
		for (v->rep = 0; v->rep < reps; v->rep++) {
			if (run_block(v, b, true))
				return -1;
			scope_end(v, i);
		}
		v->rep = 0;
	}
	return checks_ok(v);
}

int scn_validate(const struct scenario *s, struct scn_error *err)
{
	struct vstate v = { .s = s, .err = err };
	char msg[256];
	int ret;

	if (scn_topo_check(&s->topo, msg, sizeof(msg)))
		return scn_err(err, s->topo_loc.line, s->topo_loc.col, "%s", msg);
	v.cg = calloc((size_t)count_ops(s, SCN_OP_CGROUP) + 1, sizeof(*v.cg));
	v.pl = calloc((size_t)count_ops(s, SCN_OP_PAYLOAD_RUN) + 1, sizeof(*v.pl));
	if (!v.cg || !v.pl)
		ret = scn_err(err, 0, 0, "out of memory");
	else
		ret = replay(&v);
	free(v.cg);
	free(v.pl);
	return ret;
}
