// SPDX-License-Identifier: GPL-2.0-only
/* Tests for guest-init/payload_output.c: the bounded text a payload's or a
 * scheduler's output becomes for the host (whole when small; else its start,
 * a line saying how much is not kept, and its exact end), always valid
 * UTF-8 within PROTO_TEXT_MAX, and the run's budget. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "guest-init/payload_output.h"
#include "lib/utf8.h"
#include "proto/events.h"

/* n bytes of numbered lines. */
static char *lines(size_t n)
{
	char *s = malloc(n + 32);
	size_t len = 0;

	for (int i = 0; len < n; i++)
		len += sprintf(s + len, "line %d of the output\n", i);
	s[n] = 0;
	return s;
}

/* text must be: a prefix of out, the "not kept" line, a suffix of out, and
 * the count in the line must be what is missing. */
static void expect_ends(const char *text, const char *out, size_t total)
{
	const char *mark = strstr(text, "[ktstr-run: ");
	unsigned long long missing = 0;
	size_t hn, tn;
	const char *t;

	cr_assert_not_null(mark, "a not-kept line");
	cr_assert_eq(sscanf(mark, "[ktstr-run: %llu bytes not kept]", &missing), 1);
	hn = (size_t)(mark - text);
	if (hn && text[hn - 1] == '\n' && out[hn - 1] != '\n')
		hn--; /* the line's own newline */
	t = strchr(mark, '\n') + 1;
	tn = strlen(t);
	cr_expect(!memcmp(text, out, hn), "starts with the output's start");
	cr_expect(!memcmp(t, out + total - tn, tn), "ends with the output's end");
	cr_expect_eq(missing, total - hn - tn, "%llu bytes said missing, %zu are",
		     missing, total - hn - tn);
	cr_expect_gt(tn, hn, "more of the end than of the start");
}

Test(payload_output, small_output_whole)
{
	char *t = out_text("hello\nworld\n", 12, NULL, 0, 0, PROTO_TEXT_MAX);

	cr_expect_str_eq(t, "hello\nworld\n");
	free(t);
	t = out_text("", 0, NULL, 0, 0, PROTO_TEXT_MAX);
	cr_expect_str_eq(t, "");
	free(t);
}

Test(payload_output, bad_bytes_become_replacement_characters)
{
	static const char out[] = "a\xff" "b\0c\xc3";
	char *t = out_text(out, sizeof(out) - 1, NULL, 0, 0, PROTO_TEXT_MAX);

	cr_expect_str_eq(t, "a\xef\xbf\xbd" "b\xef\xbf\xbd" "c\xef\xbf\xbd");
	free(t);
}

Test(payload_output, long_output_start_and_end)
{
	size_t n = 200 << 10;
	char *out = lines(n), *t = out_text(out, n, NULL, 0, 0, PROTO_TEXT_MAX);

	cr_expect_leq(strlen(t), PROTO_TEXT_MAX);
	cr_expect_gt(strlen(t), PROTO_TEXT_MAX - 200, "the room is used");
	expect_ends(t, out, n);
	free(t);
	free(out);
}

Test(payload_output, head_and_tail_apart)
{
	size_t n = 1 << 20, hl = 16 << 10, tl = 64 << 10;
	char *out = lines(n);
	char *t = out_text(out, hl, out + n - tl, tl, n, PROTO_TEXT_MAX);

	cr_expect_leq(strlen(t), PROTO_TEXT_MAX);
	expect_ends(t, out, n);
	free(t);
	free(out);
}

Test(payload_output, grown_by_repair_still_fits)
{
	/* 60 KiB of bad bytes is 180 KiB repaired: cut, and valid. */
	size_t n = 60 << 10;
	char *out = malloc(n), *t;

	memset(out, 0xff, n);
	t = out_text(out, n, NULL, 0, 0, PROTO_TEXT_MAX);
	cr_expect_leq(strlen(t), PROTO_TEXT_MAX);
	cr_expect(utf8_valid(t, strlen(t)));
	cr_expect_not_null(strstr(t, "bytes not kept]"));
	free(t);
	free(out);
}

Test(payload_output, tail_starts_at_a_character)
{
	/* The tail's first byte is in the middle of a 3-byte character. */
	size_t n = 300 << 10, tl = 64 << 10;
	char *out = malloc(n), *t;

	for (size_t i = 0; i + 3 <= n; i += 3)
		memcpy(out + i, "\xe2\x82\xac", 3); /* € */
	t = out_text(out, 1024, out + n - tl, tl, n, PROTO_TEXT_MAX);
	cr_expect(utf8_valid(t, strlen(t)));
	cr_expect_null(strstr(t, "\xef\xbf\xbd"), "no replacement character at the cut");
	free(t);
	free(out);
}

Test(payload_output, small_max_keeps_the_end)
{
	char *out = lines(4096), *t = out_text(out, 4096, NULL, 0, 0, 64);

	cr_expect_leq(strlen(t), 64);
	cr_expect(!strcmp(t, out + 4096 - strlen(t)), "the last bytes: %s", t);
	free(t);
	free(out);
}

Test(payload_output, json_cost)
{
	cr_expect_eq(out_json_cost(""), 2);
	cr_expect_eq(out_json_cost("ab"), 4);
	cr_expect_eq(out_json_cost("\"\\\n\x01"), 2 + 2 + 2 + 6 + 6);
}

static char *write_tmp(const char *data, size_t n, char *path)
{
	int fd;

	strcpy(path, "/tmp/ktstr-test-output-XXXXXX");
	fd = mkstemp(path);
	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, data, n), (ssize_t)n);
	close(fd);
	return path;
}

Test(payload_output, files_small_middle_and_large)
{
	size_t sizes[] = { 100, 100 << 10, 2 << 20 };
	char path[64];

	out_budget_set(OUT_RUN_BUDGET);
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		char *out = lines(sizes[i]), *t;
		uint64_t total;

		write_tmp(out, sizes[i], path);
		t = out_read_file(path, &total);
		unlink(path);
		cr_expect_eq(total, sizes[i]);
		cr_expect_leq(strlen(t), PROTO_TEXT_MAX);
		if (i == 0)
			cr_expect_str_eq(t, out);
		else
			expect_ends(t, out, sizes[i]);
		free(t);
		free(out);
	}
}

Test(payload_output, missing_file_says_so)
{
	uint64_t total = 7;
	char *t = out_read_file("/nonexistent/ktstr-out", &total);

	cr_expect_eq(total, 0);
	cr_expect_not_null(strstr(t, "/nonexistent/ktstr-out: No such file"), "%s", t);
	free(t);
}

Test(payload_output, run_budget)
{
	char *out = lines(100 << 10), *t;

	out_budget_set(2000);
	t = out_read_buf(out, 100 << 10);
	cr_expect_leq(strlen(t), 2000, "what is left of the budget: %zu", strlen(t));
	expect_ends(t, out, 100 << 10);
	free(t);
	/* Used up: a line says so. */
	t = out_read_buf(out, 10);
	cr_expect_not_null(strstr(t, "used up"), "%s", t);
	free(t);
	t = out_read_buf("", 0);
	cr_expect_str_eq(t, "", "nothing printed costs nothing to say");
	free(t);
	out_budget_set(OUT_RUN_BUDGET);
	free(out);
}
