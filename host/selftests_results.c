// SPDX-License-Identifier: GPL-2.0-only
/* The sched_ext selftests runner's output as one result per test, and the
 * three ways they are written (selftests.h).
 *
 * Everything comes from the run's results: guest-init keeps the payload's
 * output and reads its TAP lines (guest-init/payload_tap.c) from all of it,
 * so the results are those TAP lines, even where the output itself was too
 * long to keep whole. The output, parsed here block by block, gives each
 * test what it printed, which lines of TAP alone cannot. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "host/output.h"
#include "host/selftests.h"
#include "lib/utf8.h"
#include "proto/events.h"

/* A test's output where it fell in the part of the runner's output not
 * kept (guest-init keeps PROTO_TEXT_MAX of it: the start and the end). */
static const char cut_note[] = "[not kept: this test's output fell in the middle of the "
	"runner's output, which was over 64 KiB]\n";

void selftests_from_run(const json_t *run, struct selftests_run *sr)
{
	const json_t *p;
	size_t i;

	sr->out = NULL;
	sr->tap = NULL;
	sr->exit_code = -1;
	json_array_foreach(json_object_get(run, "payloads"), i, p) {
		const char *id = json_string_value(json_object_get(p, "id"));
		const json_t *code = json_object_get(p, "exit_code");

		if (!id || strcmp(id, "selftests"))
			continue;
		sr->out = json_string_value(json_object_get(p, "stdout"));
		sr->tap = json_object_get(json_object_get(p, "tap"), TAPF_TESTS);
		if (json_is_integer(code))
			sr->exit_code = (int)json_integer_value(code);
		return;
	}
}

static int add(struct selftests_results *r, const char *name, enum selftest_result res,
	       const char *output, size_t olen)
{
	struct selftest *t = realloc(r->t, (r->n + 1) * sizeof(*t));

	if (!t)
		return -ENOMEM;
	r->t = t;
	t = &r->t[r->n];
	memset(t, 0, sizeof(*t));
	snprintf(t->name, sizeof(t->name), "%s", name);
	t->result = res;
	t->output = strndup(output ? output : "", olen);
	if (!t->output)
		return -ENOMEM;
	r->n++;
	return 0;
}

/* "ok N NAME # ..." or "not ok N NAME #", the line that ends a test's
 * block: NAME into name; false for any other line. */
static bool result_line(const char *l, size_t len, char *name, size_t nlen)
{
	char buf[512];
	const char *p = buf;
	size_t w;

	if (len >= sizeof(buf))
		return false;
	memcpy(buf, l, len);
	buf[len] = 0;
	if (!strncmp(p, "not ok ", 7))
		p += 7;
	else if (!strncmp(p, "ok ", 3))
		p += 3;
	else
		return false;
	if (!(w = strspn(p, "0123456789")) || p[w] != ' ')
		return false;
	p += w + 1;
	w = strcspn(p, " ");
	if (!w || w >= nlen || strncmp(p + w, " #", 2))
		return false;
	memcpy(name, p, w);
	name[w] = 0;
	return true;
}

/* guest-init's "[ktstr-run: N bytes not kept]" line. */
static bool cut_line(const char *l)
{
	static const char pre[] = "[ktstr-run: ", post[] = " bytes not kept]";
	size_t n = strlen(l), d;

	if (strncmp(l, pre, sizeof(pre) - 1) || n < sizeof(pre) + sizeof(post) - 2)
		return false;
	d = strspn(l + sizeof(pre) - 1, "0123456789");
	return d && !strcmp(l + sizeof(pre) - 1 + d, post);
}

static int summary(const char *l, const char *key, int *v)
{
	size_t k = strlen(key);

	if (strncmp(l, key, k))
		return 0;
	*v = atoi(l + k);
	return 1;
}

static const struct selftest *find(const struct selftests_results *r, const char *name)
{
	for (size_t i = 0; i < r->n; i++)
		if (!strcmp(r->t[i].name, name))
			return &r->t[i];
	return NULL;
}

