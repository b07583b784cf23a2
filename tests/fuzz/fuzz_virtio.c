// SPDX-License-Identifier: GPL-2.0-only
/* Fuzz target: the own VMM's devices as a hostile guest drives them, through
 * the iotrap dispatch the vCPU loop uses (KVM_EXIT_IO / KVM_EXIT_MMIO): the
 * virtio-pci console (PCI config through ECAM, BAR0's MSI-X table, BAR1's
 * registers and notify ports, rings and buffers in guest RAM), COM1 and the
 * i8042, set up as backend_kvm does (tests/fuzz/vmm_board.h). No /dev/kvm,
 * threads or sleeps: guest RAM is plain memory, MSIs and IRQ lines go
 * nowhere, output goes to /dev/null.
 *
 * The input is a sequence of operations, each an op byte then its fields
 * (little endian; missing bytes read as 0). Kind = op & 0x0f; the access
 * length is 1 << (op >> 4 & 3) for ports (8 read as 4) and (op >> 4 & 7) + 1
 * for MMIO (KVM splits accesses at pages, into any length up to 8):
 *   0 port write   sel:1 off:2 val:4   port = base[sel] + off
 *   1 port read    sel:1 off:2         bases: COM1, 0x60, 0x64, 0x80, 0xcf8,
 *                                      the PCI I/O window, 0 (absolute)
 *   2 MMIO write   sel:1 off:4 val:8   addr = base[sel] + off
 *   3 MMIO read    sel:1 off:4         bases: ECAM, PCI MMIO window, 0
 *   4 config write reg:1 val:4         the console's function, through ECAM
 *   5 common write off:1 val:4         BAR1 common config, at its first place
 *   6 notify       q:1                 BAR1 notify port of queue q
 *   7 RAM write    sel:1 off:2 val:4   the access length of val into RAM
 *   8 RAM fill     sel:1 off:2 n:1 n bytes     (sel bit 0: low or high RAM)
 *   9 end the VM (the watchdog's kill)
 *  10 driver probe desc:2 avail:2 used:2  Linux's probe, transmit queue at
 *                                         those RAM offsets, then DRIVER_OK
 *  11 offer        id:1 off:2 len:2 flags:1 next:1  descriptor id -> RAM
 *                  [off, +len), offered on the transmit queue's avail ring
 *                  where the driver put it
 *  12 host sends   n:1 then n bytes    into the console's receive channel
 *  13 rx queue     desc:2 avail:2 used:2  the receive queue at those RAM
 *                                      offsets, enabled (no reset)
 *  14 rx offer     id:1 off:2 len:2 flags:1 next:1  as 11, on the
 *                  receive queue (flags 2: device-writable)
 * After each operation the target checks what a guest must never break
 * (board_check, tests/fuzz/vmm_board.h): every enabled queue's rings
 * aligned, inside RAM and disjoint, the ECAM copy equal to config space, and
 * the receive buffer's bounds. */
#include <linux/virtio_config.h>
#include <linux/virtio_ring.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "host/arch/x86/layout.h"
#include "host/dev/i8042.h"
#include "tests/fuzz/fuzz.h"
#include "tests/fuzz/vmm_board.h"

#define RXQ		0
#define TXQ		1

static const uint16_t pio_base[] = {
	X86_COM1_PORT, I8042_DATA_PORT, I8042_CMD_PORT, I8042_POST_PORT, 0xcf8, X86_PCI_IO_BASE, 0,
};
static const uint64_t mmio_base[] = { X86_PCI_ECAM, X86_PCI_MMIO_BASE, 0 };

struct input {
	const uint8_t *p;
	size_t n;
};

static uint64_t take(struct input *in, int bytes)
{
	uint64_t v = 0;

	for (int i = 0; i < bytes; i++, in->p++, in->n--) {
		if (!in->n)
			break;
		v |= (uint64_t)*in->p << (8 * i);
	}
	return v;
}

static void pio(uint16_t port, uint32_t val, uint32_t len, bool is_write)
{
	uint8_t data[8];

	memcpy(data, &val, 4);
	iotrap_dispatch(&vm.bus, &vm.bus.pio, port, data, len, is_write);
}

static void mmio(uint64_t addr, uint64_t val, uint32_t len, bool is_write)
{
	uint8_t data[8];

	memcpy(data, &val, 8);
	iotrap_dispatch(&vm.bus, &vm.bus.mmio, addr, data, len, is_write);
}

static void cfg_write(uint8_t reg, uint32_t val, uint32_t len)
{
	mmio(X86_PCI_ECAM + ((uint64_t)CON_SLOT << 15) + reg, val, len, true);
}

static void common_write(uint8_t off, uint32_t val, uint32_t len)
{
	pio(X86_PCI_IO_BASE + VP_COMMON + off, val, len, true);
}

/* Guest RAM at [sel's region + off, +len), clipped to the region. */
static uint8_t *ram_at(uint8_t sel, uint32_t off, uint32_t *len)
{
	uint8_t *r = sel & 1 ? ram_hi : ram_lo;
	uint32_t size = sel & 1 ? RAM_HI : RAM_LO;

	off %= size;
	if (*len > size - off)
		*len = size - off;
	return r + off;
}

