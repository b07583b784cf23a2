/* WorkerReport <-> JSON, reservoir sampling and percentiles. The JSON names
 * are the struct's field names; see workload/report.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "workload/report.h"

static const char *const exit_names[] = {
	[WR_EXIT_RUNNING] = "running",
	[WR_EXIT_EXITED] = "exited",
	[WR_EXIT_SIGNALED] = "signaled",
	[WR_EXIT_TIMED_OUT] = "timed_out",
	[WR_EXIT_WAIT_FAILED] = "wait_failed",
};

const char *wr_exit_kind_name(enum wr_exit_kind k)
{
	if ((unsigned)k >= sizeof(exit_names) / sizeof(exit_names[0]))
		return "unknown";
	return exit_names[k];
}

static json_t *u64_array(const uint64_t *v, uint32_t n)
{
	json_t *a = json_array();

	for (uint32_t i = 0; i < n; i++)
		json_array_append_new(a, json_integer((json_int_t)v[i]));
	return a;
}

static json_t *cpus_json(const struct scn_cpumask *m)
{
	json_t *a = json_array();

	for (int c = 0; c < SCN_MAX_CPUS; c++)
		if (scn_cpumask_test(m, c))
			json_array_append_new(a, json_integer(c));
	return a;
}

static json_t *migrations_json(const struct worker_report *r)
{
	json_t *a = json_array();
	uint32_t n = r->n_migrations < WR_MAX_MIGRATIONS ? r->n_migrations : WR_MAX_MIGRATIONS;

	for (uint32_t i = 0; i < n; i++)
		json_array_append_new(a, json_pack("{s:I, s:i, s:i}",
			"at_ns", (json_int_t)r->migrations[i].at_ns,
			"from_cpu", r->migrations[i].from_cpu,
			"to_cpu", r->migrations[i].to_cpu));
	return a;
}

static json_t *numa_json(const struct worker_report *r)
{
	int n = SCN_MAX_NODES;

	while (n > 0 && !r->numa_pages[n - 1])
		n--;
	return u64_array(r->numa_pages, n);
}

#define SET_U(key, v) json_object_set_new(o, key, json_integer((json_int_t)(v)))

json_t *wr_to_json(const struct worker_report *r)
{
	json_t *o = json_object();
	uint32_t nres = r->n_resume < WR_RESERVOIR_CAP ? r->n_resume : WR_RESERVOIR_CAP;
	uint32_t ncost = r->n_iter_cost < WR_RESERVOIR_CAP ? r->n_iter_cost : WR_RESERVOIR_CAP;

	if (!o)
		return NULL;
	SET_U("tid", r->tid);
	json_object_set_new(o, "cgroup", json_stringn(r->cgroup, strnlen(r->cgroup, SCN_NAME_MAX)));
	json_object_set_new(o, "type", json_stringn(r->type, strnlen(r->type, sizeof(r->type))));
	SET_U("index", r->index);
	SET_U("work_units", r->work_units);
	SET_U("iterations", r->iterations);
	SET_U("cpu_time_ns", r->cpu_time_ns);
	SET_U("wall_time_ns", r->wall_time_ns);
	SET_U("off_cpu_ns", r->off_cpu_ns);
	SET_U("migration_count", r->migration_count);
	json_object_set_new(o, "cpus_used", cpus_json(&r->cpus_used));
	json_object_set_new(o, "migrations", migrations_json(r));
	json_object_set_new(o, "max_gap_ms", json_real(r->max_gap_ms));
	SET_U("max_gap_cpu", r->max_gap_cpu);
	json_object_set_new(o, "max_gap_at_ms", json_real(r->max_gap_at_ms));
	SET_U("started_at_ns", r->started_at_ns);
	json_object_set_new(o, "resume_latencies_ns", u64_array(r->resume_latencies_ns, nres));
	SET_U("wake_sample_total", r->wake_sample_total);
	json_object_set_new(o, "iteration_costs_ns", u64_array(r->iteration_costs_ns, ncost));
	SET_U("iteration_cost_sample_total", r->iteration_cost_sample_total);
	SET_U("schedstat_run_delay_ns", r->schedstat_run_delay_ns);
	SET_U("schedstat_run_count", r->schedstat_run_count);
	SET_U("schedstat_cpu_time_ns", r->schedstat_cpu_time_ns);
	json_object_set_new(o, "numa_pages", numa_json(r));
	SET_U("vmstat_numa_pages_migrated", r->vmstat_numa_pages_migrated);
	json_object_set_new(o, "completed", json_boolean(r->completed));
	json_object_set_new(o, "exit_info", json_pack("{s:s, s:i}",
		"kind", wr_exit_kind_name(r->exit_kind), "code", r->exit_code));
	json_object_set_new(o, "is_messenger", json_boolean(r->is_messenger));
	json_object_set_new(o, "exit_msg", json_stringn(r->exit_msg, strnlen(r->exit_msg, sizeof(r->exit_msg))));
	return o;
}

/* Decoding: a field of the wrong JSON type is an error, a missing one 0. */
struct dec {
	const json_t *o;
	char *msg;
	size_t len;
	int err;
};

