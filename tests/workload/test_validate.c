// SPDX-License-Identifier: GPL-2.0-only
/* Tests for wl_validate: type names, options and worker counts. */
#include <criterion/criterion.h>
#include <string.h>

#include "workload/workload.h"

static struct scn_workers spec(const char *type, int count)
{
	struct scn_workers w = { .count = count };

	strcpy(w.type, type);
	return w;
}

static void add_opt(struct scn_workers *w, const char *k, const char *v)
{
	strcpy(w->opts[w->n_opts].key, k);
	strcpy(w->opts[w->n_opts].value, v);
	w->n_opts++;
}

/* wl_validate's message for w, which it must refuse; the index of the bad
 * option (-1: none) in *bad. */
static const char *refused(const struct scn_workers *w, int *bad)
{
	static char msg[1024];

	cr_assert_eq(wl_validate(w, bad, msg, sizeof(msg)), -1, "%s accepted", w->type);
	return msg;
}

static void accepted(const struct scn_workers *w)
{
	char msg[1024];
	int bad;

	cr_assert_eq(wl_validate(w, &bad, msg, sizeof(msg)), 0, "%s: %s", w->type, msg);
}

Test(validate, good)
{
	struct scn_workers w = spec("bursty", 4);
	char msg[1024];
	int bad;

	add_opt(&w, "run", "5ms");
	add_opt(&w, "sleep", "1.5ms");
	cr_assert_eq(wl_validate(&w, &bad, msg, sizeof(msg)), 0, "%s", msg);
	cr_assert_eq(bad, -1);
}

Test(validate, unknown_type)
{
	struct scn_workers w = spec("spinn", 1);
	int bad;
	const char *msg = refused(&w, &bad);

	cr_assert_eq(bad, -1);
	cr_assert(strstr(msg, "unknown work type 'spinn'"), "%s", msg);
	cr_assert(strstr(msg, "futex-pingpong"), "should list the known types: %s", msg);
}

Test(validate, unknown_option)
{
	struct scn_workers w = spec("bursty", 1);
	const char *msg;
	int bad;

	add_opt(&w, "run", "5ms");
	add_opt(&w, "slep", "5ms");
	msg = refused(&w, &bad);
	cr_assert_eq(bad, 1);
	cr_assert(strstr(msg, "'slep'"), "%s", msg);
	cr_assert(strstr(msg, "run, sleep, work"), "should list valid options: %s", msg);
}

Test(validate, bad_option_value)
{
	struct scn_workers w = spec("priority-inversion", 3);
	const char *msg;
	int bad;

	add_opt(&w, "pi", "maybe");
	msg = refused(&w, &bad);
	cr_assert_eq(bad, 0);
	cr_assert(strstr(msg, "yes or no"), "%s", msg);

	w = spec("bursty", 1);
	add_opt(&w, "run", "10 parsecs");
	msg = refused(&w, &bad);
	cr_assert(strstr(msg, "duration"), "%s", msg);

	w = spec("sequence", 1);
	add_opt(&w, "phases", "spin:1ms,nap:2ms");
	msg = refused(&w, &bad);
	cr_assert(strstr(msg, "'nap:2ms'"), "%s", msg);
}

Test(validate, pair_needs_even_count)
{
	struct scn_workers w = spec("futex-pingpong", 3);
	int bad;
	const char *msg = refused(&w, &bad);

	cr_assert_eq(bad, -1);
	cr_assert(strstr(msg, "multiple of 2"), "%s", msg);
	w.count = 4;
	accepted(&w);
}

Test(validate, messenger_needs_receivers)
{
	struct scn_workers w = spec("schbench", 1);
	int bad;
	const char *msg = refused(&w, &bad);

	cr_assert(strstr(msg, "messenger"), "%s", msg);
}

Test(validate, mempolicy)
{
	struct scn_workers w = spec("spin", 1);
	const char *msg;
	int bad;

	strcpy(w.mempolicy, "bind:0-1");
	accepted(&w);
	strcpy(w.mempolicy, "scatter:0");
	msg = refused(&w, &bad);
	cr_assert(strstr(msg, "scatter"), "%s", msg);
	strcpy(w.mempolicy, "preferred:0,1");
	refused(&w, &bad);
}

/* Names are unique and each finds its own type (the documentation of
 * each is checked by workload-docs). */
Test(validate, type_names)
{
	const char *const *n = wl_type_names();

	for (int i = 0; n[i]; i++) {
		struct scn_workers w = spec(n[i], 6);

		for (int k = 0; k < i; k++)
			cr_assert_str_neq(n[i], n[k], "type '%s' twice", n[i]);
		accepted(&w);
	}
}

/* Work-type options use the scenario language's grammar for durations,
 * sizes and numbers: what `step s 1.5ns` rejects, `period=1.5ns` rejects. */
Test(validate, option_values_use_the_scenario_grammar)
{
	static const struct { const char *type, *key, *val, *msg; } bad[] = {
		{ "asymmetric-waker", "period", "1.5ns", "not a whole number of nanoseconds" },
		{ "bursty", "run", "1e-3s", "unknown unit 'e-3s'" },
		{ "bursty", "run", "-1ms", "bad duration '-1ms'" },
		{ "bursty", "run", " 5ms", "bad duration ' 5ms'" },
		{ "bursty", "sleep", "10", "expected a unit after '10'" },
		{ "page-fault-churn", "size", "4k", "unknown size suffix 'k' in '4k'" },
		{ "page-fault-churn", "size", "-4K", "bad size '-4K'" },
		{ "page-fault-churn", "size", "4KB", "unknown size suffix 'KB'" },
		{ "spin", "work", "-1", "option work=-1: -1 is out of range; expected 0.." },
		{ "spin", "work", " 5", "option work= 5: expected an integer" },
		{ "spin", "work", "5x", "option work=5x: expected an integer" },
		{ "sequence", "phases", "spin:1.5ns", "'spin:1.5ns'" },
	};
	static const struct { const char *type, *key, *val; } good[] = {
		{ "asymmetric-waker", "period", "1.5us" },
		{ "bursty", "run", "0.000000001s" },
		{ "page-fault-churn", "size", "4K" },
		{ "page-fault-churn", "size", "4096" },
		{ "spin", "work", "0" },
		{ "sequence", "phases", "spin:1.5ms,sleep:2ms" },
	};
	char msg[1024];
	int bad_opt;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct scn_workers w = spec(bad[i].type, 4);

		add_opt(&w, bad[i].key, bad[i].val);
		cr_expect_eq(wl_validate(&w, &bad_opt, msg, sizeof(msg)), -1, "%s %s=%s accepted",
			     bad[i].type, bad[i].key, bad[i].val);
		cr_expect(strstr(msg, bad[i].msg), "%s=%s: '%s' lacks '%s'", bad[i].key,
			  bad[i].val, msg, bad[i].msg);
	}
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		struct scn_workers w = spec(good[i].type, 4);

		add_opt(&w, good[i].key, good[i].val);
		cr_expect_eq(wl_validate(&w, &bad_opt, msg, sizeof(msg)), 0, "%s %s=%s: %s",
			     good[i].type, good[i].key, good[i].val, msg);
	}
}

Test(validate, count_limit_is_the_scenario_limit)
{
	struct scn_workers w = spec("spin", SCN_MAX_WORKERS);
	const char *msg;
	int bad;

	accepted(&w);
	w.count = SCN_MAX_WORKERS + 1;
	msg = refused(&w, &bad);
	cr_expect(strstr(msg, "needs 1 to 1024 workers"), "%s", msg);
}
