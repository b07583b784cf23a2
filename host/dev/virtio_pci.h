/* Modern (virtio 1.x) PCI transport with MSI-X: common/notify/ISR/device
 * config regions and the MSI-X table in BAR0. Device models plug in through
 * struct virtio_dev_ops. */
#ifndef KTSTR__DEV_VIRTIO_PCI_H
#define KTSTR__DEV_VIRTIO_PCI_H

#include <stdint.h>

#include "host/dev/pci.h"
#include "host/dev/virtq.h"

#define VP_MAX_VQ	4
#define VP_MSIX		(VP_MAX_VQ + 1)
#define VP_BAR_SIZE	0x8000
#define VP_COMMON	0x0000
#define VP_ISR		0x1000
#define VP_DEVICE	0x2000
#define VP_NOTIFY	0x3000
#define VP_MSIX_TABLE	0x4000
#define VP_MSIX_PBA	0x5000
#define VP_NOTIFY_MULT	4

struct virtio_pci;

struct virtio_dev_ops {
	uint16_t type;		/* VIRTIO_ID_* */
	uint64_t features;	/* besides VIRTIO_F_VERSION_1 */
	int num_queues;
	uint16_t queue_max;
	uint32_t cfg_len;
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
		    void *ctx, uint32_t bar_addr);
/* Tell the driver queue q has used buffers (MSI-X, or pending if masked). */
void virtio_pci_signal_vq(struct virtio_pci *vp, int q);

#endif
