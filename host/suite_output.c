// SPDX-License-Identifier: GPL-2.0-only
/* What a suite shows and leaves (see suite.h): its progress lines, the
 * runs' file names, index.json naming every run by its key, JUnit XML,
 * the table at the end. They format; suite.c, suite_run.c and the runs'
 * results decided. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "host/output.h"
#include "host/suite.h"
#include "kernels/kernels.h"
#include "lib/utf8.h"
#include "scenario/topologies.h"

void suite_say(const struct suite *su, const char *fmt, ...)
{
	va_list ap;

	if (su->o.quiet)
		return;
	fprintf(stderr, "[ktstr-run] ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void suite_fmt_secs(double s, char *buf, size_t len)
{
	if (s < 90)
		snprintf(buf, len, "%.0f s", s);
	else if (s < 5400)
		snprintf(buf, len, "%dm%02ds", (int)s / 60, (int)s % 60);
	else
		snprintf(buf, len, "%dh%02dm", (int)s / 3600, (int)s / 60 % 60);
}

void suite_path(const struct suite *su, const struct suite_run *r, const char *ext, char *buf,
		size_t len)
{
	snprintf(buf, len, "%s/%s%s", su->out_dir, r->stem, ext);
}

const char *suite_topo_label(const struct suite *su, const struct suite_run *r)
{
	static __thread char shape[32];
	const struct suite_topo *t = &su->topos[r->topo];

	if (!t->own)
		return t->label;
	scn_shape_format(&r->t, shape, sizeof(shape));
	return shape;
}

const char *suite_sched_label(const struct suite *su, const struct suite_run *r)
{
	return r->sched < 0 ? SUITE_SCHED_SCENARIO : su->scheds[r->sched].label;
}

static json_t *jstr(const char *s)
{
	char *t = utf8_sanitize_dup(s, strlen(s));
	json_t *j = t ? json_string(t) : NULL;

	free(t);
	return j;
}

static json_t *key_json(const struct suite *su, const struct suite_run *r)
{
	char shape[32];

	scn_shape_format(&r->t, shape, sizeof(shape));
	return json_pack("{s:o, s:s, s:s, s:s, s:i}", "scenario", jstr(su->scn[r->scn].name),
			 "topology", shape, "scheduler", suite_sched_label(su, r),
			 "kernel", su->kernel->release, "repeat", r->repeat);
}

static const char *state_verdict(const struct suite_run *r)
{
	switch (r->state) {
	case SUITE_SKIPPED: return "skipped";
	case SUITE_CANCELLED: return "cancelled";
	case SUITE_DONE: return r->verdict;
	default: return "not run";
	}
}

static json_t *run_json(const struct suite *su, const struct suite_run *r)
{
	const struct suite_topo *t = &su->topos[r->topo];
	char path[4400];
	json_t *j = json_pack("{s:o, s:o, s:o, s:s}", "key", key_json(su, r),
			      "preset", t->preset ? json_string(t->label) : json_null(),
			      "file", jstr(su->paths[r->scn]), "verdict", state_verdict(r));
	int bad = !j;

	if (bad)
		return NULL;
	if (r->state == SUITE_SKIPPED || r->state == SUITE_CANCELLED)
		return json_object_set_new(j, "reason", jstr(r->skip)) ? json_decref(j), NULL : j;
	bad |= json_object_set_new(j, "exit_code", json_integer(r->exit_code));
	bad |= json_object_set_new(j, "reason", jstr(r->reason));
	bad |= json_object_set_new(j, "seconds", json_real(r->secs));
	bad |= json_object_set_new(j, "seed", json_integer((json_int_t)(su->o.seed + r->repeat)));
	snprintf(path, sizeof(path), "%s.json", r->stem);
	bad |= json_object_set_new(j, "results", jstr(path));
	snprintf(path, sizeof(path), "%s.console.log", r->stem);
	bad |= json_object_set_new(j, "console_log", jstr(path));
	snprintf(path, sizeof(path), "%s.log", r->stem);
	bad |= json_object_set_new(j, "log", jstr(path));
	if (bad) {
		json_decref(j);
		return NULL;
	}
	return j;
}

json_t *suite_index_json(const struct suite *su)
{
	json_t *runs = json_array(), *counts = json_object(), *j;
	int bad = !runs || !counts;

	for (int i = 0; i < su->n_runs && !bad; i++) {
		const char *v = state_verdict(&su->runs[i]);
		json_t *c = json_object_get(counts, v);

		bad |= json_array_append_new(runs, run_json(su, &su->runs[i]));
		bad |= json_object_set_new(counts, v,
					   json_integer(c ? json_integer_value(c) + 1 : 1));
	}
	if (bad) {
		json_decref(runs);
		json_decref(counts);
		return NULL;
	}
	j = json_pack("{s:i, s:{s:s, s:o}, s:s, s:s, s:i, s:b, s:f, s:i, s:o, s:o}",
		      "schema", 1,
		      "kernel", "release", su->kernel->release, "path",
		      jstr(su->kernel->vmlinux[0] ? su->kernel->vmlinux : su->kernel->bzimage),
		      "backend", su->backend, "accel", su->accel,
		      "jobs", su->lanes.jobs, "cold", su->o.cold,
		      "wall_s", su->wall_s, "exit_code", su->exit_code,
		      "counts", counts, "runs", runs);
	return j;
}

/* One testsuite: the runs (every repetition) of one scenario x topology
 * x scheduler, from first (the lowest index) on. */
