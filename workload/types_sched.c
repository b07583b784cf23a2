// SPDX-License-Identifier: GPL-2.0-only
/* Work types that play with scheduling attributes: nice-sweep,
 * policy-churn, rt-starvation, preempt-storm. */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

#include "workload/setup.h"
#include "workload/types.h"

/* Step through nice -20..19 (each worker from its own offset), spinning
 * for step= at each value. Without CAP_SYS_NICE, lowering fails and the
 * worker stays at the lowest nice it may have. */
static int run_nice_sweep(struct wl_worker *w)
{
	uint64_t step = wl_opt(w, "step"), rounds = wl_opt(w, "work");
	int nice = w->index * 7 % 40;

	while (!wl_stopping(w)) {
		setpriority(PRIO_PROCESS, w->tid, nice - 20);
		wl_spin_until(w, wl_now() + step, rounds);
		nice = (nice + 1) % 40;
	}
	return 0;
}

static const struct wl_opt_def nice_opts[] = {
	{ "step", WL_OPT_DUR, "10ms", "time at each nice value" },
	{ "work", WL_OPT_INT, "1000", "compute rounds per work unit" },
	{ NULL },
};

const struct wl_type wl_type_nice_sweep = {
	.name = "nice-sweep", .summary = "spin while stepping through every nice value",
	.opts = nice_opts, .min_count = 1, .multiple = 1, .run = run_nice_sweep,
};

/* Cycle the worker's own policy through normal, batch, idle (and ext when
 * the group's policy is ext), spinning step= under each. */
static int run_policy_churn(struct wl_worker *w)
{
	int cycle[4] = { SCHED_OTHER, SCHED_BATCH, SCHED_IDLE, WL_SCHED_EXT };
	int n = w->spec->policy == SCN_POLICY_EXT ? 4 : 3, k = w->index % n;
	uint64_t step = wl_opt(w, "step"), rounds = wl_opt(w, "work"), t;
	char msg[128];

	while (!wl_stopping(w)) {
		t = wl_now();
		if (wl_set_policy(w->tid, cycle[k], 0, msg, sizeof(msg)))
			return wl_fail(w, WL_EXIT_POLICY, "%s", msg);
		wm_iter(w, t, 1);
		wl_spin_until(w, wl_now() + step, rounds);
		k = (k + 1) % n;
	}
	wl_set_policy(w->tid, wl_policy_num(w->spec->policy), w->spec->priority,
		      msg, sizeof(msg));
	return 0;
}

static const struct wl_opt_def policy_opts[] = {
	{ "step", WL_OPT_DUR, "5ms", "time under each policy" },
	{ "work", WL_OPT_INT, "1000", "compute rounds per spin unit" },
	{ NULL },
};

const struct wl_type wl_type_policy_churn = {
	.name = "policy-churn",
	.summary = "switch its own policy between normal, batch, idle (and ext)",
	.opts = policy_opts, .min_count = 1, .multiple = 1, .run = run_policy_churn,
};

/* Even workers are SCHED_FIFO hogs (run=, then a short sleep=), odd ones
 * are normal spinners whose gaps show how starved they are. */
static int run_rt_starvation(struct wl_worker *w)
{
	uint64_t rounds = wl_opt(w, "work");
	char msg[128];

	if (w->index % 2) {
		wl_spin_until(w, UINT64_MAX, rounds);
		return 0;
	}
	if (wl_set_policy(w->tid, SCHED_FIFO, (int)wl_opt(w, "prio"), msg, sizeof(msg)))
		return wl_fail(w, WL_EXIT_POLICY, "%s", msg);
	while (!wl_stopping(w)) {
		wl_spin_until(w, wl_now() + wl_opt(w, "run"), rounds);
		wl_sleep_until(w, wl_now() + wl_opt(w, "sleep"));
	}
	return 0;
}

static const struct wl_opt_def rt_opts[] = {
	{ "run", WL_OPT_DUR, "50ms", "hog: time spinning at RT priority" },
	{ "sleep", WL_OPT_DUR, "1ms", "hog: sleep between spins" },
	{ "prio", WL_OPT_INT, "1", "hog: SCHED_FIFO priority" },
	{ "work", WL_OPT_INT, "1000", "compute rounds per work unit" },
	{ NULL },
};

const struct wl_type wl_type_rt_starvation = {
	.name = "rt-starvation",
	.summary = "pairs: a SCHED_FIFO hog and a normal spinner it starves",
	.opts = rt_opts, .min_count = 2, .multiple = 2,
	.run = run_rt_starvation,
};

/* Even workers wake every period= and do a little work (at nice -10 when
 * allowed), preempting the odd workers, which spin. */
static int run_preempt_storm(struct wl_worker *w)
{
	uint64_t period = wl_opt(w, "period"), next = wl_now(), t;

	if (w->index % 2) {
		wl_spin_until(w, UINT64_MAX, wl_opt(w, "work"));
		return 0;
	}
	if (!w->spec->nice_set)
		setpriority(PRIO_PROCESS, w->tid, -10);
	while (!wl_stopping(w)) {
		t = wl_sleep_until(w, next += period);
		if (next < t)
			next = t; /* overran: do not try to catch up */
		wl_compute(wl_opt(w, "burst"));
		wm_iter(w, t, 1);
	}
	return 0;
}

static const struct wl_opt_def preempt_opts[] = {
	{ "period", WL_OPT_DUR, "200us", "waker: time between wake-ups" },
	{ "burst", WL_OPT_INT, "200", "waker: compute rounds per wake-up" },
	{ "work", WL_OPT_INT, "1000", "spinner: compute rounds per work unit" },
	{ NULL },
};

const struct wl_type wl_type_preempt_storm = {
	.name = "preempt-storm",
	.summary = "pairs: a frequent short waker preempting a spinner",
	.opts = preempt_opts, .min_count = 2, .multiple = 2, .run = run_preempt_storm,
};
