/* Unit tests for host/checks_sched.c: scheduler alive/dies judged from
 * synthetic guest events. */
#include <criterion/criterion.h>
#include <string.h>

#include "host/checks_sched.h"

static struct scn_op ops_first[] = { { .kind = SCN_OP_ATTACH, .name = "fifo" } };
static struct scn_op ops_second[] = { { .kind = SCN_OP_REPLACE, .name = "vtime" } };
static struct scn_op ops_back[] = { { .kind = SCN_OP_DETACH } };
static struct scn_block steps[] = {
	{ .name = "first", .repeat = 1, .n_ops = 1, .ops = ops_first },
	{ .name = "second", .repeat = 1, .n_ops = 1, .ops = ops_second },
	{ .name = "back", .repeat = 1, .n_ops = 1, .ops = ops_back },
};
static struct scn_scheduler scheds[] = { { .name = "fifo" }, { .name = "vtime" } };

static void scenario(struct scenario *s, struct scn_check *checks, int n)
{
	memset(s, 0, sizeof(*s));
	s->n_scheds = 2;
	s->scheds = scheds;
	s->n_steps = 3;
	s->steps = steps;
	s->n_checks = n;
	s->checks = checks;
}

static void ev(struct run_result *r, const char *kind, const char *name,
	       const char *state)
{
	json_array_append_new(r->events, json_pack("{s:s, s:s, s:s, s:f}", "kind", kind,
						   "name", name, "state", state,
						   "t_ms", 1.0));
}

static void step_end(struct run_result *r, const char *name, const char *state)
{
	ev(r, "sched_step", name, state);
	ev(r, "step_end", "", "");
}

static bool first_pass(json_t *out, size_t i)
{
	return json_is_true(json_object_get(json_array_get(out, i), "pass"));
}

static const char *detail(json_t *out, size_t i)
{
	return json_string_value(json_object_get(json_array_get(out, i), "detail"));
}

Test(checks_sched, alive_passes_when_each_step_had_its_scheduler)
{
	struct scn_check c = { .kind = SCN_CHECK_SCHED_ALIVE };
	struct scenario s;
	struct run_result r;
	json_t *out = json_array();
	bool all = true;

	scenario(&s, &c, 1);
	results_init(&r);
	step_end(&r, "fifo", "enabled");
	step_end(&r, "vtime", "enabled");
	step_end(&r, "", "disabled");
	checks_sched(&s, &r, &c, out, &all);
	cr_assert(all, "%s", detail(out, 0));
	cr_assert(first_pass(out, 0));
	json_decref(out);
	results_free(&r);
}

Test(checks_sched, alive_fails_when_a_step_ends_without_it)
{
	struct scn_check c = { .kind = SCN_CHECK_SCHED_ALIVE };
	struct scenario s;
	struct run_result r;
	json_t *out = json_array();
	bool all = true;

	scenario(&s, &c, 1);
	results_init(&r);
	step_end(&r, "fifo", "enabled");
	step_end(&r, "vtime", "disabled");
	step_end(&r, "", "disabled");
	checks_sched(&s, &r, &c, out, &all);
	cr_assert(!all);
	cr_assert(strstr(detail(out, 0), "step 'second'"), "%s", detail(out, 0));
	json_decref(out);
	results_free(&r);
}

Test(checks_sched, dies_matches_reason_and_unexpected_death_fails)
{
	struct scn_check c = { .kind = SCN_CHECK_SCHED_DIES, .reason = "stall" };
	struct scenario s;
	struct run_result r;
	json_t *out = json_array(), *d;
	bool all = true;

	scenario(&s, &c, 1);
	results_init(&r);
	d = json_pack("{s:s, s:s, s:s, s:s, s:f, s:f}", "kind", "sched_died", "name", "vtime",
		      "exit_kind", "error", "reason", "boom", "t_ms", 5.0, "alive_ms", 3.0);
	json_array_append_new(r.events, d);
	checks_sched(&s, &r, &c, out, &all);
	cr_assert(!all, "an error death is not a stall");
	cr_assert(strstr(detail(out, 0), "died of error (boom)"), "%s", detail(out, 0));
	all = true;
	checks_sched_implicit(&s, &r, out, &all);
	cr_assert(!all, "the death was not expected");
	strcpy(c.reason, "error");
	all = true;
	checks_sched(&s, &r, &c, out, &all);
	checks_sched_implicit(&s, &r, out, &all);
	cr_assert(all, "%s", detail(out, 3));
	json_decref(out);
	results_free(&r);
}

Test(checks_sched, dies_fails_when_nothing_died)
{
	struct scn_check c = { .kind = SCN_CHECK_SCHED_DIES };
	struct scenario s;
	struct run_result r;
	json_t *out = json_array();
	bool all = true;

	scenario(&s, &c, 1);
	results_init(&r);
	step_end(&r, "fifo", "enabled");
	checks_sched(&s, &r, &c, out, &all);
	cr_assert(!all);
	cr_assert(strstr(detail(out, 0), "no scheduler died"), "%s", detail(out, 0));
	json_decref(out);
	results_free(&r);
}
