/* SPDX-License-Identifier: GPL-2.0-only */
/* Modern (virtio 1.x) PCI transport with MSI-X: the common, ISR, device
 * config and notify regions in I/O BAR1, the MSI-X table (which must be
 * memory) in BAR0. Device models plug in through struct virtio_dev_ops.
 * Registers are ports because a port exit needs no instruction decoding in
 * KVM (an MMIO access does: it is slower, and nested under TCG it can fail
 * as "event delivery" when the emulator reports an event in flight); QEMU's
 * modern-pio-notify does the same for notifications. */
#ifndef KTSTR__DEV_VIRTIO_PCI_H
#define KTSTR__DEV_VIRTIO_PCI_H

#include <stddef.h>
#include <stdint.h>

#include "host/dev/pci.h"
#include "host/dev/virtq.h"

#define VP_MAX_VQ	4
#define VP_MSIX		(VP_MAX_VQ + 1)
#define VP_BAR_SIZE	0x2000	/* BAR0 (memory) */
#define VP_MSIX_TABLE	0x0000
#define VP_MSIX_PBA	0x1000
#define VP_IO_BAR_SIZE	0x100	/* BAR1 (I/O) */
#define VP_COMMON	0x00
#define VP_ISR		0x40
#define VP_DEVICE	0x60
#define VP_NOTIFY	0x80	/* queue q's notify port at VP_NOTIFY + q * VP_NOTIFY_MULT */
#define VP_NOTIFY_MULT	4
#define VP_QUIET_QUEUE_MAX 8	/* ring size of a quiet queue (ops.quiet_queues) */
#define VP_SMALL_QUEUE_MAX 32	/* ring size of a small queue (ops.small_queues) */

struct virtio_pci;

struct virtio_dev_ops {
	const char *name;	/* for the log: "virtio-console" */
	uint16_t type;		/* VIRTIO_ID_* */
	uint64_t features;	/* besides VIRTIO_F_VERSION_1 */
	int num_queues;
	uint16_t queue_max;
	uint32_t cfg_len;
	uint32_t quiet_queues;	/* bit q: the device never serves queue q (it gets
				 * VP_QUIET_QUEUE_MAX entries and NO_NOTIFY) */
	uint32_t small_queues;	/* bit q: queue q gets VP_SMALL_QUEUE_MAX entries (a
				 * receive queue the driver fills at probe, with a
				 * kick per buffer) */
	void (*cfg_read)(void *ctx, uint32_t off, uint8_t *data, uint32_t len);
	void (*notify)(void *ctx, struct virtio_pci *vp, int q);
};

struct msix_entry {
	uint32_t addr_lo, addr_hi, data, ctrl;
};
_Static_assert(sizeof(struct msix_entry) == 16, "MSI-X table entry");

struct virtio_pci {
	struct pci_dev pci;
	struct vmm *vm;
	const struct virtio_dev_ops *ops;
	void *ctx;
	uint32_t dfselect, gfselect;
	uint64_t gfeatures;
	uint16_t msix_config, qsel;
	uint8_t status, isr;
	struct virtq vq[VP_MAX_VQ];
	struct msix_entry msix[VP_MSIX];
	uint64_t pba;
};

int virtio_pci_init(struct virtio_pci *vp, struct vmm *vm, const struct virtio_dev_ops *ops,
		    void *ctx, uint32_t bar_addr, uint16_t io_port);
/* Tell the driver queue q has used buffers (MSI-X, or pending if masked). */
void virtio_pci_signal_vq(struct virtio_pci *vp, int q);

struct vsnap_writer;
struct vsnap_reader;
/* Snapshots (section VPCI id): the transport's registers, each queue and
 * the MSI-X table. Load holds the state to the rules a driver's writes
 * meet: features offered, vectors in range, queue sizes allowed, a ready
 * queue's rings aligned, inside RAM and disjoint (virtq_enable). 0 or -1
 * with msg. */
void virtio_pci_save(struct virtio_pci *vp, struct vsnap_writer *w, uint32_t id);
int virtio_pci_load(struct virtio_pci *vp, const struct vsnap_reader *r, uint32_t id,
		    char *msg, size_t len);

#endif
