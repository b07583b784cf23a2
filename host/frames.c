// SPDX-License-Identifier: GPL-2.0-only
/* Where guest data enters the host (see results.h): every frame is
 * size-checked, parsed, and checked field by field against the schema in
 * proto/events.h (workload/report.h for reports) before anything judges
 * it; what a guest can make the host keep is bounded by struct run_limits.
 * A guest runs the scheduler under test and may send any bytes. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host/results.h"
#include "lib/utf8.h"
#include "proto/wire.h"

/* The largest payload kept per frame type; a larger frame is refused
 * unparsed. A report holds at most 2 x WR_RESERVOIR_CAP samples (about
 * 4 MB of JSON); an event at most two PF_TEXT outputs (payload_output:
 * 2 x PROTO_TEXT_MAX, 768 KiB even if every byte were a control character
 * JSON writes as \u00XX) or PROTO_TAP_MAX test lines. */
static uint32_t max_payload(uint16_t type)
{
	switch (type) {
	case WIRE_HELLO: return 1u << 20;
	case WIRE_EVENT: return 1u << 20;
	case WIRE_ERROR: return 64u << 10;
	case WIRE_REPORT: return 16u << 20;
	case WIRE_DONE: return 4u << 10;
	case WIRE_READY: return 4u << 10;
	case WIRE_SYNC: return 64;
	}
	return 0;
}

void run_limits_default(struct run_limits *l, uint64_t expected_workers)
{
	uint64_t reports = expected_workers + 64;

	l->max_reports = reports > 1u << 20 ? 1u << 20 : (uint32_t)reports;
	/* 32 Mi samples (256 MiB) over all reports: full reservoirs for 160
	 * workers, and more than any run measures in practice. */
	l->max_samples = 32ull << 20;
	l->max_events = 100000;
	/* Room for the output guest-init sends (at most 8 MiB of text over
	 * the run, guest-init/payload_output.h) besides the other events. */
	l->max_event_bytes = 64ull << 20;
	l->max_errors = 1000;
	l->max_wire_errors = 100;
	l->max_stream_bytes = 1ull << 30;
}

void results_init(struct run_result *r, uint64_t expected_workers)
{
	memset(r, 0, sizeof(*r));
	run_limits_default(&r->lim, expected_workers);
	r->errors = json_array();
	r->wire_errors = json_array();
}

void results_free(struct run_result *r)
{
	json_decref(r->hello);
	for (int i = 0; i < r->n_events; i++)
		json_decref(r->events[i].json);
	free(r->events);
	json_decref(r->errors);
	json_decref(r->wire_errors);
	json_decref(r->done);
	json_decref(r->ready);
	for (int i = 0; i < r->n_reps; i++) {
		wr_data_free(r->reps[i]);
		free(r->reps[i]);
	}
	free(r->reps);
	memset(r, 0, sizeof(*r));
}

/* A string into a JSON value that is always valid UTF-8 (never NULL but on
 * ENOMEM). */
static json_t *jstr(const char *s, size_t len)
{
	char *t = utf8_sanitize_dup(s, len);
	json_t *j = t ? json_string(t) : NULL;

	free(t);
	return j;
}

void results_wire_error(struct run_result *r, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	if (json_array_size(r->wire_errors) >= r->lim.max_wire_errors) {
		r->dropped.wire_errors++;
		return;
	}
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	json_array_append_new(r->wire_errors, jstr(msg, strlen(msg)));
}

void results_finish(struct run_result *r)
{
	/* These go past max_wire_errors: they say what the cap hid. */
	char msg[256];

#define DROPPED(n, fmt, ...)                                               \
	do {                                                               \
		if (n) {                                                   \
			snprintf(msg, sizeof(msg), fmt, __VA_ARGS__);      \
			json_array_append_new(r->wire_errors, json_string(msg)); \
		}                                                          \
	} while (0)
	DROPPED(r->dropped.reports, "%llu report frames dropped: the scenario can "
		"produce at most %u (its workers plus slack)",
		(unsigned long long)r->dropped.reports, r->lim.max_reports);
	DROPPED(r->dropped.samples, "%llu latency/cost samples dropped: reports may "
		"hold %llu in all", (unsigned long long)r->dropped.samples,
		(unsigned long long)r->lim.max_samples);
	DROPPED(r->dropped.events, "%llu event frames dropped past the first %u",
		(unsigned long long)r->dropped.events, r->lim.max_events);
	DROPPED(r->dropped.event_bytes, "%llu event frames dropped past %llu bytes of events",
		(unsigned long long)r->dropped.event_bytes,
		(unsigned long long)r->lim.max_event_bytes);
	DROPPED(r->dropped.errors, "%llu error frames dropped past the first %u",
		(unsigned long long)r->dropped.errors, r->lim.max_errors);
	DROPPED(r->flooded, "the guest sent more than %llu bytes on the report channel; "
		"the VM was stopped", (unsigned long long)r->lim.max_stream_bytes);
	DROPPED(r->dropped.wire_errors, "%llu more wire errors not listed",
		(unsigned long long)r->dropped.wire_errors);
#undef DROPPED
	r->dropped.reports = r->dropped.samples = r->dropped.events = 0;
	r->dropped.event_bytes = r->dropped.errors = r->dropped.wire_errors = 0;
}

