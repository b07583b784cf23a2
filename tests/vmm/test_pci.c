/* PCI and the virtio-pci transport as the guest drives them through the I/O
 * dispatch (conf1 ports, BAR1 ports): the I/O BAR sizes and decodes only
 * when enabled, the four virtio capabilities name BAR1, a notify
 * port write reaches the device only once DRIVER_OK, and a queue the device
 * never serves is marked VRING_USED_F_NO_NOTIFY when enabled. */
#include <criterion/criterion.h>
#include <linux/virtio_config.h>
#include <linux/virtio_pci.h>
#include <linux/virtio_ring.h>
#include <string.h>

#include "host/dev/pci.h"
#include "host/dev/virtio_pci.h"
#include "host/vmm/vmm.h"

#define MMIO	0xc0000000u
#define IO	0x6000u

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
	.type = 3, .num_queues = 2, .queue_max = 16, .quiet_queues = 1u << 0,
	.notify = rec_notify,
};

static void setup(void)
{
	memset(&vm, 0, sizeof(vm));
	memset(notified, 0, sizeof(notified));
	memset(ram, 0, sizeof(ram));
	iotrap_bus_init(&vm.bus, -1);
	cr_assert_eq(gm_add(&vm.gm, 0, sizeof(ram), ram), 0);
	cr_assert_eq(pci_init(&bus, &vm, MMIO, 0x10000000, IO, 0x1000), 0);
	cr_assert_eq(virtio_pci_init(&vp, &vm, &ops, NULL, MMIO, IO), 0);
	cr_assert_eq(pci_add(&bus, 1, &vp.pci), 0);
}

TestSuite(pci, .init = setup);

static uint32_t cfg_read(int off, int len)
{
	uint32_t addr = 0x80000000u | 1u << 11 | (off & 0xfc), v = 0;

	iotrap_dispatch(&vm.bus, &vm.bus.pio, 0xcf8, (uint8_t *)&addr, 4, true);
	iotrap_dispatch(&vm.bus, &vm.bus.pio, 0xcfc + (off & 3), (uint8_t *)&v, len, false);
	return v;
}

static void cfg_write(int off, uint32_t v, int len)
{
	uint32_t addr = 0x80000000u | 1u << 11 | (off & 0xfc);

	iotrap_dispatch(&vm.bus, &vm.bus.pio, 0xcf8, (uint8_t *)&addr, 4, true);
	iotrap_dispatch(&vm.bus, &vm.bus.pio, 0xcfc + (off & 3), (uint8_t *)&v, len, true);
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

Test(pci, notify_port_reaches_the_device)
{
	/* Queue 1 at 0x1000 (desc), 0x2000 (avail), 0x3000 (used). */
	cfg_write(0x04, 0x1, 2);	/* I/O decode */
	common_write(22, 1, 2);
	common_write(32, 0x1000, 4);
	common_write(40, 0x2000, 4);
	common_write(48, 0x3000, 4);
	common_write(28, 1, 2);
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
	for (int q = 0; q < 2; q++) {
		common_write(22, q, 2);
		common_write(32, 0x1000 + q * 0x3000, 4);
		common_write(40, 0x2000 + q * 0x3000, 4);
		common_write(48, 0x3000 + q * 0x3000, 4);
		common_write(28, 1, 2);
	}
	cr_expect_eq(u0->flags, VRING_USED_F_NO_NOTIFY, "receive queue: quiet");
	cr_expect_eq(u1->flags, 0, "transmit queue: notifications wanted");
}
