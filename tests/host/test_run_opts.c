// SPDX-License-Identifier: GPL-2.0-only
/* Unit tests for the run command's numbers: --timeout and --seed are
 * range-checked, and the default watchdog cannot overflow. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "host/run.h"
#include "scenario/model.h"

Test(run_opts, timeout_accepts_seconds)
{
	static const struct { const char *arg; uint64_t ms; } ok[] = {
		{ "1", 1000 }, { "0.5", 500 }, { "2.0001", 2001 }, { "0.0001", 1 },
		{ "1e2", 100000 }, { "604800", 604800000 },
	};
	char msg[256];
	uint64_t ms;

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		cr_expect_eq(run_parse_timeout(ok[i].arg, &ms, msg, sizeof(msg)), 0,
			     "%s: %s", ok[i].arg, msg);
		cr_expect_eq(ms, ok[i].ms, "%s: %llu ms", ok[i].arg, (unsigned long long)ms);
	}
}

Test(run_opts, timeout_refuses_what_is_not_a_duration)
{
	static const char *const bad[] = { "-1", "0", "-0", "nan", "NaN", "inf",
		"-inf", "1e300", "604800.001", "", " 5", "5s", "0x", "1e-400" };
	char msg[256];
	uint64_t ms = 7;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char want[64];

		cr_expect_eq(run_parse_timeout(bad[i], &ms, msg, sizeof(msg)), -1,
			     "'%s' accepted as %llu ms", bad[i], (unsigned long long)ms);
		snprintf(want, sizeof(want), "--timeout %s:", bad[i]);
		cr_expect(strstr(msg, want) && strstr(msg, "604800"), "%s", msg);
	}
}

Test(run_opts, seed_is_a_whole_u64)
{
	char msg[256];
	uint64_t v;

	cr_expect_eq(run_parse_u64("--seed", "18446744073709551615", &v, msg, sizeof(msg)), 0);
	cr_expect_eq(v, UINT64_MAX);
	cr_expect_eq(run_parse_u64("--seed", "0x10", &v, msg, sizeof(msg)), 0);
	cr_expect_eq(v, 16);
	cr_expect_eq(run_parse_u64("--seed", "0", &v, msg, sizeof(msg)), 0);
	cr_expect_eq(v, 0);
	cr_expect_eq(run_parse_u64("--seed", "18446744073709551616", &v, msg, sizeof(msg)), -1);
	cr_expect(strstr(msg, "--seed 18446744073709551616: out of range"), "%s", msg);
	for (const char *const *b = (const char *const[]){ "-1", "+1", "", " 1", "1x",
							 "08", NULL }; *b; b++) {
		cr_expect_eq(run_parse_u64("--seed", *b, &v, msg, sizeof(msg)), -1, "'%s'", *b);
		cr_expect(strstr(msg, "--seed") && strstr(msg, *b), "%s", msg);
	}
}

static uint64_t default_for(const char *text)
{
	struct scenario s;
	struct scn_error err;
	uint64_t ms;

	cr_assert_eq(scn_parse_string("t.scn", text, strlen(text), &s, &err), 0,
		     "%d:%d: %s", err.loc.line, err.loc.col, err.msg);
	ms = run_default_timeout_ms(&s);
	scn_free(&s);
	return ms;
}

Test(run_opts, default_timeout)
{
	cr_expect_eq(default_for("scenario t\n"), 120000);
	cr_expect_eq(default_for("scenario t\nstep s 1s repeat=3\nstep u 0.5ms\n"), 120000 + 9003);
	cr_expect_eq(default_for("scenario t\nbackdrop\n  sleep 2s\n  payload-run p /a\n"
				 "  payload-wait p timeout=1s\nstep s 1s\n"), 120000 + 12000);
	/* The longest scenario still gets 3 x its run time, under the cap. */
	cr_expect_eq(default_for("scenario t\nstep s 2880m\n"),
		     120000 + 3 * 48 * 3600 * 1000ull);
	cr_expect_leq(120000 + 3 * (SCN_MAX_RUN_NS / 1000000), RUN_TIMEOUT_MAX_S * 1000ull);
}

Test(run_opts, default_timeout_saturates)
{
	struct scenario s = { 0 };
	struct scn_block steps[2] = {
		{ .duration_ns = UINT64_MAX / 2, .repeat = 100000 },
		{ .duration_ns = UINT64_MAX, .repeat = 1 },
	};

	s.steps = steps;
	s.n_steps = 2;
	s.backdrop.repeat = 1;
	cr_expect_eq(scn_run_ns(&s), UINT64_MAX);
	cr_expect_eq(run_default_timeout_ms(&s), RUN_TIMEOUT_MAX_S * 1000ull);
	s.n_steps = 1;
	steps[0].duration_ns = 3000000001;
	steps[0].repeat = 1;
	cr_expect_eq(run_default_timeout_ms(&s), 120000 + 3 * 3001);
}

Test(run_opts, default_timeout_holds_the_scheduler_waits)
{
	/* scx_pair attached under load needed ~76 s under TCG: each attach may
	 * wait its enable-timeout (120 s unless given), each detach and the
	 * end of the run 3 s + 10 s, on top of 3 x the run time. */
	cr_expect_eq(default_for("scenario t\nscheduler a exec=/bin/true\n"
				 "step s 2s\n  attach a\n"),
		     120000 + 3 * 2000 + 120000 + 13000);
	cr_expect_eq(default_for("scenario t\nscheduler a exec=/bin/true enable-timeout=90s\n"
				 "scheduler b bpf=fifo enable-timeout=5s\n"
				 "step s 1s repeat=2\n  attach a\n  replace b\n  detach\n"),
		     120000 + 3 * 2000 + 2 * (90000 + 5000 + 13000 + 13000) + 13000);
	cr_expect_eq(default_for("scenario t\nscheduler a exec=/bin/true\nstep s 1s\n"),
		     120000 + 3000, "a scheduler never attached costs no wait");
}

Test(run_opts, append_refuses_what_breaks_the_run)
{
	static const char *const ok[] = { "", "nohz_full=1-3", "  quiet  loglevel=8 ",
		"console=ttyS0", "sched_ext.slice_bypass_us=1000 foo.init=1" };
	static const struct { const char *arg, *says; } bad[] = {
		{ "console=hvc0", "'console=hvc0': hvc0 is the report channel" },
		{ "quiet console=hvc1,115200 x", "'console=hvc1,115200'" },
		{ "rdinit=/bin/sh", "'rdinit=/bin/sh': guest-init must be the guest's PID 1" },
		{ "\tinit=/sbin/init", "'init=/sbin/init'" },
	};
	char msg[256];

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		cr_expect_eq(run_check_append(ok[i], msg, sizeof(msg)), 0, "'%s': %s", ok[i], msg);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cr_expect_eq(run_check_append(bad[i].arg, msg, sizeof(msg)), -1, "'%s'", bad[i].arg);
		cr_expect(strstr(msg, bad[i].says), "'%s': %s", bad[i].arg, msg);
	}
}