static void bad(struct dec *d, const char *key, const char *want)
{
	if (!d->err)
		snprintf(d->msg, d->len, "worker report: field '%s' is not %s", key, want);
	d->err = -1;
}

static uint64_t get_u(struct dec *d, const char *key)
{
	json_t *v = json_object_get(d->o, key);

	if (!v)
		return 0;
	if (!json_is_integer(v)) {
		bad(d, key, "an integer");
		return 0;
	}
	return (uint64_t)json_integer_value(v);
}

static double get_real(struct dec *d, const char *key)
{
	json_t *v = json_object_get(d->o, key);

	if (!v)
		return 0;
	if (!json_is_number(v)) {
		bad(d, key, "a number");
		return 0;
	}
	return json_number_value(v);
}

static bool get_bool(struct dec *d, const char *key)
{
	json_t *v = json_object_get(d->o, key);

	if (v && !json_is_boolean(v))
		bad(d, key, "a boolean");
	return v && json_is_true(v);
}

static void get_str(struct dec *d, const char *key, char *out, size_t len)
{
	json_t *v = json_object_get(d->o, key);

	out[0] = 0;
	if (!v)
		return;
	if (!json_is_string(v)) {
		bad(d, key, "a string");
		return;
	}
	snprintf(out, len, "%s", json_string_value(v));
}

/* An array of integers into out[] (at most cap); returns the count kept. */
static uint32_t get_u64s(struct dec *d, const char *key, uint64_t *out, uint32_t cap)
{
	json_t *a = json_object_get(d->o, key), *v;
	size_t i;
	uint32_t n = 0;

	if (!a)
		return 0;
	if (!json_is_array(a)) {
		bad(d, key, "an array");
		return 0;
	}
	json_array_foreach(a, i, v) {
		if (!json_is_integer(v)) {
			bad(d, key, "an array of integers");
			return n;
		}
		if (n < cap)
			out[n++] = (uint64_t)json_integer_value(v);
	}
	return n;
}

static void get_cpus(struct dec *d, struct scn_cpumask *m)
{
	json_t *a = json_object_get(d->o, "cpus_used"), *v;
	size_t i;

	if (!a)
		return;
	if (!json_is_array(a))
		return bad(d, "cpus_used", "an array");
	json_array_foreach(a, i, v) {
		json_int_t c = json_is_integer(v) ? json_integer_value(v) : -1;

		if (c < 0 || c >= SCN_MAX_CPUS)
			return bad(d, "cpus_used", "an array of CPU numbers");
		scn_cpumask_set(m, (int)c);
	}
}

static void get_migrations(struct dec *d, struct worker_report *r)
{
	json_t *a = json_object_get(d->o, "migrations"), *v;
	size_t i;

	if (!a)
		return;
	if (!json_is_array(a))
		return bad(d, "migrations", "an array");
	json_array_foreach(a, i, v) {
		json_int_t at = 0;
		int from = 0, to = 0;

		if (json_unpack(v, "{s:I, s:i, s:i}", "at_ns", &at, "from_cpu", &from,
				"to_cpu", &to))
			return bad(d, "migrations", "an array of {at_ns, from_cpu, to_cpu}");
		if (r->n_migrations < WR_MAX_MIGRATIONS)
			r->migrations[r->n_migrations++] = (struct wr_migration){
				.at_ns = (uint64_t)at, .from_cpu = from, .to_cpu = to };
	}
}

