// SPDX-License-Identifier: GPL-2.0-only
/* Frame encoder helpers and the resynchronising stream decoder for the
 * guest -> host wire protocol (see wire.h). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/wire.h"

static uint32_t crc_table[256];

static void crc_init(void)
{
	for (uint32_t i = 0; i < 256; i++) {
		uint32_t c = i;
		for (int k = 0; k < 8; k++)
			c = (c & 1) ? 0xedb88320u ^ (c >> 1) : c >> 1;
		crc_table[i] = c;
	}
}

uint32_t wire_crc32(uint32_t crc, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	if (!crc_table[1])
		crc_init();
	crc = ~crc;
	while (len--)
		crc = crc_table[(crc ^ *p++) & 0xff] ^ (crc >> 8);
	return ~crc;
}

void wire_hdr_make(struct wire_hdr *h, enum wire_type type, uint32_t seq,
		   const void *payload, uint32_t len)
{
	memset(h, 0, sizeof(*h));
	h->magic = WIRE_MAGIC;
	h->version = WIRE_VERSION;
	h->type = type;
	h->seq = seq;
	h->len = len;
	h->hdr_crc = wire_crc32(0, h, offsetof(struct wire_hdr, hdr_crc));
	h->payload_crc = wire_crc32(0, payload, len);
}

const char *wire_type_name(uint16_t type)
{
	static const char *const names[] = {
		[WIRE_HELLO] = "hello", [WIRE_EVENT] = "event",
		[WIRE_REPORT] = "report", [WIRE_ERROR] = "error",
		[WIRE_DONE] = "done", [WIRE_ACK] = "ack", [WIRE_READY] = "ready",
		[WIRE_PLAN] = "plan", [WIRE_DATA] = "data", [WIRE_SYNC] = "sync",
	};
	if (type < WIRE_TYPE_MAX && names[type])
		return names[type];
	return "unknown";
}

void wire_decoder_init(struct wire_decoder *d)
{
	memset(d, 0, sizeof(*d));
}

void wire_decoder_free(struct wire_decoder *d)
{
	free(d->buf);
	memset(d, 0, sizeof(*d));
}

int wire_decoder_feed(struct wire_decoder *d, const void *data, size_t len)
{
	size_t live = d->len - d->start;

	/* Consumed bytes are dropped here, once per feed, not per frame: a
	 * stream of many small frames costs O(bytes), not O(frames x buffer). */
	if (d->start) {
		memmove(d->buf, d->buf + d->start, live);
		d->start = 0;
		d->len = live;
	}
	if (len > SIZE_MAX - live)
		return -1;
	if (live + len > d->cap) {
		size_t cap = d->cap ? d->cap : 65536;
		uint8_t *nb;

		while (cap < live + len)
			cap *= 2;
		nb = realloc(d->buf, cap);
		if (!nb)
			return -1;
		d->buf = nb;
		d->cap = cap;
	}
	memcpy(d->buf + d->len, data, len);
	d->len += len;
	return 0;
}

static void consume(struct wire_decoder *d, size_t n)
{
	d->start += n;
	d->offset += n;
}

static size_t avail(const struct wire_decoder *d)
{
	return d->len - d->start;
}

static const uint8_t *head(const struct wire_decoder *d)
{
	return d->buf + d->start;
}

/* Drop bytes up to the next possible magic (at least one byte); keep a tail
 * that may be the start of a magic split across reads. */
static size_t resync(struct wire_decoder *d)
{
	const uint32_t magic = WIRE_MAGIC;
	const uint8_t *p = head(d);
	size_t n = avail(d), i = 1;

	while (i + 4 <= n && memcmp(p + i, &magic, 4))
		i++;
	if (i + 4 > n)
		i = n > 3 ? n - 3 : n;
	if (i == 0)
		i = n;
	d->skipped_bytes += i;
	consume(d, i);
	return i;
}

static int hdr_valid(const struct wire_hdr *h, char *msg, size_t msglen)
{
	if (h->hdr_crc != wire_crc32(0, h, offsetof(struct wire_hdr, hdr_crc))) {
		snprintf(msg, msglen, "frame header CRC mismatch");
		return 0;
	}
	if (h->version != WIRE_VERSION) {
		snprintf(msg, msglen, "frame version %u, this host speaks %u",
			 h->version, (unsigned)WIRE_VERSION);
		return 0;
	}
	if (h->len > WIRE_MAX_PAYLOAD) {
		snprintf(msg, msglen, "frame length %u exceeds %u", h->len,
			 WIRE_MAX_PAYLOAD);
		return 0;
	}
	return 1;
}

enum wire_result wire_decoder_next(struct wire_decoder *d, uint16_t *type,
				   const uint8_t **payload, uint32_t *len,
				   char *msg, size_t msglen)
{
	struct wire_hdr h;
	const uint32_t magic = WIRE_MAGIC;

	/* The frame handed out last time is consumed now. */
	consume(d, d->pending);
	d->pending = 0;
	if (avail(d) >= 4 && memcmp(head(d), &magic, 4)) {
		uint64_t at = d->offset;
		size_t n = resync(d);

		snprintf(msg, msglen, "%zu stray bytes at stream offset %llu skipped",
			 n, (unsigned long long)at);
		d->bad_frames++;
		return WIRE_CORRUPT;
	}
	if (avail(d) < sizeof(h))
		return WIRE_NEED_MORE;
	memcpy(&h, head(d), sizeof(h));
	if (!hdr_valid(&h, msg, msglen)) {
		size_t n = strlen(msg);
		snprintf(msg + n, msglen - n, " at stream offset %llu",
			 (unsigned long long)d->offset);
		d->bad_frames++;
		resync(d);
		return WIRE_CORRUPT;
	}
	if (avail(d) < sizeof(h) + h.len)
		return WIRE_NEED_MORE;
	if (h.payload_crc != wire_crc32(0, head(d) + sizeof(h), h.len)) {
		snprintf(msg, msglen,
			 "%s frame seq %u (%u bytes) at stream offset %llu: payload CRC mismatch",
			 wire_type_name(h.type), h.seq, h.len,
			 (unsigned long long)d->offset);
		d->bad_frames++;
		consume(d, sizeof(h) + h.len);
		d->next_seq = h.seq + 1;
		return WIRE_CORRUPT;
	}
	if (h.seq != d->next_seq)
		d->lost_frames += h.seq > d->next_seq ? h.seq - d->next_seq : 0;
	d->next_seq = h.seq + 1;
	d->frames++;
	/* The payload stays in place until the next call consumes it. */
	consume(d, sizeof(h));
	*type = h.type;
	*payload = head(d);
	*len = h.len;
	d->pending = h.len;
	return WIRE_FRAME;
}

int wire_decoder_finish(struct wire_decoder *d, char *msg, size_t msglen)
{
	struct wire_hdr h;

	consume(d, d->pending);
	d->pending = 0;
	if (avail(d) == 0)
		return 0;
	if (avail(d) >= sizeof(h)) {
		memcpy(&h, head(d), sizeof(h));
		if (h.magic == WIRE_MAGIC &&
		    h.hdr_crc == wire_crc32(0, &h, offsetof(struct wire_hdr, hdr_crc))) {
			snprintf(msg, msglen,
				 "truncated %s frame seq %u: %zu of %u payload bytes arrived",
				 wire_type_name(h.type), h.seq, avail(d) - sizeof(h), h.len);
			return 1;
		}
	}
	snprintf(msg, msglen, "stream ended inside a frame: %zu trailing bytes at offset %llu",
		 avail(d), (unsigned long long)d->offset);
	return 1;
}
