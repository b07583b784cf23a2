// SPDX-License-Identifier: GPL-2.0-only
/* Fuzz target: the wire decoder (proto/wire.c) fed a byte stream in
 * chunks whose sizes come from the input, as the host's reads would split
 * it. Checks the decoder's own accounting as it goes. */
#include <stdlib.h>
#include <string.h>

#include "proto/wire.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct wire_decoder d;
	size_t at = 0;
	uint8_t step;
	char msg[256];

	if (size < 1)
		return 0;
	step = data[0] ? data[0] : 1; /* chunk size: 1..255 bytes */
	data++;
	size--;
	wire_decoder_init(&d);
	while (at < size) {
		size_t n = size - at < step ? size - at : step;
		const uint8_t *p;
		uint32_t len;
		uint16_t type;
		enum wire_result r;

		if (wire_decoder_feed(&d, data + at, n))
			abort();
		at += n;
		while ((r = wire_decoder_next(&d, &type, &p, &len, msg, sizeof(msg)))) {
			if (r == WIRE_FRAME) {
				/* The payload lies inside what was fed. */
				if (len > WIRE_MAX_PAYLOAD || p < d.buf || p + len > d.buf + d.len)
					abort();
				volatile uint8_t sink = len ? p[len - 1] : 0;
				(void)sink;
			} else if (!memchr(msg, 0, sizeof(msg))) {
				abort();
			}
		}
		if (d.start > d.len || d.len > d.cap)
			abort();
	}
	wire_decoder_finish(&d, msg, sizeof(msg));
	wire_decoder_free(&d);
	return 0;
}
