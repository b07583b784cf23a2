// SPDX-License-Identifier: GPL-2.0-only
/* I/O dispatch: writes KVM queued in the coalesced ring reach their device
 * in order, before the access that caused the exit, across the ring's wrap,
 * and each exactly once. */
#include <criterion/criterion.h>
#include <linux/kvm.h>
#include <stdlib.h>
#include <string.h>

#include "host/vmm/iotrap.h"

#define MAX 4	/* a tiny ring, so the test wraps it */

struct log {
	int n;
	uint64_t addr[32];
	uint32_t val[32];
	bool is_write[32];
};

static void record(void *ctx, uint64_t addr, uint8_t *data, uint32_t len, bool is_write)
{
	struct log *l = ctx;
	uint32_t v = 0;

	if (is_write)
		memcpy(&v, data, len);
	else
		memset(data, 0x5a, len);
	l->addr[l->n] = addr;
	l->val[l->n] = v;
	l->is_write[l->n++] = is_write;
}

static struct iotrap_bus bus;
static struct log pio_log, mmio_log;
static struct kvm_coalesced_mmio_ring *ring;

static void setup(void)
{
	memset(&pio_log, 0, sizeof(pio_log));
	memset(&mmio_log, 0, sizeof(mmio_log));
	iotrap_bus_init(&bus, -1);
	cr_assert_eq(iotrap_register(&bus.pio, 0xcf8, 8, record, &pio_log), 0);
	cr_assert_eq(iotrap_register(&bus.mmio, 0xc0000000, 0x1000, record, &mmio_log), 0);
	ring = calloc(1, sizeof(*ring) + MAX * sizeof(struct kvm_coalesced_mmio));
	iotrap_set_ring(&bus, ring, MAX);
}

static void teardown(void)
{
	free(ring);
}

/* What KVM does for a write to a coalesced zone. */
static void kvm_queue(bool pio, uint64_t addr, uint32_t val, uint32_t len)
{
	struct kvm_coalesced_mmio *e = &ring->coalesced_mmio[ring->last];

	cr_assert_neq((ring->last + 1) % MAX, ring->first, "ring full");
	e->phys_addr = addr;
	e->len = len;
	e->pio = pio;
	memcpy(e->data, &val, len);
	ring->last = (ring->last + 1) % MAX;
}

TestSuite(iotrap, .init = setup, .fini = teardown);

Test(iotrap, queued_writes_come_first_in_order)
{
	uint8_t d[4];

	kvm_queue(true, 0xcf8, 0x80000800, 4);
	kvm_queue(false, 0xc0000010, 7, 2);
	kvm_queue(true, 0xcf8, 0x80000804, 4);
	iotrap_dispatch(&bus, &bus.pio, 0xcfc, d, 4, false);
	cr_assert_eq(pio_log.n, 3);
	cr_expect(pio_log.is_write[0] && pio_log.addr[0] == 0xcf8 && pio_log.val[0] == 0x80000800);
	cr_expect(pio_log.is_write[1] && pio_log.val[1] == 0x80000804);
	cr_expect(!pio_log.is_write[2] && pio_log.addr[2] == 0xcfc);
	cr_assert_eq(mmio_log.n, 1);
	cr_expect(mmio_log.addr[0] == 0xc0000010 && mmio_log.val[0] == 7);
	cr_expect_eq(ring->first, ring->last, "the ring is consumed");
	cr_expect_eq(bus.replayed, 3);
}

Test(iotrap, wraps_and_replays_once)
{
	uint8_t d[4];

	for (uint32_t round = 0; round < 5; round++) {
		kvm_queue(true, 0xcf8, round * 2, 4);
		kvm_queue(true, 0xcf8, round * 2 + 1, 4);
		kvm_queue(true, 0xcf8, 100 + round, 1);
		iotrap_dispatch(&bus, &bus.pio, 0xcfc, d, 1, false);
	}
	cr_assert_eq(pio_log.n, 20);
	for (uint32_t round = 0; round < 5; round++) {
		cr_expect_eq(pio_log.val[round * 4], round * 2);
		cr_expect_eq(pio_log.val[round * 4 + 1], round * 2 + 1);
		cr_expect_eq(pio_log.val[round * 4 + 2], 100 + round);
		cr_expect(!pio_log.is_write[round * 4 + 3]);
	}
	iotrap_drain(&bus);
	cr_expect_eq(pio_log.n, 20, "nothing replayed twice");
}

Test(iotrap, bad_entry_is_skipped)
{
	uint8_t d[4];

	kvm_queue(true, 0xcf8, 1, 4);
	ring->coalesced_mmio[0].len = 200;	/* corrupt: longer than data[] */
	kvm_queue(true, 0xcf8, 2, 4);
	iotrap_dispatch(&bus, &bus.pio, 0xcfc, d, 4, false);
	cr_assert_eq(pio_log.n, 2);
	cr_expect_eq(pio_log.val[0], 2);
	cr_expect_eq(ring->first, ring->last);
}

Test(iotrap, discard_drops_the_queued_writes)
{
	uint8_t d[4];

	kvm_queue(true, 0xcf8, 1, 4);
	kvm_queue(false, 0xc0000010, 7, 2);
	iotrap_drain(&bus);
	kvm_queue(true, 0xcf8, 2, 4);
	kvm_queue(true, 0xcf8, 3, 4);
	iotrap_discard(&bus);
	cr_expect_eq(ring->first, ring->last, "the ring is empty");
	cr_expect_eq(bus.replayed, 0, "the count starts over");
	iotrap_dispatch(&bus, &bus.pio, 0xcfc, d, 4, false);
	cr_assert_eq(pio_log.n, 2, "the write replayed before the discard, then the read");
	cr_expect_eq(pio_log.val[0], 1);
	cr_expect(!pio_log.is_write[1]);
}
