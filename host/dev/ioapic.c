// SPDX-License-Identifier: GPL-2.0-only
/* The userspace IOAPIC (see ioapic.h). Registers: the 82093AA datasheet;
 * the entry's extended destination: Linux's struct IO_APIC_route_entry
 * (virt_destid_8_14). */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "host/dev/ioapic.h"
#include "host/vmm/vmm.h"

#define IOREGSEL		0x00
#define IOWIN			0x10
#define REG_ID			0x00
#define REG_VER			0x01
#define REG_ARB			0x02
#define REG_RTE			0x10	/* entry i: 0x10 + 2i (low), 0x11 + 2i (high) */
#define IOAPIC_VERSION		0x11	/* 82093AA; no EOI register */

#define RTE_VECTOR		0xffull
#define RTE_DELIVERY_SHIFT	8
#define RTE_DELIVERY		(7ull << RTE_DELIVERY_SHIFT)
#define RTE_DEST_LOGICAL	(1ull << 11)
#define RTE_STATUS		(1ull << 12)	/* read-only */
#define RTE_REMOTE_IRR		(1ull << 14)	/* read-only */
#define RTE_LEVEL		(1ull << 15)
#define RTE_MASKED		(1ull << 16)
#define RTE_EXT_DEST_SHIFT	49		/* destination bits 8-14 */
#define RTE_DEST_SHIFT		56		/* destination bits 0-7 */
#define RTE_READ_ONLY		(RTE_STATUS | RTE_REMOTE_IRR)

#define DELIVERY_SMI		2
#define DELIVERY_INIT		5
#define DELIVERY_EXTINT		7
#define MSI_ADDR_BASE		0xfee00000ull

int ioapic_msi(const struct ioapic *io, unsigned pin, uint64_t *addr, uint32_t *data)
{
	uint64_t e = io->rte[pin];
	unsigned mode = (e & RTE_DELIVERY) >> RTE_DELIVERY_SHIFT;
	uint32_t dest = (uint32_t)(e >> RTE_DEST_SHIFT) |
			(uint32_t)(e >> RTE_EXT_DEST_SHIFT & 0x7f) << 8;

	if ((e & RTE_MASKED) || mode == DELIVERY_SMI || mode == DELIVERY_INIT ||
	    mode == DELIVERY_EXTINT)
		return -1;
	/* KVM's format with 32-bit APIC IDs: bits 8-31 in address_hi. */
	*addr = MSI_ADDR_BASE | (uint64_t)(dest & 0xff) << 12 |
		((e & RTE_DEST_LOGICAL) ? 1u << 2 : 0) | (uint64_t)(dest >> 8) << 40;
	*data = (uint32_t)(e & (RTE_VECTOR | RTE_DELIVERY));
	return 0;
}

static void deliver(struct ioapic *io, unsigned pin)
{
	uint64_t addr;
	uint32_t data;

	if (ioapic_msi(io, pin, &addr, &data))
		return;
	io->send(io->vm, addr, data);
	io->sent++;
}

void ioapic_set_line(void *ctx, uint32_t pin, int level)
{
	struct ioapic *io = ctx;
	uint32_t bit;
	bool rising;

	if (pin >= IOAPIC_PINS)
		return;
	bit = 1u << pin;
	rising = level && !(io->lines & bit);
	io->lines = level ? io->lines | bit : io->lines & ~bit;
	if (rising)
		deliver(io, pin);
}

static uint32_t read_reg(struct ioapic *io, uint8_t reg)
{
	unsigned pin = (reg - REG_RTE) / 2;

	switch (reg) {
	case REG_ID:
		return io->id << 24;
	case REG_VER:
		return (IOAPIC_PINS - 1) << 16 | IOAPIC_VERSION;
	case REG_ARB:
		return io->id << 24;
	}
	if (reg < REG_RTE || pin >= IOAPIC_PINS)
		return 0;
	return reg & 1 ? (uint32_t)(io->rte[pin] >> 32) : (uint32_t)io->rte[pin];
}

