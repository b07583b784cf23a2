// SPDX-License-Identifier: GPL-2.0-only
/* virtio-console device model (see virtio_console.h): queue 0 is receiveq
 * (host to guest, unused), queue 1 transmitq, handled synchronously on the
 * notify exit because hvc busy-waits for the used buffer. */
#include <linux/virtio_config.h>
#include <linux/virtio_console.h>
#include <linux/virtio_ids.h>
#include <string.h>

#include "host/dev/virtio_console.h"
#include "host/vmm/vmm.h"

_Static_assert(sizeof(struct virtio_console_config) == 12, "virtio_console_config");

#define TXQ 1

static void con_cfg_read(void *ctx, uint32_t off, uint8_t *data, uint32_t len)
{
	struct virtio_console_config cfg = { 0 };

	memcpy(data, (uint8_t *)&cfg + off, len);
}

/* Bounded work per notify: at most a ring's worth of chains, none once the
 * VM ends. A driver kicks after each buffer it adds (the transmit queue never
 * has NO_NOTIFY), so what is left waits for that kick; rings a guest made to
 * refill themselves cannot hold the vCPU (and the bus lock) any longer. */
static void con_notify(void *ctx, struct virtio_pci *vp, int q)
{
	struct virtio_console *c = ctx;
	struct virtq *vq = &vp->vq[q];
	struct virtq_iov iov[16];
	uint16_t head;
	int r = 0, n, done = 0;

	if (q != TXQ)
		return;
	while (done < vq->size && !atomic_load(&vp->vm->end) &&
	       (r = virtq_pop(vq, &head)) == 1) {
		n = virtq_chain(vq, head, iov, 16);
		if (n < 0) {
			vmm_log(vp->vm, "[vmm] virtio-console: bad descriptor chain %u (%s), "
				"device needs reset\n", head, strerror(-n));
			vp->status |= VIRTIO_CONFIG_S_NEEDS_RESET;
			return;
		}
		/* The host stopped reading (the VM is ending, or the pipe broke):
		 * the rest of the chain is dropped, the buffer still returned. */
		for (int i = 0; i < n; i++)
			if (!iov[i].device_writes)
				c->bytes += vmm_write_all(vp->vm, c->out_fd, iov[i].base,
							  iov[i].len);
		virtq_push(vq, head, 0);
		done++;
	}
	if (r < 0) {
		vmm_log(vp->vm, "[vmm] virtio-console: corrupt avail ring, device needs reset\n");
		vp->status |= VIRTIO_CONFIG_S_NEEDS_RESET;
	}
	if (done)
		virtio_pci_signal_vq(vp, q);
}

static const struct virtio_dev_ops con_ops = {
	.name = "virtio-console",
	.type = VIRTIO_ID_CONSOLE,
	.features = 0,
	.num_queues = 2,
	.queue_max = 256,
	.cfg_len = sizeof(struct virtio_console_config),
	/* Nothing is ever sent to the guest: receiveq is quiet, so the driver
	 * fills 8 buffers instead of 256 and does not kick after each one. */
	.quiet_queues = 1u << 0,
	.cfg_read = con_cfg_read,
	.notify = con_notify,
};

int virtio_console_init(struct virtio_console *c, struct vmm *vm, int out_fd,
			uint32_t bar_addr, uint16_t io_port)
{
	memset(c, 0, sizeof(*c));
	c->out_fd = out_fd;
	return virtio_pci_init(&c->vp, vm, &con_ops, c, bar_addr, io_port);
}
