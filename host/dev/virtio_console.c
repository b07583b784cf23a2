// SPDX-License-Identifier: GPL-2.0-only
/* virtio-console device model (see virtio_console.h): queue 1 transmitq,
 * handled synchronously on the notify exit because hvc busy-waits for the
 * used buffer; queue 0 receiveq, filled from in_fd by the receive thread or
 * on the guest's kick. */
#include <errno.h>
#include <fcntl.h>
#include <linux/virtio_config.h>
#include <linux/virtio_console.h>
#include <linux/virtio_ids.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "host/dev/virtio_console.h"
#include "host/vmm/vmm.h"

_Static_assert(sizeof(struct virtio_console_config) == 12, "virtio_console_config");

#define RXQ 0
#define TXQ 1
#define MAX_IOV 16

static void con_cfg_read(void *ctx, uint32_t off, uint8_t *data, uint32_t len)
{
	struct virtio_console_config cfg = { 0 };

	memcpy(data, (uint8_t *)&cfg + off, len);
}

static void needs_reset(struct virtio_pci *vp, const char *why, uint16_t head, int err)
{
	vmm_log(vp->vm, "[vmm] virtio-console: %s %u (%s), device needs reset\n", why, head,
		strerror(-err));
	vp->status |= VIRTIO_CONFIG_S_NEEDS_RESET;
}

/* Bounded work per notify: at most a ring's worth of chains, none once the
 * VM ends. A driver kicks after each buffer it adds (the transmit queue never
 * has NO_NOTIFY), so what is left waits for that kick; rings a guest made to
 * refill themselves cannot hold the vCPU (and the bus lock) any longer. */
