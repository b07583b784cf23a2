// SPDX-License-Identifier: GPL-2.0-only
/* Fuzz target: what `compare` reads that someone else wrote: a policy
 * (rules, one a line) and a results object (its key and every metric of
 * the registry), then the comparison of that run with itself printed and
 * encoded. Nothing may crash, leak or read out of bounds, and a run
 * compared with itself has no regression.
 *
 * Input: policy text, a NUL byte, then the results JSON. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host/compare.h"
#include "tests/fuzz/fuzz.h"

static void policy(struct compare_policy *p, const char *text, size_t len)
{
	char line[512], msg[1024];
	size_t at = 0;

	compare_policy_default(p);
	while (at < len) {
		size_t n = strcspn(text + at, "\n");

		if (n > len - at)
			n = len - at;
		snprintf(line, sizeof(line), "%.*s", (int)(n < sizeof(line) ? n : sizeof(line) - 1),
			 text + at);
		compare_policy_rule(p, line, msg, sizeof(msg));
		at += n + 1;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nul = memchr(data, 0, size);
	struct compare_set a = { .path = "a" }, b = { .path = "b" };
	struct compare_policy p;
	struct comparison c;
	json_error_t err;
	json_t *res, *out;
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	if (!nul)
		return 0;
	policy(&p, (const char *)data, (size_t)(nul - data));
	res = json_loadb((const char *)nul + 1, size - (size_t)(nul - data) - 1, 0, &err);
	if (!json_is_object(res)) {
		json_decref(res);
		return 0;
	}
	a.runs = calloc(1, sizeof(*a.runs));
	b.runs = calloc(1, sizeof(*b.runs));
	if (!a.runs || !b.runs || compare_run_from_json(res, "r.json", &a.runs[0]) ||
	    compare_run_from_json(res, "r.json", &b.runs[0]))
		abort();
	a.n = b.n = 1;
	json_decref(res);
	if (compare_sets(&a, &b, &p, KEY_ALL, &c))
		abort();
	if (c.count[ROW_REGRESSION] || c.count[ROW_INCONCLUSIVE] || c.n_keys != 1) {
		fprintf(stderr, "a run compared with itself: %d regressions, %d keys\n",
			c.count[ROW_REGRESSION], c.n_keys);
		abort();
	}
	f = open_memstream(&buf, &len);
	compare_print(f, &c);
	fclose(f);
	free(buf);
	out = compare_to_json(&c);
	free(json_dumps(out, 0));
	json_decref(out);
	comparison_free(&c);
	compare_set_free(&a);
	compare_set_free(&b);
	return 0;
}
