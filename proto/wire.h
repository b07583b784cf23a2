/* SPDX-License-Identifier: GPL-2.0-only */
/* The wire protocol over virtio-console: framed, versioned, CRC-checked
 * messages whose payloads are JSON objects; guest -> host (reports and
 * events) and host -> guest (acknowledgements). */
#ifndef KTSTR__PROTO_WIRE_H
#define KTSTR__PROTO_WIRE_H

#include <stddef.h>
#include <stdint.h>

#define WIRE_MAGIC 0x4653544bu /* "KTSF" little-endian */
#define WIRE_VERSION 1
#define WIRE_MAX_PAYLOAD (16u << 20) /* the largest frame (a full WorkerReport) */
/* The virtio-serial port name the guest looks for; without one (the own
 * VMM's single-port console) it writes to /dev/hvc0. */
#define WIRE_PORT_NAME "ktstr.report"

enum wire_type {
	WIRE_HELLO = 1,  /* guest facts: kernel release, CPUs, sched_ext, cgroups */
	WIRE_EVENT = 2,  /* step start/end, op done, scheduler event, cpuset change */
	WIRE_REPORT = 3, /* one WorkerReport */
	WIRE_ERROR = 4,  /* an op or guest-init error {msg, fatal} */
	WIRE_DONE = 5,   /* guest-init finished {status} */
	WIRE_READY = 7,  /* guest-init is up and takes its run plan {plan} */
	WIRE_SYNC = 10,  /* please ACK every frame up to this one {} */
	/* host -> guest */
	WIRE_ACK = 6,    /* every frame up to {seq} arrived */
	WIRE_PLAN = 8,   /* a run plan of {size} bytes follows (proto/plan.h) */
	WIRE_DATA = 9,   /* raw bytes of the run plan (not JSON) */
	WIRE_TYPE_MAX,
};

/* All fields little-endian. hdr_crc covers the 16 bytes before it;
 * payload_crc covers the payload. */
struct wire_hdr {
	uint32_t magic;
	uint16_t version;
	uint16_t type;
	uint32_t seq;
	uint32_t len;
	uint32_t hdr_crc;
	uint32_t payload_crc;
};
_Static_assert(sizeof(struct wire_hdr) == 24, "wire_hdr is 24 bytes on the wire");

uint32_t wire_crc32(uint32_t crc, const void *buf, size_t len);

/* Fill hdr for a payload. */
void wire_hdr_make(struct wire_hdr *h, enum wire_type type, uint32_t seq,
		   const void *payload, uint32_t len);

/* Streaming decoder: feed bytes as they come, pull whole frames out. */
struct wire_decoder {
	uint8_t *buf;
	size_t start, len, cap; /* live bytes are buf[start, len) */
	size_t pending;         /* payload handed out, consumed on next call */
	uint64_t offset;        /* stream offset of buf[start] */
	uint32_t next_seq;      /* expected seq */
	uint64_t frames, bad_frames, skipped_bytes, lost_frames;
};

enum wire_result {
	WIRE_NEED_MORE = 0, /* no complete frame yet */
	WIRE_FRAME = 1,     /* *type, *payload, *len set; valid until the next
			     * feed or next call */
	WIRE_CORRUPT = 2,   /* a damaged frame was dropped; msg says why */
};

void wire_decoder_init(struct wire_decoder *d);
void wire_decoder_free(struct wire_decoder *d);
int wire_decoder_feed(struct wire_decoder *d, const void *data, size_t len);
enum wire_result wire_decoder_next(struct wire_decoder *d, uint16_t *type,
				   const uint8_t **payload, uint32_t *len,
				   char *msg, size_t msglen);
/* At end of stream: describes a partial frame left in the buffer (returns
 * 1 with msg) or returns 0 if the stream ended cleanly. */
int wire_decoder_finish(struct wire_decoder *d, char *msg, size_t msglen);

const char *wire_type_name(uint16_t type);

#endif
