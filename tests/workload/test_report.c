// SPDX-License-Identifier: GPL-2.0-only
/* Tests for workload/report.c: JSON round trip, reservoir, percentiles. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "workload/report.h"

static struct worker_report *full_report(void)
{
	struct worker_report *r = calloc(1, sizeof(*r));

	r->tid = 1234;
	strcpy(r->cgroup, "cg-a");
	strcpy(r->type, "futex-pingpong");
	r->index = 3;
	r->work_units = 123456789012ull;
	r->iterations = 42;
	r->cpu_time_ns = 900000000;
	r->wall_time_ns = 1000000000;
	r->off_cpu_ns = 100000000;
	r->migration_count = 5000;
	scn_cpumask_set(&r->cpus_used, 0);
	scn_cpumask_set(&r->cpus_used, 7);
	scn_cpumask_set(&r->cpus_used, 200);
	r->n_migrations = WR_MAX_MIGRATIONS;
	for (int i = 0; i < WR_MAX_MIGRATIONS; i++)
		r->migrations[i] = (struct wr_migration){ i * 1000ull, i % 8, (i + 1) % 8 };
	r->max_gap_ms = 12.5;
	r->max_gap_cpu = 7;
	r->max_gap_at_ms = 333.25;
	r->started_at_ns = 987654321987ull;
	r->n_resume = 1000;
	for (uint32_t i = 0; i < r->n_resume; i++)
		r->resume_latencies_ns[i] = i * 3 + 1;
	r->wake_sample_total = 5000;
	r->n_iter_cost = 10;
	for (uint32_t i = 0; i < r->n_iter_cost; i++)
		r->iteration_costs_ns[i] = 100 + i;
	r->iteration_cost_sample_total = 10;
	r->schedstat_run_delay_ns = 11;
	r->schedstat_run_count = 22;
	r->schedstat_cpu_time_ns = 33;
	r->numa_pages[0] = 100;
	r->numa_pages[2] = 50;
	r->vmstat_numa_pages_migrated = 9;
	r->completed = true;
	r->exit_kind = WR_EXIT_SIGNALED;
	r->exit_code = 9;
	r->is_messenger = true;
	strcpy(r->exit_msg, "joining cgroup: nope");
	return r;
}

/* The decoded report holds what was sent, field by field. */
static void same(const struct worker_report *a, const struct wr_data *b)
{
#define SAME_INT(type, name, min, max) cr_assert_eq(a->name, b->name, #name);
#define SAME(name) cr_assert_eq(a->name, b->name, #name);
	WR_INTS(SAME_INT)
	WR_REALS(SAME)
	WR_BOOLS(SAME)
#undef SAME_INT
#undef SAME
	cr_assert_str_eq(a->cgroup, b->cgroup);
	cr_assert_str_eq(a->type, b->type);
	cr_assert_str_eq(a->exit_msg, b->exit_msg);
	cr_assert_eq(memcmp(&a->cpus_used, &b->cpus_used, sizeof(a->cpus_used)), 0);
	cr_assert_eq(memcmp(a->numa_pages, b->numa_pages, sizeof(a->numa_pages)), 0);
	cr_assert_eq(a->exit_kind, b->exit_kind);
	cr_assert_eq(a->exit_code, b->exit_code);
	cr_assert_eq(a->n_migrations, b->n_migrations);
	cr_assert_eq(memcmp(a->migrations, b->migrations,
			    a->n_migrations * sizeof(*a->migrations)), 0);
	cr_assert_eq(a->n_resume, b->n_resume);
	cr_assert_eq(memcmp(a->resume_latencies_ns, b->resume_latencies_ns,
			    a->n_resume * sizeof(uint64_t)), 0);
	cr_assert_eq(a->n_iter_cost, b->n_iter_cost);
	cr_assert_eq(memcmp(a->iteration_costs_ns, b->iteration_costs_ns,
			    a->n_iter_cost * sizeof(uint64_t)), 0);
}

static int decode(const char *text, struct wr_data *d, char *msg, size_t len)
{
	json_t *j = json_loads(text, 0, NULL);
	int ret;

	cr_assert_not_null(j, "%s", text);
	ret = wr_data_decode(j, d, UINT64_MAX, NULL, msg, len);
	json_decref(j);
	return ret;
}

Test(report, json_round_trip)
{
	struct worker_report *a = full_report();
	struct wr_data b;
	char msg[256];
	json_t *j = wr_to_json(a), *again;
	char *text = json_dumps(j, JSON_COMPACT), *text2;

	cr_assert_eq(decode(text, &b, msg, sizeof(msg)), 0, "%s", msg);
	same(a, &b);
	/* The host's encoder writes what the guest's did. */
	again = wr_data_to_json(&b);
	text2 = json_dumps(again, JSON_COMPACT);
	cr_assert_str_eq(text, text2);
	/* numa_pages trimmed of trailing zeros */
	cr_assert_eq(json_array_size(json_object_get(j, "numa_pages")), 3);
	cr_assert_str_eq(json_string_value(json_object_get(
		json_object_get(j, "exit_info"), "kind")), "signaled");
	cr_assert_eq(json_array_size(json_object_get(j, "cpus_used")), 3);
	free(text);
	free(text2);
	json_decref(j);
	json_decref(again);
	wr_data_free(&b);
	free(a);
}