static void write_reg(struct ioapic *io, uint8_t reg, uint32_t v)
{
	unsigned pin = (reg - REG_RTE) / 2;
	uint64_t e;

	if (reg == REG_ID) {
		io->id = v >> 24 & 0xf;
		return;
	}
	if (reg < REG_RTE || pin >= IOAPIC_PINS)
		return;
	e = io->rte[pin];
	if (reg & 1)
		e = (e & 0xffffffffull) | (uint64_t)v << 32;
	else
		e = (e & ~0xffffffffull) | v;
	io->rte[pin] = (e & ~RTE_READ_ONLY) | (io->rte[pin] & RTE_READ_ONLY);
}

/* The guest's accesses: 32-bit IOREGSEL and IOWIN; anything else reads 0
 * and writes nothing. */
static void ioapic_io(void *ctx, uint64_t addr, uint8_t *data, uint32_t len, bool is_write)
{
	struct ioapic *io = ctx;
	uint64_t off = addr & (IOAPIC_MMIO_SIZE - 1);
	uint32_t v = 0;

	if (is_write) {
		memcpy(&v, data, len < 4 ? len : 4);
		if (off == IOREGSEL)
			io->sel = v;
		else if (off == IOWIN && len == 4)
			write_reg(io, io->sel, v);
		return;
	}
	if (off == IOREGSEL)
		v = io->sel;
	else if (off == IOWIN)
		v = read_reg(io, io->sel);
	memset(data, 0, len);
	memcpy(data, &v, len < 4 ? len : 4);
}

int ioapic_init(struct ioapic *io, struct vmm *vm, uint64_t base)
{
	int err;

	memset(io, 0, sizeof(*io));
	io->vm = vm;
	io->send = vmm_signal_msi;
	for (int i = 0; i < IOAPIC_PINS; i++)
		io->rte[i] = RTE_MASKED;
	err = iotrap_register(&vm->bus.mmio, base, IOAPIC_MMIO_SIZE, ioapic_io, io);
	if (err)
		return err;
	vmm_set_irq_lines(vm, ioapic_set_line, io);
	return 0;
}

struct ioapic_state {
	uint32_t id;
	uint32_t lines;
	uint8_t sel, pad[7];
	uint64_t rte[IOAPIC_PINS];
};
_Static_assert(sizeof(struct ioapic_state) == 16 + 8 * IOAPIC_PINS, "ioapic_state");

void ioapic_save(struct ioapic *io, struct vsnap_writer *w, uint32_t id)
{
	struct ioapic_state st = { .id = io->id, .lines = io->lines, .sel = io->sel };

	memcpy(st.rte, io->rte, sizeof(st.rte));
	vsnap_put(w, "IOAP", id, &st, sizeof(st));
}

int ioapic_load(struct ioapic *io, const struct vsnap_reader *r, uint32_t id,
		char *msg, size_t len)
{
	struct ioapic_state st;

	if (vsnap_get(r, "IOAP", id, &st, sizeof(st), msg, len))
		return -1;
	if (st.id > 0xf || st.lines >> IOAPIC_PINS) {
		snprintf(msg, len, "snapshot section IOAP %u: ID %u, lines 0x%x: not a state of "
			 "this IOAPIC", id, st.id, st.lines);
		return -1;
	}
	for (int i = 0; i < IOAPIC_PINS; i++)
		if (st.rte[i] & RTE_READ_ONLY) {
			snprintf(msg, len, "snapshot section IOAP %u: entry %d sets read-only bits "
				 "(0x%llx)", id, i, (unsigned long long)st.rte[i]);
			return -1;
		}
	io->id = st.id;
	io->lines = st.lines;
	io->sel = st.sel;
	memcpy(io->rte, st.rte, sizeof(io->rte));
	return 0;
}
