// SPDX-License-Identifier: GPL-2.0-only
/* Tests for guest-init/payload_metrics.c: which lines of a payload's stdout
 * become metrics (docs/scenario-language.md, payload-run: "every number of
 * every line that is a JSON object becomes a metric"). */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "guest-init/payload_metrics.h"

/* The metrics of out, as compact JSON with sorted keys (caller frees). */
static char *metrics_of(const char *out, size_t len)
{
	FILE *f = fmemopen((void *)out, len, "r");
	json_t *m;
	char *s;

	cr_assert_not_null(f);
	m = payload_metrics(f);
	fclose(f);
	cr_assert(json_is_object(m));
	s = json_dumps(m, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(m);
	return s;
}

static void expect_metrics(const char *out, const char *want)
{
	char *got = metrics_of(out, strlen(out));

	cr_expect_str_eq(got, want, "output: %.60s... (%zu bytes)", out, strlen(out));
	free(got);
}

Test(payload_metrics, numbers_of_object_lines)
{
	/* what tests/e2e's payload case prints through /bin/echo */
	expect_metrics("{\"ops\":42,\"p99_us\":1.5,\"name\":\"x\"}\n",
		       "{\"ops\":42,\"p99_us\":1.5}");
	expect_metrics("{\"a\": -3, \"b\": 1e3, \"c\": 0}\n", "{\"a\":-3,\"b\":1000.0,\"c\":0}");
}

Test(payload_metrics, other_values_are_not_metrics)
{
	expect_metrics("{\"s\":\"12\",\"t\":true,\"f\":false,\"n\":null,\"arr\":[1,2],"
		       "\"obj\":{\"x\":1},\"ok\":7}\n",
		       "{\"ok\":7}");
}

Test(payload_metrics, other_lines_are_ignored)
{
	expect_metrics("starting up\n"
		       "[1, 2, 3]\n"
		       "42\n"
		       "\"just a string\"\n"
		       "\n"
		       "{\"a\":1} and then some text\n"
		       "{\"a\":\n"
		       "2}\n"
		       "{broken json}\n"
		       "{\"b\":2}\n"
		       "done\n",
		       "{\"b\":2}");
	expect_metrics("", "{}");
	expect_metrics("no json at all\n", "{}");
}

Test(payload_metrics, later_lines_replace_earlier_values)
{
	expect_metrics("{\"ops\":1,\"keep\":5}\n{\"ops\":2}\n{\"ops\":3.5}\n",
		       "{\"keep\":5,\"ops\":3.5}");
}

Test(payload_metrics, line_endings_and_blanks)
{
	/* no newline at the end; CRLF; blanks around the object */
	expect_metrics("{\"a\":1}", "{\"a\":1}");
	expect_metrics("{\"a\":1}\r\n{\"b\":2}\r\n", "{\"a\":1,\"b\":2}");
	expect_metrics("   {\"a\":1}   \n\t{\"b\":2}\n", "{\"a\":1,\"b\":2}");
}

Test(payload_metrics, unicode_and_escaped_keys)
{
	expect_metrics("{\"lat\\u00b5s\":3,\"a\\\"b\":4}\n", "{\"a\\\"b\":4,\"lat\xc2\xb5s\":3}");
}

/* A line is a line, however long: a JSON object line of 10 KB (histograms,
 * many percentiles) counts, and no piece of a long text line does. */
Test(payload_metrics, long_lines)
{
	size_t pad = 10000;
	char *out = malloc(pad + 64);

	cr_assert_not_null(out);
	snprintf(out, pad + 64, "{\"pad\":\"%0*d\",\"ops\":9}\n", (int)pad, 0);
	expect_metrics(out, "{\"ops\":9}");

	/* text whose tail, past the first 4095 bytes, looks like an object */
	memset(out, 'x', 4095);
	snprintf(out + 4095, 64, "{\"evil\":1}\n{\"good\":2}\n");
	expect_metrics(out, "{\"good\":2}");
	free(out);
}