static void driver_probe(uint16_t desc, uint16_t avail, uint16_t used)
{
	uint8_t s = VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER;

	cfg_write(0x04, 0x7, 2);	/* I/O, memory, bus master */
	common_write(20, 0, 1);		/* reset */
	common_write(20, s, 1);
	common_write(8, 1, 4);		/* driver features, high word: VERSION_1 */
	common_write(12, 1, 4);
	common_write(20, s |= VIRTIO_CONFIG_S_FEATURES_OK, 1);
	common_write(22, TXQ, 2);
	common_write(32, desc, 4);
	common_write(36, 0, 4);
	common_write(40, avail, 4);
	common_write(44, 0, 4);
	common_write(48, used, 4);
	common_write(52, 0, 4);
	common_write(28, 1, 2);
	common_write(20, s | VIRTIO_CONFIG_S_DRIVER_OK, 1);
}

/* A descriptor (id:1 off:2 len:2 flags:1 next:1, taken from the input) and
 * its avail entry where the driver put queue qi's ring (clipped to RAM: the
 * driver's own writes, not the device's). */
static void offer(struct input *in, int qi)
{
	const struct virtq *q = &con.vp.vq[qi];
	uint8_t id = take(in, 1);
	uint16_t off = take(in, 2), len = take(in, 2);
	uint8_t flags = take(in, 1);
	struct vring_desc d = { off, len, flags, take(in, 1) };
	uint16_t idx, slot;

	if (!q->size || gm_write(&vm.gm, q->desc + 16ull * (id % q->size), &d, 16) ||
	    gm_read(&vm.gm, q->avail + 2, &idx, 2))
		return;
	slot = id % q->size;
	if (gm_write(&vm.gm, q->avail + 4 + 2ull * (idx % q->size), &slot, 2))
		return;
	idx++;
	gm_write(&vm.gm, q->avail + 2, &idx, 2);
}

static void op(struct input *in)
{
	uint8_t o = take(in, 1), sel;
	uint32_t plen = 1u << (o >> 4 & 3), mlen = (o >> 4 & 7) + 1;
	uint32_t off, val, n;
	uint8_t *p;

	if (plen == 8)
		plen = 4;
	switch (o & 0x0f) {
	case 0:
	case 1:
		sel = take(in, 1) % (sizeof(pio_base) / sizeof(pio_base[0]));
		off = take(in, 2);
		val = (o & 0x0f) == 0 ? take(in, 4) : 0;
		pio((uint16_t)(pio_base[sel] + off), val, plen, (o & 0x0f) == 0);
		break;
	case 2:
	case 3:
		sel = take(in, 1) % (sizeof(mmio_base) / sizeof(mmio_base[0]));
		off = take(in, 4);
		mmio(mmio_base[sel] + off, (o & 0x0f) == 2 ? take(in, 8) : 0, mlen,
		     (o & 0x0f) == 2);
		break;
	case 4:
		off = take(in, 1);
		cfg_write(off, take(in, 4), plen);
		break;
	case 5:
		off = take(in, 1) % VP_ISR;
		common_write(off, take(in, 4), plen);
		break;
	case 6:
		n = take(in, 1) % VP_MAX_VQ;
		pio(X86_PCI_IO_BASE + VP_NOTIFY + n * VP_NOTIFY_MULT, n, 2, true);
		break;
	case 7:
		sel = take(in, 1);
		off = take(in, 2);
		val = take(in, 4);
		n = plen;
		p = ram_at(sel, off, &n);
		memcpy(p, &val, n);
		break;
	case 8:
		sel = take(in, 1);
		off = take(in, 2);
		n = take(in, 1);
		n = n < in->n ? n : in->n;
		val = n;
		p = ram_at(sel, off, &val);
		memcpy(p, in->p, val);
		in->p += n;
		in->n -= n;
		break;
	case 9:
		vmm_end(&vm, VMM_END_STOPPED, "killed by the fuzzer");
		break;
	case 10: {
		uint16_t desc = take(in, 2), avail = take(in, 2), used = take(in, 2);

		driver_probe(desc, avail, used);
		break;
	}
	case 11:
		offer(in, TXQ);
		break;
	case 12:
		n = take(in, 1);
		n = n < in->n ? n : in->n;
		if (n && write(chan[0], in->p, n) < 0) {
			/* the socket is full: the bytes are dropped */
		}
		in->p += n;
		in->n -= n;
		break;
	case 13: {
		uint16_t desc = take(in, 2), avail = take(in, 2), used = take(in, 2);

		common_write(22, RXQ, 2);
		common_write(32, desc, 4);
		common_write(40, avail, 4);
		common_write(48, used, 4);
		common_write(28, 1, 2);
		break;
	}
	case 14:
		offer(in, RXQ);
		break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input in = { data, size };

	board_setup();
	while (in.n) {
		op(&in);
		board_check();
	}
	board_teardown();
	return 0;
}
