// SPDX-License-Identifier: GPL-2.0-only
/* TAP test lines (see payload_tap.h). The kernel's kselftest.h and the
 * sched_ext selftest runner (tools/testing/selftests/sched_ext/runner.c,
 * "ok 1 create_dsq # " and "ok 2 name # SKIP ") write these shapes. */
#include <ctype.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/types.h>

#include "guest-init/payload_tap.h"
#include "lib/utf8.h"
#include "proto/events.h"

struct tap {
	json_t *tests;
	unsigned long long n_tests, more, last_n;
	long long plan;              /* -1: none */
	char bail_out[PROTO_TAP_STR_MAX], skip_all[PROTO_TAP_STR_MAX];
	bool seen, bailed, skipped_all;
};

/* s into out as one line of valid UTF-8, blanks for control characters,
 * cut at a character to fit. */
static void clean(char *out, const char *s, size_t len)
{
	char tmp[PROTO_TAP_STR_MAX];

	if (len >= sizeof(tmp)) {
		len = sizeof(tmp) - 1;
		while (len && ((unsigned char)s[len] & 0xc0) == 0x80)
			len--;
	}
	memcpy(tmp, s, len);
	tmp[len] = 0;
	for (char *p = tmp; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = ' ';
	utf8_copy(out, PROTO_TAP_STR_MAX, tmp);
}

static const char *skip_blanks(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

static void trim_end(const char *start, const char **end)
{
	while (*end > start && ((*end)[-1] == ' ' || (*end)[-1] == '\t'))
		(*end)--;
}

/* The directive keyword at p ("SKIP", "TODO", kselftest's "XFAIL", "XPASS"
 * and "error"), or NULL when the comment is not one; *after: past it. */
static const char *directive(const char *p, const char **after)
{
	static const struct { const char *word, *name; } kw[] = {
		{ "skip", "SKIP" }, { "todo", "TODO" }, { "xfail", "XFAIL" },
		{ "xpass", "XPASS" }, { "error", "ERROR" },
	};
	size_t n = 0;

	while (isalpha((unsigned char)p[n]))
		n++;
	for (size_t i = 0; i < sizeof(kw) / sizeof(kw[0]); i++) {
		size_t k = strlen(kw[i].word);

		/* TAP: SKIP may be written longer ("skipped"). */
		if (n >= k && !strncasecmp(p, kw[i].word, k) && (i == 0 || n == k)) {
			*after = p + n;
			return kw[i].name;
		}
	}
	return NULL;
}

/* "ok ..." or "not ok ..." from p (past the result word). */
static void test_line(struct tap *t, bool ok, const char *p)
{
	const char *name, *end, *hash = NULL, *dir = NULL, *reason = "";
	char buf[PROTO_TAP_STR_MAX], rbuf[PROTO_TAP_STR_MAX];
	unsigned long long n = t->last_n + 1;
	json_t *o;
	size_t k = 0;

	p = skip_blanks(p);
	if (isdigit((unsigned char)*p)) {
		n = strtoull(p, (char **)&p, 10);
		p = skip_blanks(p);
	}
	if (*p == '-')
		p = skip_blanks(p + 1);
	name = p;
	/* A directive or comment starts at a '#' after a blank (or at once);
	 * "\#" is a '#' of the name. */
	for (const char *q = p; *q && !hash; q++)
		if (*q == '#' && (q == p || q[-1] == ' ' || q[-1] == '\t'))
			hash = q;
	end = hash ? hash : name + strlen(name);
	trim_end(name, &end);
	if (hash && (dir = directive(skip_blanks(hash + 1), &reason))) {
		reason = skip_blanks(reason);
		if (*reason == ':')
			reason = skip_blanks(reason + 1);
	}
	t->last_n = n;
	t->seen = true;
	if (t->n_tests >= PROTO_TAP_MAX) {
		t->more++;
		return;
	}
	/* Unescape "\#". */
	for (const char *q = name; q < end && k + 1 < sizeof(buf); q++)
		if (!(q[0] == '\\' && q + 1 < end && q[1] == '#'))
			buf[k++] = *q;
	clean(buf, buf, k);
	o = json_pack("{s:I, s:b, s:s}", TAPF_N, (json_int_t)(n > INT64_MAX ? INT64_MAX : n),
		      TAPF_OK, ok, TAPF_NAME, buf);
	if (o && dir) {
		end = reason + strlen(reason);
		trim_end(reason, &end);
		clean(rbuf, reason, (size_t)(end - reason));
		json_object_set_new(o, TAPF_DIRECTIVE, json_string(dir));
		if (rbuf[0])
			json_object_set_new(o, TAPF_REASON, json_string(rbuf));
	}
	if (o) {
		json_array_append_new(t->tests, o);
		t->n_tests++;
	}
}

/* "1..N" with an optional "# SKIP why". */
static void plan_line(struct tap *t, const char *p)
{
	const char *after, *end, *dir;
	char *q;

	t->plan = strtoll(p + 3, &q, 10);
	t->seen = true;
	p = skip_blanks(q);
	if (*p == '#' && (dir = directive(skip_blanks(p + 1), &after)) &&
	    !strcmp(dir, "SKIP")) {
		after = skip_blanks(after);
		if (*after == ':')
			after = skip_blanks(after + 1);
		end = after + strlen(after);
		trim_end(after, &end);
		clean(t->skip_all, after, (size_t)(end - after));
		t->skipped_all = true;
	}
}

static void line(struct tap *t, char *s, size_t n)
{
	while (n && (s[n - 1] == '\n' || s[n - 1] == '\r'))
		s[--n] = 0;
	if (!strncmp(s, "TAP version ", 12)) {
		t->seen = true;
	} else if (!strncmp(s, "1..", 3) && isdigit((unsigned char)s[3])) {
		plan_line(t, s);
	} else if (!strncmp(s, "Bail out!", 9)) {
		const char *r = skip_blanks(s + 9), *end = r + strlen(r);

		trim_end(r, &end);
		clean(t->bail_out, r, (size_t)(end - r));
		t->bailed = t->seen = true;
	} else if (!strncmp(s, "ok", 2) && (!s[2] || s[2] == ' ' || s[2] == '\t')) {
		test_line(t, true, s + 2);
	} else if (!strncmp(s, "not ok", 6) && (!s[6] || s[6] == ' ' || s[6] == '\t')) {
		test_line(t, false, s + 6);
	}
}

json_t *payload_tap(FILE *f)
{
	struct tap t = { .plan = -1 };
	char *buf = NULL;
	size_t cap = 0;
	ssize_t n;
	json_t *o;

	t.tests = json_array();
	if (!t.tests)
		return NULL;
	/* A NUL ends a line early. */
	while ((n = getline(&buf, &cap, f)) >= 0)
		line(&t, buf, strnlen(buf, (size_t)n));
	free(buf);
	if (!t.seen) {
		json_decref(t.tests);
		return NULL;
	}
	o = json_pack("{s:o}", TAPF_TESTS, t.tests);
	if (!o)
		return NULL;
	if (t.plan >= 0)
		json_object_set_new(o, TAPF_PLAN, json_integer(t.plan));
	if (t.more)
		json_object_set_new(o, TAPF_MORE, json_integer((json_int_t)t.more));
	if (t.bailed)
		json_object_set_new(o, TAPF_BAIL_OUT, json_string(t.bail_out));
	if (t.skipped_all)
		json_object_set_new(o, TAPF_SKIP_ALL, json_string(t.skip_all));
	return o;
}
