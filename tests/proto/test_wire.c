// SPDX-License-Identifier: GPL-2.0-only
/* Unit tests for the wire frame codec: round trips, split reads, corrupted
 * headers and payloads, stray bytes, truncation, lost frames. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "proto/wire.h"

static size_t frame(uint8_t *out, enum wire_type t, uint32_t seq, const char *p)
{
	struct wire_hdr h;
	uint32_t len = strlen(p);

	wire_hdr_make(&h, t, seq, p, len);
	memcpy(out, &h, sizeof(h));
	memcpy(out + sizeof(h), p, len);
	return sizeof(h) + len;
}

struct got {
	int frames, corrupt;
	uint64_t skipped_bytes, lost_frames;	/* the decoder's counts */
	uint16_t types[16];
	char payloads[16][128];
	char msgs[16][256];
};

static void pull(struct wire_decoder *d, struct got *g)
{
	const uint8_t *p;
	uint32_t len;
	uint16_t type;
	char msg[256];
	enum wire_result r;

	while ((r = wire_decoder_next(d, &type, &p, &len, msg, sizeof(msg)))) {
		if (r == WIRE_FRAME) {
			g->types[g->frames] = type;
			memcpy(g->payloads[g->frames], p, len);
			g->payloads[g->frames++][len] = 0;
		} else {
			strcpy(g->msgs[g->corrupt++], msg);
		}
	}
}

/* Feeds buf[0..n) to a new decoder in one go: what it decoded, and its
 * counts, in g. */
static void decode(const void *buf, size_t n, struct got *g)
{
	struct wire_decoder d;

	memset(g, 0, sizeof(*g));
	wire_decoder_init(&d);
	wire_decoder_feed(&d, buf, n);
	pull(&d, g);
	g->skipped_bytes = d.skipped_bytes;
	g->lost_frames = d.lost_frames;
	wire_decoder_free(&d);
}

/* An event frame, seq 0, then a done frame, seq 1: the corruption tests'
 * stream, where the done frame must survive damage to the event. */
static size_t event_then_done(uint8_t *buf)
{
	size_t n = frame(buf, WIRE_EVENT, 0, "{\"kind\":\"x\"}");

	return n + frame(buf + n, WIRE_DONE, 1, "{}");
}

Test(wire, crc32_known_value)
{
	cr_assert_eq(wire_crc32(0, "123456789", 9), 0xcbf43926u);
}

Test(wire, round_trip_byte_by_byte)
{
	uint8_t buf[512];
	size_t n = frame(buf, WIRE_HELLO, 0, "{\"a\":1}");
	struct wire_decoder d;
	struct got g = { 0 };

	n += frame(buf + n, WIRE_REPORT, 1, "{\"b\":2}");
	wire_decoder_init(&d);
	for (size_t i = 0; i < n; i++) {
		wire_decoder_feed(&d, buf + i, 1);
		pull(&d, &g);
	}
	cr_assert_eq(g.frames, 2);
	cr_assert_eq(g.corrupt, 0);
	cr_assert_eq(g.types[0], WIRE_HELLO);
	cr_assert_str_eq(g.payloads[1], "{\"b\":2}");
	cr_assert_eq(wire_decoder_finish(&d, g.msgs[0], 256), 0);
	wire_decoder_free(&d);
}

Test(wire, corrupted_payload_is_reported_and_next_frame_survives)
{
	uint8_t buf[512];
	size_t n = event_then_done(buf);
	struct got g;

	buf[sizeof(struct wire_hdr) + 3] ^= 0x40; /* flip a payload bit */
	decode(buf, n, &g);
	cr_assert_eq(g.corrupt, 1);
	cr_assert(strstr(g.msgs[0], "payload CRC mismatch"), "%s", g.msgs[0]);
	cr_assert(strstr(g.msgs[0], "event frame seq 0"), "%s", g.msgs[0]);
	cr_assert_eq(g.frames, 1);
	cr_assert_eq(g.types[0], WIRE_DONE);
}

Test(wire, corrupted_header_length_resyncs)
{
	uint8_t buf[512];
	size_t n = event_then_done(buf);
	struct got g;

	buf[12] = 0xff; /* len field: huge; header CRC must catch it */
	decode(buf, n, &g);
	cr_assert_geq(g.corrupt, 1);
	cr_assert(strstr(g.msgs[0], "header CRC"), "%s", g.msgs[0]);
	cr_assert_eq(g.frames, 1);
	cr_assert_eq(g.types[0], WIRE_DONE);
}

