// SPDX-License-Identifier: GPL-2.0-only
/* The split virtqueue refuses rings and descriptors outside guest RAM,
 * descriptor loops and bad indices. */
#include <criterion/criterion.h>
#include <errno.h>
#include <linux/virtio_ring.h>
#include <string.h>

#include "host/dev/virtq.h"

static uint8_t ram[1 << 20];
static struct guestmem gm;
static char msg[256];

#define DESC 0x1000
#define AVAIL 0x2000
#define USED 0x3000

static struct virtq setup(void)
{
	struct virtq q = { .gm = &gm, .size = 8, .desc = DESC, .avail = AVAIL, .used = USED };

	memset(&gm, 0, sizeof(gm));
	memset(ram, 0, sizeof(ram));
	gm_add(&gm, 0, sizeof(ram), ram);
	cr_assert_eq(virtq_enable(&q, msg, sizeof(msg)), 0);
	return q;
}

static void desc(int i, uint64_t addr, uint32_t len, uint16_t flags, uint16_t next)
{
	struct vring_desc d = { addr, len, flags, next };

	memcpy(ram + DESC + 16 * i, &d, 16);
}

static void offer(uint16_t head)
{
	struct vring_avail *av = (void *)(ram + AVAIL);

	av->ring[av->idx % 8] = head;
	av->idx++;
}

Test(virtq, good_chain_and_used)
{
	struct virtq q = setup();
	struct virtq_iov iov[4];
	uint16_t head;

	desc(0, 0x8000, 16, VRING_DESC_F_NEXT, 1);
	desc(1, 0x9000, 32, VRING_DESC_F_WRITE, 0);
	offer(0);
	cr_assert_eq(virtq_pop(&q, &head), 1);
	cr_assert_eq(virtq_chain(&q, head, iov, 4), 2);
	cr_expect_eq(iov[0].base, ram + 0x8000);
	cr_expect(iov[1].device_writes);
	cr_assert_eq(virtq_push(&q, head, 32), 0);
	cr_expect_eq(((struct vring_used *)(ram + USED))->idx, 1);
	cr_expect_eq(virtq_pop(&q, &head), 0);
}

Test(virtq, descriptor_outside_ram)
{
	struct virtq q = setup();
	struct virtq_iov iov[4];
	uint16_t head;

	desc(0, sizeof(ram) - 8, 16, 0, 0);		/* straddles the end */
	desc(1, 0x40000000, 4, 0, 0);			/* beyond RAM */
	desc(2, 0xfffffffffffffff0ull, 0x20, 0, 0);	/* wraps */
	for (int i = 0; i < 3; i++) {
		offer(i);
		cr_assert_eq(virtq_pop(&q, &head), 1);
		cr_expect_eq(virtq_chain(&q, head, iov, 4), -EFAULT, "descriptor %d", i);
	}
}

Test(virtq, loops_and_bad_indices)
{
	struct virtq q = setup();
	struct virtq_iov iov[16];
	struct vring_avail *av = (void *)(ram + AVAIL);
	uint16_t head;

	desc(0, 0x8000, 1, VRING_DESC_F_NEXT, 1);
	desc(1, 0x8000, 1, VRING_DESC_F_NEXT, 0);	/* loop */
	offer(0);
	cr_assert_eq(virtq_pop(&q, &head), 1);
	cr_expect_eq(virtq_chain(&q, head, iov, 16), -EFAULT);
	desc(2, 0x8000, 1, VRING_DESC_F_NEXT, 99);	/* next out of range */
	offer(2);
	cr_assert_eq(virtq_pop(&q, &head), 1);
	cr_expect_eq(virtq_chain(&q, head, iov, 16), -EFAULT);
	offer(42);					/* head out of range */
	cr_expect_eq(virtq_pop(&q, &head), -EFAULT);
	av->idx += 100;					/* more than the ring holds */
	cr_expect_eq(virtq_pop(&q, &head), -EFAULT);
}

Test(virtq, rings_outside_ram_refused)
{
	struct virtq q = { .gm = &gm, .size = 256, .desc = sizeof(ram) - 64, .avail = AVAIL,
			   .used = USED };

	setup();
	cr_expect_eq(virtq_enable(&q, msg, sizeof(msg)), -EFAULT);
	q.desc = DESC;
	q.size = 6;	/* not a power of two */
	cr_expect_eq(virtq_enable(&q, msg, sizeof(msg)), -EINVAL);
}

