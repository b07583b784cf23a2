// SPDX-License-Identifier: GPL-2.0-only
/* Scheduler checks (see checks_sched.h). The scenario says which scheduler
 * should be attached at the end of each step; guest-init's sched_step
 * event (sent just before each step_end) says which one was, sched_died
 * events say which died of what, and sched_attach_failed which never came
 * up. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host/checks_sched.h"

#define MAX_ITERS 1024

/* One step iteration: what should be attached, what was seen. */
struct iter {
	const char *step;
	char want[SCN_NAME_MAX];   /* "" = no scheduler */
	const char *seen_name;     /* NULL = no sched_step event */
	const char *seen_state;
};

static void apply_ops(const struct scn_block *b, char *cur)
{
	for (int i = 0; i < b->n_ops; i++) {
		const struct scn_op *op = &b->ops[i];

		if (op->kind == SCN_OP_ATTACH || op->kind == SCN_OP_REPLACE)
			snprintf(cur, SCN_NAME_MAX, "%s", op->name);
		else if (op->kind == SCN_OP_DETACH)
			cur[0] = 0;
	}
}

/* The expected scheduler at each step end, in run order. */
static int expected(const struct scenario *s, struct iter *it, int max)
{
	char cur[SCN_NAME_MAX] = "";
	int n = 0;

	apply_ops(&s->backdrop, cur);
	for (int b = 0; b < s->n_steps; b++)
		for (int r = 0; r < s->steps[b].repeat && n < max; r++) {
			apply_ops(&s->steps[b], cur);
			memset(&it[n], 0, sizeof(it[n]));
			it[n].step = s->steps[b].name;
			snprintf(it[n].want, sizeof(it[n].want), "%s", cur);
			n++;
		}
	return n;
}

/* Pair each step_end with the sched_step event before it. */
static void observed(const struct run_result *r, struct iter *it, int n)
{
	const struct guest_event *last = NULL;
	int k = 0;

	for (int i = 0; i < r->n_events; i++) {
		const struct guest_event *e = &r->events[i];

		if (e->kind == EV_SCHED_STEP) {
			last = e;
		} else if (e->kind == EV_STEP_END && k < n) {
			if (last) {
				it[k].seen_name = last->name;
				it[k].seen_state = last->state;
			}
			last = NULL;
			k++;
		}
	}
}

static bool uses_schedulers(const struct scenario *s)
{
	return s->n_scheds > 0;
}

static void check_alive(const struct scenario *s, const struct run_result *r,
			struct check_list *out)
{
	static struct iter it[MAX_ITERS];
	char bad[1536] = "", seen[512] = "";
	int n = expected(s, it, MAX_ITERS), nwant = 0;

	observed(r, it, n);
	for (int i = 0; i < r->n_events; i++) {
		const struct guest_event *e = &r->events[i];

		if (e->kind == EV_SCHED_DIED) {
			check_add(out, "scheduler alive", false,
				  "scheduler '%s' died at %.0f ms (%s): %s", e->name, e->t_ms,
				  e->exit_kind, e->reason);
			return;
		}
	}
	for (int k = 0; k < n; k++) {
		size_t bl = strlen(bad);

		if (!it[k].want[0])
			continue;
		nwant++;
		if (!it[k].seen_name)
			appendf(bad, sizeof(bad), "%sstep '%s': no scheduler state "
				"reported at its end", bl ? "; " : "", it[k].step);
		else if (strcmp(it[k].seen_name, it[k].want) || strcmp(it[k].seen_state, "enabled"))
			appendf(bad, sizeof(bad), "%sstep '%s': '%s' should be attached "
				"but guest-init had '%s' and sched_ext was %s", bl ? "; " : "",
				it[k].step, it[k].want, it[k].seen_name, it[k].seen_state);
		else if (!strstr(seen, it[k].want))
			appendf(seen, sizeof(seen), "%s%s", seen[0] ? ", " : "", it[k].want);
	}
	if (!nwant) {
		/* Attached and detached within steps: judge each attach. */
		int attaches = 0, bad_attach = 0;

		for (int i = 0; i < r->n_events; i++) {
			const struct guest_event *e = &r->events[i];

			if (e->kind != EV_SCHED_ATTACH && e->kind != EV_SCHED_REPLACE)
				continue;
			attaches++;
			if (strcmp(e->state, "enabled"))
				bad_attach++;
		}
		if (!attaches)
			check_add(out, "scheduler alive", false,
				  "the scenario attaches no scheduler: nothing to judge");
		else if (bad_attach)
			check_add(out, "scheduler alive", false,
				  "%d of %d attaches did not leave sched_ext enabled",
				  bad_attach, attaches);
		else
			check_add(out, "scheduler alive", true,
				  "%d attaches, each left sched_ext enabled, and no scheduler died",
				  attaches);
	} else if (bad[0]) {
		check_add(out, "scheduler alive", false, "%s", bad);
	} else {
		check_add(out, "scheduler alive", true,
			  "%s stayed attached (sched_ext enabled) at the end of all %d steps "
			  "that wanted one", seen, nwant);
	}
}

static bool death_matches(const struct scn_check *c, const struct guest_event *e)
{
	if (c->sched[0] && strcmp(c->sched, e->name) && strcmp(c->sched, e->sched_ops))
		return false;
	return !c->reason[0] || !strcmp(c->reason, "any") || !strcmp(c->reason, e->exit_kind);
}