Test(wire, stray_bytes_before_frame)
{
	uint8_t buf[512] = "garbage from a console";
	size_t n = strlen((char *)buf);
	struct got g;

	n += frame(buf + n, WIRE_HELLO, 0, "{}");
	decode(buf, n, &g);
	cr_assert_eq(g.frames, 1);
	cr_assert_eq(g.corrupt, 1);
	cr_assert(strstr(g.msgs[0], "stray bytes"), "%s", g.msgs[0]);
	cr_assert_eq(g.skipped_bytes, 22);
}

Test(wire, truncated_frame_at_end)
{
	uint8_t buf[512];
	size_t n = frame(buf, WIRE_REPORT, 0, "{\"tid\":42,\"work_units\":7}");
	struct wire_decoder d;
	struct got g = { 0 };
	char msg[256];

	wire_decoder_init(&d);
	wire_decoder_feed(&d, buf, n - 5);
	pull(&d, &g);
	cr_assert_eq(g.frames, 0);
	cr_assert_eq(wire_decoder_finish(&d, msg, sizeof(msg)), 1);
	cr_assert(strstr(msg, "truncated report frame seq 0"), "%s", msg);
	wire_decoder_free(&d);
}

Test(wire, lost_frames_counted_by_sequence)
{
	uint8_t buf[512];
	size_t n = frame(buf, WIRE_EVENT, 0, "{}");
	struct got g;

	n += frame(buf + n, WIRE_EVENT, 3, "{}");
	decode(buf, n, &g);
	cr_assert_eq(g.frames, 2);
	cr_assert_eq(g.lost_frames, 2);
}

Test(wire, wrong_version_rejected)
{
	uint8_t buf[512];
	struct wire_hdr h;
	struct got g;

	wire_hdr_make(&h, WIRE_EVENT, 0, "{}", 2);
	h.version = 9;
	h.hdr_crc = wire_crc32(0, &h, offsetof(struct wire_hdr, hdr_crc));
	memcpy(buf, &h, sizeof(h));
	memcpy(buf + sizeof(h), "{}", 2);
	decode(buf, sizeof(h) + 2, &g);
	cr_assert_eq(g.frames, 0);
	cr_assert(strstr(g.msgs[0], "version 9"), "%s", g.msgs[0]);
}

Test(wire, large_payload)
{
	size_t len = 3 << 20;
	char *p = malloc(len + 1);
	uint8_t *buf = malloc(len + 64);
	struct wire_decoder d;
	const uint8_t *out;
	uint32_t olen;
	uint16_t type;
	char msg[256];

	memset(p, 'x', len);
	p[len] = 0;
	size_t n = frame(buf, WIRE_REPORT, 0, p);
	wire_decoder_init(&d);
	for (size_t off = 0; off < n; off += 65536)
		wire_decoder_feed(&d, buf + off, n - off < 65536 ? n - off : 65536);
	cr_assert_eq(wire_decoder_next(&d, &type, &out, &olen, msg, sizeof(msg)), WIRE_FRAME);
	cr_assert_eq(olen, len);
	cr_assert_eq(memcmp(out, p, len), 0);
	wire_decoder_free(&d);
	free(p);
	free(buf);
}

/* A flood of small frames as a hostile guest sends them, in the host's
 * 64 KiB reads: every frame decodes, none is counted lost, and the buffer
 * stays at its first size (consumed bytes are dropped once per feed, not
 * moved once per frame). */
Test(wire, a_million_small_frames_decode_in_linear_time, .timeout = 30)
{
	static uint8_t chunk[65536];
	struct wire_decoder d;
	uint64_t frames = 0;
	uint32_t seq = 0;

	wire_decoder_init(&d);
	while (seq < 1000000) {
		size_t n = 0;
		const uint8_t *p;
		uint32_t len;
		uint16_t type;
		char msg[128];

		while (n + 26 <= sizeof(chunk) && seq < 1000000)
			n += frame(chunk + n, WIRE_EVENT, seq++, "{}");
		cr_assert_eq(wire_decoder_feed(&d, chunk, n), 0);
		while (wire_decoder_next(&d, &type, &p, &len, msg, sizeof(msg)) == WIRE_FRAME)
			frames++;
	}
	cr_assert_eq(frames, 1000000);
	cr_assert_eq(d.lost_frames, 0);
	cr_assert_leq(d.cap, 2 * sizeof(chunk), "the buffer stays small: %zu", d.cap);
	wire_decoder_free(&d);
}
