/* Tests for the writers (host/output_*.c): they format a judged run and
 * must do so whatever bytes the guest sent: the JSON encodes every field,
 * the JUnit parses as XML (expat is the oracle), the summary names things
 * as they are. */
#include <criterion/criterion.h>
#include <expat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host/output.h"
#include "proto/wire.h"

static struct scenario s;
static struct run_result r;
static struct verdict v;
static const struct run_meta meta = { "t.scn", "/k/vmlinux", "7.3", "qemu", "tcg", NULL, NULL, 0 };

static void load(const char *text)
{
	struct scn_error err;

	cr_assert_eq(scn_parse_string("t.scn", text, strlen(text), &s, &err), 0, "%s", err.msg);
	results_init(&r, checks_expected_workers(&s));
}

static void frame(uint16_t type, const char *json)
{
	cr_assert_eq(results_add_frame(&r, type, (const uint8_t *)json, strlen(json)), 0,
		     "%s: %s", json, json_string_value(json_array_get(r.wire_errors, 0)));
}

static void fini(void)
{
	verdict_free(&v);
	results_free(&r);
	scn_free(&s);
}

TestSuite(output, .fini = fini);

#define HDR "scenario t \"d\"\ntopology numa=1 llcs=1 cores=2 threads=1\n"

/* A finished run whose worker's cgroup name is 63 bytes of 2-byte
 * characters cut in the middle of one, and a starvation failure naming
 * it. */
static void judged_run_with_awkward_text(void)
{
	char rep[512];

	load(HDR "step run 1s\n  cgroup a\n  workers a 1 spin\ncheck starvation max-gap=1ms\n");
	frame(WIRE_HELLO, "{\"kernel_release\":\"7.3\",\"cpus_online\":2}");
	snprintf(rep, sizeof(rep), "{\"cgroup\":\"a\",\"type\":\"spin\",\"tid\":7,"
		 "\"work_units\":5,\"max_gap_ms\":90.5,\"exit_info\":{\"kind\":\"exited\","
		 "\"code\":0},\"exit_msg\":\"%s\"}",
		 "\xc3\xa9\xc3\xa9\xc3\xa9 tab\\t nl\\n bell\\u0007 \\uffff \\\" < & >");
	frame(WIRE_REPORT, rep);
	frame(WIRE_DONE, "{\"status\":\"ok\"}");
	verdict_decide(&s, &r, &v);
}

Test(output, json_has_every_field)
{
	json_t *j, *back;
	char *text;

	judged_run_with_awkward_text();
	cr_assert_eq(v.exit_code, 1, "%s", v.reason);
	j = results_to_json(&s, &r, &v, &meta);
	cr_assert_not_null(j);
	text = json_dumps(j, 0);
	back = json_loads(text, 0, NULL);
	cr_assert_not_null(back, "the results parse back");
	cr_assert_str_eq(json_string_value(json_object_get(back, "verdict")), "fail");
	cr_assert(strstr(json_string_value(json_object_get(back, "reason")), "starved"));
	cr_assert_eq(json_array_size(json_object_get(back, "checks")), 3);
	cr_assert_not_null(json_object_get(back, "cgroups"));
	free(text);
	json_decref(j);
	json_decref(back);
}

/* One non-UTF-8 byte on the guest console once dropped console_tail and
 * reason from exactly the crashed runs they explain. */
Test(output, a_crashed_run_keeps_its_console_tail_and_reason)
{
	char console[] = "boot\n\xff\xfe garbage \xc3\n[ 1.0] Kernel panic - not syncing: "
			 "bad \xe9\xe9 bytes\n";
	json_t *j;

	load(HDR "step run 1s\n");
	results_console_tail_from(&r, console, sizeof(console) - 1, 5);
	r.end = VM_END_PANIC;
	verdict_decide(&s, &r, &v);
	cr_assert_eq(v.exit_code, 3);
	j = results_to_json(&s, &r, &v, &meta);
	cr_assert_not_null(j);
	cr_assert(strstr(json_string_value(json_object_get(j, "reason")), "Kernel panic"));
	cr_assert(strstr(json_string_value(json_object_get(j, "console_tail")), "garbage"));
	json_decref(j);
}

