// SPDX-License-Identifier: GPL-2.0-only
/* The sched_ext selftests runner's output as one result per test, and the
 * three ways they are written (selftests.h).
 *
 * The output is the payload's stdout in the run's results where guest-init
 * keeps payload output (selftests_output_from_run); TEMPORARY, until that
 * is in every guest-init this runs with: off the console, where the
 * guest-side script prints it once the runner is done
 * (selftests_console_output). It is parsed here (selftests_parse): the
 * runner's blocks give each test its output, which a TAP reader of single
 * lines cannot. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "host/selftests.h"
#include "lib/utf8.h"

char *selftests_output_from_run(const json_t *run)
{
	const json_t *p;
	size_t i;

	json_array_foreach(json_object_get(run, "payloads"), i, p) {
		const char *id = json_string_value(json_object_get(p, "id"));
		const char *out = json_string_value(json_object_get(p, "stdout"));

		if (id && !strcmp(id, "selftests") && out && *out)
			return strdup(out);
	}
	return NULL;
}

char *selftests_console_output(const char *console, size_t len)
{
	static const char pre[] = SELFTESTS_CONSOLE_PREFIX;
	size_t n = 0, pl = sizeof(pre) - 1;
	const char *p = console, *end = console + len;
	char *out = malloc(len + 1);

	if (!out)
		return NULL;
	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		size_t l = eol ? (size_t)(eol - p) : (size_t)(end - p);

		/* The serial console ends lines with \r\n. */
		while (l && p[l - 1] == '\r')
			l--;
		if (l >= pl && !memcmp(p, pre, pl)) {
			memcpy(out + n, p + pl, l - pl);
			n += l - pl;
			out[n++] = '\n';
		}
		p += (eol ? (size_t)(eol - p) + 1 : l);
	}
	out[n] = 0;
	if (!n) {
		free(out);
		return NULL;
	}
	return out;
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

/* "ok N NAME # [SKIP]" or "not ok N NAME #": the result and NAME into
 * name; false for any other line. */
static bool tap_line(const char *l, size_t len, enum selftest_result *res, char *name,
		     size_t nlen)
{
	char buf[512];
	const char *p = buf;
	size_t w;

	if (len >= sizeof(buf))
		return false;
	memcpy(buf, l, len);
	buf[len] = 0;
	*res = ST_PASS;
	if (!strncmp(p, "not ok ", 7)) {
		*res = ST_FAIL;
		p += 7;
	} else if (!strncmp(p, "ok ", 3)) {
		p += 3;
	} else {
		return false;
	}
	if (!(w = strspn(p, "0123456789")) || p[w] != ' ')
		return false;
	p += w + 1;
	w = strcspn(p, " ");
	if (!w || w >= nlen || strncmp(p + w, " #", 2))
		return false;
	memcpy(name, p, w);
	name[w] = 0;
	p += w + 2;
	while (*p == ' ')
		p++;
	if (!strncmp(p, "SKIP", 4) && *res == ST_PASS)
		*res = ST_SKIP;
	return true;
}

static int summary(const char *l, const char *key, int *v)
{
	size_t k = strlen(key);

	if (strncmp(l, key, k))
		return 0;
	*v = atoi(l + k);
	return 1;
}

