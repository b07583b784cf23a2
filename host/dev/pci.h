/* PCI bus 0 through the legacy conf1 mechanism (0xCF8/0xCFC), a host bridge
 * at 00:00.0, and dispatch of the 32-bit memory BAR window and the I/O BAR
 * window to the devices. */
#ifndef KTSTR__DEV_PCI_H
#define KTSTR__DEV_PCI_H

#include <stdbool.h>
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
};

#define PCI_SLOTS 32

struct pci_bus {
	struct vmm *vm;
	uint32_t addr;		/* CONFIG_ADDRESS latch */
	struct pci_dev bridge;
	struct pci_dev *dev[PCI_SLOTS];
};

/* Register conf1 ports and the BAR windows; put the host bridge at slot 0. */
int pci_init(struct pci_bus *bus, struct vmm *vm, uint64_t mmio_base, uint64_t mmio_size,
	     uint16_t io_base, uint16_t io_size);
int pci_add(struct pci_bus *bus, int slot, struct pci_dev *d);

/* Config space helpers (little endian). */
static inline void pci_set16(struct pci_dev *d, int off, uint16_t v) { memcpy(d->cfg + off, &v, 2); }
static inline void pci_set32(struct pci_dev *d, int off, uint32_t v) { memcpy(d->cfg + off, &v, 4); }
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