static void con_tx(struct virtio_console *c)
{
	struct virtio_pci *vp = &c->vp;
	struct virtq *vq = &vp->vq[TXQ];
	struct virtq_iov iov[MAX_IOV];
	uint16_t head;
	int r = 0, n, done = 0;

	while (done < vq->size && !atomic_load(&vp->vm->end) &&
	       (r = virtq_pop(vq, &head)) == 1) {
		n = virtq_chain(vq, head, iov, MAX_IOV);
		if (n < 0) {
			needs_reset(vp, "bad transmit chain", head, n);
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
	if (r < 0)
		needs_reset(vp, "corrupt transmit avail ring at", vq->last_avail, r);
	if (done)
		virtio_pci_signal_vq(vp, TXQ);
}

/* Refill rx_buf from in_fd when it is empty: true when it holds bytes. */
static bool rx_have(struct virtio_console *c)
{
	ssize_t n;

	if (c->rx_off < c->rx_len)
		return true;
	c->rx_off = c->rx_len = 0;
	if (c->in_fd < 0 || c->rx_eof)
		return false;
	do {
		n = read(c->in_fd, c->rx_buf, sizeof(c->rx_buf));
	} while (n < 0 && errno == EINTR);
	if (n > 0) {
		c->rx_len = (uint32_t)n;
		return true;
	}
	if (n == 0 || errno != EAGAIN)
		c->rx_eof = true;	/* the host closed its end, or it broke */
	return false;
}

/* Copy pending host bytes into one chain's device-writable buffers (a
 * buffer the driver marked readable is left alone); the bytes written. */
static uint32_t rx_copy(struct virtio_console *c, const struct virtq_iov *iov, int n)
{
	uint32_t put = 0;

	for (int i = 0; i < n; i++) {
		uint32_t off = 0;

		if (!iov[i].device_writes)
			continue;
		while (off < iov[i].len && rx_have(c)) {
			uint32_t k = c->rx_len - c->rx_off;

			if (k > iov[i].len - off)
				k = iov[i].len - off;
			memcpy((uint8_t *)iov[i].base + off, c->rx_buf + c->rx_off, k);
			c->rx_off += k;
			off += k;
		}
		put += off;
		if (off < iov[i].len)
			break;	/* nothing more from the host now */
	}
	return put;
}

static enum vcon_rx rx_run(struct virtio_console *c)
{
	struct virtio_pci *vp = &c->vp;
	struct virtq *vq = &vp->vq[RXQ];
	struct virtq_iov iov[MAX_IOV];
	uint16_t head;
	int r, n, done = 0;
	enum vcon_rx why = VCON_RX_MORE;

	if (!vq->ready || !(vp->status & VIRTIO_CONFIG_S_DRIVER_OK) ||
	    (vp->status & VIRTIO_CONFIG_S_NEEDS_RESET))
		return rx_have(c) ? VCON_RX_BLOCKED : c->rx_eof ? VCON_RX_EOF : VCON_RX_IDLE;
	while (done < vq->size) {
		if (!rx_have(c)) {
			why = c->rx_eof ? VCON_RX_EOF : VCON_RX_IDLE;
			break;
		}
		r = virtq_pop(vq, &head);
		if (r <= 0) {
			if (r < 0)
				needs_reset(vp, "corrupt receive avail ring at", vq->last_avail, r);
			why = VCON_RX_BLOCKED;
			break;
		}
		n = virtq_chain(vq, head, iov, MAX_IOV);
		if (n < 0) {
			needs_reset(vp, "bad receive chain", head, n);
			why = VCON_RX_BLOCKED;
			break;
		}
		uint32_t put = rx_copy(c, iov, n);

		c->rx_bytes += put;
		virtq_push(vq, head, put);
		done++;
	}
	if (done)
		virtio_pci_signal_vq(vp, RXQ);
	return why;
}

enum vcon_rx virtio_console_rx(struct virtio_console *c)
{
	c->rx_state = atomic_load(&c->vp.vm->end) ? VCON_RX_EOF : rx_run(c);
	return c->rx_state;
}

static void wake(struct virtio_console *c)
{
	uint64_t one = 1;

	if (c->rx_on && write(c->rx_wake, &one, sizeof(one)) < 0)
		return;	/* the counter is full: the thread has a wake-up pending */
}

static void con_notify(void *ctx, struct virtio_pci *vp, int q)
{
	struct virtio_console *c = ctx;

	if (q == TXQ) {
		con_tx(c);
	} else if (q == RXQ) {
		/* New receive buffers: fill them now, and let the thread wait
		 * for in_fd again. */
		virtio_console_rx(c);
		wake(c);
	}
}

static void *rx_thread(void *arg)
{
	struct virtio_console *c = arg;
	struct vmm *vm = c->vp.vm;
	enum vcon_rx st = VCON_RX_IDLE;
	uint64_t v;

	while (!atomic_load(&c->rx_stop) && !atomic_load(&vm->end)) {
		struct pollfd p[3] = {
			{ st == VCON_RX_IDLE ? c->in_fd : -1, POLLIN, 0 },
			{ c->rx_wake, POLLIN, 0 },
			{ vm->exit_efd, POLLIN, 0 },
		};

		if (st != VCON_RX_MORE && poll(p, 3, -1) < 0 && errno != EINTR)
			break;
		if (p[1].revents && read(c->rx_wake, &v, sizeof(v)) < 0 && errno != EAGAIN)
			break;
		pthread_mutex_lock(&vm->bus.lock);
		st = virtio_console_rx(c);
		pthread_mutex_unlock(&vm->bus.lock);
	}
	return NULL;
}

static const struct virtio_dev_ops con_ops = {
	.name = "virtio-console",
	.type = VIRTIO_ID_CONSOLE,
	.features = 0,
	.num_queues = 2,
	.queue_max = 256,
	.cfg_len = sizeof(struct virtio_console_config),
	/* The driver fills the receive queue at probe, a page and a kick per
	 * entry: 32 of them hold 128 KiB of host bytes at a time. */
	.small_queues = 1u << RXQ,
	.cfg_read = con_cfg_read,
	.notify = con_notify,
};

int virtio_console_init(struct virtio_console *c, struct vmm *vm, int out_fd, int in_fd,
			uint32_t bar_addr, uint16_t io_port)
{
	memset(c, 0, sizeof(*c));
	c->out_fd = out_fd;
	c->in_fd = in_fd;
	c->rx_wake = -1;
	/* Reads happen under the bus lock: never wait there. */
	if (in_fd >= 0 && fcntl(in_fd, F_SETFL, fcntl(in_fd, F_GETFL) | O_NONBLOCK))
		return -errno;
	return virtio_pci_init(&c->vp, vm, &con_ops, c, bar_addr, io_port);
}

int virtio_console_start(struct virtio_console *c)
{
	int err;

	if (c->in_fd < 0 || c->rx_on)
		return 0;
	c->rx_wake = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (c->rx_wake < 0)
		return -errno;
	atomic_store(&c->rx_stop, false);
	err = pthread_create(&c->rx_thread, NULL, rx_thread, c);
	if (err) {
		close(c->rx_wake);
		c->rx_wake = -1;
		return -err;
	}
	c->rx_on = true;
	return 0;
}

void virtio_console_stop(struct virtio_console *c)
{
	uint64_t one = 1;

	if (!c->rx_on)
		return;
	atomic_store(&c->rx_stop, true);
	if (write(c->rx_wake, &one, sizeof(one)) < 0) {
		/* full: a wake-up is pending anyway */
	}
	pthread_join(c->rx_thread, NULL);
	c->rx_on = false;
	close(c->rx_wake);
	c->rx_wake = -1;
}

void virtio_console_save(struct virtio_console *c, struct vsnap_writer *w, uint32_t id)
{
	uint32_t n = c->rx_len - c->rx_off;
	uint8_t *buf = malloc(sizeof(n) + n);

	virtio_pci_save(&c->vp, w, id);
	if (!buf) {
		w->oom = true;
		return;
	}
	memcpy(buf, &n, sizeof(n));
	memcpy(buf + sizeof(n), c->rx_buf + c->rx_off, n);
	vsnap_put(w, "VCON", id, buf, sizeof(n) + n);
	free(buf);
}

int virtio_console_load(struct virtio_console *c, const struct vsnap_reader *r, uint32_t id,
			char *msg, size_t len)
{
	uint64_t size;
	const uint8_t *p = vsnap_find(r, "VCON", id, &size);
	uint32_t n;

	if (virtio_pci_load(&c->vp, r, id, msg, len))
		return -1;
	if (!p || size < sizeof(n)) {
		snprintf(msg, len, "snapshot section VCON %u is missing or short", id);
		return -1;
	}
	memcpy(&n, p, sizeof(n));
	if (n > sizeof(c->rx_buf) || size != sizeof(n) + n) {
		snprintf(msg, len, "snapshot section VCON %u: %llu bytes holding %u pending (at "
			 "most %zu)", id, (unsigned long long)size, n, sizeof(c->rx_buf));
		return -1;
	}
	memcpy(c->rx_buf, p + sizeof(n), n);
	c->rx_off = 0;
	c->rx_len = n;
	return 0;
}
