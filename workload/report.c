// SPDX-License-Identifier: GPL-2.0-only
/* WorkerReport <-> JSON, reservoir sampling and percentiles. The JSON names
 * are the struct's field names; see workload/report.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/utf8.h"
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

	for (uint32_t i = 0; a && i < n; i++)
		if (json_array_append_new(a, json_integer((json_int_t)v[i]))) {
			json_decref(a);
			return NULL;
		}
	return a;
}

static json_t *cpus_json(const struct scn_cpumask *m)
{
	json_t *a = json_array();

	for (int c = 0; a && c < SCN_MAX_CPUS; c++)
		if (scn_cpumask_test(m, c))
			json_array_append_new(a, json_integer(c));
	return a;
}

static json_t *migrations_json(const struct wr_data *d)
{
	json_t *a = json_array();
	uint32_t n = d->n_migrations < WR_MAX_MIGRATIONS ? d->n_migrations : WR_MAX_MIGRATIONS;

	for (uint32_t i = 0; a && i < n; i++)
		json_array_append_new(a, json_pack("{s:I, s:i, s:i}",
			"at_ns", (json_int_t)d->migrations[i].at_ns,
			"from_cpu", d->migrations[i].from_cpu,
			"to_cpu", d->migrations[i].to_cpu));
	return a;
}

static json_t *numa_json(const struct wr_data *d)
{
	int n = SCN_MAX_NODES;

	while (n > 0 && !d->numa_pages[n - 1])
		n--;
	return u64_array(d->numa_pages, n);
}

/* A fixed char field as a JSON string: its bytes up to the first NUL,
 * repaired to valid UTF-8 (a name cut by an earlier copy can end in half a
 * character, and json_string would refuse it). */
static json_t *field_str(const char *f, size_t size)
{
	char buf[256];

	utf8_sanitize(f, strnlen(f, size), buf, sizeof(buf));
	return json_string(buf);
}

#define STR_FIELD(d, f) field_str((d)->f, sizeof((d)->f))

