// SPDX-License-Identifier: GPL-2.0-only
/* The JSON results file (see output.h, docs/results.md). Every string the
 * guest sent is already valid UTF-8 (frames.c); a failure to encode any
 * part is an error, not a missing field. */
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "host/output.h"
#include "host/runkey.h"
#include "lib/utf8.h"

/* A host string (a path, a reason) as JSON, repaired to valid UTF-8. */
static json_t *jstr(const char *s)
{
	char *t = s ? utf8_sanitize_dup(s, strlen(s)) : NULL;
	json_t *j = t ? json_string(t) : NULL;

	free(t);
	return s ? j : json_null();
}

static json_t *checks_json(const struct verdict *v)
{
	json_t *a = json_array();

	for (int i = 0; a && i < v->checks.n; i++) {
		const struct check_result *c = &v->checks.v[i];
		json_t *o = json_pack("{s:o, s:b, s:b, s:o}", "name", jstr(c->name), "pass",
				      c->pass, "skipped", c->skipped, "detail", jstr(c->detail));

		if (json_array_append_new(a, o)) {
			json_decref(a);
			return NULL;
		}
	}
	return a;
}

/* Workers grouped by cgroup, in the order their cgroups first reported. */
static json_t *cgroups_json(const struct run_result *r)
{
	json_t *arr = json_array();

	for (int i = 0; arr && i < r->n_reps; i++) {
		const char *cg = r->reps[i]->cgroup;
		json_t *entry = NULL, *e, *w;
		size_t k;

		json_array_foreach(arr, k, e)
			if (!strcmp(json_string_value(json_object_get(e, "name")), cg))
				entry = e;
		if (!entry) {
			entry = json_pack("{s:o, s:[]}", "name", jstr(cg), "workers");
			if (json_array_append_new(arr, entry))
				goto err;
		}
		w = wr_data_to_json(r->reps[i]);
		if (json_array_append_new(json_object_get(entry, "workers"), w))
			goto err;
	}
	return arr;
err:
	json_decref(arr);
	return NULL;
}

void output_log_path(const char *stem, const char *what, const char *id, char *buf,
		     size_t len)
{
	snprintf(buf, len, "%s.%s-%s.log", stem, what, id);
}

json_t *output_log_ids(const struct scenario *s)
{
	json_t *ids = json_object();
	char key[SCN_NAME_MAX + 16];

	for (int i = 0; ids && i < s->n_scheds; i++) {
		snprintf(key, sizeof(key), "sched:%s", s->scheds[i].name);
		json_object_set_new(ids, key, json_true());
	}
	for (int b = -1; ids && b < s->n_steps; b++) {
		const struct scn_block *blk = b < 0 ? &s->backdrop : &s->steps[b];

		for (int i = 0; i < blk->n_ops; i++) {
			if (blk->ops[i].kind != SCN_OP_PAYLOAD_RUN)
				continue;
			snprintf(key, sizeof(key), "payload:%s", blk->ops[i].name);
			json_object_set_new(ids, key, json_true());
		}
	}
	return ids;
}

bool output_log_has(const json_t *ids, const char *what, const char *id)
{
	char key[SCN_NAME_MAX + 16];

	if (strlen(id) >= SCN_NAME_MAX)
		return false;
	snprintf(key, sizeof(key), "%s:%s", what, id);
	return json_object_get(ids, key) != NULL;
}

/* events[] holds output events without their text (payloads[] and
 * scheduler_output[] have it). */
static json_t *events_json(const struct run_result *r, bool sched_only)
{
	json_t *arr = json_array();

	for (int i = 0; arr && i < r->n_events; i++) {
		const struct guest_event *e = &r->events[i];
		json_t *o;

		if (sched_only && !proto_event_is_sched(e->kind))
			continue;
		if (e->kind != EV_PAYLOAD_OUTPUT && e->kind != EV_SCHED_OUTPUT) {
			json_array_append(arr, e->json);
			continue;
		}
		o = json_copy(e->json);
		json_object_del(o, EVF_STDOUT);
		json_object_del(o, EVF_STDERR);
		json_object_del(o, EVF_OUTPUT);
		if (json_array_append_new(arr, o)) {
			json_decref(arr);
			return NULL;
		}
	}
	return arr;
}