/* virtio 1.x 2.7: descriptor table 16-aligned, avail ring 2, used ring 4. */
Test(virtq, misaligned_rings_refused)
{
	struct virtq q = { .gm = &gm, .size = 8, .desc = DESC, .avail = AVAIL, .used = USED };

	setup();
	q.desc = DESC + 8;
	cr_expect_neq(virtq_enable(&q, msg, sizeof(msg)), 0, "descriptor table at +8");
	q.desc = DESC;
	q.avail = AVAIL + 1;
	cr_expect_neq(virtq_enable(&q, msg, sizeof(msg)), 0, "avail ring at an odd address");
	q.avail = AVAIL;
	q.used = USED + 2;
	cr_expect_neq(virtq_enable(&q, msg, sizeof(msg)), 0, "used ring at +2");
	cr_expect_str_eq(msg, "used ring at 0x3002 is not 4-byte aligned");
	q.used = USED;
	cr_expect_eq(virtq_enable(&q, msg, sizeof(msg)), 0);
}

/* Any two rings sharing a byte: the device's used-ring writes would change
 * what it reads next (used over avail: every push offers another buffer). */
Test(virtq, overlapping_rings_refused)
{
	struct {
		uint64_t desc, avail, used;
		const char *what;
	} bad[] = {
		{ DESC, AVAIL, AVAIL, "used ring over the avail ring" },
		{ DESC, AVAIL, AVAIL + 16, "used ring inside the avail ring" },
		{ DESC, AVAIL, AVAIL + 20, "used ring on the avail ring's used_event" },
		{ DESC, DESC + 0x40, USED, "avail ring inside the descriptor table" },
		{ DESC, AVAIL, DESC + 0x70, "used ring over the last descriptor" },
		{ USED, AVAIL, USED, "descriptor table over the used ring" },
		{ DESC, USED + 0x40, USED, "avail ring inside the used ring" },
	};

	setup();
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct virtq q = { .gm = &gm, .size = 8, .desc = bad[i].desc,
				   .avail = bad[i].avail, .used = bad[i].used };

		cr_expect_eq(virtq_enable(&q, msg, sizeof(msg)), -EINVAL, "%s", bad[i].what);
		cr_expect_not(q.ready, "%s", bad[i].what);
		cr_expect(strstr(msg, "overlaps"), "%s: %s", bad[i].what, msg);
	}
	/* Back to back is fine: desc 0x80 bytes, avail 6 + 16, used after. */
	struct virtq q = { .gm = &gm, .size = 8, .desc = DESC, .avail = DESC + 0x80,
			   .used = DESC + 0x80 + 24 };

	cr_expect_eq(virtq_enable(&q, msg, sizeof(msg)), 0, "rings back to back");
}

Test(virtq, rings_past_ram_or_wrapping_refused)
{
	uint64_t end = sizeof(ram);
	struct {
		uint64_t desc, avail, used;
		const char *what;
	} bad[] = {
		{ end - 0x40, AVAIL, USED, "descriptor table runs past the end of RAM" },
		{ DESC, end - 16, USED, "avail ring runs past the end of RAM" },
		{ DESC, AVAIL, end - 32, "used ring runs past the end of RAM" },
		{ DESC, AVAIL, end, "used ring just after RAM" },
		{ 0xfffffffffffffff0ull, AVAIL, USED, "descriptor table wraps u64" },
		{ DESC, 0xfffffffffffffffeull, USED, "avail ring wraps u64" },
		{ DESC, AVAIL, 0xfffffffffffffffcull, "used ring wraps u64" },
	};

	setup();
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct virtq q = { .gm = &gm, .size = 8, .desc = bad[i].desc,
				   .avail = bad[i].avail, .used = bad[i].used };

		cr_expect_eq(virtq_enable(&q, msg, sizeof(msg)), -EFAULT, "%s", bad[i].what);
		cr_expect(strstr(msg, "not inside guest RAM"), "%s: %s", bad[i].what, msg);
	}
}
