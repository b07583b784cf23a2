// SPDX-License-Identifier: GPL-2.0-only
/* The op executor (see exec.h). Each op either works or sends an ERROR frame
 * that names the op, its line and the reason; the run goes on so the
 * results of the other ops are not lost. */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "guest-init/cgroup.h"
#include "guest-init/exec.h"
#include "guest-init/payload.h"
#include "guest-init/scx.h"
#include "guest-init/sysinfo.h"
#include "guest-init/transport.h"
#include "lib/file.h"
#include "workload/workload.h"

/* The limits the host's validate checks (scenario/model.h); one cgroup
 * slot more for the workers outside every cgroup ('-'). */
#define MAX_CGROUPS (SCN_MAX_LIVE_CGROUPS + 1)
#define MAX_GROUPS SCN_MAX_WORKER_GROUPS
#define MAX_PAYLOADS SCN_MAX_PAYLOAD_RUNS

struct gcg {
	char name[SCN_NAME_MAX];
	int scope; /* -1 backdrop, else step index */
	bool live;
	bool is_host; /* workers outside every managed cgroup */
	struct scn_cpumask cpus; /* current cpuset (requested); empty = none */
	bool has_cpus;
	struct wl_group *groups[MAX_GROUPS];
	int base[MAX_GROUPS]; /* index of each group's first worker in the cgroup */
	int ngroups;
	int nworkers;         /* workers ever started here: report indexes */
};

struct exec_state {
	const struct scenario *s;
	const struct exec_opts *o;
	struct gcg cg[MAX_CGROUPS];
	struct payload pl[MAX_PAYLOADS];
	int npl;
	int scope;
	int failures;
	uint64_t rng;
};

static struct gcg *cg_find(struct exec_state *st, const char *name)
{
	for (int i = 0; i < MAX_CGROUPS; i++)
		if (st->cg[i].live && !strcmp(st->cg[i].name, name))
			return &st->cg[i];
	return NULL;
}

/* cg_find, or NULL with "unknown cgroup" in msg. */
static struct gcg *cg_known(struct exec_state *st, const char *name, char *msg, size_t len)
{
	struct gcg *c = cg_find(st, name);

	if (!c)
		snprintf(msg, len, "unknown cgroup '%s'", name);
	return c;
}

static struct gcg *cg_slot(struct exec_state *st)
{
	for (int i = 0; i < MAX_CGROUPS; i++)
		if (!st->cg[i].live)
			return &st->cg[i];
	return NULL;
}

/* Ops that write cgroup files: an attached sched_ext scheduler's
 * ops.cgroup_init / cgroup_prep_move can refuse them, with an errno of its
 * own choice. */
static bool touches_cgroups(const struct scn_op *op)
{
	switch (op->kind) {
	case SCN_OP_CGROUP:
	case SCN_OP_SET_CPUSET:
	case SCN_OP_CLEAR_CPUSET:
	case SCN_OP_SWAP_CPUSETS:
	case SCN_OP_FREEZE:
	case SCN_OP_THAW:
	case SCN_OP_MOVE:
	case SCN_OP_WORKERS:
		return true;
	case SCN_OP_PAYLOAD_RUN:
		return op->cgroup[0] != 0;
	default:
		return false;
	}
}

static void op_fail(struct exec_state *st, const struct scn_op *op,
		    const char *msg)
{
	char sched[256];

	st->failures++;
	if (touches_cgroups(op) && sched_attached(sched, sizeof(sched)))
		transport_error(0, "line %d: %s: %s (%s was attached: its "
				"ops.cgroup_* callbacks may refuse cgroup operations)",
				op->loc.line, scn_op_name(op->kind), msg, sched);
	else
		transport_error(0, "line %d: %s: %s", op->loc.line, scn_op_name(op->kind),
				msg);
}

/* Tell the host the effective cpuset of a cgroup, for the isolation check. */
static void emit_cpuset(struct gcg *c)
{
	struct scn_cpumask eff;
	char list[1024] = "";

	if (c->is_host)
		return;
	if (cg_effective_cpus(c->name, &eff) == 0)
		scn_cpumask_format(&eff, list, sizeof(list));
	transport_event(EV_CPUSET, json_pack("{s:s, s:s}", EVF_CGROUP, c->name,
					    EVF_CPUS, list));
}

/* Report indexes count across all of a cgroup's workers ops, so "a/3"
 * names one worker. */
static void send_reports(struct wl_group *g, int base)
{
	for (int i = 0; i < wl_group_count(g); i++) {
		json_t *j = wr_to_json(wl_group_report(g, i));

		json_object_set_new(j, "index", json_integer(base + i));
		transport_send(WIRE_REPORT, j);
	}
}

