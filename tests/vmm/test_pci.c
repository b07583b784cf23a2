// SPDX-License-Identifier: GPL-2.0-only
/* PCI and the virtio-pci transport as the guest drives them through the I/O
 * dispatch (ECAM, BAR1 ports): config space reads from the ECAM copy (what
 * KVM hands the guest without an exit) always equal what the device says,
 * writes show in the copy at once, absent functions read all-ones and conf1
 * is absent; the I/O BAR sizes and decodes only
 * when enabled, the four virtio capabilities name BAR1, a notify
 * port write reaches the device only once DRIVER_OK, and a queue the device
 * never serves is marked VRING_USED_F_NO_NOTIFY when enabled. */
#include <criterion/criterion.h>
#include <linux/virtio_config.h>
#include <linux/virtio_pci.h>
#include <linux/virtio_ring.h>
#include <stdlib.h>
#include <string.h>

#include "host/dev/pci.h"
#include "host/dev/virtio_pci.h"
#include "host/vmm/vmm.h"
#include "tests/vmm/no_kvm.h"

#define ECAM	0xe0000000u
#define MMIO	0xc0000000u
#define IO	0x6000u
#define SLOT	1u

static struct vmm vm;
static struct pci_bus bus;
static struct virtio_pci vp;
static uint8_t ram[64 << 10];
static int notified[VP_MAX_VQ];

static void rec_notify(void *ctx, struct virtio_pci *v, int q)
{
	notified[q]++;
}

static const struct virtio_dev_ops ops = {
	.name = "test", .type = 3, .num_queues = 2, .queue_max = 16, .quiet_queues = 1u << 0,
	.notify = rec_notify,
};

static void setup(void)
{
	vm_without_kvm(&vm);
	memset(notified, 0, sizeof(notified));
	memset(ram, 0, sizeof(ram));
	cr_assert_eq(gm_add(&vm.gm, 0, sizeof(ram), ram), 0);
	cr_assert_eq(pci_init(&bus, &vm, NULL, ECAM, MMIO, 0x10000000, IO, 0x1000), 0);
	cr_assert_eq(virtio_pci_init(&vp, &vm, &ops, NULL, MMIO, IO), 0);
	cr_assert_eq(pci_add(&bus, SLOT, &vp.pci), 0);
}

static void teardown(void)
{
	pci_destroy(&bus);
}

TestSuite(pci, .init = setup, .fini = teardown);

/* A read that exits (KVM without read-only slots) and the same read from
 * the copy, which must agree. */
static uint32_t ecam_read(unsigned slot, unsigned fn, int off, int len)
{
	uint32_t v = 0, copy = 0;
	uint64_t at = (uint64_t)slot << 15 | fn << 12 | (unsigned)off;

	iotrap_dispatch(&vm.bus, &vm.bus.mmio, ECAM + at, (uint8_t *)&v, len, false);
	memcpy(&copy, bus.ecam + at, len);
	cr_expect_eq(copy, v, "%02x.%u offset 0x%x: copy 0x%x, device 0x%x", slot, fn, off,
		     copy, v);
	return v;
}

static uint32_t cfg_read(int off, int len)
{
	return ecam_read(SLOT, 0, off, len);
}

static void cfg_write(int off, uint32_t v, int len)
{
	iotrap_dispatch(&vm.bus, &vm.bus.mmio, ECAM + (SLOT << 15) + off, (uint8_t *)&v, len,
			true);
}

Test(pci, ecam_functions)
{
	cr_expect_eq(ecam_read(0, 0, 0, 4), 0x0d578086u, "host bridge");
	cr_expect_eq(ecam_read(SLOT, 0, 0, 2), 0x1af4u, "virtio");
	cr_expect_eq(ecam_read(SLOT, 0, 0x100, 4), 0u, "no extended capabilities");
	cr_expect_eq(ecam_read(SLOT, 3, 0, 4), 0xffffffffu, "function 3: none");
	cr_expect_eq(ecam_read(5, 0, 0, 4), 0xffffffffu, "slot 5: empty");
	cr_expect_eq(ecam_read(31, 7, 0xffc, 4), 0xffffffffu, "last dword of the window");
	cfg_write(0x3c, 0x0b, 1);
	cr_expect_eq(cfg_read(0x3c, 1), 0x0bu, "interrupt line written through ECAM");
	cr_expect_eq(bus.ecam[(SLOT << 15) + 0x3c], 0x0b, "and in the copy at once");
	uint32_t v = 0x12345678;

	iotrap_dispatch(&vm.bus, &vm.bus.mmio, ECAM + (5u << 15), (uint8_t *)&v, 4, true);
	cr_expect_eq(ecam_read(5, 0, 0, 4), 0xffffffffu, "a write to an empty slot: nothing");
}

