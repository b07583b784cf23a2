// SPDX-License-Identifier: GPL-2.0-only
/* Unit tests for host/checks_sched.c: scheduler alive/dies judged from
 * synthetic guest events, entered through the host's frame checker. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "host/checks_sched.h"
#include "proto/wire.h"

static struct scn_op ops_first[] = { { .kind = SCN_OP_ATTACH, .name = "fifo" } };
static struct scn_op ops_second[] = { { .kind = SCN_OP_REPLACE, .name = "vtime" } };
static struct scn_op ops_back[] = { { .kind = SCN_OP_DETACH } };
static struct scn_block steps[] = {
	{ .name = "first", .repeat = 1, .n_ops = 1, .ops = ops_first },
	{ .name = "second", .repeat = 1, .n_ops = 1, .ops = ops_second },
	{ .name = "back", .repeat = 1, .n_ops = 1, .ops = ops_back },
};
static struct scn_scheduler scheds[] = { { .name = "fifo" }, { .name = "vtime" } };

static struct scenario s;
static struct run_result r;
static struct check_list out;

static void setup(struct scn_check *checks, int n)
{
	memset(&s, 0, sizeof(s));
	s.n_scheds = 2;
	s.scheds = scheds;
	s.n_steps = 3;
	s.steps = steps;
	s.n_checks = n;
	s.checks = checks;
	results_init(&r, 0);
}

static void fini(void)
{
	check_list_free(&out);
	results_free(&r);
}

TestSuite(checks_sched, .fini = fini);

static void frame(const char *json)
{
	cr_assert_eq(results_add_frame(&r, WIRE_EVENT, (const uint8_t *)json, strlen(json)), 0,
		     "%s: %s", json, json_string_value(json_array_get(r.wire_errors, 0)));
}

static void ev(const char *kind, const char *name, const char *state)
{
	char buf[512];

	snprintf(buf, sizeof(buf), "{\"kind\":\"%s\",\"name\":\"%s\",\"state\":\"%s\","
		 "\"reason\":\"\",\"t_ms\":1.0,\"mono_ns\":1}", kind, name, state);
	frame(buf);
}

static void step_end(const char *name, const char *state)
{
	ev("sched_step", name, state);
	frame("{\"kind\":\"step_end\",\"step\":\"s\",\"index\":0,\"iteration\":0,"
	      "\"t_ms\":1.0,\"mono_ns\":1}");
}

static void died(const char *name, const char *exit_kind, const char *reason)
{
	char buf[8192];

	snprintf(buf, sizeof(buf), "{\"kind\":\"sched_died\",\"name\":\"%s\","
		 "\"state\":\"disabled\",\"reason\":\"%s\",\"exit_kind\":\"%s\","
		 "\"alive_ms\":3.0,\"t_ms\":5.0,\"mono_ns\":1}", name, reason, exit_kind);
	frame(buf);
}

static const char *detail(int i)
{
	cr_assert_lt(i, out.n);
	return out.v[i].detail;
}

Test(checks_sched, alive_passes_when_each_step_had_its_scheduler)
{
	struct scn_check c = { .kind = SCN_CHECK_SCHED_ALIVE };

	setup(&c, 1);
	step_end("fifo", "enabled");
	step_end("vtime", "enabled");
	step_end("", "disabled");
	checks_sched(&s, &r, &c, &out);
	cr_assert(checks_all_pass(&out), "%s", detail(0));
}

Test(checks_sched, alive_fails_when_a_step_ends_without_it)
{
	struct scn_check c = { .kind = SCN_CHECK_SCHED_ALIVE };

	setup(&c, 1);
	step_end("fifo", "enabled");
	step_end("vtime", "disabled");
	step_end("", "disabled");
	checks_sched(&s, &r, &c, &out);
	cr_assert(!checks_all_pass(&out));
	cr_assert(strstr(detail(0), "step 'second'"), "%s", detail(0));
}

Test(checks_sched, dies_matches_reason_and_unexpected_death_fails)
{
	struct scn_check c = { .kind = SCN_CHECK_SCHED_DIES, .reason = "stall" };

	setup(&c, 1);
	died("vtime", "error", "boom");
	checks_sched(&s, &r, &c, &out);
	cr_assert(!checks_all_pass(&out), "an error death is not a stall");
	cr_assert(strstr(detail(0), "died of error (boom)"), "%s", detail(0));
	check_list_free(&out);
	checks_sched_implicit(&s, &r, &out);
	cr_assert(!checks_all_pass(&out), "the death was not expected");
	check_list_free(&out);
	strcpy(c.reason, "error");
	checks_sched(&s, &r, &c, &out);
	checks_sched_implicit(&s, &r, &out);
	cr_assert(checks_all_pass(&out), "%s", detail(1));
}

Test(checks_sched, dies_fails_when_nothing_died)
{
	struct scn_check c = { .kind = SCN_CHECK_SCHED_DIES };

	setup(&c, 1);
	step_end("fifo", "enabled");
	checks_sched(&s, &r, &c, &out);
	cr_assert(!checks_all_pass(&out));
	cr_assert(strstr(detail(0), "no scheduler died"), "%s", detail(0));
}

/* A scheduler's reason cut in the middle of a UTF-8 character by the
 * detail buffer: the result is still valid UTF-8 (JSON and XML writers
 * would refuse it otherwise). */
Test(checks_sched, a_long_multibyte_reason_stays_valid_utf8)
{
	struct scn_check c = { .kind = SCN_CHECK_SCHED_DIES, .reason = "stall" };
	char reason[3000] = "";

	setup(&c, 1);
	for (int i = 0; i < 900; i++)
		strcat(reason, "\xc3\xa9"); /* é */
	died("vtime", "error", reason);
	checks_sched(&s, &r, &c, &out);
	cr_assert_eq(out.n, 1);
	cr_assert(json_string(out.v[0].detail) != NULL, "detail is not valid UTF-8");
}
