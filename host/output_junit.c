// SPDX-License-Identifier: GPL-2.0-only
/* JUnit XML (see output.h): a skipped check is a testcase with
 * <skipped message="why"/>. Text from the guest reaches XML attribute and
 * element content here: it is made valid UTF-8 and stripped of what XML
 * 1.0 forbids even escaped (C0 controls but tab and newline, U+FFFE,
 * U+FFFF), so the file always parses. */
#include <stdlib.h>
#include <string.h>

#include "host/output.h"
#include "lib/utf8.h"

void output_xml_text(FILE *f, const char *s, bool attr)
{
	char *t = s ? utf8_sanitize_dup(s, strlen(s)) : NULL;

	for (const unsigned char *p = (const unsigned char *)t; p && *p; p++) {
		switch (*p) {
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '&': fputs("&amp;", f); break;
		case '"': fputs("&quot;", f); break;
		case '\n': fputs(attr ? "&#10;" : "\n", f); break;
		case '\t': fputs(attr ? "&#9;" : "\t", f); break;
		default:
			if (*p < 0x20) {
				fputc(' ', f);
			} else if (p[0] == 0xef && p[1] == 0xbf && (p[2] == 0xbe || p[2] == 0xbf)) {
				fputs("\xef\xbf\xbd", f); /* U+FFFE/U+FFFF -> U+FFFD */
				p += 2;
			} else {
				fputc(*p, f);
			}
		}
	}
	free(t);
}

int output_junit(FILE *f, const struct scenario *s, const struct run_result *r,
		 const struct verdict *v)
{
	bool error = !strcmp(v->verdict, "error");
	/* The host starved the VM: the failed (timing) checks are not judged. */
	bool skip = !strcmp(v->verdict, "inconclusive");
	int nfail = 0;

	for (int i = 0; i < v->checks.n; i++)
		nfail += !v->checks.v[i].pass;
	fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n");
	fprintf(f, "  <testsuite name=\"");
	output_xml_text(f, s->name, true);
	fprintf(f, "\" tests=\"%d\" failures=\"%d\" errors=\"%d\" skipped=\"%d\" "
		"time=\"%.3f\">\n", v->checks.n + error, skip ? 0 : nfail, error,
		checks_skipped(&v->checks) + (skip ? nfail : 0), r->total_ms / 1e3);
	if (error) {
		fprintf(f, "    <testcase classname=\"");
		output_xml_text(f, s->name, true);
		fprintf(f, "\" name=\"run\">\n      <error message=\"");
		output_xml_text(f, v->reason, true);
		fprintf(f, "\">");
		output_xml_text(f, r->console_tail, false);
		fprintf(f, "</error>\n    </testcase>\n");
	}
	for (int i = 0; i < v->checks.n; i++) {
		const struct check_result *c = &v->checks.v[i];

		fprintf(f, "    <testcase classname=\"");
		output_xml_text(f, s->name, true);
		fprintf(f, "\" name=\"");
		output_xml_text(f, c->name, true);
		if (c->pass && !c->skipped) {
			fprintf(f, "\"/>\n");
			continue;
		}
		fprintf(f, "\">\n      <%s message=\"", c->skipped || skip ? "skipped" : "failure");
		if (skip && !c->skipped) {
			output_xml_text(f, v->reason, true);
			fprintf(f, " -- ");
		}
		output_xml_text(f, c->detail, true);
		fprintf(f, "\"/>\n    </testcase>\n");
	}
	fprintf(f, "  </testsuite>\n</testsuites>\n");
	return ferror(f) ? -1 : 0;
}