/* Check `in` against fields; *out gets a new object with the schema's fields
 * only. Returns 0, or -1 with msg naming the field. */
static int check_object(const json_t *in, const struct proto_field *fields, json_t **out,
			char *msg, size_t len, int depth);

static int check_value(const json_t *v, const struct proto_field *f, json_t **out,
		       char *msg, size_t len, int depth)
{
	struct scn_cpumask m;
	const char *want = NULL;
	size_t n;

	*out = NULL;
	switch (f->type) {
	case PF_STR:
	case PF_TEXT:
	case PF_CPUS: {
		size_t max = f->type == PF_TEXT ? PROTO_TEXT_MAX : PROTO_STR_MAX;

		if (!json_is_string(v)) {
			want = f->type == PF_CPUS ? "a CPU list string" : "a string";
			break;
		}
		n = json_string_length(v);
		if (f->type == PF_CPUS &&
		    (n > 4096 || memchr(json_string_value(v), 0, n) ||
		     scn_cpumask_parse(json_string_value(v), &m))) {
			want = "a CPU list like 0-3,6 within the CPU limit";
			break;
		}
		/* Cut long strings at a character; NULs become U+FFFD. */
		*out = jstr(json_string_value(v), n > max ? max : n);
		return *out ? 0 : -1;
	}
	case PF_INT:
		if (!json_is_integer(v)) {
			want = "an integer";
			break;
		}
		*out = json_integer(json_integer_value(v));
		return 0;
	case PF_UINT:
		if (!json_is_integer(v) || json_integer_value(v) < 0) {
			want = "a non-negative integer";
			break;
		}
		*out = json_integer(json_integer_value(v));
		return 0;
	case PF_NUM:
		if (!json_is_number(v)) {
			want = "a number";
			break;
		}
		*out = json_is_integer(v) ? json_integer(json_integer_value(v))
					  : json_real(json_real_value(v));
		return 0;
	case PF_BOOL:
		if (!json_is_boolean(v)) {
			want = "a boolean";
			break;
		}
		*out = json_boolean(json_is_true(v));
		return 0;
	case PF_METRICS: {
		const char *k;
		json_t *x;

		if (!json_is_object(v) || json_object_size(v) > PROTO_METRICS_MAX) {
			want = "an object of at most 256 numbers";
			break;
		}
		*out = json_object();
		json_object_foreach((json_t *)v, k, x) {
			char key[256];

			if (!json_is_number(x)) {
				want = "an object of numbers";
				break;
			}
			utf8_copy(key, sizeof(key), k);
			json_object_set_new(*out, key, json_is_integer(x) ?
					    json_integer(json_integer_value(x)) :
					    json_real(json_real_value(x)));
		}
		break;
	}
	case PF_OBJECT:
		if (!json_is_object(v)) {
			want = "an object";
			break;
		}
		return check_object(v, f->sub, out, msg, len, depth + 1);
	case PF_OBJARRAY: {
		size_t i;
		json_t *x;

		if (!json_is_array(v) || json_array_size(v) > PROTO_ARRAY_MAX) {
			want = "an array of at most 1024 objects";
			break;
		}
		*out = json_array();
		json_array_foreach(v, i, x) {
			json_t *o;

			if (!json_is_object(x)) {
				want = "an array of objects";
				break;
			}
			if (check_object(x, f->sub, &o, msg, len, depth + 1)) {
				json_decref(*out);
				*out = NULL;
				return -1;
			}
			json_array_append_new(*out, o);
		}
		break;
	}
	}
	if (want) {
		json_decref(*out);
		*out = NULL;
		snprintf(msg, len, "field '%s' is not %s", f->name, want);
		return -1;
	}
	return 0;
}