/* Linux's pci_check_type1: the address latch must not read back. */
Test(pci, no_conf1)
{
	uint32_t a = 0x80000000u, v = 0;
	uint8_t b = 0;

	iotrap_dispatch(&vm.bus, &vm.bus.pio, 0xcf8, (uint8_t *)&a, 4, true);
	iotrap_dispatch(&vm.bus, &vm.bus.pio, 0xcf8, (uint8_t *)&v, 4, false);
	cr_expect_neq(v, a);
	iotrap_dispatch(&vm.bus, &vm.bus.pio, 0xcfa, &b, 1, false);
	cr_expect_eq(b, 0xff, "type 2 probe fails too");
	iotrap_dispatch(&vm.bus, &vm.bus.pio, 0xcfc, (uint8_t *)&v, 4, false);
	cr_expect_eq(v, 0xffffffffu);
}

static void port_write16(uint16_t port, uint16_t v)
{
	iotrap_dispatch(&vm.bus, &vm.bus.pio, port, (uint8_t *)&v, 2, true);
}

static void common_write(uint32_t off, uint32_t v, int len)
{
	iotrap_dispatch(&vm.bus, &vm.bus.pio, IO + VP_COMMON + off, (uint8_t *)&v, len, true);
}

Test(pci, io_bar_sizes_and_decodes)
{
	cr_expect_eq(cfg_read(0x14, 4), IO | 1);
	cfg_write(0x14, 0xffffffff, 4);
	cr_expect_eq(cfg_read(0x14, 4), ~(uint32_t)(VP_IO_BAR_SIZE - 1) | 1, "size probe");
	cfg_write(0x14, IO, 4);
	cr_expect_eq(cfg_read(0x14, 4), IO | 1);
}

Test(pci, virtio_caps_name_the_io_bar)
{
	int found = 0, vendor = 0;

	for (int at = cfg_read(0x34, 1), n = 0; at && n < 16; at = cfg_read(at + 1, 1), n++) {
		if (cfg_read(at, 1) == 0x09) {
			vendor++;
			cr_expect_eq(cfg_read(at + 4, 1), 1, "cfg_type %u: BAR", cfg_read(at + 3, 1));
		}
		if (cfg_read(at, 1) != 0x09 || cfg_read(at + 3, 1) != VIRTIO_PCI_CAP_NOTIFY_CFG)
			continue;
		found++;
		cr_expect_eq(cfg_read(at + 8, 4), VP_NOTIFY, "offset");
		cr_expect_geq(cfg_read(at + 12, 4), 2u * VP_NOTIFY_MULT, "length");
		cr_expect_eq(cfg_read(at + 16, 4), VP_NOTIFY_MULT, "multiplier");
	}
	cr_expect_eq(found, 1);
	cr_expect_eq(vendor, 4, "common, notify, ISR, device");
}

/* The driver places queue q's rings and enables it (queue_select,
 * queue_desc, queue_driver, queue_device, queue_enable). */
static void queue_setup(uint16_t q, uint32_t desc, uint32_t avail, uint32_t used)
{
	common_write(22, q, 2);
	common_write(32, desc, 4);
	common_write(40, avail, 4);
	common_write(48, used, 4);
	common_write(28, 1, 2);
}

Test(pci, notify_port_reaches_the_device)
{
	cfg_write(0x04, 0x1, 2);	/* I/O decode */
	queue_setup(1, 0x1000, 0x2000, 0x3000);
	port_write16(IO + VP_NOTIFY + 1 * VP_NOTIFY_MULT, 1);
	cr_expect_eq(notified[1], 0, "before DRIVER_OK");
	common_write(20, VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER |
		     VIRTIO_CONFIG_S_DRIVER_OK, 1);
	port_write16(IO + VP_NOTIFY + 1 * VP_NOTIFY_MULT, 1);
	cr_expect_eq(notified[1], 1);
	port_write16(IO + VP_NOTIFY, 0);
	cr_expect_eq(notified[0], 0, "queue 0 is not ready");
	cfg_write(0x04, 0x2, 2);	/* memory decode only */
	port_write16(IO + VP_NOTIFY + 1 * VP_NOTIFY_MULT, 1);
	cr_expect_eq(notified[1], 1, "I/O decode is off");
}

static uint16_t common_read16(uint32_t off)
{
	uint16_t v = 0;

	iotrap_dispatch(&vm.bus, &vm.bus.pio, IO + VP_COMMON + off, (uint8_t *)&v, 2, false);
	return v;
}

Test(pci, quiet_queue_is_small)
{
	cfg_write(0x04, 0x3, 2);
	common_write(22, 0, 2);
	cr_expect_eq(common_read16(24), VP_QUIET_QUEUE_MAX, "quiet queue: small ring");
	common_write(24, 16, 2);
	cr_expect_eq(common_read16(24), VP_QUIET_QUEUE_MAX, "no more than its maximum");
	common_write(24, 4, 2);
	cr_expect_eq(common_read16(24), 4, "the driver may shrink it");
	common_write(22, 1, 2);
	cr_expect_eq(common_read16(24), 16, "the served queue keeps queue_max");
}

