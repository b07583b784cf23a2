// SPDX-License-Identifier: GPL-2.0-only
/* The terminal summary (see output.h): a line per cgroup with its workers'
 * numbers, a line per check, the errors, the console tail of a crashed
 * run, and the verdict. */
#include <stdlib.h>
#include <string.h>

#include "host/output.h"

static void cgroup_line(FILE *f, const struct run_result *r, const char *cg,
			double total_cpu)
{
	double cpu = 0, gap = 0;
	uint64_t migr = 0, *lat = NULL, nlat = 0;
	int n = 0;

	for (int i = 0; i < r->n_reps; i++) {
		const struct wr_data *w = r->reps[i];
		if (strcmp(w->cgroup, cg))
			continue;
		n++;
		cpu += w->cpu_time_ns;
		migr += w->migration_count;
		if (w->max_gap_ms > gap)
			gap = w->max_gap_ms;
		nlat += w->n_resume;
	}
	if (nlat && nlat <= UINT32_MAX && (lat = malloc(nlat * sizeof(*lat)))) {
		nlat = 0;
		for (int i = 0; i < r->n_reps; i++) {
			const struct wr_data *w = r->reps[i];
			if (!strcmp(w->cgroup, cg) && w->n_resume) {
				memcpy(lat + nlat, w->resume_latencies_ns,
				       w->n_resume * sizeof(*lat));
				nlat += w->n_resume;
			}
		}
		wr_sort(lat, (uint32_t)nlat);
	} else {
		nlat = 0;
	}
	/* Workers outside every cgroup run in the guest's root cgroup. */
	fprintf(f, "  %-16s %7d %8.1f%% %10llu ", cg[0] ? cg : "(root)", n,
		total_cpu > 0 ? cpu / total_cpu * 100 : 0, (unsigned long long)migr);
	if (nlat)
		fprintf(f, "%9.1f %9.1f ", wr_percentile_sorted(lat, nlat, 50) / 1e3,
			wr_percentile_sorted(lat, nlat, 99) / 1e3);
	else
		fprintf(f, "%9s %9s ", "-", "-");
	fprintf(f, "%10.1f\n", gap);
	free(lat);
}

void output_summary(FILE *f, const struct scenario *s, const struct run_result *r,
		    const struct verdict *v, const struct run_meta *m)
{
	const char *seen[64];
	int nseen = 0;
	double total = 0;
	size_t i;
	json_t *c;

	fprintf(f, "\nscenario %s: %s\n", s->name, s->description);
	fprintf(f, "kernel %s, %s/%s, %d CPUs requested, %lld online, boot %llu ms, total %llu ms\n",
		r->hello ? json_string_value(json_object_get(r->hello, HELLO_KERNEL_RELEASE)) :
			   m->kernel_release,
		m->backend, m->accel, scn_topo_ncpus(&s->topo),
		r->hello ? json_integer_value(json_object_get(r->hello, HELLO_CPUS_ONLINE)) : -1LL,
		(unsigned long long)r->boot_ms, (unsigned long long)r->total_ms);
	if (r->n_reps) {
		fprintf(f, "\n  %-16s %7s %9s %10s %9s %9s %10s\n", "cgroup", "workers",
			"cpu", "migrations", "wake p50", "wake p99", "worst gap");
		fprintf(f, "  %-16s %7s %9s %10s %9s %9s %10s\n", "", "", "share", "",
			"us", "us", "ms");
		for (int k = 0; k < r->n_reps; k++)
			total += r->reps[k]->cpu_time_ns;
		for (int k = 0; k < r->n_reps; k++) {
			int j;
			for (j = 0; j < nseen && strcmp(seen[j], r->reps[k]->cgroup); j++)
				;
			if (j < nseen || nseen == 64)
				continue;
			seen[nseen++] = r->reps[k]->cgroup;
			cgroup_line(f, r, r->reps[k]->cgroup, total);
		}
	}
	fprintf(f, "\n");
	for (int k = 0; k < v->checks.n; k++)
		fprintf(f, "  %s %-18s %s\n", v->checks.v[k].pass ? "PASS" : "FAIL",
			v->checks.v[k].name, v->checks.v[k].detail);
	json_array_foreach(r->errors, i, c)
		fprintf(f, "  ERROR %s\n", json_string_value(json_object_get(c, ERRF_MSG)));
	json_array_foreach(r->wire_errors, i, c)
		fprintf(f, "  WIRE  %s\n", json_string_value(c));
	if (!r->done && r->console_tail[0])
		fprintf(f, "\n--- last lines of the kernel console (%s) ---\n%s\n---\n",
			r->console_log, r->console_tail);
	fprintf(f, "\nverdict: %s (%s)\n", v->verdict, v->reason);
}