json_t *wr_data_to_json(const struct wr_data *d)
{
	json_t *o = json_object();
	uint32_t nres = d->n_resume < WR_RESERVOIR_CAP ? d->n_resume : WR_RESERVOIR_CAP;
	uint32_t ncost = d->n_iter_cost < WR_RESERVOIR_CAP ? d->n_iter_cost : WR_RESERVOIR_CAP;
	int bad = 0;

	if (!o)
		return NULL;
	/* json_object_set_new fails (and frees the value) on a NULL value. */
#define SET(key, v) (bad |= json_object_set_new(o, key, v))
#define SET_INT(type, name, min, max) SET(#name, json_integer((json_int_t)d->name));
#define SET_REAL(name) SET(#name, json_real(d->name));
#define SET_BOOL(name) SET(#name, json_boolean(d->name));
	WR_INTS(SET_INT)
	WR_REALS(SET_REAL)
	WR_BOOLS(SET_BOOL)
	SET("cgroup", STR_FIELD(d, cgroup));
	SET("type", STR_FIELD(d, type));
	SET("cpus_used", cpus_json(&d->cpus_used));
	SET("migrations", migrations_json(d));
	SET("resume_latencies_ns", u64_array(d->resume_latencies_ns, nres));
	SET("iteration_costs_ns", u64_array(d->iteration_costs_ns, ncost));
	SET("numa_pages", numa_json(d));
	SET("exit_info", json_pack("{s:s, s:i}", "kind", wr_exit_kind_name(d->exit_kind),
				   "code", d->exit_code));
	SET("exit_msg", STR_FIELD(d, exit_msg));
#undef SET_INT
#undef SET_REAL
#undef SET_BOOL
#undef SET
	if (bad) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* The common part of one struct into the other (same member names). */
#define COPY_INT(type, name, min, max) dst->name = src->name;
#define COPY_SCALAR(name) dst->name = src->name;
#define WR_COPY_COMMON(dst, src)                                          \
	do {                                                              \
		WR_INTS(COPY_INT)                                         \
		WR_REALS(COPY_SCALAR)                                     \
		WR_BOOLS(COPY_SCALAR)                                     \
		memcpy(dst->cgroup, src->cgroup, sizeof(dst->cgroup));    \
		memcpy(dst->type, src->type, sizeof(dst->type));          \
		dst->cpus_used = src->cpus_used;                          \
		memcpy(dst->numa_pages, src->numa_pages, sizeof(dst->numa_pages)); \
		dst->exit_kind = src->exit_kind;                          \
		dst->exit_code = src->exit_code;                          \
		memcpy(dst->exit_msg, src->exit_msg, sizeof(dst->exit_msg)); \
		dst->n_migrations = src->n_migrations;                    \
		dst->n_resume = src->n_resume;                            \
		dst->n_iter_cost = src->n_iter_cost;                      \
	} while (0)

json_t *wr_to_json(const struct worker_report *r)
{
	struct wr_data view, *dst = &view;
	const struct worker_report *src = r;

	WR_COPY_COMMON(dst, src);
	view.migrations = (struct wr_migration *)r->migrations;
	view.resume_latencies_ns = (uint64_t *)r->resume_latencies_ns;
	view.iteration_costs_ns = (uint64_t *)r->iteration_costs_ns;
	return wr_data_to_json(&view);
}

/* Decoding: a field of the wrong JSON type or out of range is an error, a
 * missing one 0. */
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

static int64_t get_int(struct dec *d, const char *key, int64_t min, int64_t max)
{
	json_t *v = json_object_get(d->o, key);
	char want[96];

	if (!v)
		return 0;
	if (json_is_integer(v) && json_integer_value(v) >= min && json_integer_value(v) <= max)
		return json_integer_value(v);
	snprintf(want, sizeof(want), "an integer in [%lld, %lld]", (long long)min,
		 (long long)max);
	bad(d, key, want);
	return 0;
}

static double get_real(struct dec *d, const char *key)
{
	json_t *v = json_object_get(d->o, key);

	if (!v)
		return 0;
	if (!json_is_number(v) || !(json_number_value(v) >= 0) ||
	    json_number_value(v) > 1e15) {
		bad(d, key, "a number of ms in [0, 1e15]");
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
	if (!json_is_string(v) || json_string_length(v) >= len) {
		char want[64];

		snprintf(want, sizeof(want), "a string of at most %zu bytes", len - 1);
		bad(d, key, want);
		return;
	}
	utf8_sanitize(json_string_value(v), json_string_length(v), out, len);
}

/* An array of at most cap non-negative integers into a new array. */
static uint64_t *get_u64s(struct dec *d, const char *key, uint32_t cap, uint64_t *left,
			  uint64_t *dropped, uint32_t *n)
{
	json_t *a = json_object_get(d->o, key), *v;
	uint64_t *out;
	size_t i, size;

	*n = 0;
	if (!a)
		return NULL;
	size = json_is_array(a) ? json_array_size(a) : 0;
	if (!json_is_array(a) || size > cap) {
		char want[64];

		snprintf(want, sizeof(want), "an array of at most %u integers", cap);
		bad(d, key, want);
		return NULL;
	}
	json_array_foreach(a, i, v)
		if (!json_is_integer(v) || json_integer_value(v) < 0) {
			bad(d, key, "an array of non-negative integers");
			return NULL;
		}
	if (size > *left) {
		*dropped += size;
		return NULL;
	}
	if (!size || !(out = malloc(size * sizeof(*out))))
		return NULL;
	json_array_foreach(a, i, v)
		out[i] = (uint64_t)json_integer_value(v);
	*left -= size;
	*n = (uint32_t)size;
	return out;
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

static void get_numa(struct dec *d, uint64_t *pages)
{
	json_t *a = json_object_get(d->o, "numa_pages"), *v;
	size_t i;

	if (!a)
		return;
	if (!json_is_array(a) || json_array_size(a) > SCN_MAX_NODES)
		return bad(d, "numa_pages", "an array of at most SCN_MAX_NODES integers");
	json_array_foreach(a, i, v) {
		if (!json_is_integer(v) || json_integer_value(v) < 0)
			return bad(d, "numa_pages", "an array of non-negative integers");
		pages[i] = (uint64_t)json_integer_value(v);
	}
}

static void get_migrations(struct dec *d, struct wr_data *r)
{
	json_t *a = json_object_get(d->o, "migrations"), *v;
	size_t i;

	if (!a)
		return;
	if (!json_is_array(a) || json_array_size(a) > WR_MAX_MIGRATIONS)
		return bad(d, "migrations", "an array of at most WR_MAX_MIGRATIONS records");
	if (!json_array_size(a))
		return;
	r->migrations = calloc(json_array_size(a), sizeof(*r->migrations));
	if (!r->migrations)
		return bad(d, "migrations", "small enough to fit in memory");
	json_array_foreach(a, i, v) {
		json_int_t at = 0;
		json_int_t from = 0, to = 0;

		if (json_unpack(v, "{s:I, s:I, s:I}", "at_ns", &at, "from_cpu", &from,
				"to_cpu", &to) || at < 0 || from < 0 || from >= SCN_MAX_CPUS ||
		    to < 0 || to >= SCN_MAX_CPUS)
			return bad(d, "migrations",
				   "an array of {at_ns >= 0, from_cpu, to_cpu} with CPU numbers "
				   "below SCN_MAX_CPUS");
		r->migrations[r->n_migrations++] = (struct wr_migration){
			.at_ns = (uint64_t)at, .from_cpu = (int32_t)from, .to_cpu = (int32_t)to };
	}
}

static void get_exit(struct dec *d, struct wr_data *r)
{
	json_t *e = json_object_get(d->o, "exit_info");
	const char *kind = NULL;
	json_int_t code = 0;

	if (!e)
		return;
	if (json_unpack(e, "{s:s, s:I}", "kind", &kind, "code", &code) ||
	    code < INT32_MIN || code > INT32_MAX)
		return bad(d, "exit_info", "{kind, code}");
	for (int k = 0; k <= WR_EXIT_WAIT_FAILED; k++)
		if (!strcmp(kind, exit_names[k]))
			r->exit_kind = k;
	if (strcmp(kind, wr_exit_kind_name(r->exit_kind)))
		return bad(d, "exit_info", "a known exit kind");
	r->exit_code = (int32_t)code;
}

void wr_data_free(struct wr_data *d)
{
	free(d->migrations);
	free(d->resume_latencies_ns);
	free(d->iteration_costs_ns);
	d->migrations = NULL;
	d->resume_latencies_ns = d->iteration_costs_ns = NULL;
	d->n_migrations = d->n_resume = d->n_iter_cost = 0;
}

int wr_data_decode(const json_t *j, struct wr_data *r, uint64_t max_samples,
		   uint64_t *dropped, char *msg, size_t len)
{
	struct dec d = { .o = j, .msg = msg, .len = len };
	uint64_t skipped = 0;

	memset(r, 0, sizeof(*r));
	if (!json_is_object(j)) {
		snprintf(msg, len, "worker report: not a JSON object");
		return -1;
	}
#define GET_INT(type, name, min, max) r->name = (type)get_int(&d, #name, min, max);
#define GET_REAL(name) r->name = get_real(&d, #name);
#define GET_BOOL(name) r->name = get_bool(&d, #name);
	WR_INTS(GET_INT)
	WR_REALS(GET_REAL)
	WR_BOOLS(GET_BOOL)
#undef GET_INT
#undef GET_REAL
#undef GET_BOOL
	get_str(&d, "cgroup", r->cgroup, sizeof(r->cgroup));
	get_str(&d, "type", r->type, sizeof(r->type));
	get_str(&d, "exit_msg", r->exit_msg, sizeof(r->exit_msg));
	get_cpus(&d, &r->cpus_used);
	get_numa(&d, r->numa_pages);
	get_exit(&d, r);
	if (!d.err)
		get_migrations(&d, r);
	if (!d.err)
		r->resume_latencies_ns = get_u64s(&d, "resume_latencies_ns", WR_RESERVOIR_CAP,
						  &max_samples, &skipped, &r->n_resume);
	if (!d.err)
		r->iteration_costs_ns = get_u64s(&d, "iteration_costs_ns", WR_RESERVOIR_CAP,
						 &max_samples, &skipped, &r->n_iter_cost);
	if (d.err) {
		wr_data_free(r);
		return -1;
	}
	if (dropped)
		*dropped = skipped;
	return 0;
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

uint64_t wr_percentile_sorted(const uint64_t *s, uint32_t n, double pct)
{
	double rank;
	uint32_t k;

	if (!n)
		return 0;
	if (!(pct >= 0))
		pct = 0;
	if (pct > 100)
		pct = 100;
	/* nearest rank: the smallest value with at least pct% at or below */
	rank = pct / 100.0 * n;
	k = (uint32_t)rank;
	if (k < rank)
		k++;
	return s[k ? (k > n ? n : k) - 1 : 0];
}

void wr_sort(uint64_t *v, uint32_t n)
{
	qsort(v, n, sizeof(*v), cmp_u64);
}

uint64_t wr_percentile(const uint64_t *v, uint32_t n, double pct)
{
	uint64_t *s, r;

	if (!n)
		return 0;
	s = malloc(n * sizeof(*s));
	if (!s)
		return 0;
	memcpy(s, v, n * sizeof(*s));
	wr_sort(s, n);
	r = wr_percentile_sorted(s, n, pct);
	free(s);
	return r;
}
