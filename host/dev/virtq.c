// SPDX-License-Identifier: GPL-2.0-only
/* Split virtqueue device side (see virtq.h); every guest address goes
 * through gm_ptr(). Barriers: avail->idx before entries, used entry before
 * used->idx. */
#include <errno.h>
#include <linux/virtio_ring.h>
#include <stdio.h>
#include <string.h>

#include "host/dev/virtq.h"

_Static_assert(sizeof(struct vring_desc) == 16, "vring_desc");
_Static_assert(sizeof(struct vring_used_elem) == 8, "vring_used_elem");

/* The three rings of a queue of the given size: where, how long (virtio
 * 1.x 2.7 "Queue Part Sizes", the event fields included), how aligned. */
struct ring_part {
	const char *name;
	uint64_t gpa, len, align;
};

static void ring_parts(const struct virtq *q, struct ring_part p[3])
{
	p[0] = (struct ring_part){ "descriptor table", q->desc, 16ull * q->size, 16 };
	p[1] = (struct ring_part){ "avail ring", q->avail, 6 + 2ull * q->size, 2 };
	p[2] = (struct ring_part){ "used ring", q->used, 6 + 8ull * q->size, 4 };
}

int virtq_enable(struct virtq *q, char *msg, size_t len)
{
	struct ring_part p[3];

	if (!q->size || (q->size & (q->size - 1))) {
		snprintf(msg, len, "queue size %u is not a power of two", q->size);
		return -EINVAL;
	}
	ring_parts(q, p);
	for (int i = 0; i < 3; i++) {
		if (p[i].gpa & (p[i].align - 1)) {
			snprintf(msg, len, "%s at 0x%llx is not %llu-byte aligned", p[i].name,
				 (unsigned long long)p[i].gpa, (unsigned long long)p[i].align);
			return -EINVAL;
		}
		if (!gm_ptr(q->gm, p[i].gpa, p[i].len)) {
			snprintf(msg, len, "%s [0x%llx, +0x%llx) is not inside guest RAM",
				 p[i].name, (unsigned long long)p[i].gpa,
				 (unsigned long long)p[i].len);
			return -EFAULT;
		}
	}
	/* Inside RAM, so gpa + len does not wrap. */
	for (int i = 0; i < 3; i++)
		for (int j = i + 1; j < 3; j++)
			if (p[i].gpa < p[j].gpa + p[j].len && p[j].gpa < p[i].gpa + p[i].len) {
				snprintf(msg, len, "%s [0x%llx, +0x%llx) overlaps %s [0x%llx, +0x%llx)",
					 p[j].name, (unsigned long long)p[j].gpa,
					 (unsigned long long)p[j].len, p[i].name,
					 (unsigned long long)p[i].gpa,
					 (unsigned long long)p[i].len);
				return -EINVAL;
			}
	q->ready = true;
	q->last_avail = 0;
	return 0;
}

void virtq_reset(struct virtq *q)
{
	const struct guestmem *gm = q->gm;
	uint16_t size = q->size;

	memset(q, 0, sizeof(*q));
	q->gm = gm;
	q->size = size;
	q->msix_vector = 0xffff;
}

int virtq_pop(struct virtq *q, uint16_t *head)
{
	struct vring_avail *av;
	uint16_t idx;

	if (!q->ready)
		return 0;
	av = gm_ptr(q->gm, q->avail, 6 + 2ull * q->size);
	if (!av)
		return -EFAULT;
	idx = __atomic_load_n(&av->idx, __ATOMIC_ACQUIRE);
	if (idx == q->last_avail)
		return 0;
	if ((uint16_t)(idx - q->last_avail) > q->size)
		return -EFAULT;
	*head = av->ring[q->last_avail % q->size];
	q->last_avail++;
	return *head < q->size ? 1 : -EFAULT;
}

int virtq_chain(struct virtq *q, uint16_t head, struct virtq_iov *iov, int max)
{
	struct vring_desc *tbl = gm_ptr(q->gm, q->desc, 16ull * q->size);
	uint16_t i = head;
	int n = 0;

	if (!tbl || head >= q->size)
		return -EFAULT;
	for (;;) {
		struct vring_desc d = tbl[i];
		void *p;

		if (n >= q->size)
			return -EFAULT;	/* a loop */
		if (d.flags & VRING_DESC_F_INDIRECT)
			return -EFAULT;	/* not offered */
		p = gm_ptr(q->gm, d.addr, d.len);
		if (!p)
			return -EFAULT;
		if (n >= max)
			return -ENOSPC;
		iov[n++] = (struct virtq_iov){ p, d.len, d.flags & VRING_DESC_F_WRITE };
		if (!(d.flags & VRING_DESC_F_NEXT))
			return n;
		if (d.next >= q->size)
			return -EFAULT;
		i = d.next;
	}
}

int virtq_push(struct virtq *q, uint16_t head, uint32_t len)
{
	struct vring_used *u = gm_ptr(q->gm, q->used, 6 + 8ull * q->size);
	uint16_t idx;

	if (!u)
		return -EFAULT;
	idx = u->idx;
	u->ring[idx % q->size].id = head;
	u->ring[idx % q->size].len = len;
	__atomic_store_n(&u->idx, (uint16_t)(idx + 1), __ATOMIC_RELEASE);
	return 0;
}

void virtq_suppress_notify(struct virtq *q)
{
	struct vring_used *u = gm_ptr(q->gm, q->used, 6 + 8ull * q->size);

	if (u)
		__atomic_store_n(&u->flags, VRING_USED_F_NO_NOTIFY, __ATOMIC_RELEASE);
}

bool virtq_want_irq(struct virtq *q)
{
	struct vring_avail *av = gm_ptr(q->gm, q->avail, 6 + 2ull * q->size);

	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	return av && !(av->flags & VRING_AVAIL_F_NO_INTERRUPT);
}