Test(report, decode_errors_and_defaults)
{
	struct wr_data r;
	char msg[256];

	cr_assert_eq(decode("{\"tid\": 5, \"unknown\": 1}", &r, msg, sizeof(msg)), 0);
	cr_assert_eq(r.tid, 5);
	cr_assert_eq(r.work_units, 0);
	cr_assert_eq(r.exit_kind, WR_EXIT_RUNNING);
	wr_data_free(&r);

	cr_assert_eq(decode("{\"work_units\": \"many\"}", &r, msg, sizeof(msg)), -1);
	cr_assert(strstr(msg, "work_units"), "%s", msg);

	cr_assert_eq(decode("{\"exit_info\": {\"kind\": \"vanished\", \"code\": 1}}", &r,
			    msg, sizeof(msg)), -1);
	cr_assert(strstr(msg, "exit_info"), "%s", msg);
}

/* What a guest may not make the host believe or keep. */
Test(report, decode_refuses_out_of_range_fields)
{
	static const char *const bad[] = {
		/* CPU numbers index 256-bit masks in the checks */
		"{\"migrations\": [{\"at_ns\": 1, \"from_cpu\": 0, \"to_cpu\": 100000}]}",
		"{\"migrations\": [{\"at_ns\": 1, \"from_cpu\": -1, \"to_cpu\": 0}]}",
		"{\"migrations\": [{\"at_ns\": -5, \"from_cpu\": 0, \"to_cpu\": 0}]}",
		"{\"cpus_used\": [256]}",
		"{\"max_gap_cpu\": 4096}",
		"{\"tid\": -3}",
		"{\"index\": 9999999999}",
		"{\"max_gap_ms\": -1.0}",
		"{\"numa_pages\": [1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17]}",
		"{\"exit_info\": {\"kind\": \"exited\", \"code\": 99999999999}}",
		"{\"resume_latencies_ns\": [1, -2]}",
		"{\"cgroup\": \"0123456789012345678901234567890123456789012345678901234567890123456789\"}",
	};
	struct wr_data r;
	char msg[256];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_expect_eq(decode(bad[i], &r, msg, sizeof(msg)), -1, "accepted %s", bad[i]);
}

Test(report, decoded_arrays_are_sized_to_content)
{
	struct wr_data r;
	char msg[256];
	uint64_t dropped = 0;
	json_t *j = json_loads("{\"resume_latencies_ns\": [5, 6, 7], \"iteration_costs_ns\": [1, 2]}",
			       0, NULL);

	cr_assert_eq(wr_data_decode(j, &r, 4, &dropped, msg, sizeof(msg)), 0, "%s", msg);
	cr_assert_eq(r.n_resume, 3);
	/* Only 1 sample of the budget of 4 was left for the costs: dropped. */
	cr_assert_eq(r.n_iter_cost, 0);
	cr_assert_eq(dropped, 2);
	cr_assert_eq(r.resume_latencies_ns[2], 7);
	wr_data_free(&r);
	json_decref(j);
}

Test(report, exit_kind_names)
{
	cr_assert_str_eq(wr_exit_kind_name(WR_EXIT_RUNNING), "running");
	cr_assert_str_eq(wr_exit_kind_name(WR_EXIT_EXITED), "exited");
	cr_assert_str_eq(wr_exit_kind_name(WR_EXIT_TIMED_OUT), "timed_out");
	cr_assert_str_eq(wr_exit_kind_name(WR_EXIT_WAIT_FAILED), "wait_failed");
	cr_assert_str_eq(wr_exit_kind_name(99), "unknown");
}

Test(report, reservoir_keeps_cap_and_is_uniform)
{
	enum { CAP = 1000, N = 100000 };
	uint64_t res[CAP], seen = 0, rng = 1;
	uint32_t n = 0, buckets[10] = { 0 };

	for (uint64_t v = 0; v < N; v++)
		wr_reservoir_add(res, &n, CAP, &seen, v, &rng);
	cr_assert_eq(n, CAP);
	cr_assert_eq(seen, N);
	for (int i = 0; i < CAP; i++)
		buckets[res[i] * 10 / N]++;
	/* Each tenth of the stream should hold about 100 samples. */
	for (int b = 0; b < 10; b++)
		cr_assert(buckets[b] > 50 && buckets[b] < 150, "bucket %d has %u", b, buckets[b]);
}

Test(report, reservoir_below_cap_keeps_all)
{
	uint64_t res[8], seen = 0, rng = 0;
	uint32_t n = 0;

	for (uint64_t v = 0; v < 5; v++)
		wr_reservoir_add(res, &n, 8, &seen, v * 10, &rng);
	cr_assert_eq(n, 5);
	for (uint64_t v = 0; v < 5; v++)
		cr_assert_eq(res[v], v * 10);
}

Test(report, percentile)
{
	uint64_t v[100];

	for (int i = 0; i < 100; i++)
		v[i] = 100 - i; /* unsorted: 100..1 */
	cr_assert_eq(wr_percentile(v, 100, 50), 50);
	cr_assert_eq(wr_percentile(v, 100, 99), 99);
	cr_assert_eq(wr_percentile(v, 100, 100), 100);
	cr_assert_eq(wr_percentile(v, 100, 0), 1);
	cr_assert_eq(wr_percentile(v, 100, 99.9), 100);
	cr_assert_eq(wr_percentile(v, 0, 50), 0);
	cr_assert_eq(v[0], 100, "input must not be sorted in place");
	uint64_t one = 7;
	cr_assert_eq(wr_percentile(&one, 1, 99), 7);
}
