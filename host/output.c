/* Verdict, JSON results and the terminal summary (see output.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host/checks.h"
#include "host/output.h"

static const char *crash_cause(const struct run_result *r)
{
	if (r->timed_out)
		return "the guest did not finish in time (hung?)";
	if (strstr(r->crash_line, "Kernel panic") || r->end == VM_END_PANIC)
		return "the guest kernel panicked";
	if (r->end == VM_END_FAILED)
		return "the VM failed";
	return "the guest stopped before guest-init finished";
}

void verdict_decide(const struct scenario *s, struct run_result *r, struct verdict *v)
{
	bool all_pass;
	size_t nerr = json_array_size(r->errors);

	memset(v, 0, sizeof(*v));
	v->checks = checks_run(s, r, &all_pass);
	if (!r->done) {
		const char *crash = r->crash_line;

		/* Drop the printk timestamp. */
		while (*crash && strchr("[]. 0123456789", *crash))
			crash++;
		v->verdict = "error";
		v->exit_code = 3;
		snprintf(v->reason, sizeof(v->reason), "%s%s%s (%s); %d worker report%s kept",
			 crash_cause(r), *crash ? ": " : "", crash, r->end_msg,
			 r->n_reps, r->n_reps == 1 ? "" : "s");
		return;
	}
	if (nerr) {
		json_t *e = json_array_get(r->errors, 0);
		v->verdict = "error";
		v->exit_code = 2;
		snprintf(v->reason, sizeof(v->reason), "%zu guest error%s, first: %s", nerr,
			 nerr > 1 ? "s" : "", json_string_value(json_object_get(e, "msg")));
		return;
	}
	if (json_array_size(r->wire_errors)) {
		v->verdict = "error";
		v->exit_code = 3;
		snprintf(v->reason, sizeof(v->reason), "report stream damaged: %s",
			 json_string_value(json_array_get(r->wire_errors, 0)));
		return;
	}
	if (!all_pass) {
		size_t i;
		json_t *c;
		v->verdict = "fail";
		v->exit_code = 1;
		json_array_foreach(v->checks, i, c)
			if (!json_is_true(json_object_get(c, "pass"))) {
				snprintf(v->reason, sizeof(v->reason), "check %s failed: %s",
					 json_string_value(json_object_get(c, "name")),
					 json_string_value(json_object_get(c, "detail")));
				break;
			}
		return;
	}
	v->verdict = "pass";
	v->exit_code = 0;
	snprintf(v->reason, sizeof(v->reason), "all %zu checks passed",
		 json_array_size(v->checks));
}

static json_t *cgroups_json(const struct run_result *r)
{
	json_t *arr = json_array();
	size_t i;
	json_t *rep;

	json_array_foreach(r->reports, i, rep) {
		const char *cg = json_string_value(json_object_get(rep, "cgroup")) ?: "";
		json_t *entry = NULL, *e;
		size_t k;

		json_array_foreach(arr, k, e)
			if (!strcmp(json_string_value(json_object_get(e, "name")), cg))
				entry = e;
		if (!entry) {
			entry = json_pack("{s:s, s:[]}", "name", cg, "workers");
			json_array_append_new(arr, entry);
		}
		json_array_append(json_object_get(entry, "workers"), rep);
	}
	return arr;
}

static json_t *scheduler_events(const struct run_result *r)
{
	json_t *arr = json_array(), *ev;
	size_t i;

	json_array_foreach(r->events, i, ev) {
		const char *k = json_string_value(json_object_get(ev, "kind"));
		if (k && !strncmp(k, "sched", 5))
			json_array_append(arr, ev);
	}
	return arr;
}

json_t *results_to_json(const struct scenario *s, const struct run_result *r,
			const struct verdict *v, const struct run_meta *m)
{
	const struct scn_topology *t = &s->topo;
	json_t *hello = r->hello;
	json_t *o = json_object();

	json_object_set_new(o, "schema", json_integer(1));
	json_object_set_new(o, "scenario", json_string(s->name));
	json_object_set_new(o, "description", json_string(s->description));
	json_object_set_new(o, "file", json_string(m->scenario_path));
	json_object_set_new(o, "verdict", json_string(v->verdict));
	json_object_set_new(o, "reason", json_string(v->reason));
	json_object_set_new(o, "exit_code", json_integer(v->exit_code));
	json_object_set_new(o, "kernel", json_pack("{s:s?, s:s?}", "release",
		hello ? json_string_value(json_object_get(hello, "kernel_release")) :
			m->kernel_release, "path", m->kernel_path));
	json_object_set_new(o, "backend", json_pack("{s:s, s:s}", "name", m->backend,
						    "accel", m->accel));
	json_object_set_new(o, "topology", json_pack("{s:i, s:i, s:i, s:i, s:i, s:O?}",
		"numa", t->numa, "llcs", t->llcs, "cores", t->cores, "threads", t->threads,
		"requested_cpus", scn_topo_ncpus(t),
		"cpus", hello ? json_object_get(hello, "cpus_online") : NULL));
	json_object_set_new(o, "guest", hello ? json_incref(hello) : json_null());
	json_object_set_new(o, "checks", json_incref(v->checks));
	json_object_set_new(o, "cgroups", cgroups_json(r));
	json_object_set_new(o, "events", json_incref(r->events));
	json_object_set_new(o, "scheduler_events", scheduler_events(r));
	json_object_set_new(o, "errors", json_incref(r->errors));
	json_object_set_new(o, "wire_errors", json_incref(r->wire_errors));
	json_object_set_new(o, "timings", json_pack("{s:I, s:I}", "boot_ms",
		(json_int_t)r->boot_ms, "total_ms", (json_int_t)r->total_ms));
	json_object_set_new(o, "vm_end", json_pack("{s:s, s:b}", "how", r->end_msg,
						   "timed_out", r->timed_out));
	json_object_set_new(o, "console_log", json_string(r->console_log));
	if (!r->done)
		json_object_set_new(o, "console_tail", json_string(r->console_tail));
	return o;
}

