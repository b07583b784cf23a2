/* SPDX-License-Identifier: GPL-2.0-only */
/* A userspace IOAPIC (82093AA, 24 pins) for the split irqchip that APIC IDs
 * above 254 need: KVM's own IOAPIC has 8-bit destinations. The guest
 * programs redirection entries through the MMIO window; the rising edge of
 * a device's line on an unmasked pin becomes an MSI to the entry's
 * destination, 15 bits where the guest was told KVM_FEATURE_MSI_EXT_DEST_ID
 * (bits 8-14 in entry bits 55:49). Pins are edge-triggered only: the board's
 * IOAPIC device (COM1) is an ISA edge interrupt, and KVM sends no EOI for
 * MSIs, which a level-triggered pin would wait for. */
#ifndef KTSTR__DEV_IOAPIC_H
#define KTSTR__DEV_IOAPIC_H

#include <stddef.h>
#include <stdint.h>

struct vmm;

#define IOAPIC_PINS		24
#define IOAPIC_MMIO_SIZE	0x100

struct ioapic {
	struct vmm *vm;
	uint32_t id;			/* the ID register's 4 bits */
	uint8_t sel;			/* IOREGSEL */
	uint64_t rte[IOAPIC_PINS];	/* redirection entries */
	uint32_t lines;			/* each pin's level */
	uint64_t sent;			/* MSIs sent */
	/* vmm_signal_msi; a test may catch the MSIs instead. */
	int (*send)(struct vmm *vm, uint64_t addr, uint32_t data);
};

/* Register the window at base on vm's MMIO bus, every entry masked, and
 * take vm's interrupt lines (vmm_set_irq_lines). 0 or -errno. */
int ioapic_init(struct ioapic *io, struct vmm *vm, uint64_t base);
/* Pin `pin` to level (a vmm_irq_line_fn; ctx is the ioapic). */
void ioapic_set_line(void *ctx, uint32_t pin, int level);
/* The MSI entry `pin` sends: 0, or -1 when it is masked or sends nothing
 * an MSI can carry (delivery mode SMI, INIT or ExtINT). */
int ioapic_msi(const struct ioapic *io, unsigned pin, uint64_t *addr, uint32_t *data);

struct vsnap_writer;
struct vsnap_reader;
/* Snapshots (section IOAP id): ID, IOREGSEL, the entries and the lines'
 * levels. 0 or -1 with msg (a value no guest write makes). */
void ioapic_save(struct ioapic *io, struct vsnap_writer *w, uint32_t id);
int ioapic_load(struct ioapic *io, const struct vsnap_reader *r, uint32_t id,
		char *msg, size_t len);

#endif
