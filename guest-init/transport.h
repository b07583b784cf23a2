/* SPDX-License-Identifier: GPL-2.0-only */
/* guest-init's end of the wire protocol: frames to the host over
 * /dev/hvc0 (virtio-console), thread-safe. */
#ifndef KTSTR__GUEST_TRANSPORT_H
#define KTSTR__GUEST_TRANSPORT_H

#include <jansson.h>

#include "proto/events.h"
#include "proto/wire.h"

int transport_open(const char *dev);
/* Send obj as one frame of the given type; consumes the reference. */
int transport_send(enum wire_type type, json_t *obj);
/* Convenience: an EVENT {"kind": kind, "t_ms":..., "mono_ns":...} plus
 * extra fields from obj (may be NULL; consumed), named as in
 * proto/events.h. A mono_ns already in obj (when the op began) is kept. */
int transport_event(enum proto_event kind, json_t *obj);
/* An ERROR frame {msg, fatal}. */
int transport_error(int fatal, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Test hook: send a raw frame. how: 0 = as given (even if not a valid
 * event), 1 = payload CRC wrong, 2 = header promises more payload than is
 * written. */
int transport_raw_frame(enum wire_type type, const char *payload, uint32_t len,
			int how);

/* Receive the run plan from the host (PLAN then DATA frames, proto/plan.h):
 * 0 with *buf (malloc'd) and *len, or -1 with msg. Waits as long as it
 * takes: the host's watchdog bounds the run. */
int transport_recv_plan(uint8_t **buf, size_t *len, char *msg, size_t msglen);

/* Wait (at most timeout_ms) until the host has acknowledged every frame
 * sent so far. A write to a virtio-serial port returns once the data is
 * queued, and QEMU drops what is still queued when the guest powers off:
 * guest-init calls this after DONE. 0, -ETIMEDOUT or -errno. */
int transport_wait_ack(int timeout_ms);

/* Ask the host to acknowledge every frame sent so far and wait (at most
 * timeout_ms) until it has: a crash right after cannot lose them. 0,
 * -ETIMEDOUT or -errno. */
int transport_sync(int timeout_ms);

/* Test hook: `frames` small valid frames that are not valid events ("{}"),
 * written in large batches, as a runaway writer to the port would. */
int transport_flood(int frames);

/* ns since guest-init started, and CLOCK_MONOTONIC now. */
uint64_t guest_now_ns(void);
uint64_t guest_mono_ns(void);

#endif