/* A skipping test says why on its last line, if it says anything. */
static void last_line(const char *out, char *buf, size_t len)
{
	const char *end = out + strlen(out), *b;

	while (end > out && (end[-1] == '\n' || end[-1] == ' '))
		end--;
	for (b = end; b > out && b[-1] != '\n'; b--)
		;
	snprintf(buf, len, "%.*s", (int)(end - b), b);
}

/* out's blocks into b, a test each with what it printed (ST_PASS: it
 * ended; ST_NOT_RUN: the last block, never ended); *cut when out lacks a
 * middle part. The runner's summary into r. */
static int blocks(const char *out, struct selftests_results *b, bool *cut,
		  struct selftests_results *r)
{
	const char *p = out ? out : "", *block = NULL;
	char test[128] = "", name[128];

	*cut = false;
	while (*p) {
		const char *eol = strchr(p, '\n');
		size_t l = eol ? (size_t)(eol - p) : strlen(p);
		char line[600];

		snprintf(line, sizeof(line), "%.*s", (int)(l < 599 ? l : 599), p);
		if (!strcmp(line, "===== START =====")) {
			test[0] = 0;
			block = NULL;
		} else if (!strncmp(line, "TEST: ", 6)) {
			snprintf(test, sizeof(test), "%.127s", line + 6);
		} else if (!strcmp(line, "OUTPUT:") && !block) {
			block = eol ? eol + 1 : p + l;
		} else if (cut_line(line)) {
			/* What follows is the end of some test's block. */
			*cut = true;
			test[0] = 0;
			block = NULL;
		} else if (result_line(p, l, name, sizeof(name)) && test[0] &&
			   !strcmp(name, test)) {
			/* A test's own TAP lines name something else. */
			if (add(b, name, ST_PASS, block, block ? (size_t)(p - block) : 0))
				return -ENOMEM;
			test[0] = 0;
			block = NULL;
		} else if (summary(line, "PASSED:", &r->summary_passed) ||
			   summary(line, "SKIPPED:", &r->summary_skipped) ||
			   summary(line, "FAILED:", &r->summary_failed)) {
			;
		}
		p += l + (eol != NULL);
	}
	/* A test that started and never reported: the runner died in it. */
	if (test[0] && add(b, test, ST_NOT_RUN, block, block ? strlen(block) : 0))
		return -ENOMEM;
	return 0;
}

/* One of the runner's tests: in expect, or without one, a name of one
 * word (a test's own TAP lines say more). */
static bool a_test(const char *name, const char *const *expect, size_t n_expect)
{
	if (!n_expect)
		return *name && !strpbrk(name, " \t");
	for (size_t i = 0; i < n_expect; i++)
		if (!strcmp(expect[i], name))
			return true;
	return false;
}

int selftests_parse(const char *out, const json_t *tap, const char *const *expect,
		    size_t n_expect, const char *filter, struct selftests_results *r)
{
	struct selftests_results b = { 0 };
	const struct selftest *bt;
	const json_t *e;
	bool cut;
	size_t i;

	memset(r, 0, sizeof(*r));
	r->summary_passed = r->summary_skipped = r->summary_failed = -1;
	if (blocks(out, &b, &cut, r))
		goto nomem;
	json_array_foreach(tap, i, e) {
		const char *name = json_string_value(json_object_get(e, TAPF_NAME));
		const char *dir = json_string_value(json_object_get(e, TAPF_DIRECTIVE));
		const char *why = json_string_value(json_object_get(e, TAPF_REASON));
		enum selftest_result res = ST_FAIL;
		const char *o;
		struct selftest *t;

		if (!name || !a_test(name, expect, n_expect) || find(r, name))
			continue;
		if (json_is_true(json_object_get(e, TAPF_OK)))
			res = dir && !strcmp(dir, "SKIP") ? ST_SKIP : ST_PASS;
		bt = find(&b, name);
		o = bt && bt->result == ST_PASS ? bt->output : cut ? cut_note : "";
		if (add(r, name, res, o, strlen(o)))
			goto nomem;
		t = &r->t[r->n - 1];
		if (res == ST_SKIP && why && *why)
			snprintf(t->why, sizeof(t->why), "%s", why);
		else if (res == ST_SKIP && o != cut_note)
			last_line(t->output, t->why, sizeof(t->why));
	}
	/* The last block, never ended: the runner died or was stopped in it. */
	if (b.n && (bt = &b.t[b.n - 1])->result == ST_NOT_RUN && !find(r, bt->name)) {
		if (add(r, bt->name, ST_NOT_RUN, bt->output, strlen(bt->output)))
			goto nomem;
		snprintf(r->t[r->n - 1].why, sizeof(r->t[0].why),
			 "started but never reported: the runner died or was stopped in it");
	}
	for (i = 0; i < n_expect; i++) {
		if ((filter && !strstr(expect[i], filter)) || find(r, expect[i]))
			continue;
		if (add(r, expect[i], ST_NOT_RUN, NULL, 0))
			goto nomem;
		snprintf(r->t[r->n - 1].why, sizeof(r->t[0].why),
			 "no result came back (see the payload's log and the console log)");
	}
	selftests_results_free(&b);
	return 0;
nomem:
	selftests_results_free(&b);
	return -ENOMEM;
}

