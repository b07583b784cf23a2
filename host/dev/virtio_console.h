/* SPDX-License-Identifier: GPL-2.0-only */
/* virtio-console, single port, both ways: what the guest writes to /dev/hvc0
 * (the framed report stream) goes to out_fd, which the host collects; what
 * the host writes to in_fd (the run plan, acks) goes into the buffers the
 * guest offers on its receive queue. The backend makes out_fd and in_fd the
 * two directions of one socket. */
#ifndef KTSTR__DEV_VIRTIO_CONSOLE_H
#define KTSTR__DEV_VIRTIO_CONSOLE_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

#include "host/dev/virtio_pci.h"

#define VCON_RX_BUF	65536	/* host bytes read ahead of the guest's buffers */

/* Why the receive path stopped (virtio_console_rx). */
enum vcon_rx {
	VCON_RX_IDLE,		/* in_fd has nothing now: wait for it */
	VCON_RX_BLOCKED,	/* host bytes wait for the guest (no buffer, queue not
				 * ready, device needs reset): wait for a kick */
	VCON_RX_MORE,		/* a ring's worth done; there may be more */
	VCON_RX_EOF,		/* in_fd ended (or none): nothing more comes */
};

struct virtio_console {
	struct virtio_pci vp;
	int out_fd;	/* guest -> host (non-blocking) */
	int in_fd;	/* host -> guest (non-blocking), or -1 */
	uint64_t bytes;		/* bytes the guest sent */
	uint64_t rx_bytes;	/* bytes the guest was given */
	/* Read from in_fd, not yet in a guest buffer: [rx_off, rx_len). */
	uint8_t rx_buf[VCON_RX_BUF];
	uint32_t rx_off, rx_len;
	bool rx_eof;
	enum vcon_rx rx_state;
	/* The receive thread (virtio_console_start): it waits for in_fd, or
	 * while BLOCKED for the guest's kick on the receive queue (rx_wake). */
	int rx_wake;
	atomic_bool rx_stop;
	pthread_t rx_thread;
	bool rx_on;
};

/* The device on vm's bus (virtio_pci_init); in_fd -1 for none. 0 or
 * -errno. */
int virtio_console_init(struct virtio_console *c, struct vmm *vm, int out_fd, int in_fd,
			uint32_t bar_addr, uint16_t io_port);
/* Start the receive thread (with an in_fd): 0 or -errno. */
int virtio_console_start(struct virtio_console *c);
/* Stop it (the VM's end stops it too) and join it. */
void virtio_console_stop(struct virtio_console *c);
/* Move host bytes into the guest's receive buffers: at most a ring's worth
 * of chains, nothing once the VM ended; every guest address bounds-checked
 * (virtq.h), only device-writable buffers written. The caller holds the bus
 * lock (a vCPU's kick does). Returns why it stopped (also in rx_state). */
enum vcon_rx virtio_console_rx(struct virtio_console *c);

struct vsnap_writer;
struct vsnap_reader;
/* Snapshots: the transport (VPCI id) and the host bytes not yet in a guest
 * buffer (VCON id). With the bus lock held (or no thread running). 0 or -1
 * with msg. */
void virtio_console_save(struct virtio_console *c, struct vsnap_writer *w, uint32_t id);
int virtio_console_load(struct virtio_console *c, const struct vsnap_reader *r, uint32_t id,
			char *msg, size_t len);

#endif
