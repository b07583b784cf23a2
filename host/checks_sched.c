/* Scheduler checks (see checks_sched.h). The scenario says which scheduler
 * should be attached at the end of each step; guest-init's sched_step
 * event (sent just before each step_end) says which one was, and
 * sched_died events say which died of what. */
#include <stdarg.h>
#include <stdio.h>
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

static void add(json_t *out, const char *name, bool pass, bool *all, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
static void add(json_t *out, const char *name, bool pass, bool *all, const char *fmt, ...)
{
	char detail[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	json_array_append_new(out, json_pack("{s:s, s:b, s:s}", "name", name, "pass", pass,
					     "detail", detail));
	if (!pass)
		*all = false;
}

static const char *str(const json_t *e, const char *key)
{
	return json_string_value(json_object_get(e, key)) ?: "";
}

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
	const json_t *last = NULL, *e;
	size_t i;
	int k = 0;

	json_array_foreach(r->events, i, e) {
		const char *kind = str(e, "kind");

		if (!strcmp(kind, "sched_step")) {
			last = e;
		} else if (!strcmp(kind, "step_end") && k < n) {
			if (last) {
				it[k].seen_name = str(last, "name");
				it[k].seen_state = str(last, "state");
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
			json_t *out, bool *all)
{
	static struct iter it[MAX_ITERS];
	char bad[1536] = "", seen[512] = "";
	int n = expected(s, it, MAX_ITERS), nwant = 0;
	const json_t *e;
	size_t i;

	observed(r, it, n);
	json_array_foreach(r->events, i, e)
		if (!strcmp(str(e, "kind"), "sched_died")) {
			add(out, "scheduler alive", false, all,
			    "scheduler '%s' died at %.0f ms (%s): %s", str(e, "name"),
			    json_number_value(json_object_get(e, "t_ms")), str(e, "exit_kind"),
			    str(e, "reason"));
			return;
		}
	for (int k = 0; k < n; k++) {
		size_t bl = strlen(bad);

		if (!it[k].want[0])
			continue;
		nwant++;
		if (!it[k].seen_name)
			snprintf(bad + bl, sizeof(bad) - bl, "%sstep '%s': no scheduler state "
				 "reported at its end", bl ? "; " : "", it[k].step);
		else if (strcmp(it[k].seen_name, it[k].want) || strcmp(it[k].seen_state, "enabled"))
			snprintf(bad + bl, sizeof(bad) - bl, "%sstep '%s': '%s' should be attached "
				 "but guest-init had '%s' and sched_ext was %s", bl ? "; " : "",
				 it[k].step, it[k].want, it[k].seen_name, it[k].seen_state);
		else if (!strstr(seen, it[k].want) &&
			 strlen(seen) + strlen(it[k].want) + 3 < sizeof(seen))
			snprintf(seen + strlen(seen), sizeof(seen) - strlen(seen), "%s%s",
				 seen[0] ? ", " : "", it[k].want);
	}
	if (!nwant) {
		/* Attached and detached within steps: judge each attach. */
		int attaches = 0, bad_attach = 0;

		json_array_foreach(r->events, i, e) {
			const char *kind = str(e, "kind");
			if (strcmp(kind, "sched_attach") && strcmp(kind, "sched_replace"))
				continue;
			attaches++;
			if (strcmp(str(e, "state"), "enabled"))
				bad_attach++;
		}
		if (!attaches)
			add(out, "scheduler alive", false, all,
			    "the scenario attaches no scheduler: nothing to judge");
		else if (bad_attach)
			add(out, "scheduler alive", false, all,
			    "%d of %d attaches did not leave sched_ext enabled",
			    bad_attach, attaches);
		else
			add(out, "scheduler alive", true, all,
			    "%d attaches, each left sched_ext enabled, and no scheduler died",
			    attaches);
	}
	else if (bad[0])
		add(out, "scheduler alive", false, all, "%s", bad);
	else
		add(out, "scheduler alive", true, all,
		    "%s stayed attached (sched_ext enabled) at the end of all %d steps "
		    "that wanted one", seen, nwant);
}

static bool death_matches(const struct scn_check *c, const json_t *e)
{
	const char *kind = str(e, "exit_kind");

	if (c->sched[0] && strcmp(c->sched, str(e, "name")) &&
	    strcmp(c->sched, str(e, "sched_ops")))
		return false;
	return !c->reason[0] || !strcmp(c->reason, "any") || !strcmp(c->reason, kind);
}

static void check_dies(const struct run_result *r, const struct scn_check *c,
		       json_t *out, bool *all)
{
	char label[128], other[1024] = "";
	const json_t *e;
	size_t i;

	snprintf(label, sizeof(label), "scheduler dies%s%s%s%s", c->reason[0] ? " reason=" : "",
		 c->reason, c->sched[0] ? " name=" : "", c->sched);
	json_array_foreach(r->events, i, e) {
		size_t ol = strlen(other);

		if (strcmp(str(e, "kind"), "sched_died"))
			continue;
		if (death_matches(c, e)) {
			add(out, label, true, all,
			    "scheduler '%s' died as expected at %.0f ms after %.0f ms attached: "
			    "%s (%s)", str(e, "name"),
			    json_number_value(json_object_get(e, "t_ms")),
			    json_number_value(json_object_get(e, "alive_ms")), str(e, "exit_kind"),
			    str(e, "reason"));
			return;
		}
		snprintf(other + ol, sizeof(other) - ol, "%s'%s' died of %s (%s)",
			 ol ? "; " : "", str(e, "name"), str(e, "exit_kind"), str(e, "reason"));
	}
	add(out, label, false, all, "expected %s%s%s to die%s%s, but %s",
	    c->sched[0] ? "scheduler '" : "a scheduler", c->sched, c->sched[0] ? "'" : "",
	    c->reason[0] && strcmp(c->reason, "any") ? " of " : "",
	    c->reason[0] && strcmp(c->reason, "any") ? c->reason : "",
	    other[0] ? other : "no scheduler died");
}

void checks_sched(const struct scenario *s, const struct run_result *r,
		  const struct scn_check *c, json_t *out, bool *all_pass)
{
	if (c->kind == SCN_CHECK_SCHED_ALIVE)
		check_alive(s, r, out, all_pass);
	else if (c->kind == SCN_CHECK_SCHED_DIES)
		check_dies(r, c, out, all_pass);
}

void checks_sched_implicit(const struct scenario *s, const struct run_result *r,
			   json_t *out, bool *all_pass)
{
	char bad[1536] = "";
	const json_t *e;
	size_t i;
	int deaths = 0;

	if (!uses_schedulers(s))
		return;
	json_array_foreach(r->events, i, e) {
		bool expect = false;
		size_t bl = strlen(bad);

		if (strcmp(str(e, "kind"), "sched_died"))
			continue;
		deaths++;
		for (int k = 0; k < s->n_checks && !expect; k++)
			expect = s->checks[k].kind == SCN_CHECK_SCHED_DIES &&
				 death_matches(&s->checks[k], e);
		if (!expect)
			snprintf(bad + bl, sizeof(bad) - bl, "%sscheduler '%s' died unexpectedly "
				 "at %.0f ms: %s (%s)", bl ? "; " : "", str(e, "name"),
				 json_number_value(json_object_get(e, "t_ms")), str(e, "exit_kind"),
				 str(e, "reason"));
	}
	if (bad[0])
		add(out, "scheduler deaths", false, all_pass, "%s", bad);
	else
		add(out, "scheduler deaths", true, all_pass, "%d scheduler death%s, %s", deaths,
		    deaths == 1 ? "" : "s", deaths ? "each expected" : "none");
}
