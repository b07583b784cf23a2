/* SPDX-License-Identifier: GPL-2.0-only */
/* PCI bus 0 through ECAM (memory-mapped config space, described by the ACPI
 * MCFG table), a host bridge at 00:00.0, and dispatch of the 32-bit memory
 * BAR window and the I/O BAR window to the devices.
 *
 * The ECAM window is a copy of every function's config space in host memory,
 * given to KVM as a read-only memory slot: the guest reads config space
 * without an exit, and only its writes exit (as MMIO), after which the copy
 * is brought up to date. Config space here has no read side effects and
 * changes only through such writes. There is no conf1 (0xCF8/0xCFC): Linux
 * would use it for the first 256 bytes whenever it finds it, an exit per
 * read; its ports read as all-ones so that the probe fails. */
#ifndef KTSTR__DEV_PCI_H
#define KTSTR__DEV_PCI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct vmm;
struct pci_dev;

typedef void (*pci_bar_fn)(struct pci_dev *d, uint64_t off, uint8_t *data,
			   uint32_t len, bool is_write);

struct pci_dev {
	uint8_t cfg[256];
	uint8_t wmask[256];	/* which config bits the guest may write */
	uint32_t bar0_size;	/* BAR0: a 32-bit memory BAR */
	uint32_t bar1_size;	/* BAR1: an I/O BAR, or 0 */
	pci_bar_fn bar_io;	/* BAR0 accesses, offset into the BAR */
	pci_bar_fn bar1_io;	/* BAR1 accesses, offset into the BAR */
	void (*cfg_written)(struct pci_dev *d, int off, int len);
	void *priv;
	uint8_t *shadow;	/* its 4 KiB of the ECAM copy (pci_add), or NULL */
};

#define PCI_SLOTS 32
#define PCI_ECAM_SIZE (PCI_SLOTS * 8 * 4096ull)	/* bus 0: 32 slots x 8 functions */

struct pci_bus {
	struct vmm *vm;
	struct pci_dev bridge;
	struct pci_dev *dev[PCI_SLOTS];
	uint64_t ecam_base;
	uint8_t *ecam;		/* PCI_ECAM_SIZE bytes, what the guest reads */
	bool ecam_mapped;	/* pci_init mapped it (else it is the caller's) */
};

/* Map the ECAM window at ecam_base (bus 0), make conf1 absent, register the
 * BAR windows; put the host bridge at slot 0. The copy lives in ecam
 * (PCI_ECAM_SIZE bytes, page-aligned for KVM: a test's or a fuzzer's
 * memory), or NULL to map it here. 0 or -errno. */
int pci_init(struct pci_bus *bus, struct vmm *vm, uint8_t *ecam, uint64_t ecam_base,
	     uint64_t mmio_base, uint64_t mmio_size, uint16_t io_base, uint16_t io_size);
/* After the VM's own memory slots exist: hand the ECAM copy to KVM as a
 * read-only slot. On failure (-ENOTSUP without KVM_CAP_READONLY_MEM, or
 * -errno) reads exit and are served from the copy: slower, not wrong. */
int pci_map_ecam(struct pci_bus *bus);
int pci_add(struct pci_bus *bus, int slot, struct pci_dev *d);
void pci_destroy(struct pci_bus *bus);

struct vsnap_writer;
struct vsnap_reader;
/* Snapshots: each function's config space (section PCIC slot). Load takes
 * only what the guest could have written (the write masks): a byte that
 * differs elsewhere means another device or build, and is refused, as is a
 * section for an empty slot. The ECAM copy follows. 0 or -1 with msg. */
void pci_save(struct pci_bus *bus, struct vsnap_writer *w);
int pci_load(struct pci_bus *bus, const struct vsnap_reader *r, char *msg, size_t len);

/* Config space helpers (little endian). */
static inline void pci_set16(struct pci_dev *d, int off, uint16_t v)
{
	memcpy(d->cfg + off, &v, 2);
}
static inline void pci_set32(struct pci_dev *d, int off, uint32_t v)
{
	memcpy(d->cfg + off, &v, 4);
}
static inline uint16_t pci_get16(const struct pci_dev *d, int off)
{
	uint16_t v;

	memcpy(&v, d->cfg + off, 2);
	return v;
}
static inline uint32_t pci_get32(const struct pci_dev *d, int off)
{
	uint32_t v;

	memcpy(&v, d->cfg + off, 4);
	return v;
}
/* Identity and a sizable 32-bit memory BAR0 at addr. */
void pci_dev_setup(struct pci_dev *d, uint16_t vendor, uint16_t device,
		   uint32_t class_rev, uint32_t bar0_addr, uint32_t bar0_size);
/* A sizable I/O BAR1 at port (size a power of two, at least 4). */
void pci_dev_setup_io_bar(struct pci_dev *d, uint16_t port, uint32_t size);
/* Config space access as the guest sees it (used by tests too). */
void pci_cfg_access(struct pci_dev *d, int off, uint8_t *data, uint32_t len,
		    bool is_write);

#endif
