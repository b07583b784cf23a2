// SPDX-License-Identifier: GPL-2.0-only
/* The terminal summary (see output.h): a line per cgroup with its workers'
 * numbers, a line per check, the errors, the end of what a failed payload
 * or a scheduler that did not come up printed, the console tail of a
 * crashed run, and the verdict. */
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

/* Past this many checks, the passed ones are counted, not listed. */
#define SUMMARY_CHECKS_MAX 100
#define TAIL_LINES 12
/* The outputs shown of failed payloads and schedulers; the rest counted. */
#define TAILS_MAX 8

/* The last lines of text, indented, under a heading. */
static void tail(FILE *f, const char *heading, const char *text, const char *log)
{
	const char *end = text + strlen(text), *p = end;
	int n = 0;

	while (p > text && (p[-1] == '\n' || p[-1] == '\r'))
		p--;
	end = p;
	if (p == text)
		return;
	while (p > text && n < TAIL_LINES)
		if (*--p == '\n' && ++n == TAIL_LINES)
			p++;
	fprintf(f, "\n--- %s%s%s%s ---\n", heading, log ? " (all of it: " : "", log ? log : "",
		log ? ")" : "");
	for (const char *l = p; l < end;) {
		const char *nl = memchr(l, '\n', (size_t)(end - l));
		int len = nl ? (int)(nl - l) : (int)(end - l);

		fprintf(f, "  | %.*s\n", len, l);
		l += len + 1;
	}
}

static bool tap_failed(const json_t *tap)
{
	size_t i;
	json_t *t;

	if (!tap)
		return false;
	if (json_object_get(tap, TAPF_BAIL_OUT))
		return true;
	json_array_foreach(json_object_get(tap, TAPF_TESTS), i, t)
		if (!json_is_true(json_object_get(t, TAPF_OK)) &&
		    strcmp(json_string_value(json_object_get(t, TAPF_DIRECTIVE)) ?: "", "TODO"))
			return true;
	return false;
}

static void payload_tails(FILE *f, const struct guest_event *e, const struct guest_event *o,
			  const char *log)
{
	char heading[512];

	if (e->has_exit_code)
		snprintf(heading, sizeof(heading), "payload %s (exit %lld): the end of its stdout",
			 e->id, (long long)e->exit_code);
	else
		snprintf(heading, sizeof(heading), "payload %s (signal %lld): the end of its stdout",
			 e->id, (long long)e->signal);
	tail(f, heading, json_string_value(json_object_get(o->json, EVF_STDOUT)) ?: "", log);
	memcpy(heading + strlen(heading) - 6, "stderr", 6);
	tail(f, heading, json_string_value(json_object_get(o->json, EVF_STDERR)) ?: "", log);
}

/* What a payload that failed printed, and a scheduler that did not come
 * up: the output event before its payload_end / sched_attach_failed,
 * paired in one pass (maps by payload id and scheduler name). */
static void failed_outputs(FILE *f, const struct scenario *s, const struct run_result *r,
			   const struct run_meta *m)
{
	json_t *pout = json_object(), *sout = json_object(), *ids = output_log_ids(s), *k;
	char heading[512], log[4096];
	int shown = 0, more = 0;
	bool has_log;

	for (int i = 0; pout && sout && i < r->n_events; i++) {
		const struct guest_event *e = &r->events[i];
		bool payload = e->kind == EV_PAYLOAD_END;
		const char *key = payload ? e->id : e->name;

		if (e->kind == EV_PAYLOAD_OUTPUT || e->kind == EV_SCHED_OUTPUT)
			json_object_set_new(e->kind == EV_PAYLOAD_OUTPUT ? pout : sout,
					    e->kind == EV_PAYLOAD_OUTPUT ? e->id : e->name,
					    json_integer(i));
		if (!payload && e->kind != EV_SCHED_ATTACH_FAILED)
			continue;
		k = json_object_get(payload ? pout : sout, key);
		if (!k)
			continue;
		if (shown == TAILS_MAX) {
			more += !payload || (!e->killed && (!e->has_exit_code || e->exit_code)) ||
				tap_failed(json_object_get(e->json, EVF_TAP));
			json_object_del(payload ? pout : sout, key);
			continue;
		}
		has_log = m->log_stem && output_log_has(ids, payload ? "payload" : "sched", key);
		if (has_log)
			output_log_path(m->log_stem, payload ? "payload" : "sched", key, log,
					sizeof(log));
		if (!payload) {
			snprintf(heading, sizeof(heading), "scheduler %s (did not come up): the end "
				 "of its output", key);
			tail(f, heading, json_string_value(json_object_get(
				     r->events[json_integer_value(k)].json, EVF_OUTPUT)) ?: "",
			     has_log ? log : NULL);
			shown++;
		} else if ((!e->killed && (!e->has_exit_code || e->exit_code)) ||
			   tap_failed(json_object_get(e->json, EVF_TAP))) {
			payload_tails(f, e, &r->events[json_integer_value(k)],
				      has_log ? log : NULL);
			shown++;
		}
		json_object_del(payload ? pout : sout, key);
	}
	if (more)
		fprintf(f, "\n--- and %d more failed payload runs or schedulers: their output "
			"is in the results%s ---\n", more, m->log_stem ? " and their logs" : "");
	json_decref(pout);
	json_decref(sout);
	json_decref(ids);
}

void output_summary(FILE *f, const struct scenario *s, const struct run_result *r,
		    const struct verdict *v, const struct run_meta *m)
{
	const char *seen[64];
	int nseen = 0, hidden = 0;
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
	for (int k = 0; k < v->checks.n; k++) {
		const struct check_result *ck = &v->checks.v[k];

		if (v->checks.n > SUMMARY_CHECKS_MAX && ck->pass && !ck->skipped) {
			hidden++;
			continue;
		}
		fprintf(f, "  %s %-18s %s\n", ck->skipped ? "SKIP" : ck->pass ? "PASS" : "FAIL",
			ck->name, ck->detail);
	}
	if (hidden)
		fprintf(f, "  PASS %d more checks (listed in the results and the JUnit)\n",
			hidden);
	json_array_foreach(r->errors, i, c)
		fprintf(f, "  ERROR %s\n", json_string_value(json_object_get(c, ERRF_MSG)));
	json_array_foreach(r->wire_errors, i, c)
		fprintf(f, "  WIRE  %s\n", json_string_value(c));
	failed_outputs(f, s, r, m);
	if (!r->done && r->console_tail[0])
		fprintf(f, "\n--- last lines of the kernel console (%s) ---\n%s\n---\n",
			r->console_log, r->console_tail);
	fprintf(f, "\nverdict: %s (%s)\n", v->verdict, v->reason);
}
