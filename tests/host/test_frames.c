// SPDX-License-Identifier: GPL-2.0-only
/* Tests for host/frames.c: every guest frame is checked where it enters
 * the host, and what a guest can make the host keep is bounded. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host/results.h"
#include "proto/wire.h"

static struct run_result r;

static void fini(void)
{
	results_free(&r);
}

TestSuite(frames, .init = NULL, .fini = fini);

static int frame(uint16_t type, const char *json)
{
	return results_add_frame(&r, type, (const uint8_t *)json, strlen(json));
}

static const char *wire_error(size_t i)
{
	return json_string_value(json_array_get(r.wire_errors, i)) ?: "(none)";
}

#define EV_TAIL ",\"t_ms\":1.5,\"mono_ns\":1000}"

Test(frames, a_valid_event_is_kept_with_its_typed_fields)
{
	results_init(&r, 0);
	cr_assert_eq(frame(WIRE_EVENT, "{\"kind\":\"move-tasks\",\"from\":\"a\",\"to\":\"b\","
			   "\"extra\":[1,2]" EV_TAIL), 0, "%s", wire_error(0));
	cr_assert_eq(r.n_events, 1);
	cr_assert_eq(r.events[0].kind, EV_MOVE_TASKS);
	cr_assert_str_eq(r.events[0].from, "a");
	cr_assert_str_eq(r.events[0].to, "b");
	cr_assert_eq(r.events[0].mono_ns, 1000);
	/* Fields outside the schema are not kept. */
	cr_assert_null(json_object_get(r.events[0].json, "extra"));
	cr_assert_eq(json_array_size(r.wire_errors), 0);
}

/* It crashed the isolation check (NULL strcmp) before it was checked here. */
Test(frames, move_tasks_without_to_is_refused)
{
	results_init(&r, 0);
	cr_assert_eq(frame(WIRE_EVENT, "{\"kind\":\"move-tasks\",\"from\":\"a\"" EV_TAIL), -1);
	cr_assert_eq(r.n_events, 0);
	cr_assert_str_eq(wire_error(0), "event move-tasks: field 'to' is missing");
	cr_assert_eq(frame(WIRE_EVENT, "{\"kind\":\"move-tasks\",\"from\":\"a\",\"to\":7" EV_TAIL),
		     -1);
	cr_assert_str_eq(wire_error(1), "event move-tasks: field 'to' is not a string");
}

Test(frames, events_are_checked_against_the_schema)
{
	static const struct {
		const char *json, *error;
	} bad[] = {
		{ "{\"kind\":\"cpuset\",\"cgroup\":\"a\",\"cpus\":\"0-300\"" EV_TAIL,
		  "event cpuset: field 'cpus' is not a CPU list like 0-3,6 within the CPU limit" },
		{ "{\"kind\":\"nonsense\"" EV_TAIL, "event of unknown kind 'nonsense'" },
		{ "{\"cgroup\":\"a\"" EV_TAIL, "event frame without a kind" },
		{ "{\"kind\":\"step_start\",\"step\":\"s\",\"index\":-1,\"iteration\":0,"
		  "\"duration_ms\":5" EV_TAIL,
		  "event step_start: field 'index' is not a non-negative integer" },
		{ "{\"kind\":\"backdrop\",\"t_ms\":1.0}", "event backdrop: field 'mono_ns' is missing" },
		{ "{\"kind\":\"payload_end\",\"id\":\"p\",\"timed_out\":false,\"killed\":false,"
		  "\"metrics\":{\"a\":\"x\"}" EV_TAIL,
		  "event payload_end: field 'metrics' is not an object of numbers" },
		{ "[1,2]", "event frame: payload is not a JSON object: not an object" },
		{ "{\"kind\":\"backdrop\",\"kind\":\"thaw\"" EV_TAIL,
		  "event frame: payload is not a JSON object: duplicate object key near '\"kind\"'" },
	};

	results_init(&r, 0);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cr_expect_eq(frame(WIRE_EVENT, bad[i].json), -1, "accepted %s", bad[i].json);
		cr_expect_str_eq(wire_error(i), bad[i].error);
	}
	cr_assert_eq(r.n_events, 0);
}

