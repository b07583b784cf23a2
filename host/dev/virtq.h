/* SPDX-License-Identifier: GPL-2.0-only */
/* The device side of a split virtqueue, bounds-checked: a descriptor that
 * points outside guest RAM, a loop or an index beyond the ring is refused,
 * and so are rings that are misaligned, outside RAM or overlap. */
#ifndef KTSTR__DEV_VIRTQ_H
#define KTSTR__DEV_VIRTQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "host/vmm/guestmem.h"

struct virtq {
	const struct guestmem *gm;
	uint16_t size;		/* entries, a power of two */
	bool ready;
	uint64_t desc, avail, used;	/* guest-physical */
	uint16_t last_avail;
	uint16_t msix_vector;
};

struct virtq_iov {
	void *base;
	uint32_t len;
	bool device_writes;	/* VRING_DESC_F_WRITE */
};

/* Check the driver's rings and mark the queue ready: size a power of two,
 * each ring aligned (virtio 1.x 2.7: descriptor table 16, avail 2, used 4),
 * inside guest RAM and sharing no byte with the others (a used ring over the
 * avail ring would offer a buffer with every one returned). 0, or -EINVAL
 * (size, alignment, overlap) or -EFAULT (outside RAM) with msg naming the
 * ring, its place and the rule. */
int virtq_enable(struct virtq *q, char *msg, size_t len);
void virtq_reset(struct virtq *q);
/* Next available chain head: 1 and *head, 0 if none, -EFAULT if corrupt. */
int virtq_pop(struct virtq *q, uint16_t *head);
/* The buffers of a chain. Returns the count or -EFAULT (bad address, loop,
 * bad index) or -ENOSPC (more than max). */
int virtq_chain(struct virtq *q, uint16_t head, struct virtq_iov *iov, int max);
/* Return a chain to the driver. 0 or -EFAULT. */
int virtq_push(struct virtq *q, uint16_t head, uint32_t len);
/* Ask the driver not to notify (VRING_USED_F_NO_NOTIFY): for a queue the
 * device never serves, each notification would be an exit for nothing. */
void virtq_suppress_notify(struct virtq *q);
/* false when the driver asked for no interrupts (VRING_AVAIL_F_NO_INTERRUPT). */
bool virtq_want_irq(struct virtq *q);

#endif
