/* SPDX-License-Identifier: GPL-2.0-only */
/* virtio-console, single port: what the guest writes to /dev/hvc0 (the
 * framed report stream) goes into a pipe whose read end the host collects. */
#ifndef KTSTR__DEV_VIRTIO_CONSOLE_H
#define KTSTR__DEV_VIRTIO_CONSOLE_H

#include "host/dev/virtio_pci.h"

struct virtio_console {
	struct virtio_pci vp;
	int out_fd;	/* write end of the report pipe (non-blocking) */
	uint64_t bytes;
};

int virtio_console_init(struct virtio_console *c, struct vmm *vm, int out_fd,
			uint32_t bar_addr, uint16_t io_port);

#endif
