// SPDX-License-Identifier: GPL-2.0-only
/* PCI ECAM + host bridge + BAR dispatch (see pci.h). BAR sizing works
 * through the write mask: writing all-ones reads back ~(size-1). */
#include <errno.h>
#include <stdio.h>
#include <sys/mman.h>

#include "host/dev/pci.h"
#include "host/vmm/vmm.h"

#define PCI_CMD_IO	0x1
#define PCI_CMD_MEMORY	0x2

void pci_dev_setup(struct pci_dev *d, uint16_t vendor, uint16_t device,
		   uint32_t class_rev, uint32_t bar0_addr, uint32_t bar0_size)
{
	memset(d->cfg, 0, sizeof(d->cfg));
	memset(d->wmask, 0, sizeof(d->wmask));
	pci_set16(d, 0x00, vendor);
	pci_set16(d, 0x02, device);
	pci_set32(d, 0x08, class_rev);
	d->wmask[0x04] = 0x07;	/* I/O, memory, bus master */
	d->wmask[0x05] = 0x05;	/* SERR, INTx disable */
	d->wmask[0x0c] = 0xff;	/* cache line size */
	d->wmask[0x0d] = 0xff;	/* latency timer */
	d->wmask[0x3c] = 0xff;	/* interrupt line */
	d->bar0_size = bar0_size;
	if (!bar0_size)
		return;
	pci_set32(d, 0x10, bar0_addr);
	uint32_t m = ~(bar0_size - 1) & ~0xfu;
	memcpy(d->wmask + 0x10, &m, 4);
}

void pci_dev_setup_io_bar(struct pci_dev *d, uint16_t port, uint32_t size)
{
	uint32_t m = ~(size - 1) & ~0x3u;

	d->bar1_size = size;
	pci_set32(d, 0x14, port | 1);	/* bit 0: I/O space */
	memcpy(d->wmask + 0x14, &m, 4);
}

void pci_cfg_access(struct pci_dev *d, int off, uint8_t *data, uint32_t len,
		    bool is_write)
{
	if (off < 0 || (size_t)off >= sizeof(d->cfg) || len > sizeof(d->cfg) - off)
		return;
	if (!is_write) {
		memcpy(data, d->cfg + off, len);
		return;
	}
	for (uint32_t i = 0; i < len; i++)
		d->cfg[off + i] = (d->cfg[off + i] & ~d->wmask[off + i]) |
				  (data[i] & d->wmask[off + i]);
	if (d->cfg_written)
		d->cfg_written(d, off, len);
	if (d->shadow)		/* what the guest reads next */
		memcpy(d->shadow, d->cfg, sizeof(d->cfg));
}

/* An ECAM access that exited: every write, and reads when KVM could not map
 * the copy. Offset bits: 19:15 slot, 14:12 function, 11:0 register. Only
 * function 0 exists; beyond the 256 bytes of PCI config space is empty. */
static void ecam_mmio(void *ctx, uint64_t addr, uint8_t *data, uint32_t len, bool is_write)
{
	struct pci_bus *bus = ctx;
	uint64_t off = addr - bus->ecam_base;
	struct pci_dev *d = bus->dev[off >> 15 & 0x1f];
	uint32_t reg = off & 0xfff;

	if (d && !(off >> 12 & 7) && reg < sizeof(d->cfg) && len <= sizeof(d->cfg) - reg) {
		pci_cfg_access(d, (int)reg, data, len, is_write);
		return;
	}
	if (is_write)
		return;
	/* An access that runs past the window (KVM splits at pages, but the
	 * length is the guest's): all-ones, like an absent function. */
	if (len <= PCI_ECAM_SIZE - off)
		memcpy(data, bus->ecam + off, len);
	else
		memset(data, 0xff, len);
}

/* conf1's ports: no such mechanism here. All-ones fails Linux's type 1 and
 * type 2 probes (pci_check_type1/2), so it takes config space from ECAM. */
static void no_conf1(void *ctx, uint64_t port, uint8_t *data, uint32_t len, bool is_write)
{
	(void)ctx;
	(void)port;
	if (!is_write)
		memset(data, 0xff, len);
}

/* The device whose memory BAR0 (io: I/O BAR1) decodes addr, and the offset
 * into that BAR; NULL if none does. */
static struct pci_dev *bar_owner(struct pci_bus *bus, uint64_t addr, bool io, uint64_t *off)
{
	for (int i = 0; i < PCI_SLOTS; i++) {
		struct pci_dev *d = bus->dev[i];
		uint32_t size, base;

		if (!d || !(d->cfg[0x04] & (io ? PCI_CMD_IO : PCI_CMD_MEMORY)))
			continue;
		size = io ? d->bar1_size : d->bar0_size;
		if (!size || !(io ? d->bar1_io : d->bar_io))
			continue;
		base = pci_get32(d, io ? 0x14 : 0x10) & (io ? ~0x3u : ~0xfu);
		if (addr >= base && addr - base < size) {
			*off = addr - base;
			return d;
		}
	}
	return NULL;
}

