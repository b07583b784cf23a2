/* virtio-console device model (see virtio_console.h): queue 0 is receiveq
 * (host to guest, unused), queue 1 transmitq, handled synchronously on the
 * notify exit because hvc busy-waits for the used buffer. */
#include <errno.h>
#include <linux/virtio_console.h>
#include <linux/virtio_ids.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

#include "host/dev/virtio_console.h"
#include "host/vmm/vmm.h"

_Static_assert(sizeof(struct virtio_console_config) == 12, "virtio_console_config");

#define TXQ 1

static void con_cfg_read(void *ctx, uint32_t off, uint8_t *data, uint32_t len)
{
	struct virtio_console_config cfg = { 0 };

	memcpy(data, (uint8_t *)&cfg + off, len);
}

/* Write it all unless the VM is ending (the host stopped reading). */
static void out(struct virtio_console *c, const void *p, size_t len)
{
	while (len && !atomic_load(&c->vp.vm->end)) {
		ssize_t n = write(c->out_fd, p, len);

		if (n > 0) {
			p = (const uint8_t *)p + n;
			len -= n;
			c->bytes += n;
		} else if (n < 0 && errno == EAGAIN) {
			struct pollfd pfd = { c->out_fd, POLLOUT, 0 };

			poll(&pfd, 1, 100);
		} else if (n < 0 && errno != EINTR) {
			return;	/* EPIPE: nobody reads; drop */
		}
	}
}

static void con_notify(void *ctx, struct virtio_pci *vp, int q)
{
	struct virtio_console *c = ctx;
	struct virtq_iov iov[16];
	uint16_t head;
	int r, n, done = 0;

	if (q != TXQ)
		return;
	while ((r = virtq_pop(&vp->vq[q], &head)) == 1) {
		n = virtq_chain(&vp->vq[q], head, iov, 16);
		if (n < 0) {
			vmm_log(vp->vm, "[vmm] virtio-console: bad descriptor chain %u (%s)\n",
				head, strerror(-n));
			vp->status |= 0x40;	/* NEEDS_RESET */
			return;
		}
		for (int i = 0; i < n; i++)
			if (!iov[i].device_writes)
				out(c, iov[i].base, iov[i].len);
		virtq_push(&vp->vq[q], head, 0);
		done++;
	}
	if (r < 0)
		vmm_log(vp->vm, "[vmm] virtio-console: corrupt avail ring\n");
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
