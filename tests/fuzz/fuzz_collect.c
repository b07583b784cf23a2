// SPDX-License-Identifier: GPL-2.0-only
/* Fuzz target: the host's side of a run after the VM, the way
 * collect_run drives it: a report stream through the wire decoder and the
 * frame checker (host/frames.c), the console tail, the verdict with every
 * check, and the three writers. The JSON must parse back and the JUnit
 * must be well-formed XML (expat), whatever the guest sent.
 *
 * Input: a little-endian u16 L, L bytes of scenario text, then the raw
 * report stream (also used as the console text). */
#include <expat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host/output.h"
#include "host/verdict.h"
#include "proto/wire.h"
#include "tests/fuzz/fuzz.h"

static void feed(struct run_result *r, const uint8_t *data, size_t size)
{
	struct wire_decoder d;
	size_t at = 0;
	char msg[256];

	wire_decoder_init(&d);
	while (at < size) {
		size_t n = size - at < 4096 ? size - at : 4096;
		const uint8_t *p;
		uint32_t len;
		uint16_t type;
		enum wire_result wr;

		wire_decoder_feed(&d, data + at, n);
		at += n;
		while ((wr = wire_decoder_next(&d, &type, &p, &len, msg, sizeof(msg)))) {
			if (wr == WIRE_CORRUPT)
				results_wire_error(r, "%s", msg);
			else
				results_add_frame(r, type, p, len);
		}
	}
	if (wire_decoder_finish(&d, msg, sizeof(msg)))
		results_wire_error(r, "%s", msg);
	wire_decoder_free(&d);
	results_finish(r);
}

static void well_formed_xml(const char *buf, size_t len)
{
	XML_Parser p = XML_ParserCreate("UTF-8");

	if (XML_Parse(p, buf, (int)len, 1) != XML_STATUS_OK) {
		fprintf(stderr, "JUnit not well-formed: %s at line %lu\n%s\n",
			XML_ErrorString(XML_GetErrorCode(p)),
			(unsigned long)XML_GetCurrentLineNumber(p), buf);
		abort();
	}
	XML_ParserFree(p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct run_meta meta = { .scenario_path = "f.scn", .kernel_path = "/k",
					      .kernel_release = "7.3", .backend = "qemu",
					      .accel = "tcg" };
	struct scenario s;
	struct scn_error err;
	struct run_result r;
	struct verdict v;
	size_t slen, n;
	char *console, *buf = NULL, *text;
	json_t *j, *back;
	FILE *f;

	if (size < 2)
		return 0;
	slen = data[0] | (size_t)data[1] << 8;
	if (slen > size - 2)
		return 0;
	if (scn_parse_string("f.scn", (const char *)data + 2, slen, &s, &err))
		return 0;
	data += 2 + slen;
	size -= 2 + slen;

	results_init(&r, checks_expected_workers(&s));
	feed(&r, data, size);
	n = size < 16384 ? size : 16384;
	console = malloc(n + 1);
	memcpy(console, data + size - n, n);
	results_console_tail_from(&r, console, n, 25);
	free(console);
	r.end = VM_END_RESET;
	verdict_decide(&s, &r, &v);

	j = results_to_json(&s, &r, &v, &meta);
	if (!j)
		abort(); /* an encoder failure: some field was not encodable */
	text = json_dumps(j, JSON_COMPACT);
	back = text ? json_loads(text, 0, NULL) : NULL;
	if (!back)
		abort();
	json_decref(back);
	free(text);
	json_decref(j);

	f = open_memstream(&buf, &n);
	if (output_junit(f, &s, &r, &v))
		abort();
	fclose(f);
	well_formed_xml(buf, n);
	free(buf);

	f = fopen("/dev/null", "we");
	output_summary(f, &s, &r, &v, &meta);
	fclose(f);

	verdict_free(&v);
	results_free(&r);
	scn_free(&s);
	return 0;
}
