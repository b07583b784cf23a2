/* SPDX-License-Identifier: GPL-2.0-only */
/* A JUnit document as expat reads it, for the tests of the JUnit writers
 * (test_output.c, test_selftests.c, test_suite_output.c; expat is the
 * oracle): its elements counted, the names of the first testsuites and
 * testcases, the tests= and skipped= of the last testsuite. Header-only:
 * the test executables share no library. */
#ifndef KTSTR__TESTS_HOST_JUNIT_COUNT_H
#define KTSTR__TESTS_HOST_JUNIT_COUNT_H

#include <expat.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

struct junit_count {
	int suites, cases, failures, errors, skipped;
	char suite_names[8][128];
	char case_names[16][128];
	char suite_tests[16], suite_skipped[16];
};

static void XMLCALL junit_count_start(void *data, const XML_Char *name, const XML_Char **attrs)
{
	struct junit_count *c = data;
	bool suite = !strcmp(name, "testsuite");
	const char *n = "";

	for (int i = 0; attrs[i]; i += 2) {
		if (!strcmp(attrs[i], "name"))
			n = attrs[i + 1];
		else if (suite && !strcmp(attrs[i], "tests"))
			snprintf(c->suite_tests, sizeof(c->suite_tests), "%s", attrs[i + 1]);
		else if (suite && !strcmp(attrs[i], "skipped"))
			snprintf(c->suite_skipped, sizeof(c->suite_skipped), "%s", attrs[i + 1]);
	}
	if (suite && c->suites++ < 8)
		snprintf(c->suite_names[c->suites - 1], 128, "%s", n);
	if (!strcmp(name, "testcase") && c->cases++ < 16)
		snprintf(c->case_names[c->cases - 1], 128, "%s", n);
	c->failures += !strcmp(name, "failure");
	c->errors += !strcmp(name, "error");
	c->skipped += !strcmp(name, "skipped");
}

/* Count buf's elements into c; false (and the parser's error, with the
 * document, on stderr) if it is not well-formed XML. */
static inline bool junit_count(const char *buf, size_t len, struct junit_count *c)
{
	XML_Parser p = XML_ParserCreate("UTF-8");
	bool ok;

	memset(c, 0, sizeof(*c));
	XML_SetUserData(p, c);
	XML_SetStartElementHandler(p, junit_count_start);
	ok = XML_Parse(p, buf, (int)len, 1) == XML_STATUS_OK;
	if (!ok)
		fprintf(stderr, "XML error at line %lu: %s\n%s\n",
			(unsigned long)XML_GetCurrentLineNumber(p),
			XML_ErrorString(XML_GetErrorCode(p)), buf);
	XML_ParserFree(p);
	return ok;
}

#endif