static void check_dies(const struct run_result *r, const struct scn_check *c,
		       struct check_list *out)
{
	char label[128], other[1024] = "";

	snprintf(label, sizeof(label), "scheduler dies%s%s%s%s", c->reason[0] ? " reason=" : "",
		 c->reason, c->sched[0] ? " name=" : "", c->sched);
	for (int i = 0; i < r->n_events; i++) {
		const struct guest_event *e = &r->events[i];

		if (e->kind != EV_SCHED_DIED)
			continue;
		if (death_matches(c, e)) {
			check_add(out, label, true,
				  "scheduler '%s' died as expected at %.0f ms after %.0f ms attached: "
				  "%s (%s)", e->name, e->t_ms, e->alive_ms, e->exit_kind, e->reason);
			return;
		}
		appendf(other, sizeof(other), "%s'%s' died of %s (%s)", other[0] ? "; " : "",
			e->name, e->exit_kind, e->reason);
	}
	check_add(out, label, false, "expected %s%s%s to die%s%s, but %s",
		  c->sched[0] ? "scheduler '" : "a scheduler", c->sched, c->sched[0] ? "'" : "",
		  c->reason[0] && strcmp(c->reason, "any") ? " of " : "",
		  c->reason[0] && strcmp(c->reason, "any") ? c->reason : "",
		  other[0] ? other : "no scheduler died");
}

void checks_sched(const struct scenario *s, const struct run_result *r,
		  const struct scn_check *c, struct check_list *out)
{
	if (c->kind == SCN_CHECK_SCHED_ALIVE)
		check_alive(s, r, out);
	else if (c->kind == SCN_CHECK_SCHED_DIES)
		check_dies(r, c, out);
}

/* The step running (NULL: the backdrop) after event e. */
static const char *step_after(const struct guest_event *e, const char *step)
{
	if (e->kind == EV_STEP_START)
		return e->step;
	return e->kind == EV_STEP_END ? NULL : step;
}

/* sched_attach_failed e, which came during step (NULL: the backdrop). */
static void describe_failure(const struct guest_event *e, const char *step, char *buf,
			     size_t len)
{
	const char *phase = json_string_value(json_object_get(e->json, EVF_PHASE)) ?: "";

	snprintf(buf, len, "scheduler '%s' did not come up (%s) at %.0f ms in %s%s%s",
		 e->name, phase, e->t_ms, step ? "step '" : "", step ? step : "the backdrop",
		 step ? "'" : "");
}

static void check_attach(const struct run_result *r, struct check_list *out)
{
	char bad[2048] = "", what[256];
	const char *step = NULL;
	int ups = 0, fails = 0;

	for (int i = 0; i < r->n_events; i++) {
		const struct guest_event *e = &r->events[i];

		step = step_after(e, step);
		if (e->kind == EV_SCHED_ATTACH || e->kind == EV_SCHED_REPLACE)
			ups++;
		if (e->kind != EV_SCHED_ATTACH_FAILED)
			continue;
		describe_failure(e, step, what, sizeof(what));
		appendf(bad, sizeof(bad), "%s%s: %s", fails++ ? "; " : "", what, e->reason);
	}
	if (fails)
		check_add(out, "scheduler attach", false, "%s", bad);
	else if (ups)
		check_add(out, "scheduler attach", true, "every attach and replace (%d) "
			  "enabled sched_ext", ups);
}

void checks_sched_not_judged(const struct run_result *r, struct check_list *out,
			     int first)
{
	char what[256], old[2048];
	const char *step = NULL;

	for (int i = 0; i < r->n_events; i++) {
		step = step_after(&r->events[i], step);
		if (r->events[i].kind != EV_SCHED_ATTACH_FAILED)
			continue;
		describe_failure(&r->events[i], step, what, sizeof(what));
		for (int k = first; k < out->n; k++) {
			struct check_result *c = &out->v[k];

			if (c->skipped)
				continue;
			snprintf(old, sizeof(old), "%s", c->detail);
			snprintf(c->detail, sizeof(c->detail), "not judged: %s, so the run did "
				 "not test it; measured: %s: ", what, c->pass ? "PASS" : "FAIL");
			appendf(c->detail, sizeof(c->detail), "%s", old);
			c->pass = c->skipped = true;
		}
		return;
	}
}

void checks_sched_implicit(const struct scenario *s, const struct run_result *r,
			   struct check_list *out)
{
	char bad[1536] = "";
	int deaths = 0;

	if (!uses_schedulers(s))
		return;
	check_attach(r, out);
	for (int i = 0; i < r->n_events; i++) {
		const struct guest_event *e = &r->events[i];
		bool expect = false;

		if (e->kind != EV_SCHED_DIED)
			continue;
		deaths++;
		for (int k = 0; k < s->n_checks && !expect; k++)
			expect = s->checks[k].kind == SCN_CHECK_SCHED_DIES &&
				 death_matches(&s->checks[k], e);
		if (!expect)
			appendf(bad, sizeof(bad), "%sscheduler '%s' died unexpectedly "
				"at %.0f ms: %s (%s)", bad[0] ? "; " : "", e->name, e->t_ms,
				e->exit_kind, e->reason);
	}
	if (bad[0])
		check_add(out, "scheduler deaths", false, "%s", bad);
	else
		check_add(out, "scheduler deaths", true, "%d scheduler death%s, %s", deaths,
			  deaths == 1 ? "" : "s", deaths ? "each expected" : "none");
}
