// SPDX-License-Identifier: GPL-2.0-only
/* Every registered work type runs briefly, in both clone modes, without
 * crashing, and does some work. */
#include <criterion/criterion.h>
#include <string.h>
#include <unistd.h>

#include "workload/internal.h"
#include "workload/workload.h"

#define MS 1000000ull

static bool all_worked(const struct wl_group *g)
{
	for (int i = 0; i < wl_group_count(g); i++)
		if (!wl_group_report(g, i)->work_units)
			return false;
	return true;
}

static void run_all(enum scn_clone_mode clone)
{
	char failures[8192] = "";
	size_t n = 0;

	for (int k = 0; k < wl_type_count(); k++) {
		const struct wl_type *t = wl_type_at(k);
		struct scn_workers w = { .clone = clone };
		struct wl_group *g;
		char msg[512];
		int count = t->min_count < 2 ? 2 : t->min_count;

		count = (count + t->multiple - 1) / t->multiple * t->multiple;
		strcpy(w.type, t->name);
		w.count = count;
		if (wl_spawn(&w, NULL, &g, msg, sizeof(msg))) {
			n += snprintf(failures + n, sizeof(failures) - n, "%s: spawn: %s\n",
				      t->name, msg);
			continue;
		}
		usleep(100000);
		/* On a loaded machine a worker may need longer for its first
		 * unit; reports can be read while running. */
		for (int tries = 0; tries < 200 && !all_worked(g); tries++)
			usleep(10000);
		uint64_t t0 = wl_now();
		wl_stop(g, 2000 * MS);
		if (wl_now() - t0 > 500 * MS)
			n += snprintf(failures + n, sizeof(failures) - n,
				      "%s: took %lu ms to stop\n", t->name,
				      (unsigned long)((wl_now() - t0) / MS));
		for (int i = 0; i < count; i++) {
			const struct worker_report *r = wl_group_report(g, i);

			if (r->exit_kind != WR_EXIT_EXITED || r->exit_code || !r->completed ||
			    !r->work_units)
				n += snprintf(failures + n, sizeof(failures) - n,
					      "%s[%d]: %s code %d completed %d units %lu %s\n",
					      t->name, i, wr_exit_kind_name(r->exit_kind),
					      r->exit_code, r->completed, r->work_units,
					      r->exit_msg);
		}
		wl_free(g);
	}
	cr_assert_eq(n, 0, "%s", failures);
}

Test(types, all_fork, .timeout = 60)
{
	run_all(SCN_CLONE_FORK);
}

Test(types, all_thread, .timeout = 60)
{
	run_all(SCN_CLONE_THREAD);
}
