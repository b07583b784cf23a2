/* The split virtqueue refuses rings and descriptors outside guest RAM,
 * descriptor loops and bad indices. */
#include <criterion/criterion.h>
#include <errno.h>
#include <linux/virtio_ring.h>

#include "host/dev/virtq.h"

static uint8_t ram[1 << 20];
static struct guestmem gm;

#define DESC 0x1000
#define AVAIL 0x2000
#define USED 0x3000

static struct virtq setup(void)
{
	struct virtq q = { .gm = &gm, .size = 8, .desc = DESC, .avail = AVAIL, .used = USED };

	memset(&gm, 0, sizeof(gm));
	memset(ram, 0, sizeof(ram));
	gm_add(&gm, 0, sizeof(ram), ram);
	cr_assert_eq(virtq_enable(&q), 0);
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
	cr_expect_eq(virtq_enable(&q), -EFAULT);
	q.desc = DESC;
	q.size = 6;	/* not a power of two */
	cr_expect_eq(virtq_enable(&q), -EFAULT);
}