static void stop_groups(struct exec_state *st, struct gcg *c)
{
	for (int i = 0; i < c->ngroups; i++)
		wl_request_stop(c->groups[i]);
	for (int i = 0; i < c->ngroups; i++) {
		wl_stop(c->groups[i], st->o->stop_timeout_ns);
		send_reports(c->groups[i], c->base[i]);
		wl_free(c->groups[i]);
	}
	c->ngroups = 0;
}

static struct gcg *host_cg(struct exec_state *st)
{
	struct gcg *c = cg_find(st, "");

	if (c || !(c = cg_slot(st)))
		return c;
	memset(c, 0, sizeof(*c));
	c->live = c->is_host = true;
	c->scope = -1;
	return c;
}

static int op_workers(struct exec_state *st, const struct scn_op *op, char *msg,
		      size_t len)
{
	const struct scn_workers *w = &op->workers;
	struct gcg *c = w->cgroup[0] ? cg_find(st, w->cgroup) : host_cg(st);
	char path[512];

	if (!c) {
		snprintf(msg, len, "unknown cgroup '%s'", w->cgroup);
		return -1;
	}
	if (c->ngroups == MAX_GROUPS) {
		snprintf(msg, len, "cgroup '%s': too many worker groups", w->cgroup);
		return -1;
	}
	cg_path(w->cgroup, path, sizeof(path));
	if (wl_spawn(w, c->is_host ? NULL : path, &c->groups[c->ngroups], msg, len))
		return -1;
	c->base[c->ngroups++] = c->nworkers;
	c->nworkers += w->count;
	transport_event(EV_WORKERS, json_pack("{s:s, s:i, s:s}", EVF_CGROUP, w->cgroup,
					     EVF_COUNT, w->count, EVF_TYPE, w->type));
	return 0;
}