Test(pci, quiet_queue_asks_for_no_notifications)
{
	struct vring_used *u0 = (struct vring_used *)(ram + 0x3000);
	struct vring_used *u1 = (struct vring_used *)(ram + 0x6000);

	cfg_write(0x04, 0x3, 2);
	for (int q = 0; q < 2; q++)
		queue_setup(q, 0x1000 + q * 0x3000, 0x2000 + q * 0x3000, 0x3000 + q * 0x3000);
	cr_expect_eq(u0->flags, VRING_USED_F_NO_NOTIFY, "receive queue: quiet");
	cr_expect_eq(u1->flags, 0, "transmit queue: notifications wanted");
}

static uint8_t common_read8(uint32_t off)
{
	uint8_t v = 0;

	iotrap_dispatch(&vm.bus, &vm.bus.pio, IO + VP_COMMON + off, &v, 1, false);
	return v;
}

/* The guest puts queue 1's used ring over its avail ring: the queue is
 * refused, the device asks for a reset, and until the reset the notify port
 * reaches nothing, whatever status the driver writes. */
Test(pci, overlapping_rings_need_reset)
{
	uint8_t ok = VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER |
		     VIRTIO_CONFIG_S_DRIVER_OK;

	cfg_write(0x04, 0x1, 2);
	queue_setup(1, 0x1000, 0x2000, 0x2000);
	cr_expect_eq(common_read16(28), 0, "queue not enabled");
	cr_expect(common_read8(20) & VIRTIO_CONFIG_S_NEEDS_RESET);
	common_write(20, ok, 1);
	cr_expect(common_read8(20) & VIRTIO_CONFIG_S_NEEDS_RESET, "the driver cannot clear it");
	port_write16(IO + VP_NOTIFY + 1 * VP_NOTIFY_MULT, 1);
	cr_expect_eq(notified[1], 0);
	common_write(20, 0, 1);		/* reset */
	cr_expect_eq(common_read8(20), 0);
	queue_setup(1, 0x1000, 0x2000, 0x3000);
	cr_expect_eq(common_read16(28), 1, "disjoint rings after the reset");
	common_write(20, ok, 1);
	port_write16(IO + VP_NOTIFY + 1 * VP_NOTIFY_MULT, 1);
	cr_expect_eq(notified[1], 1);
}

Test(pci, misaligned_ring_needs_reset)
{
	cfg_write(0x04, 0x1, 2);
	queue_setup(1, 0x1008, 0x2000, 0x3000);	/* descriptor table: 16-byte aligned */
	cr_expect_eq(common_read16(28), 0);
	cr_expect(common_read8(20) & VIRTIO_CONFIG_S_NEEDS_RESET);
}

/* A read that exits at the window's last bytes, wider than what is left of
 * it: all-ones, and nothing read past the copy (on the heap here, so that
 * ASan sees a read past its end). */
Test(pci, ecam_read_past_the_window)
{
	uint8_t *copy = aligned_alloc(4096, PCI_ECAM_SIZE);
	uint64_t v = 0;

	cr_assert(copy);
	pci_destroy(&bus);
	iotrap_bus_init(&vm.bus, -1);
	cr_assert_eq(pci_init(&bus, &vm, copy, ECAM, MMIO, 0x10000000, IO, 0x1000), 0);
	iotrap_dispatch(&vm.bus, &vm.bus.mmio, ECAM + PCI_ECAM_SIZE - 4, (uint8_t *)&v, 8, false);
	cr_expect_eq(v, ~0ull);
	v = 0;
	iotrap_dispatch(&vm.bus, &vm.bus.mmio, ECAM + PCI_ECAM_SIZE - 8, (uint8_t *)&v, 8, false);
	cr_expect_eq(v, ~0ull, "the last 8 bytes, all inside");
	pci_destroy(&bus);
	free(copy);
}

/* A length that wraps off + len in 32 bits is refused, not copied. */
Test(pci, cfg_access_length_does_not_wrap)
{
	uint8_t data[8];

	memset(data, 0x5a, sizeof(data));
	pci_cfg_access(&vp.pci, 8, data, UINT32_MAX - 3, false);
	cr_expect_eq(data[0], 0x5a, "nothing read");
	pci_cfg_access(&vp.pci, 8, data, UINT32_MAX - 3, true);
	cr_expect_eq(cfg_read(0x0c, 1), 0, "nothing written");
	pci_cfg_access(&vp.pci, 256, data, 1, false);
	cr_expect_eq(data[0], 0x5a, "offset 256: past config space");
}