static void bar_mmio(void *ctx, uint64_t addr, uint8_t *data, uint32_t len, bool is_write)
{
	uint64_t off;
	struct pci_dev *d = bar_owner(ctx, addr, false, &off);

	if (d)
		d->bar_io(d, off, data, len, is_write);
	else if (!is_write)
		memset(data, 0xff, len);
}

static void bar_pio(void *ctx, uint64_t port, uint8_t *data, uint32_t len, bool is_write)
{
	uint64_t off;
	struct pci_dev *d = bar_owner(ctx, port, true, &off);

	if (d)
		d->bar1_io(d, off, data, len, is_write);
	else if (!is_write)
		memset(data, 0xff, len);
}

int pci_add(struct pci_bus *bus, int slot, struct pci_dev *d)
{
	if (slot < 0 || slot >= PCI_SLOTS || bus->dev[slot])
		return -EEXIST;
	bus->dev[slot] = d;
	d->shadow = bus->ecam + (uint64_t)slot * 8 * 4096;
	memset(d->shadow, 0, 4096);
	memcpy(d->shadow, d->cfg, sizeof(d->cfg));
	return 0;
}

int pci_init(struct pci_bus *bus, struct vmm *vm, uint8_t *ecam, uint64_t ecam_base,
	     uint64_t mmio_base, uint64_t mmio_size, uint16_t io_base, uint16_t io_size)
{
	memset(bus, 0, sizeof(*bus));
	bus->vm = vm;
	bus->ecam_base = ecam_base;
	bus->ecam = ecam;
	if (!ecam) {
		bus->ecam = mmap(NULL, PCI_ECAM_SIZE, PROT_READ | PROT_WRITE,
				 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (bus->ecam == MAP_FAILED) {
			bus->ecam = NULL;
			return -errno;
		}
		bus->ecam_mapped = true;
	}
	memset(bus->ecam, 0xff, PCI_ECAM_SIZE);	/* no function: all-ones */
	/* Intel host bridge, as FC, CH and ktstr-upstream present it (conf1's
	 * sanity check wanted one; ECAM does not, but real buses have it). */
	pci_dev_setup(&bus->bridge, 0x8086, 0x0d57, 0x06000000, 0, 0);
	pci_add(bus, 0, &bus->bridge);
	int err = iotrap_register(&vm->bus.mmio, ecam_base, PCI_ECAM_SIZE, ecam_mmio, bus) ?:
		  iotrap_register(&vm->bus.pio, 0xcf8, 8, no_conf1, bus) ?:
		  iotrap_register(&vm->bus.mmio, mmio_base, mmio_size, bar_mmio, bus) ?:
		  (io_size ? iotrap_register(&vm->bus.pio, io_base, io_size, bar_pio, bus) : 0);

	/* Linux's early quirks still scan bus 0 through conf1, each access a
	 * write of 0xCF8 and a read: let KVM queue the writes, which do
	 * nothing, so only the reads exit (each exit ~0.2 ms nested). */
	if (!err)
		vmm_coalesce(vm, true, 0xcf8, 4);
	return err;
}

int pci_map_ecam(struct pci_bus *bus)
{
	return vmm_add_readonly_slot(bus->vm, bus->ecam_base, PCI_ECAM_SIZE, bus->ecam);
}

void pci_destroy(struct pci_bus *bus)
{
	if (bus->ecam && bus->ecam_mapped)
		munmap(bus->ecam, PCI_ECAM_SIZE);
	bus->ecam = NULL;
}

void pci_save(struct pci_bus *bus, struct vsnap_writer *w)
{
	for (uint32_t slot = 0; slot < PCI_SLOTS; slot++)
		if (bus->dev[slot])
			vsnap_put(w, "PCIC", slot, bus->dev[slot]->cfg, sizeof(bus->dev[slot]->cfg));
}

int pci_load(struct pci_bus *bus, const struct vsnap_reader *r, char *msg, size_t len)
{
	for (uint32_t slot = 0; slot < PCI_SLOTS; slot++) {
		struct pci_dev *d = bus->dev[slot];
		uint8_t cfg[sizeof(d->cfg)];
		uint64_t size;

		if (!d) {
			if (vsnap_find(r, "PCIC", slot, &size)) {
				snprintf(msg, len, "snapshot has config space for PCI slot %u, which "
					 "is empty here", slot);
				return -1;
			}
			continue;
		}
		if (vsnap_get(r, "PCIC", slot, cfg, sizeof(cfg), msg, len))
			return -1;
		for (size_t i = 0; i < sizeof(cfg); i++)
			if ((cfg[i] ^ d->cfg[i]) & ~d->wmask[i]) {
				snprintf(msg, len, "snapshot: PCI slot %u config byte 0x%02zx is 0x%02x, "
					 "this device has 0x%02x there (read-only bits 0x%02x)", slot,
					 i, cfg[i], d->cfg[i], (uint8_t)~d->wmask[i]);
				return -1;
			}
		memcpy(d->cfg, cfg, sizeof(cfg));
		if (d->shadow)
			memcpy(d->shadow, d->cfg, sizeof(d->cfg));
	}
	return 0;
}