static uint64_t xorshift(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static int affinity_mask(struct exec_state *st, struct gcg *c,
			 const struct scn_affinity *a, struct scn_cpumask *m,
			 char *msg, size_t len)
{
	const struct scn_topology *t = &st->s->topo;
	int ncpus = scn_topo_ncpus(t);
	struct scn_cpumask base;

	memset(m, 0, sizeof(*m));
	if (c->is_host || cg_effective_cpus(c->name, &base) || !scn_cpumask_count(&base))
		for (int i = 0; i < ncpus; i++)
			scn_cpumask_set(&base, i);
	switch (a->kind) {
	case SCN_AFF_CPUS:
		return scn_cpuspec_resolve(&a->cpus, t, m, msg, len);
	case SCN_AFF_RANDOM: {
		int want = a->n, have = scn_cpumask_count(&base);
		if (want > have)
			want = have;
		while (scn_cpumask_count(m) < want) {
			int cpu = xorshift(&st->rng) % ncpus;
			if (scn_cpumask_test(&base, cpu))
				scn_cpumask_set(m, cpu);
		}
		return 0;
	}
	case SCN_AFF_SINGLE:
		if (a->n >= 0) {
			scn_cpumask_set(m, a->n);
			return 0;
		}
		for (int i = 0; i < ncpus; i++)
			if (scn_cpumask_test(&base, i)) {
				scn_cpumask_set(m, i);
				return 0;
			}
		return -1;
	case SCN_AFF_LLC:
		for (int i = 0; i < ncpus; i++)
			if (scn_topo_cpu_llc(t, i) == a->n)
				scn_cpumask_set(m, i);
		return 0;
	case SCN_AFF_SMT_PAIR:
		for (int i = 0; i < ncpus; i++)
			if (scn_topo_cpu_core(t, i) == a->n)
				scn_cpumask_set(m, i);
		return 0;
	case SCN_AFF_RESET:
	default:
		for (int i = 0; i < ncpus; i++)
			scn_cpumask_set(m, i);
		return 0;
	}
}

static int op_affinity(struct exec_state *st, const struct scn_op *op, char *msg,
		       size_t len)
{
	struct gcg *c = cg_known(st, op->name, msg, len);
	struct scn_cpumask m;
	cpu_set_t set;
	pid_t tids[SCN_MAX_WORKERS];
	char list[512];

	if (!c)
		return -1;
	if (affinity_mask(st, c, &op->affinity, &m, msg, len))
		return -1;
	CPU_ZERO(&set);
	for (int i = 0; i < SCN_MAX_CPUS && i < CPU_SETSIZE; i++)
		if (scn_cpumask_test(&m, i))
			CPU_SET(i, &set);
	for (int g = 0; g < c->ngroups; g++) {
		int n = wl_group_tids(c->groups[g], tids, SCN_MAX_WORKERS);
		for (int i = 0; i < n; i++)
			if (sched_setaffinity(tids[i], sizeof(set), &set) && errno != ESRCH) {
				snprintf(msg, len, "sched_setaffinity(%d): %s", tids[i],
					 strerror(errno));
				return -1;
			}
	}
	scn_cpumask_format(&m, list, sizeof(list));
	transport_event(EV_AFFINITY, json_pack("{s:s, s:s}", EVF_CGROUP, op->name,
					      EVF_CPUS, list));
	return 0;
}

static int op_cgroup(struct exec_state *st, const struct scn_op *op, char *msg,
		     size_t len)
{
	struct gcg *c;

	if (cg_find(st, op->name)) {
		snprintf(msg, len, "cgroup '%s' already exists", op->name);
		return -1;
	}
	if (!(c = cg_slot(st))) {
		snprintf(msg, len, "too many cgroups (max %d)", MAX_CGROUPS);
		return -1;
	}
	memset(c, 0, sizeof(*c));
	snprintf(c->name, sizeof(c->name), "%s", op->name);
	if (cg_create(op->name, &op->knobs, &st->s->topo, msg, len))
		return -1;
	c->live = true;
	c->scope = st->scope;
	emit_cpuset(c);
	return 0;
}

static void cgroup_teardown(struct exec_state *st, struct gcg *c)
{
	char msg[512];

	stop_groups(st, c);
	if (!c->is_host && cg_remove(c->name, msg, sizeof(msg)))
		transport_error(0, "%s", msg);
	c->live = false;
}

static int op_set_cpuset(struct exec_state *st, const struct scn_op *op,
			 const struct scn_cpuspec *spec, const char *name,
			 char *msg, size_t len)
{
	struct gcg *c = cg_find(st, name);
	struct scn_cpumask m;

	if (!c || c->is_host) {
		snprintf(msg, len, "unknown cgroup '%s'", name);
		return -1;
	}
	if (spec) {
		if (scn_cpuspec_resolve(spec, &st->s->topo, &m, msg, len))
			return -1;
		if (cg_set_cpus(name, &m, msg, len))
			return -1;
	} else if (cg_set_cpus(name, NULL, msg, len)) {
		return -1;
	}
	emit_cpuset(c);
	return 0;
}

static int op_swap(struct exec_state *st, const struct scn_op *op, char *msg,
		   size_t len)
{
	struct gcg *a, *b;
	struct scn_cpumask ma, mb;
	char pa[512], pb[512], la[1024] = "", lb[1024] = "";

	if (!(a = cg_known(st, op->name, msg, len)) || !(b = cg_known(st, op->name2, msg, len)))
		return -1;
	/* Read what each asked for (cpuset.cpus), not the effective set. */
	cg_path(a->name, pa, sizeof(pa));
	cg_path(b->name, pb, sizeof(pb));
	strcat(pa, "/cpuset.cpus");
	strcat(pb, "/cpuset.cpus");
	read_text(pa, la, sizeof(la));
	read_text(pb, lb, sizeof(lb));
	memset(&ma, 0, sizeof(ma));
	memset(&mb, 0, sizeof(mb));
	scn_cpumask_parse(la, &ma);
	scn_cpumask_parse(lb, &mb);
	/* Overlap in between is fine: these are not exclusive partitions. */
	if (cg_set_cpus(a->name, lb[0] ? &mb : NULL, msg, len) ||
	    cg_set_cpus(b->name, la[0] ? &ma : NULL, msg, len))
		return -1;
	emit_cpuset(a);
	emit_cpuset(b);
	return 0;
}

static int run_op(struct exec_state *st, const struct scn_op *op)
{
	char msg[1024] = "";
	struct gcg *c;
	uint64_t t0;
	int ret = 0;

	switch (op->kind) {
	case SCN_OP_CGROUP:
		ret = op_cgroup(st, op, msg, sizeof(msg));
		break;
	case SCN_OP_REMOVE:
		if (!(c = cg_known(st, op->name, msg, sizeof(msg)))) {
			ret = -1;
			break;
		}
		cgroup_teardown(st, c);
		break;
	case SCN_OP_SET_CPUSET:
		ret = op_set_cpuset(st, op, &op->cpus, op->name, msg, sizeof(msg));
		break;
	case SCN_OP_CLEAR_CPUSET:
		ret = op_set_cpuset(st, op, NULL, op->name, msg, sizeof(msg));
		break;
	case SCN_OP_SWAP_CPUSETS:
		ret = op_swap(st, op, msg, sizeof(msg));
		break;
	case SCN_OP_FREEZE:
	case SCN_OP_THAW:
		if (!cg_known(st, op->name, msg, sizeof(msg))) {
			ret = -1;
			break;
		}
		ret = cg_freeze(op->name, op->kind == SCN_OP_FREEZE, msg, sizeof(msg));
		if (!ret)
			transport_event(op->kind == SCN_OP_FREEZE ? EV_FREEZE : EV_THAW,
					json_pack("{s:s}", EVF_CGROUP, op->name));
		break;
	case SCN_OP_AFFINITY:
		ret = op_affinity(st, op, msg, sizeof(msg));
		break;
	case SCN_OP_MOVE:
		if (!cg_known(st, op->name, msg, sizeof(msg)) ||
		    !cg_known(st, op->name2, msg, sizeof(msg))) {
			ret = -1;
			break;
		}
		t0 = guest_mono_ns();
		ret = cg_move_all(op->name, op->name2, msg, sizeof(msg)) < 0 ? -1 : 0;
		if (!ret)
			transport_event(EV_MOVE_TASKS, json_pack("{s:s, s:s, s:I}", EVF_FROM,
								op->name, EVF_TO, op->name2,
								EVF_MONO_NS, (json_int_t)t0));
		break;
	case SCN_OP_WORKERS:
		ret = op_workers(st, op, msg, sizeof(msg));
		break;
	case SCN_OP_STOP_WORKERS:
		if (!(c = cg_known(st, op->name, msg, sizeof(msg)))) {
			ret = -1;
			break;
		}
		stop_groups(st, c);
		break;
	case SCN_OP_SLEEP:
		nanosleep(&(struct timespec){ op->duration_ns / 1000000000ull,
					      op->duration_ns % 1000000000ull }, NULL);
		break;
	case SCN_OP_PAYLOAD_RUN:
	case SCN_OP_PAYLOAD_WAIT:
	case SCN_OP_PAYLOAD_KILL:
		ret = payload_op(st->pl, &st->npl, MAX_PAYLOADS, op, st->scope,
				 msg, sizeof(msg));
		break;
	case SCN_OP_ATTACH:
	case SCN_OP_REPLACE:
	case SCN_OP_DETACH:
		/* A scheduler that did not come up is the run's result (the
		 * host's scheduler attach check), not an error of the op. */
		ret = sched_op(st->s, op, msg, sizeof(msg)) < 0 ? -1 : 0;
		break;
	}
	if (ret)
		op_fail(st, op, msg);
	return ret;
}

static void run_block(struct exec_state *st, const struct scn_block *b)
{
	for (int i = 0; i < b->n_ops; i++)
		run_op(st, &b->ops[i]);
}

/* End of a step: its workers, payloads and cgroups go. */
static void scope_teardown(struct exec_state *st, int scope)
{
	/* Everyone is told at once, so a busy group cannot delay another's stop. */
	for (int i = 0; i < MAX_CGROUPS; i++)
		if (st->cg[i].live && st->cg[i].scope == scope)
			for (int g = 0; g < st->cg[i].ngroups; g++)
				wl_request_stop(st->cg[i].groups[g]);
	for (int i = 0; i < MAX_CGROUPS; i++)
		if (st->cg[i].live && st->cg[i].scope == scope)
			cgroup_teardown(st, &st->cg[i]);
	payload_scope_end(st->pl, st->npl, scope);
}

static void sleep_until(uint64_t mono_deadline)
{
	struct timespec ts = { mono_deadline / 1000000000ull,
			       mono_deadline % 1000000000ull };

	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
		;
}

int exec_scenario(const struct scenario *s, const struct exec_opts *o)
{
	struct exec_state *st = calloc(1, sizeof(*st));
	int failures;

	st->s = s;
	st->o = o;
	st->rng = o->seed ? o->seed : 0x9e3779b97f4a7c15ull;
	st->scope = -1;
	transport_event(EV_BACKDROP, NULL);
	run_block(st, &s->backdrop);
	for (int i = 0; i < s->n_steps; i++) {
		const struct scn_block *b = &s->steps[i];

		for (int r = 0; r < b->repeat; r++) {
			uint64_t t0 = guest_mono_ns();
			static uint64_t last_sync;

			st->scope = i;
			transport_event(EV_STEP_START,
					json_pack("{s:s, s:i, s:i, s:f}", EVF_STEP, b->name,
						  EVF_INDEX, i, EVF_ITERATION, r,
						  EVF_DURATION_MS, b->duration_ns / 1e6));
			run_block(st, b);
			sleep_until(t0 + b->duration_ns);
			sched_poll();
			scope_teardown(st, i);
			transport_event(EV_STEP_END,
					json_pack("{s:s, s:i, s:i}", EVF_STEP, b->name,
						  EVF_INDEX, i, EVF_ITERATION, r));
			/* What the step reported reaches the host before the next
			 * one runs: a guest that dies later keeps it. At most every
			 * 50 ms, so a step of 1 ms repeated stays cheap. */
			if (guest_mono_ns() - last_sync >= 50000000ull) {
				transport_sync(10000);
				last_sync = guest_mono_ns();
			}
			if (o->after_step)
				o->after_step(i, r);
		}
	}
	st->scope = -1;
	scope_teardown(st, -1);
	sched_finish();
	failures = st->failures;
	free(st);
	return failures;
}