void selftests_results_free(struct selftests_results *r)
{
	for (size_t i = 0; i < r->n; i++)
		free(r->t[i].output);
	free(r->t);
	memset(r, 0, sizeof(*r));
}

/* When the tests of linux 7.3 skip themselves, from their setup code. */
static const struct {
	const char *name, *why;
} hints[] = {
	{ "nohz_tick", "no nohz_full CPU it may use (ktstr-run adds nohz_full= of all CPUs but "
		       "the first when the topology has two or more)" },
	{ "hotplug", "CPU 1 cannot be taken offline (one CPU, or no CONFIG_HOTPLUG_CPU)" },
	{ "dequeue_remote", "fewer than 2 CPUs it may use" },
	{ "cyclic_kick_wait", "fewer than 4 CPUs it may use" },
	{ "total_bw", "no /sys/kernel/debug/sched/debug" },
	{ "rt_stall", "the kernel has no ext DL server (struct rq has no ext_server)" },
	{ "enable_cmask", "the kernel has no scx_enable_args.cmask_arena_addr" },
};

const char *selftests_skip_hint(const char *name)
{
	for (size_t i = 0; i < sizeof(hints) / sizeof(hints[0]); i++)
		if (!strcmp(hints[i].name, name))
			return hints[i].why;
	return NULL;
}

static const char *result_name(enum selftest_result r)
{
	static const char *const names[] = { "pass", "fail", "skip", "not run" };

	return names[r];
}

static void count(const struct selftests_results *r, int *n)
{
	memset(n, 0, 4 * sizeof(*n));
	for (size_t i = 0; i < r->n; i++)
		n[r->t[i].result]++;
}

/* The last few lines of a test's output, on one indented block. */
static void print_tail(FILE *f, const char *out, int lines)
{
	const char *p = out + strlen(out);
	int n = 0;

	while (p > out && n <= lines)
		if (*--p == '\n' && p + 1 < out + strlen(out))
			n++;
	if (n > lines)
		p++;
	for (const char *q = p; *q;) {
		const char *eol = strchr(q, '\n');
		int l = eol ? (int)(eol - q) : (int)strlen(q);

		fprintf(f, "        %.*s\n", l, q);
		q += l + (eol != NULL);
	}
}

void selftests_print(FILE *f, const struct selftests_results *r, const struct selftests_meta *m)
{
	int n[4];

	count(r, n);
	fprintf(f, "\nsched_ext selftests: kernel %s, %s%s%s\n", m->release, m->topology,
		m->cmdline[0] ? ", " : "", m->cmdline);
	for (size_t i = 0; i < r->n; i++) {
		const struct selftest *t = &r->t[i];
		const char *why = t->why[0] ? t->why : "";

		if (t->result == ST_SKIP && !why[0])
			why = selftests_skip_hint(t->name) ? selftests_skip_hint(t->name) : "";
		fprintf(f, "  %-7s %-30s %s\n", t->result == ST_PASS ? "PASS" :
			t->result == ST_FAIL ? "FAIL" : t->result == ST_SKIP ? "SKIP" : "NOT RUN",
			t->name, why);
		if (t->result == ST_FAIL && t->output[0])
			print_tail(f, t->output, 8);
	}
	fprintf(f, "%zu tests: %d passed, %d failed, %d skipped", r->n, n[ST_PASS], n[ST_FAIL],
		n[ST_SKIP]);
	if (n[ST_NOT_RUN])
		fprintf(f, ", %d not run", n[ST_NOT_RUN]);
	fprintf(f, " (%.0f s)\n", m->wall_s);
	if (r->summary_passed >= 0 && (r->summary_passed != n[ST_PASS] ||
				       r->summary_failed != n[ST_FAIL] ||
				       r->summary_skipped != n[ST_SKIP]))
		fprintf(f, "note: the runner's own summary says %d passed, %d failed, %d skipped "
			"(the results above are its TAP lines)\n", r->summary_passed,
			r->summary_failed, r->summary_skipped);
}