static void cgroup_line(FILE *f, const struct run_result *r, const char *cg,
			double total_cpu)
{
	double cpu = 0, gap = 0;
	uint64_t migr = 0, *lat = NULL;
	uint32_t nlat = 0;
	int n = 0;

	for (int i = 0; i < r->n_reps; i++) {
		const struct worker_report *w = r->reps[i];
		if (strcmp(w->cgroup, cg))
			continue;
		n++;
		cpu += w->cpu_time_ns;
		migr += w->migration_count;
		if (w->max_gap_ms > gap)
			gap = w->max_gap_ms;
		if (w->n_resume) {
			lat = realloc(lat, (nlat + w->n_resume) * sizeof(*lat));
			memcpy(lat + nlat, w->resume_latencies_ns, w->n_resume * sizeof(*lat));
			nlat += w->n_resume;
		}
	}
	fprintf(f, "  %-16s %7d %8.1f%% %10llu ", cg[0] ? cg : "(host)", n,
		total_cpu > 0 ? cpu / total_cpu * 100 : 0, (unsigned long long)migr);
	if (nlat)
		fprintf(f, "%9.1f %9.1f ", wr_percentile(lat, nlat, 50) / 1e3,
			wr_percentile(lat, nlat, 99) / 1e3);
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
		r->hello ? json_string_value(json_object_get(r->hello, "kernel_release")) :
			   m->kernel_release,
		m->backend, m->accel, scn_topo_ncpus(&s->topo),
		r->hello ? json_integer_value(json_object_get(r->hello, "cpus_online")) : -1LL,
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
	json_array_foreach(v->checks, i, c)
		fprintf(f, "  %s %-18s %s\n",
			json_is_true(json_object_get(c, "pass")) ? "PASS" : "FAIL",
			json_string_value(json_object_get(c, "name")),
			json_string_value(json_object_get(c, "detail")));
	json_array_foreach(r->errors, i, c)
		fprintf(f, "  ERROR %s\n", json_string_value(json_object_get(c, "msg")));
	json_array_foreach(r->wire_errors, i, c)
		fprintf(f, "  WIRE  %s\n", json_string_value(c));
	if (!r->done && r->console_tail[0])
		fprintf(f, "\n--- last lines of the kernel console (%s) ---\n%s\n---\n",
			r->console_log, r->console_tail);
	fprintf(f, "\nverdict: %s (%s)\n", v->verdict, v->reason);
}

static void xml_escape(FILE *f, const char *s)
{
	for (; s && *s; s++) {
		switch (*s) {
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '&': fputs("&amp;", f); break;
		case '"': fputs("&quot;", f); break;
		default:
			if ((unsigned char)*s < 0x20 && *s != '\n' && *s != '\t')
				fputc(' ', f);
			else
				fputc(*s, f);
		}
	}
}

int output_junit(const char *path, const struct scenario *s,
		 const struct run_result *r, const struct verdict *v)
{
	FILE *f = fopen(path, "we");
	size_t i, nfail = 0, nchecks = json_array_size(v->checks);
	bool error = !strcmp(v->verdict, "error");
	json_t *c;

	if (!f)
		return -1;
	json_array_foreach(v->checks, i, c)
		nfail += !json_is_true(json_object_get(c, "pass"));
	fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n");
	fprintf(f, "  <testsuite name=\"");
	xml_escape(f, s->name);
	fprintf(f, "\" tests=\"%zu\" failures=\"%zu\" errors=\"%d\" time=\"%.3f\">\n",
		nchecks + error, nfail, error, r->total_ms / 1e3);
	if (error) {
		fprintf(f, "    <testcase classname=\"");
		xml_escape(f, s->name);
		fprintf(f, "\" name=\"run\">\n      <error message=\"");
		xml_escape(f, v->reason);
		fprintf(f, "\">");
		xml_escape(f, r->console_tail);
		fprintf(f, "</error>\n    </testcase>\n");
	}
	json_array_foreach(v->checks, i, c) {
		fprintf(f, "    <testcase classname=\"");
		xml_escape(f, s->name);
		fprintf(f, "\" name=\"");
		xml_escape(f, json_string_value(json_object_get(c, "name")));
		if (json_is_true(json_object_get(c, "pass"))) {
			fprintf(f, "\"/>\n");
			continue;
		}
		fprintf(f, "\">\n      <failure message=\"");
		xml_escape(f, json_string_value(json_object_get(c, "detail")));
		fprintf(f, "\"/>\n    </testcase>\n");
	}
	fprintf(f, "  </testsuite>\n</testsuites>\n");
	return fclose(f) ? -1 : 0;
}