static int check_object(const json_t *in, const struct proto_field *fields, json_t **out,
			char *msg, size_t len, int depth)
{
	json_t *o = json_object();

	for (const struct proto_field *f = fields; f->name; f++) {
		json_t *v = json_object_get(in, f->name), *c;

		if (!v) {
			if (!f->required)
				continue;
			snprintf(msg, len, "field '%s' is missing", f->name);
			goto err;
		}
		if (check_value(v, f, &c, msg, len, depth))
			goto err;
		if (json_object_set_new(o, f->name, c)) {
			snprintf(msg, len, "out of memory");
			goto err;
		}
	}
	*out = o;
	return 0;
err:
	json_decref(o);
	*out = NULL;
	return -1;
}

static const char *sfield(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key)) ?: "";
}

/* The typed views of a checked event. */
static void event_view(struct guest_event *e)
{
	const json_t *o = e->json;
	json_t *v;

	e->step = sfield(o, EVF_STEP);
	e->cgroup = sfield(o, EVF_CGROUP);
	e->from = sfield(o, EVF_FROM);
	e->to = sfield(o, EVF_TO);
	e->id = sfield(o, EVF_ID);
	e->name = sfield(o, EVF_NAME);
	e->state = sfield(o, EVF_STATE);
	e->reason = sfield(o, EVF_REASON);
	e->exit_kind = sfield(o, EVF_EXIT_KIND);
	e->sched_ops = sfield(o, EVF_SCHED_OPS);
	if (e->kind == EV_CPUSET || e->kind == EV_AFFINITY)
		scn_cpumask_parse(sfield(o, EVF_CPUS), &e->cpus);
	e->index = json_integer_value(json_object_get(o, EVF_INDEX));
	e->iteration = json_integer_value(json_object_get(o, EVF_ITERATION));
	if ((v = json_object_get(o, EVF_EXIT_CODE))) {
		e->has_exit_code = true;
		e->exit_code = json_integer_value(v);
	}
	if ((v = json_object_get(o, EVF_SIGNAL))) {
		e->has_signal = true;
		e->signal = json_integer_value(v);
	}
	e->killed = json_is_true(json_object_get(o, EVF_KILLED));
	e->timed_out = json_is_true(json_object_get(o, EVF_TIMED_OUT));
	e->duration_ms = json_number_value(json_object_get(o, EVF_DURATION_MS));
	e->alive_ms = json_number_value(json_object_get(o, EVF_ALIVE_MS));
}

static int add_event(struct run_result *r, const json_t *j, uint32_t len)
{
	const struct proto_field common[] = {
		{ EVF_T_MS, PF_NUM, true, NULL },
		{ EVF_MONO_NS, PF_UINT, true, NULL },
		{ NULL, 0, false, NULL },
	};
	json_t *kindv = json_object_get(j, EVF_KIND), *o, *c, *ev;
	struct guest_event *e;
	char msg[256], kname[64];
	int kind;

	if (!json_is_string(kindv)) {
		results_wire_error(r, "event frame without a kind");
		return -1;
	}
	kind = proto_event_lookup(json_string_value(kindv));
	if (kind < 0) {
		utf8_copy(kname, sizeof(kname), json_string_value(kindv));
		results_wire_error(r, "event of unknown kind '%s'", kname);
		return -1;
	}
	if ((uint32_t)r->n_events >= r->lim.max_events) {
		r->dropped.events++;
		return -1;
	}
	if (r->event_bytes + len > r->lim.max_event_bytes) {
		r->dropped.event_bytes++;
		return -1;
	}
	if (check_object(j, proto_event_fields(kind), &o, msg, sizeof(msg), 0)) {
		results_wire_error(r, "event %s: %s", proto_event_name(kind), msg);
		return -1;
	}
	if (check_object(j, common, &c, msg, sizeof(msg), 0)) {
		results_wire_error(r, "event %s: %s", proto_event_name(kind), msg);
		json_decref(o);
		return -1;
	}
	if (r->n_events == r->cap_events) {
		int cap = r->cap_events ? r->cap_events * 2 : 64;
		struct guest_event *ne = realloc(r->events, cap * sizeof(*ne));

		if (!ne) {
			json_decref(o);
			json_decref(c);
			return -1;
		}
		r->events = ne;
		r->cap_events = cap;
	}
	/* kind first, then the schema's fields, then t_ms and mono_ns: the
	 * order guest-init sends them in. */
	ev = json_object();
	json_object_set_new(ev, EVF_KIND, json_string(proto_event_name(kind)));
	json_object_update(ev, o);
	json_object_update(ev, c);
	json_decref(o);
	json_decref(c);
	e = &r->events[r->n_events++];
	memset(e, 0, sizeof(*e));
	e->kind = kind;
	e->json = ev;
	e->t_ms = json_number_value(json_object_get(ev, EVF_T_MS));
	e->mono_ns = (uint64_t)json_integer_value(json_object_get(ev, EVF_MONO_NS));
	event_view(e);
	r->event_bytes += len;
	return 0;
}