Test(frames, strings_are_cut_and_made_valid_utf8)
{
	char big[9000];

	results_init(&r, 0);
	/* An escaped NUL inside a string: not a string C can hold. */
	cr_assert_eq(frame(WIRE_EVENT, "{\"kind\":\"freeze\",\"cgroup\":\"a\\u0000b\"" EV_TAIL), -1);
	cr_assert(strstr(wire_error(0), "\\u0000 is not allowed"), "%s", wire_error(0));
	/* 8000 bytes of 2-byte characters: cut to PROTO_STR_MAX at a character. */
	strcpy(big, "{\"kind\":\"freeze\",\"cgroup\":\"");
	for (int i = 0; i < 4000; i++)
		strcat(big, "\xc3\xa9");
	strcat(big, "\"" EV_TAIL);
	cr_assert_eq(frame(WIRE_EVENT, big), 0, "%s", wire_error(1));
	cr_assert_leq(strlen(r.events[0].cgroup), PROTO_STR_MAX);
	cr_assert_not_null(json_string(r.events[0].cgroup));
}

Test(frames, second_hello_and_done_are_refused)
{
	const char *hello = "{\"kernel_release\":\"7.3\",\"cpus_online\":2}";

	results_init(&r, 0);
	cr_assert_eq(frame(WIRE_HELLO, hello), 0, "%s", wire_error(0));
	cr_assert_eq(frame(WIRE_HELLO, hello), -1);
	cr_assert_str_eq(wire_error(0), "a second hello frame");
	cr_assert_eq(frame(WIRE_DONE, "{\"status\":\"ok\"}"), 0);
	cr_assert_eq(frame(WIRE_DONE, "{\"status\":\"ok\"}"), -1);
	cr_assert_eq(frame(WIRE_HELLO + 40, "{}"), -1);
	cr_assert_str_eq(wire_error(2), "frame of unknown type 41");
}

/* Every report frame, even {}, once cost 1.6 MB of host memory, and
 * nothing capped their number. */
Test(frames, reports_are_capped_at_what_the_scenario_can_produce)
{
	results_init(&r, 3);
	for (int i = 0; i < 1000; i++)
		frame(WIRE_REPORT, "{}");
	cr_assert_eq(r.n_reps, 3 + 64);
	cr_assert_eq(r.reps[0]->resume_latencies_ns, NULL, "no sample array for no samples");
	results_finish(&r);
	cr_assert(strstr(wire_error(0), "933 report frames dropped: the scenario can produce "
			 "at most 67"), "%s", wire_error(0));
}

Test(frames, samples_are_capped_over_all_reports)
{
	results_init(&r, 10);
	r.lim.max_samples = 5;
	cr_assert_eq(frame(WIRE_REPORT, "{\"resume_latencies_ns\":[1,2,3]}"), 0);
	cr_assert_eq(frame(WIRE_REPORT, "{\"resume_latencies_ns\":[1,2,3]}"), 0);
	cr_assert_eq(r.reps[0]->n_resume, 3);
	cr_assert_eq(r.reps[1]->n_resume, 0, "over the budget: kept without samples");
	results_finish(&r);
	cr_assert(strstr(wire_error(0), "3 latency/cost samples dropped"), "%s", wire_error(0));
}

Test(frames, wire_errors_events_and_errors_are_capped)
{
	char ev[128];

	results_init(&r, 0);
	r.lim.max_events = 10;
	r.lim.max_errors = 2;
	for (int i = 0; i < 20; i++) {
		snprintf(ev, sizeof(ev), "{\"kind\":\"backdrop\",\"t_ms\":%d,\"mono_ns\":1}", i);
		frame(WIRE_EVENT, ev);
	}
	cr_assert_eq(r.n_events, 10);
	for (int i = 0; i < 5; i++)
		frame(WIRE_ERROR, "{\"msg\":\"no\",\"fatal\":false}");
	cr_assert_eq(json_array_size(r.errors), 2);
	for (int i = 0; i < 1000; i++)
		frame(WIRE_EVENT, "{}");
	cr_assert_eq(json_array_size(r.wire_errors), 100);
	results_finish(&r);
	cr_assert(strstr(wire_error(100), "10 event frames dropped past the first 10"), "%s",
		  wire_error(100));
	cr_assert(strstr(wire_error(101), "3 error frames dropped"), "%s", wire_error(101));
	cr_assert(strstr(wire_error(102), "900 more wire errors not listed"), "%s",
		  wire_error(102));
}