static json_t *log_json(const struct run_meta *m, const json_t *ids, const char *what,
		       const char *id)
{
	char path[4096];

	if (!m->log_stem || !output_log_has(ids, what, id))
		return json_null();
	output_log_path(m->log_stem, what, id, path, sizeof(path));
	return jstr(path);
}

/* One entry per payload run, from its payload_start, payload_output and
 * payload_end events: what ran, how it ended, what it printed. */
static json_t *payloads_json(const struct run_result *r, const struct run_meta *m,
			     const json_t *ids)
{
	static const char *const copy[] = { EVF_PATH, EVF_PID, EVF_EXIT_CODE, EVF_SIGNAL,
					    EVF_TIMED_OUT, EVF_KILLED, EVF_STDOUT, EVF_STDERR,
					    EVF_STDOUT_BYTES, EVF_STDERR_BYTES, EVF_METRICS,
					    EVF_TAP, NULL };
	json_t *arr = json_array(), *open = json_object();

	for (int i = 0; arr && open && i < r->n_events; i++) {
		const struct guest_event *e = &r->events[i];
		json_t *p;

		if (e->kind != EV_PAYLOAD_START && e->kind != EV_PAYLOAD_OUTPUT &&
		    e->kind != EV_PAYLOAD_END)
			continue;
		p = json_object_get(open, e->id);
		if (!p || e->kind == EV_PAYLOAD_START) {
			p = json_pack("{s:s}", "id", e->id);
			if (!p || json_array_append_new(arr, p) ||
			    json_object_set(open, e->id, p))
				goto err;
		}
		/* host/run.c writes the log of each payload that sent output. */
		if (e->kind == EV_PAYLOAD_OUTPUT &&
		    json_object_set_new(p, "log", log_json(m, ids, "payload", e->id)))
			goto err;
		for (const char *const *k = copy; *k; k++) {
			json_t *v = json_object_get(e->json, *k);

			if (v && json_object_set(p, *k, v))
				goto err;
		}
		if (e->kind == EV_PAYLOAD_END)
			json_object_del(open, e->id);
	}
	json_decref(open);
	return arr;
err:
	json_decref(open);
	json_decref(arr);
	return NULL;
}

/* What each scheduler printed while it was up, one entry per time it was. */
static json_t *sched_output_json(const struct run_result *r, const struct run_meta *m,
				 const json_t *ids)
{
	json_t *arr = json_array();

	for (int i = 0; arr && i < r->n_events; i++) {
		const struct guest_event *e = &r->events[i];
		json_t *o;

		if (e->kind != EV_SCHED_OUTPUT)
			continue;
		o = json_pack("{s:s, s:O?, s:f, s:O, s:O, s:o}", "name", e->name, "type",
			      json_object_get(e->json, EVF_TYPE), "t_ms", e->t_ms, "output",
			      json_object_get(e->json, EVF_OUTPUT), "output_bytes",
			      json_object_get(e->json, EVF_OUTPUT_BYTES), "log",
			      log_json(m, ids, "sched", e->name));
		if (json_array_append_new(arr, o)) {
			json_decref(arr);
			return NULL;
		}
	}
	return arr;
}

static json_t *key_json(const struct scenario *s, const struct run_result *r,
			const struct run_meta *m)
{
	json_t *rel = r->hello ? json_object_get(r->hello, HELLO_KERNEL_RELEASE) : NULL;
	char topo[128], sched[512];

	runkey_topology(&s->topo, topo, sizeof(topo));
	runkey_scheduler(s, sched, sizeof(sched));
	return json_pack("{s:o, s:o, s:o, s:o, s:i}", "scenario", jstr(s->name),
			 "topology", jstr(m->key_topology ? m->key_topology : topo),
			 "scheduler", jstr(m->key_scheduler ? m->key_scheduler : sched),
			 "kernel", rel ? json_incref(rel) : jstr(m->kernel_release),
			 "repeat", m->repeat);
}

static json_t *load_json(const double *l)
{
	return json_pack("[f, f, f]", l[0], l[1], l[2]);
}