static void junit_suite(FILE *f, const struct suite *su, int first)
{
	const struct suite_run *r0 = &su->runs[first];
	int tests = 0, fails = 0, errors = 0, skipped = 0;
	char name[4 * SCN_NAME_MAX];
	double secs = 0;

	snprintf(name, sizeof(name), "%s/%s/%s", su->scn[r0->scn].name, suite_topo_label(su, r0),
		 suite_sched_label(su, r0));
	for (int i = first; i < su->n_runs; i++) {
		const struct suite_run *r = &su->runs[i];
		size_t k;
		json_t *c;

		if (r->scn != r0->scn || r->topo != r0->topo || r->sched != r0->sched)
			continue;
		secs += r->secs;
		if (r->state != SUITE_DONE) {
			tests++;
			skipped++;
			continue;
		}
		json_array_foreach(r->checks, k, c) {
			tests++;
			fails += !json_is_true(json_object_get(c, "pass"));
		}
		if (strcmp(r->verdict, "pass") && strcmp(r->verdict, "fail")) {
			tests++;
			errors++;
		}
	}
	fprintf(f, "  <testsuite name=\"");
	output_xml_text(f, name, true);
	fprintf(f, "\" tests=\"%d\" failures=\"%d\" errors=\"%d\" skipped=\"%d\" time=\"%.3f\">\n",
		tests, fails, errors, skipped, secs);
	fprintf(f, "    <properties>\n");
	fprintf(f, "      <property name=\"scenario\" value=\"");
	output_xml_text(f, su->scn[r0->scn].name, true);
	fprintf(f, "\"/>\n      <property name=\"file\" value=\"");
	output_xml_text(f, su->paths[r0->scn], true);
	fprintf(f, "\"/>\n      <property name=\"topology\" value=\"");
	output_xml_text(f, suite_topo_label(su, r0), true);
	fprintf(f, "\"/>\n      <property name=\"scheduler\" value=\"");
	output_xml_text(f, suite_sched_label(su, r0), true);
	fprintf(f, "\"/>\n      <property name=\"kernel\" value=\"");
	output_xml_text(f, su->kernel->release, true);
	fprintf(f, "\"/>\n    </properties>\n");
	for (int i = first; i < su->n_runs; i++) {
		const struct suite_run *r = &su->runs[i];
		char rep[32] = "";
		size_t k;
		json_t *c;

		if (r->scn != r0->scn || r->topo != r0->topo || r->sched != r0->sched)
			continue;
		if (su->repeat > 1)
			snprintf(rep, sizeof(rep), " #%d", r->repeat + 1);
		if (r->state != SUITE_DONE) {
			fprintf(f, "    <testcase classname=\"");
			output_xml_text(f, name, true);
			fprintf(f, "\" name=\"run%s\">\n      <skipped message=\"", rep);
			output_xml_text(f, r->state == SUITE_PENDING ? "not run" : r->skip, true);
			fprintf(f, "\"/>\n    </testcase>\n");
			continue;
		}
		if (strcmp(r->verdict, "pass") && strcmp(r->verdict, "fail")) {
			fprintf(f, "    <testcase classname=\"");
			output_xml_text(f, name, true);
			fprintf(f, "\" name=\"run%s\" time=\"%.3f\">\n      <error message=\"", rep,
				r->secs);
			output_xml_text(f, r->reason, true);
			fprintf(f, "\">");
			output_xml_text(f, r->console_tail, false);
			fprintf(f, "</error>\n    </testcase>\n");
		}
		json_array_foreach(r->checks, k, c) {
			const char *cn = json_string_value(json_object_get(c, "name"));

			fprintf(f, "    <testcase classname=\"");
			output_xml_text(f, name, true);
			fprintf(f, "\" name=\"");
			output_xml_text(f, cn ? cn : "?", true);
			fprintf(f, "%s\"", rep);
			if (json_is_true(json_object_get(c, "pass"))) {
				fprintf(f, "/>\n");
				continue;
			}
			fprintf(f, ">\n      <failure message=\"");
			output_xml_text(f, json_string_value(json_object_get(c, "detail")), true);
			fprintf(f, "\"/>\n    </testcase>\n");
		}
	}
	fprintf(f, "  </testsuite>\n");
}