Test(frames, oversized_frames_are_refused_unparsed)
{
	static char big[(1 << 20) + 2];

	results_init(&r, 0);
	memset(big, ' ', sizeof(big) - 1);
	big[0] = '{';
	big[sizeof(big) - 2] = '}';
	cr_assert_eq(frame(WIRE_EVENT, big), -1);
	cr_assert(strstr(wire_error(0), "event frame of 1048577 bytes refused: at most 1048576"),
		  "%s", wire_error(0));
}

/* A payload's output is kept up to PROTO_TEXT_MAX per stream, not cut at
 * PROTO_STR_MAX like other strings; the worst case of two streams of
 * control characters (each \u00XX on the wire) still fits an event frame. */
Test(frames, output_text_has_its_own_bound)
{
	size_t n = PROTO_TEXT_MAX + 1000;
	char *text = malloc(n + 1), *ev, *ctl = malloc(PROTO_TEXT_MAX * 6 + 1);
	const char *out;

	results_init(&r, 0);
	memset(text, 'x', n);
	text[n] = 0;
	cr_assert(asprintf(&ev, "{\"kind\":\"payload_output\",\"id\":\"p\",\"stdout\":\"%s\","
			   "\"stderr\":\"%.5000s\",\"stdout_bytes\":%zu,\"stderr_bytes\":5000"
			   EV_TAIL, text, text, n) > 0);
	cr_assert_eq(frame(WIRE_EVENT, ev), 0, "%s", wire_error(0));
	out = json_string_value(json_object_get(r.events[0].json, EVF_STDOUT));
	cr_expect_eq(strlen(out), PROTO_TEXT_MAX, "stdout cut to PROTO_TEXT_MAX");
	cr_expect_eq(strlen(json_string_value(json_object_get(r.events[0].json, EVF_STDERR))),
		     5000, "5000 bytes of stderr kept whole, past PROTO_STR_MAX");
	free(ev);
	for (size_t i = 0; i < PROTO_TEXT_MAX; i++)
		memcpy(ctl + 6 * i, "\\u0001", 6);
	ctl[PROTO_TEXT_MAX * 6] = 0;
	cr_assert(asprintf(&ev, "{\"kind\":\"payload_output\",\"id\":\"p\",\"stdout\":\"%s\","
			   "\"stderr\":\"%s\",\"stdout_bytes\":1,\"stderr_bytes\":1" EV_TAIL,
			   ctl, ctl) > 0);
	cr_assert_lt(strlen(ev), 1u << 20);
	cr_assert_eq(frame(WIRE_EVENT, ev), 0, "%s", wire_error(0));
	free(ev);
	free(ctl);
	free(text);
}

/* A TAP object is checked field by field like the rest. */
Test(frames, tap_is_checked)
{
	results_init(&r, 0);
	cr_assert_eq(frame(WIRE_EVENT, "{\"kind\":\"payload_end\",\"id\":\"p\","
			   "\"timed_out\":false,\"killed\":false,\"exit_code\":1,"
			   "\"tap\":{\"plan\":2,\"tests\":[{\"n\":1,\"ok\":true,\"name\":\"a\"},"
			   "{\"n\":2,\"ok\":false,\"name\":\"b\",\"directive\":\"TODO\"}],"
			   "\"junk\":1}" EV_TAIL), 0, "%s", wire_error(0));
	cr_expect_null(json_object_get(json_object_get(r.events[0].json, EVF_TAP), "junk"));
	cr_assert_eq(frame(WIRE_EVENT, "{\"kind\":\"payload_end\",\"id\":\"p\","
			   "\"timed_out\":false,\"killed\":false,"
			   "\"tap\":{\"tests\":[{\"n\":1,\"ok\":\"yes\",\"name\":\"a\"}]}"
			   EV_TAIL), -1);
	cr_expect_str_eq(wire_error(0), "event payload_end: field 'ok' is not a boolean");
}

Test(frames, hello_is_checked_too)
{
	results_init(&r, 0);
	cr_assert_eq(frame(WIRE_HELLO, "{\"kernel_release\":\"7\",\"cpus_online\":2,"
			   "\"cpus\":[{\"cpu\":0,\"llc_siblings\":\"0-999\"}]}"), -1);
	cr_assert_str_eq(wire_error(0), "hello frame: field 'llc_siblings' is not a CPU list "
			 "like 0-3,6 within the CPU limit");
	cr_assert_null(r.hello);
}
