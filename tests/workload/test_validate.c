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
	char msg[1024];
	int bad;

	cr_assert_eq(wl_validate(&w, &bad, msg, sizeof(msg)), -1);
	cr_assert_eq(bad, -1);
	cr_assert(strstr(msg, "unknown work type 'spinn'"), "%s", msg);
	cr_assert(strstr(msg, "futex-pingpong"), "should list the known types: %s", msg);
}

Test(validate, unknown_option)
{
	struct scn_workers w = spec("bursty", 1);
	char msg[1024];
	int bad;

	add_opt(&w, "run", "5ms");
	add_opt(&w, "slep", "5ms");
	cr_assert_eq(wl_validate(&w, &bad, msg, sizeof(msg)), -1);
	cr_assert_eq(bad, 1);
	cr_assert(strstr(msg, "'slep'"), "%s", msg);
	cr_assert(strstr(msg, "run, sleep, work"), "should list valid options: %s", msg);
}

Test(validate, bad_option_value)
{
	struct scn_workers w = spec("priority-inversion", 3);
	char msg[1024];
	int bad;

	add_opt(&w, "pi", "maybe");
	cr_assert_eq(wl_validate(&w, &bad, msg, sizeof(msg)), -1);
	cr_assert_eq(bad, 0);
	cr_assert(strstr(msg, "yes or no"), "%s", msg);

	w = spec("bursty", 1);
	add_opt(&w, "run", "10 parsecs");
	cr_assert_eq(wl_validate(&w, &bad, msg, sizeof(msg)), -1);
	cr_assert(strstr(msg, "duration"), "%s", msg);

	w = spec("sequence", 1);
	add_opt(&w, "phases", "spin:1ms,nap:2ms");
	cr_assert_eq(wl_validate(&w, &bad, msg, sizeof(msg)), -1);
	cr_assert(strstr(msg, "'nap:2ms'"), "%s", msg);
}

Test(validate, pair_needs_even_count)
{
	struct scn_workers w = spec("futex-pingpong", 3);
	char msg[1024];
	int bad;

	cr_assert_eq(wl_validate(&w, &bad, msg, sizeof(msg)), -1);
	cr_assert_eq(bad, -1);
	cr_assert(strstr(msg, "multiple of 2"), "%s", msg);
	w.count = 4;
	cr_assert_eq(wl_validate(&w, &bad, msg, sizeof(msg)), 0, "%s", msg);
}

Test(validate, messenger_needs_receivers)
{
	struct scn_workers w = spec("schbench", 1);
	char msg[1024];
	int bad;

	cr_assert_eq(wl_validate(&w, &bad, msg, sizeof(msg)), -1);
	cr_assert(strstr(msg, "messenger"), "%s", msg);
}

Test(validate, mempolicy)
{
	struct scn_workers w = spec("spin", 1);
	char msg[1024];
	int bad;

	strcpy(w.mempolicy, "bind:0-1");
	cr_assert_eq(wl_validate(&w, &bad, msg, sizeof(msg)), 0, "%s", msg);
	strcpy(w.mempolicy, "scatter:0");
	cr_assert_eq(wl_validate(&w, &bad, msg, sizeof(msg)), -1);
	cr_assert(strstr(msg, "scatter"), "%s", msg);
	strcpy(w.mempolicy, "preferred:0,1");
	cr_assert_eq(wl_validate(&w, &bad, msg, sizeof(msg)), -1);
}

Test(validate, type_names)
{
	const char *const *n = wl_type_names();
	int count = 0;

	for (; n[count]; count++)
		;
	cr_assert_eq(count, 39);
}