struct xml_state {
	int testcases, failures, errors;
};

static void XMLCALL start(void *data, const XML_Char *name, const XML_Char **attrs)
{
	struct xml_state *x = data;

	x->testcases += !strcmp(name, "testcase");
	x->failures += !strcmp(name, "failure");
	x->errors += !strcmp(name, "error");
}

static int parse_xml(const char *buf, size_t len, struct xml_state *x)
{
	XML_Parser p = XML_ParserCreate("UTF-8");
	int ok;

	memset(x, 0, sizeof(*x));
	XML_SetUserData(p, x);
	XML_SetStartElementHandler(p, start);
	ok = XML_Parse(p, buf, (int)len, 1) == XML_STATUS_OK;
	if (!ok)
		fprintf(stderr, "XML error at line %lu: %s\n%s\n",
			(unsigned long)XML_GetCurrentLineNumber(p),
			XML_ErrorString(XML_GetErrorCode(p)), buf);
	XML_ParserFree(p);
	return ok;
}

static char *junit(size_t *len)
{
	char *buf = NULL;
	FILE *f = open_memstream(&buf, len);

	cr_assert_eq(output_junit(f, &s, &r, &v), 0);
	fclose(f);
	return buf;
}

Test(output, junit_is_well_formed_with_any_guest_text)
{
	struct xml_state x;
	size_t len;
	char *buf;

	judged_run_with_awkward_text();
	/* A check detail with every byte value a guest could get into it. */
	for (int b = 1; b < 256; b++) {
		size_t n = strlen(v.checks.v[2].detail);

		if (n + 2 < sizeof(v.checks.v[2].detail)) {
			v.checks.v[2].detail[n] = (char)b;
			v.checks.v[2].detail[n + 1] = 0;
		}
	}
	buf = junit(&len);
	cr_assert(parse_xml(buf, len, &x), "JUnit is not well-formed XML");
	cr_assert_eq(x.testcases, 3);
	cr_assert_eq(x.failures, 1);
	cr_assert_eq(x.errors, 0);
	free(buf);
}

Test(output, junit_of_a_crash_has_an_error_testcase)
{
	char console[] = "x\x01\x02\x1b[31m\xef\xbf\xbe\n[ 2.0] Kernel panic - not syncing: oops\n";
	struct xml_state x;
	size_t len;
	char *buf;

	load(HDR "step run 1s\n");
	results_console_tail_from(&r, console, sizeof(console) - 1, 5);
	r.end = VM_END_PANIC;
	verdict_decide(&s, &r, &v);
	buf = junit(&len);
	cr_assert(parse_xml(buf, len, &x), "JUnit is not well-formed XML");
	cr_assert_eq(x.errors, 1);
	cr_assert(strstr(buf, "name=\"run\""));
	free(buf);
}

Test(output, summary_names_the_root_cgroup)
{
	char *buf = NULL;
	size_t len;
	FILE *f;

	load(HDR "step run 1s\n  workers - 1 spin\n");
	frame(WIRE_HELLO, "{\"kernel_release\":\"7.3\",\"cpus_online\":2}");
	frame(WIRE_REPORT, "{\"cgroup\":\"\",\"type\":\"spin\",\"work_units\":5,\"cpu_time_ns\":9,"
			   "\"exit_info\":{\"kind\":\"exited\",\"code\":0}}");
	frame(WIRE_DONE, "{\"status\":\"ok\"}");
	verdict_decide(&s, &r, &v);
	f = open_memstream(&buf, &len);
	output_summary(f, &s, &r, &v, &meta);
	fclose(f);
	cr_assert(strstr(buf, "  (root)  "), "%s", buf);
	cr_assert_null(strstr(buf, "(host)"));
	cr_assert(strstr(buf, "verdict: pass"), "%s", buf);
	free(buf);
}