static bool reported(const struct selftests_results *r, const char *name)
{
	for (size_t i = 0; i < r->n; i++)
		if (!strcmp(r->t[i].name, name))
			return true;
	return false;
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

int selftests_parse(const char *out, const char *const *expect, size_t n_expect,
		    const char *filter, struct selftests_results *r)
{
	const char *p = out ? out : "", *block = NULL;
	char test[128] = "", name[128];

	memset(r, 0, sizeof(*r));
	r->summary_passed = r->summary_skipped = r->summary_failed = -1;
	while (*p) {
		const char *eol = strchr(p, '\n');
		size_t l = eol ? (size_t)(eol - p) : strlen(p);
		enum selftest_result res;
		char line[600];

		snprintf(line, sizeof(line), "%.*s", (int)(l < 599 ? l : 599), p);
		if (!strcmp(line, "===== START =====")) {
			test[0] = 0;
			block = NULL;
		} else if (!strncmp(line, "TEST: ", 6)) {
			snprintf(test, sizeof(test), "%.127s", line + 6);
		} else if (!strcmp(line, "OUTPUT:") && !block) {
			block = eol ? eol + 1 : p + l;
		} else if (tap_line(p, l, &res, name, sizeof(name)) &&
			   (!test[0] || !strcmp(name, test))) {
			/* A test's own TAP lines name something else. */
			if (add(r, name, res, block, block ? (size_t)(p - block) : 0))
				return -ENOMEM;
			if (res == ST_SKIP)
				last_line(r->t[r->n - 1].output, r->t[r->n - 1].why,
					  sizeof(r->t[0].why));
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
	if (test[0] && !reported(r, test)) {
		if (add(r, test, ST_NOT_RUN, block, block ? strlen(block) : 0))
			return -ENOMEM;
		snprintf(r->t[r->n - 1].why, sizeof(r->t[0].why),
			 "started but never reported: the runner died or was stopped in it");
	}
	for (size_t i = 0; i < n_expect; i++) {
		if ((filter && !strstr(expect[i], filter)) || reported(r, expect[i]))
			continue;
		if (add(r, expect[i], ST_NOT_RUN, NULL, 0))
			return -ENOMEM;
		snprintf(r->t[r->n - 1].why, sizeof(r->t[0].why),
			 "no result came back (see the console log)");
	}
	return 0;
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
		fprintf(f, "note: the runner's own summary says %d passed, %d failed, %d skipped: a "
			"result line was lost on the console\n", r->summary_passed,
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

/* s as XML text (valid UTF-8, no character XML 1.0 forbids). */
static void xml(FILE *f, const char *s, bool attr)
{
	char *t = utf8_sanitize_dup(s, strlen(s));

	for (const unsigned char *p = (const unsigned char *)t; p && *p; p++) {
		if (*p == '<')
			fputs("&lt;", f);
		else if (*p == '>')
			fputs("&gt;", f);
		else if (*p == '&')
			fputs("&amp;", f);
		else if (*p == '"')
			fputs("&quot;", f);
		else if (*p == '\n')
			fputs(attr ? "&#10;" : "\n", f);
		else if (*p == '\t')
			fputs(attr ? "&#9;" : "\t", f);
		else if (*p < 0x20)
			fputc(' ', f);
		else if (p[0] == 0xef && p[1] == 0xbf && (p[2] == 0xbe || p[2] == 0xbf))
			fputs("\xef\xbf\xbd", f), p += 2;
		else
			fputc(*p, f);
	}
	free(t);
}

int selftests_junit(FILE *f, const struct selftests_results *r, const struct selftests_meta *m)
{
	int n[4];

	count(r, n);
	fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n"
		"  <testsuite name=\"sched_ext selftests (");
	xml(f, m->release, true);
	fprintf(f, ", ");
	xml(f, m->topology, true);
	fprintf(f, ")\" tests=\"%zu\" failures=\"%d\" errors=\"%d\" skipped=\"%d\" time=\"%.3f\">\n",
		r->n, n[ST_FAIL], n[ST_NOT_RUN], n[ST_SKIP], m->wall_s);
	for (size_t i = 0; i < r->n; i++) {
		const struct selftest *t = &r->t[i];
		const char *why = t->why[0] ? t->why : selftests_skip_hint(t->name);

		fprintf(f, "    <testcase classname=\"sched_ext\" name=\"");
		xml(f, t->name, true);
		fprintf(f, "\">\n");
		if (t->result == ST_FAIL)
			fprintf(f, "      <failure message=\"the test reported not ok\"/>\n");
		else if (t->result == ST_SKIP) {
			fprintf(f, "      <skipped message=\"");
			xml(f, why ? why : "skipped itself", true);
			fprintf(f, "\"/>\n");
		} else if (t->result == ST_NOT_RUN) {
			fprintf(f, "      <error message=\"");
			xml(f, t->why, true);
			fprintf(f, "\"/>\n");
		}
		if (t->output[0]) {
			fprintf(f, "      <system-out>");
			xml(f, t->output, false);
			fprintf(f, "</system-out>\n");
		}
		fprintf(f, "    </testcase>\n");
	}
	fprintf(f, "  </testsuite>\n</testsuites>\n");
	return ferror(f) ? -1 : 0;
}