static void get_exit(struct dec *d, struct worker_report *r)
{
	json_t *e = json_object_get(d->o, "exit_info");
	const char *kind = NULL;
	int code = 0;

	if (!e)
		return;
	if (json_unpack(e, "{s:s, s:i}", "kind", &kind, "code", &code))
		return bad(d, "exit_info", "{kind, code}");
	for (int k = 0; k <= WR_EXIT_WAIT_FAILED; k++)
		if (!strcmp(kind, exit_names[k]))
			r->exit_kind = k;
	if (strcmp(kind, wr_exit_kind_name(r->exit_kind)))
		return bad(d, "exit_info", "a known exit kind");
	r->exit_code = code;
}

int wr_from_json(const json_t *j, struct worker_report *r, char *msg, size_t len)
{
	struct dec d = { .o = j, .msg = msg, .len = len };

	memset(r, 0, sizeof(*r));
	if (!json_is_object(j)) {
		snprintf(msg, len, "worker report: not a JSON object");
		return -1;
	}
	r->tid = (int32_t)get_u(&d, "tid");
	get_str(&d, "cgroup", r->cgroup, sizeof(r->cgroup));
	get_str(&d, "type", r->type, sizeof(r->type));
	r->index = (int32_t)get_u(&d, "index");
	r->work_units = get_u(&d, "work_units");
	r->iterations = get_u(&d, "iterations");
	r->cpu_time_ns = get_u(&d, "cpu_time_ns");
	r->wall_time_ns = get_u(&d, "wall_time_ns");
	r->off_cpu_ns = get_u(&d, "off_cpu_ns");
	r->migration_count = get_u(&d, "migration_count");
	get_cpus(&d, &r->cpus_used);
	get_migrations(&d, r);
	r->max_gap_ms = get_real(&d, "max_gap_ms");
	r->max_gap_cpu = (int32_t)get_u(&d, "max_gap_cpu");
	r->max_gap_at_ms = get_real(&d, "max_gap_at_ms");
	r->started_at_ns = get_u(&d, "started_at_ns");
	r->n_resume = get_u64s(&d, "resume_latencies_ns", r->resume_latencies_ns, WR_RESERVOIR_CAP);
	r->wake_sample_total = get_u(&d, "wake_sample_total");
	r->n_iter_cost = get_u64s(&d, "iteration_costs_ns", r->iteration_costs_ns, WR_RESERVOIR_CAP);
	r->iteration_cost_sample_total = get_u(&d, "iteration_cost_sample_total");
	r->schedstat_run_delay_ns = get_u(&d, "schedstat_run_delay_ns");
	r->schedstat_run_count = get_u(&d, "schedstat_run_count");
	r->schedstat_cpu_time_ns = get_u(&d, "schedstat_cpu_time_ns");
	get_u64s(&d, "numa_pages", r->numa_pages, SCN_MAX_NODES);
	r->vmstat_numa_pages_migrated = get_u(&d, "vmstat_numa_pages_migrated");
	r->completed = get_bool(&d, "completed");
	get_exit(&d, r);
	r->is_messenger = get_bool(&d, "is_messenger");
	get_str(&d, "exit_msg", r->exit_msg, sizeof(r->exit_msg));
	return d.err;
}

void wr_reservoir_add(uint64_t *res, uint32_t *n, uint32_t cap,
		      uint64_t *seen, uint64_t v, uint64_t *rng)
{
	uint64_t x, j;

	(*seen)++;
	if (*n < cap) {
		res[(*n)++] = v;
		return;
	}
	x = *rng ? *rng : 0x9e3779b97f4a7c15ull;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	*rng = x;
	j = x % *seen;
	if (j < cap)
		res[j] = v;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

uint64_t wr_percentile(const uint64_t *v, uint32_t n, double pct)
{
	uint64_t *s, r;
	double rank;
	uint32_t k;

	if (!n)
		return 0;
	s = malloc(n * sizeof(*s));
	if (!s)
		return 0;
	memcpy(s, v, n * sizeof(*s));
	qsort(s, n, sizeof(*s), cmp_u64);
	if (pct < 0)
		pct = 0;
	if (pct > 100)
		pct = 100;
	/* nearest rank: the smallest value with at least pct% at or below */
	rank = pct / 100.0 * n;
	k = (uint32_t)rank;
	if (k < rank)
		k++;
	r = s[k ? (k > n ? n : k) - 1 : 0];
	free(s);
	return r;
}