static int add_report(struct run_result *r, const json_t *j)
{
	struct wr_data *w;
	uint64_t dropped = 0;
	char msg[256];

	if ((uint32_t)r->n_reps >= r->lim.max_reports) {
		r->dropped.reports++;
		return -1;
	}
	if (r->n_reps == r->cap_reps) {
		int cap = r->cap_reps ? r->cap_reps * 2 : 16;
		struct wr_data **nr = realloc(r->reps, cap * sizeof(*nr));

		if (!nr)
			return -1;
		r->reps = nr;
		r->cap_reps = cap;
	}
	w = calloc(1, sizeof(*w));
	if (!w)
		return -1;
	if (wr_data_decode(j, w, r->lim.max_samples, &dropped, msg, sizeof(msg))) {
		results_wire_error(r, "report does not decode: %s", msg);
		free(w);
		return -1;
	}
	r->lim.max_samples -= w->n_resume + w->n_iter_cost;
	r->dropped.samples += dropped;
	r->reps[r->n_reps++] = w;
	return 0;
}

static int add_checked(struct run_result *r, json_t **slot, const json_t *j,
		       const struct proto_field *fields, const char *what)
{
	char msg[256];
	json_t *o;

	if (*slot) {
		results_wire_error(r, "a second %s frame", what);
		return -1;
	}
	if (check_object(j, fields, &o, msg, sizeof(msg), 0)) {
		results_wire_error(r, "%s frame: %s", what, msg);
		return -1;
	}
	*slot = o;
	return 0;
}

int results_add_frame(struct run_result *r, uint16_t type, const uint8_t *payload,
		      uint32_t len)
{
	json_error_t jerr;
	json_t *j, *o;
	char msg[256];
	int ret = -1;

	if (!max_payload(type)) {
		results_wire_error(r, "frame of unknown type %u", type);
		return -1;
	}
	if (len > max_payload(type)) {
		results_wire_error(r, "%s frame of %u bytes refused: at most %u",
				   wire_type_name(type), len, max_payload(type));
		return -1;
	}
	j = json_loadb((const char *)payload, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!json_is_object(j)) {
		utf8_copy(msg, sizeof(msg), j ? "not an object" : jerr.text);
		results_wire_error(r, "%s frame: payload is not a JSON object: %s",
				   wire_type_name(type), msg);
		json_decref(j);
		return -1;
	}
	switch (type) {
	case WIRE_HELLO:
		ret = add_checked(r, &r->hello, j, proto_hello_fields, "hello");
		break;
	case WIRE_EVENT:
		ret = add_event(r, j, len);
		break;
	case WIRE_ERROR:
		if (json_array_size(r->errors) >= r->lim.max_errors) {
			r->dropped.errors++;
			break;
		}
		if (check_object(j, proto_error_fields, &o, msg, sizeof(msg), 0)) {
			results_wire_error(r, "error frame: %s", msg);
			break;
		}
		json_array_append_new(r->errors, o);
		ret = 0;
		break;
	case WIRE_REPORT:
		ret = add_report(r, j);
		break;
	case WIRE_DONE:
		ret = add_checked(r, &r->done, j, proto_done_fields, "done");
		break;
	case WIRE_READY:
		ret = add_checked(r, &r->ready, j, proto_ready_fields, "ready");
		break;
	case WIRE_SYNC:
		ret = 0; /* collect.c answers it; nothing to keep */
		break;
	}
	json_decref(j);
	return ret;
}