static json_t *host_json(const struct run_result *r)
{
	const struct host_facts *h = &r->host;

	return json_pack("{s:I, s:I, s:o, s:i, s:o, s:o}",
			 "peak_rss_kib", (json_int_t)r->host_peak_rss_kib,
			 "vm_peak_rss_kib", (json_int_t)r->vm_peak_rss_kib,
			 "cpu_model", jstr(h->cpu_model), "cpus", h->cpus,
			 "load_start", load_json(h->load_start), "load_end", load_json(h->load_end));
}

/* What the host gave the VM while the steps ran (host/dilation.h). */
static json_t *dilation_json(const struct dilation *d)
{
	if (!d->measured)
		return json_pack("{s:b}", "measured", 0);
	return json_pack("{s:b, s:f, s:f, s:f, s:i, s:i, s:f, s:f, s:f, s:b}",
			 "measured", 1, "wall_ms", d->wall_ns / 1e6, "vm_cpu_ms", d->cpu_ns / 1e6,
			 "vm_wait_ms", d->wait_ns / 1e6, "vm_threads", d->threads,
			 "usable_cpus", d->usable_cpus, "cpu_share", dil_cpu_share(d),
			 "starved_pct", dil_starved(d) * 100, "factor", dil_factor(d),
			 "starved", dil_is_starved(d));
}

json_t *results_to_json(const struct scenario *s, const struct run_result *r,
			const struct verdict *v, const struct run_meta *m)
{
	const struct scn_topology *t = &s->topo;
	json_t *hello = r->hello;
	json_t *o = json_object();
	json_t *ids = output_log_ids(s);
	int bad = 0;

	if (!o) {
		json_decref(ids);
		return NULL;
	}
#define SET(key, val) (bad |= json_object_set_new(o, key, val))
	SET("schema", json_integer(1));
	SET("version", json_string(KTSTR_VERSION));
	SET("key", key_json(s, r, m));
	SET("scenario", jstr(s->name));
	SET("description", jstr(s->description));
	SET("file", jstr(m->scenario_path));
	SET("verdict", jstr(v->verdict));
	SET("reason", jstr(v->reason));
	SET("exit_code", json_integer(v->exit_code));
	SET("kernel", json_pack("{s:o, s:o}", "release",
		hello ? json_incref(json_object_get(hello, HELLO_KERNEL_RELEASE))
		      : jstr(m->kernel_release),
		"path", jstr(m->kernel_path)));
	SET("backend", json_pack("{s:o, s:o}", "name", jstr(m->backend), "accel",
				 jstr(m->accel)));
	SET("topology", json_pack("{s:i, s:i, s:i, s:i, s:i, s:O?}",
		"numa", t->numa, "llcs", t->llcs, "cores", t->cores, "threads", t->threads,
		"requested_cpus", scn_topo_ncpus(t),
		"cpus", hello ? json_object_get(hello, HELLO_CPUS_ONLINE) : NULL));
	SET("guest", hello ? json_incref(hello) : json_null());
	SET("checks", checks_json(v));
	SET("cgroups", cgroups_json(r));
	SET("events", events_json(r, false));
	SET("scheduler_events", events_json(r, true));
	SET("payloads", ids ? payloads_json(r, m, ids) : NULL);
	SET("scheduler_output", ids ? sched_output_json(r, m, ids) : NULL);
	SET("errors", json_incref(r->errors));
	SET("wire_errors", json_incref(r->wire_errors));
	SET("timings", json_pack("{s:I, s:I, s:I, s:I}", "restore_ms",
				 (json_int_t)r->restore_ms, "ready_ms", (json_int_t)r->ready_ms,
				 "boot_ms", (json_int_t)r->boot_ms,
				 "total_ms", (json_int_t)r->total_ms));
	SET("boot", json_pack("{s:s, s:o, s:b}", "kind", r->boot_kind ? r->boot_kind : "cold",
			      "snapshot", r->snapshot[0] ? json_string(r->snapshot) : json_null(),
			      "snapshot_saved", r->snapshot_saved));
	SET("host", host_json(r));
	SET("dilation", dilation_json(&r->dilation));
	SET("vm_end", json_pack("{s:o, s:b}", "how", jstr(r->end_msg), "timed_out",
				r->timed_out));
	SET("console_log", jstr(r->console_log));
	if (!r->done)
		SET("console_tail", jstr(r->console_tail));
#undef SET
	json_decref(ids);
	if (bad) {
		json_decref(o);
		return NULL;
	}
	return o;
}