int suite_junit(FILE *f, const struct suite *su)
{
	fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"ktstr-run suite\" "
		"time=\"%.3f\">\n", su->wall_s);
	for (int i = 0; i < su->n_runs; i++) {
		bool seen = false;

		for (int j = 0; j < i && !seen; j++)
			seen = su->runs[j].scn == su->runs[i].scn &&
			       su->runs[j].topo == su->runs[i].topo &&
			       su->runs[j].sched == su->runs[i].sched;
		if (!seen)
			junit_suite(f, su, i);
	}
	fprintf(f, "</testsuites>\n");
	return ferror(f) ? -1 : 0;
}

/* A column of the table: a topology of the suite under one scheduler. */
static bool in_col(const struct suite *su, const struct suite_run *r, const struct suite_run *col)
{
	return r->topo == col->topo &&
	       !strcmp(suite_sched_label(su, r), suite_sched_label(su, col));
}

static const char *short_verdict(const struct suite_run *r)
{
	switch (r->state) {
	case SUITE_SKIPPED: return "skip";
	case SUITE_CANCELLED: return "cancel";
	case SUITE_DONE: return !strcmp(r->verdict, "fail") ? "FAIL" : r->verdict;
	default: return "-";
	}
}

/* A scenario's runs in a column: its verdict, or passes/runs and the
 * worst other verdict when repeated. */
static void cell(const struct suite *su, int scn, const struct suite_run *col, char *buf,
		 size_t len)
{
	const char *other = NULL;
	int n = 0, pass = 0;

	for (int i = 0; i < su->n_runs; i++) {
		const struct suite_run *r = &su->runs[i];

		if (r->scn != scn || !in_col(su, r, col))
			continue;
		n++;
		if (r->state == SUITE_DONE && !strcmp(r->verdict, "pass"))
			pass++;
		else if (!other || !strcmp(short_verdict(r), "FAIL") || r->state == SUITE_DONE)
			other = short_verdict(r);
	}
	if (!n)
		snprintf(buf, len, ".");
	else if (n == 1)
		snprintf(buf, len, "%s", other ? other : "pass");
	else
		snprintf(buf, len, "%d/%d%s%s", pass, n, other ? " " : "", other ? other : "");
}

void suite_table(FILE *f, const struct suite *su)
{
	int *cols = calloc((size_t)su->n_runs + 1, sizeof(*cols)), n_cols = 0, w0 = 8;
	char head[2 * SCN_NAME_MAX + 2], v[64];

	if (!cols)
		return;
	for (int i = 0; i < su->n_runs; i++) {
		bool seen = false;

		for (int c = 0; c < n_cols && !seen; c++)
			seen = in_col(su, &su->runs[i], &su->runs[cols[c]]);
		if (!seen)
			cols[n_cols++] = i;
	}
	for (int s = 0; s < su->n_scn; s++)
		if ((int)strlen(su->scn[s].name) > w0)
			w0 = (int)strlen(su->scn[s].name);
	fprintf(f, "%-*s", w0, "scenario");
	for (int c = 0; c < n_cols; c++) {
		const struct suite_run *o = &su->runs[cols[c]];

		snprintf(head, sizeof(head), "%s/%s", su->topos[o->topo].label,
			 suite_sched_label(su, o));
		fprintf(f, "  %-10s", head);
	}
	fputc('\n', f);
	for (int s = 0; s < su->n_scn; s++) {
		fprintf(f, "%-*s", w0, su->scn[s].name);
		for (int c = 0; c < n_cols; c++) {
			const struct suite_run *o = &su->runs[cols[c]];
			int w;

			snprintf(head, sizeof(head), "%s/%s", su->topos[o->topo].label,
				 suite_sched_label(su, o));
			w = (int)strlen(head) > 10 ? (int)strlen(head) : 10;
			cell(su, s, o, v, sizeof(v));
			fprintf(f, "  %-*s", w, v);
		}
		fputc('\n', f);
	}
	free(cols);
}