json_t *selftests_json(const struct selftests_results *r, const struct selftests_meta *m,
		       json_t *run)
{
	json_t *tests = json_array(), *j;
	int n[4];

	count(r, n);
	for (size_t i = 0; i < r->n; i++) {
		const struct selftest *t = &r->t[i];
		const char *why = t->why[0] ? t->why :
				  t->result == ST_SKIP ? selftests_skip_hint(t->name) : NULL;
		char *out = utf8_sanitize_dup(t->output, strlen(t->output));

		json_array_append_new(tests, json_pack("{s:s, s:s, s:s*, s:s}", "name", t->name,
						       "result", result_name(t->result),
						       "reason", why, "output", out ? out : ""));
		free(out);
	}
	j = json_pack("{s:s, s:s, s:s, s:s, s:f, s:i, s:i, s:i, s:i, s:i, s:o}",
		      "kernel_release", m->release, "source", m->source ? m->source : "",
		      "topology", m->topology, "cmdline", m->cmdline, "wall_s", m->wall_s,
		      "passed", n[ST_PASS], "failed", n[ST_FAIL], "skipped", n[ST_SKIP],
		      "not_run", n[ST_NOT_RUN], "exit_code", m->run_exit, "tests", tests);
	if (j && m->runner_exit >= 0)
		json_object_set_new(j, "runner_exit", json_integer(m->runner_exit));
	if (j && run)
		json_object_set(j, "run", run);
	return j;
}

int selftests_junit(FILE *f, const struct selftests_results *r, const struct selftests_meta *m)
{
	int n[4];

	count(r, n);
	fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n"
		"  <testsuite name=\"sched_ext selftests (");
	output_xml_text(f, m->release, true);
	fprintf(f, ", ");
	output_xml_text(f, m->topology, true);
	fprintf(f, ")\" tests=\"%zu\" failures=\"%d\" errors=\"%d\" skipped=\"%d\" time=\"%.3f\">\n",
		r->n, n[ST_FAIL], n[ST_NOT_RUN], n[ST_SKIP], m->wall_s);
	for (size_t i = 0; i < r->n; i++) {
		const struct selftest *t = &r->t[i];
		const char *why = t->why[0] ? t->why : selftests_skip_hint(t->name);

		fprintf(f, "    <testcase classname=\"sched_ext\" name=\"");
		output_xml_text(f, t->name, true);
		fprintf(f, "\">\n");
		if (t->result == ST_FAIL)
			fprintf(f, "      <failure message=\"the test reported not ok\"/>\n");
		else if (t->result == ST_SKIP) {
			fprintf(f, "      <skipped message=\"");
			output_xml_text(f, why ? why : "skipped itself", true);
			fprintf(f, "\"/>\n");
		} else if (t->result == ST_NOT_RUN) {
			fprintf(f, "      <error message=\"");
			output_xml_text(f, t->why, true);
			fprintf(f, "\"/>\n");
		}
		if (t->output[0]) {
			fprintf(f, "      <system-out>");
			output_xml_text(f, t->output, false);
			fprintf(f, "</system-out>\n");
		}
		fprintf(f, "    </testcase>\n");
	}
	fprintf(f, "  </testsuite>\n</testsuites>\n");
	return ferror(f) ? -1 : 0;
}
