// SPDX-License-Identifier: GPL-2.0-only
/* Modern virtio-pci transport (see virtio_pci.h). MSI-X starts disabled,
 * function-masked and with every entry masked (CH PR #1744); a vector raised
 * while masked is kept in the PBA and delivered on unmask. */
#include <linux/virtio_config.h>
#include <linux/virtio_pci.h>
#include <stdio.h>
#include <string.h>

#include "host/dev/virtio_pci.h"
#include "host/vmm/vmm.h"

#define CAP_MSIX	0x40
#define CAP_COMMON	0x4c
#define CAP_NOTIFY	0x5c
#define CAP_ISR		0x70
#define CAP_DEVICE	0x80
#define MSIX_ENABLE	0x80	/* in the high byte of message control */
#define MSIX_MASKALL	0x40

_Static_assert(sizeof(struct virtio_pci_cap) == 16, "virtio_pci_cap");
_Static_assert(sizeof(struct virtio_pci_notify_cap) == 20, "virtio_pci_notify_cap");
_Static_assert(sizeof(struct virtio_pci_common_cfg) == 56, "virtio_pci_common_cfg");

static void add_cap(struct pci_dev *d, int at, int next, uint8_t type, uint8_t bar,
		    uint32_t off, uint32_t len, int cap_len)
{
	struct virtio_pci_cap c = {
		.cap_vndr = 0x09, .cap_next = next, .cap_len = cap_len,
		.cfg_type = type, .bar = bar, .offset = off, .length = len,
	};

	memcpy(d->cfg + at, &c, sizeof(c));
}

static void setup_config(struct virtio_pci *vp, uint32_t bar_addr, uint16_t io_port)
{
	struct pci_dev *d = &vp->pci;
	uint32_t mult = VP_NOTIFY_MULT;

	pci_dev_setup(d, 0x1af4, 0x1040 + vp->ops->type, 0x07800001, bar_addr, VP_BAR_SIZE);
	pci_dev_setup_io_bar(d, io_port, VP_IO_BAR_SIZE);
	pci_set16(d, 0x06, 0x10);		/* capability list */
	pci_set16(d, 0x2c, 0x1af4);
	pci_set16(d, 0x2e, 0x1040 + vp->ops->type);
	d->cfg[0x34] = CAP_MSIX;
	d->cfg[CAP_MSIX] = 0x11;
	d->cfg[CAP_MSIX + 1] = CAP_COMMON;
	pci_set16(d, CAP_MSIX + 2, (VP_MSIX - 1) | MSIX_MASKALL << 8);
	d->wmask[CAP_MSIX + 3] = MSIX_ENABLE | MSIX_MASKALL;
	pci_set32(d, CAP_MSIX + 4, VP_MSIX_TABLE);
	pci_set32(d, CAP_MSIX + 8, VP_MSIX_PBA);
	add_cap(d, CAP_COMMON, CAP_NOTIFY, VIRTIO_PCI_CAP_COMMON_CFG, 1, VP_COMMON,
		sizeof(struct virtio_pci_common_cfg), 16);
	add_cap(d, CAP_NOTIFY, CAP_ISR, VIRTIO_PCI_CAP_NOTIFY_CFG, 1, VP_NOTIFY,
		VP_MAX_VQ * VP_NOTIFY_MULT, 20);
	memcpy(d->cfg + CAP_NOTIFY + 16, &mult, 4);
	add_cap(d, CAP_ISR, CAP_DEVICE, VIRTIO_PCI_CAP_ISR_CFG, 1, VP_ISR, 4, 16);
	add_cap(d, CAP_DEVICE, 0, VIRTIO_PCI_CAP_DEVICE_CFG, 1, VP_DEVICE,
		vp->ops->cfg_len ? vp->ops->cfg_len : 4, 16);
}

static bool msix_on(struct virtio_pci *vp)
{
	return vp->pci.cfg[CAP_MSIX + 3] & MSIX_ENABLE;
}

static bool msix_masked(struct virtio_pci *vp, int vec)
{
	return (vp->pci.cfg[CAP_MSIX + 3] & MSIX_MASKALL) || (vp->msix[vec].ctrl & 1);
}

static void msix_fire(struct virtio_pci *vp, uint16_t vec)
{
	struct msix_entry *e;

	if (!msix_on(vp) || vec >= VP_MSIX)
		return;
	if (msix_masked(vp, vec)) {
		vp->pba |= 1ull << vec;
		return;
	}
	e = &vp->msix[vec];
	vp->pba &= ~(1ull << vec);
	vmm_signal_msi(vp->vm, (uint64_t)e->addr_hi << 32 | e->addr_lo, e->data);
}

static void msix_deliver_pending(struct virtio_pci *vp)
{
	for (int v = 0; v < VP_MSIX; v++)
		if ((vp->pba >> v & 1) && msix_on(vp) && !msix_masked(vp, v))
			msix_fire(vp, v);
}

void virtio_pci_signal_vq(struct virtio_pci *vp, int q)
{
	vp->isr |= 1;
	if (virtq_want_irq(&vp->vq[q]))
		msix_fire(vp, vp->vq[q].msix_vector);
}

static void cfg_written(struct pci_dev *d, int off, int len)
{
	struct virtio_pci *vp = d->priv;

	if (off <= CAP_MSIX + 3 && off + len > CAP_MSIX + 3)
		msix_deliver_pending(vp);
}

/* A queue the device never serves, or a receive queue, gets a small ring:
 * drivers fill a receive queue to its size at probe (virtio-console: a page
 * per entry, and a kick for each). */
static uint16_t queue_max(const struct virtio_pci *vp, int q)
{
	uint16_t max = vp->ops->queue_max;

	if (vp->ops->quiet_queues >> q & 1 && max > VP_QUIET_QUEUE_MAX)
		return VP_QUIET_QUEUE_MAX;
	if (vp->ops->small_queues >> q & 1 && max > VP_SMALL_QUEUE_MAX)
		return VP_SMALL_QUEUE_MAX;
	return max;
}

static void device_reset(struct virtio_pci *vp)
{
	vp->status = 0;
	vp->isr = 0;
	vp->gfeatures = 0;
	vp->msix_config = 0xffff;
	vp->qsel = 0;
	for (int i = 0; i < VP_MAX_VQ; i++) {
		vp->vq[i].size = queue_max(vp, i);
		virtq_reset(&vp->vq[i]);
	}
}

static uint64_t offered(struct virtio_pci *vp)
{
	return vp->ops->features | 1ull << VIRTIO_F_VERSION_1;
}

static struct virtq *cur_q(struct virtio_pci *vp)
{
	return vp->qsel < vp->ops->num_queues ? &vp->vq[vp->qsel] : NULL;
}

static uint32_t common_read(struct virtio_pci *vp, uint32_t off)
{
	struct virtq *q = cur_q(vp);

	switch (off) {
	case 0: return vp->dfselect;
	case 4: return vp->dfselect < 2 ? offered(vp) >> (32 * vp->dfselect) : 0;
	case 8: return vp->gfselect;
	case 12: return vp->gfselect < 2 ? vp->gfeatures >> (32 * vp->gfselect) : 0;
	case 16: return vp->msix_config;
	case 18: return vp->ops->num_queues;
	case 20: return vp->status;
	case 21: return 0;
	case 22: return vp->qsel;
	}
	if (!q)
		return 0;
	switch (off) {
	case 24: return q->size;
	case 26: return q->msix_vector;
	case 28: return q->ready;
	case 30: return vp->qsel;
	case 32: return q->desc;
	case 36: return q->desc >> 32;
	case 40: return q->avail;
	case 44: return q->avail >> 32;
	case 48: return q->used;
	case 52: return q->used >> 32;
	}
	return 0;
}

static void set_half(uint64_t *v, uint32_t off, uint32_t val)
{
	if (off & 4)
		*v = (*v & 0xffffffffull) | (uint64_t)val << 32;
	else
		*v = (*v & ~0xffffffffull) | val;
}

static void write_status(struct virtio_pci *vp, uint8_t v)
{
	if (!v) {
		device_reset(vp);
		return;
	}
	if ((v & VIRTIO_CONFIG_S_FEATURES_OK) && !(vp->status & VIRTIO_CONFIG_S_FEATURES_OK) &&
	    ((vp->gfeatures & ~offered(vp)) || !(vp->gfeatures >> VIRTIO_F_VERSION_1 & 1)))
		v &= ~VIRTIO_CONFIG_S_FEATURES_OK;
	/* NEEDS_RESET is the device's to set; only a reset clears it. */
	vp->status = v | (vp->status & VIRTIO_CONFIG_S_NEEDS_RESET);
}

static void queue_write(struct virtio_pci *vp, struct virtq *q, uint32_t off, uint32_t v)
{
	char why[256];

	switch (off) {
	case 24:
		if (v && v <= queue_max(vp, vp->qsel) && !(v & (v - 1)))
			q->size = v;
		break;
	case 26: q->msix_vector = v < VP_MSIX ? v : 0xffff; break;
	case 28:
		if (v != 1)
			break;
		if (virtq_enable(q, why, sizeof(why))) {
			vmm_log(vp->vm, "[vmm] %s: queue %u refused, device needs reset: %s\n",
				vp->ops->name, vp->qsel, why);
			vp->status |= VIRTIO_CONFIG_S_NEEDS_RESET;
		} else if (vp->ops->quiet_queues >> vp->qsel & 1) {
			virtq_suppress_notify(q);
		}
		break;
	case 32: case 36: set_half(&q->desc, off - 32, v); break;
	case 40: case 44: set_half(&q->avail, off - 40, v); break;
	case 48: case 52: set_half(&q->used, off - 48, v); break;
	}
}

static void common_write(struct virtio_pci *vp, uint32_t off, uint32_t v)
{
	struct virtq *q = cur_q(vp);

	switch (off) {
	case 0: vp->dfselect = v; return;
	case 8: vp->gfselect = v; return;
	case 12:
		if (vp->gfselect < 2)
			set_half(&vp->gfeatures, vp->gfselect * 4, v);
		return;
	case 16: vp->msix_config = v < VP_MSIX ? v : 0xffff; return;
	case 20: write_status(vp, v); return;
	case 22: vp->qsel = v; return;
	}
	if (q && !q->ready)
		queue_write(vp, q, off, v);
	else if (q && off == 26)
		queue_write(vp, q, off, v);
}

static void msix_access(struct virtio_pci *vp, uint64_t off, uint8_t *data, uint32_t len,
			bool is_write)
{
	uint8_t *tbl = (uint8_t *)vp->msix;
	int vec = off / 16;

	if (off + len > sizeof(vp->msix)) {
		if (!is_write)
			memset(data, 0, len);
		return;
	}
	if (!is_write) {
		memcpy(data, tbl + off, len);
		return;
	}
	memcpy(tbl + off, data, len);
	if ((off & 15) >= 12 && !(vp->msix[vec].ctrl & 1) && (vp->pba >> vec & 1))
		msix_fire(vp, vec);
}

/* BAR0: the MSI-X table and PBA. */
static void bar_io(struct pci_dev *d, uint64_t off, uint8_t *data, uint32_t len,
		   bool is_write)
{
	struct virtio_pci *vp = d->priv;
	uint64_t pba = vp->pba;

	_Static_assert(VP_MSIX_TABLE == 0, "the table starts BAR0");
	if (off < VP_MSIX_PBA)
		msix_access(vp, off, data, len, is_write);
	else if (!is_write && off >= VP_MSIX_PBA && off + len <= VP_MSIX_PBA + 8)
		memcpy(data, (uint8_t *)&pba + (off - VP_MSIX_PBA), len);
	else if (!is_write)
		memset(data, 0, len);
}

/* BAR1: common config, ISR, device config, and the notify ports (the
 * driver writes the queue index to queue q's port). */
static void io_bar(struct pci_dev *d, uint64_t off, uint8_t *data, uint32_t len,
		   bool is_write)
{
	struct virtio_pci *vp = d->priv;
	uint32_t v = 0;

	if (is_write)
		memcpy(&v, data, len > 4 ? 4 : len);
	if (off < VP_ISR) {
		if (is_write)
			common_write(vp, off, v);
		else
			v = common_read(vp, off);
	} else if (off < VP_DEVICE) {
		if (!is_write) {
			v = vp->isr;	/* read to clear */
			vp->isr = 0;
		}
	} else if (off < VP_NOTIFY) {
		if (!is_write && vp->ops->cfg_read && off - VP_DEVICE + len <= vp->ops->cfg_len) {
			vp->ops->cfg_read(vp->ctx, off - VP_DEVICE, data, len);
			return;
		}
	} else if (is_write) {
		int q = (off - VP_NOTIFY) / VP_NOTIFY_MULT;

		/* A device that needs reset serves nothing until the driver resets it. */
		if (q < vp->ops->num_queues && vp->vq[q].ready &&
		    (vp->status & VIRTIO_CONFIG_S_DRIVER_OK) &&
		    !(vp->status & VIRTIO_CONFIG_S_NEEDS_RESET))
			vp->ops->notify(vp->ctx, vp, q);
	}
	if (!is_write)
		memcpy(data, &v, len > 4 ? 4 : len);
}

int virtio_pci_init(struct virtio_pci *vp, struct vmm *vm, const struct virtio_dev_ops *ops,
		    void *ctx, uint32_t bar_addr, uint16_t io_port)
{
	memset(vp, 0, sizeof(*vp));
	vp->vm = vm;
	vp->ops = ops;
	vp->ctx = ctx;
	for (int i = 0; i < VP_MAX_VQ; i++)
		vp->vq[i].gm = &vm->gm;
	for (int i = 0; i < VP_MSIX; i++)
		vp->msix[i].ctrl = 1;	/* masked */
	device_reset(vp);
	setup_config(vp, bar_addr, io_port);
	vp->pci.bar_io = bar_io;
	vp->pci.bar1_io = io_bar;
	vp->pci.cfg_written = cfg_written;
	vp->pci.priv = vp;
	return 0;
}

/* The snapshot's form of the transport. */
struct vp_queue_state {
	uint64_t desc, avail, used;
	uint16_t size, last_avail, msix_vector;
	uint8_t ready, pad;
};

struct vp_state {
	uint32_t dfselect, gfselect;
	uint64_t gfeatures;
	uint16_t msix_config, qsel;
	uint8_t status, isr, pad[2];
	uint64_t pba;
	struct vp_queue_state vq[VP_MAX_VQ];
	struct msix_entry msix[VP_MSIX];
};
_Static_assert(sizeof(struct vp_queue_state) == 32, "vp_queue_state");
_Static_assert(sizeof(struct vp_state) == 32 + 32 * VP_MAX_VQ + 16 * VP_MSIX, "vp_state");

void virtio_pci_save(struct virtio_pci *vp, struct vsnap_writer *w, uint32_t id)
{
	struct vp_state st = {
		.dfselect = vp->dfselect, .gfselect = vp->gfselect, .gfeatures = vp->gfeatures,
		.msix_config = vp->msix_config, .qsel = vp->qsel, .status = vp->status,
		.isr = vp->isr, .pba = vp->pba,
	};

	for (int i = 0; i < VP_MAX_VQ; i++) {
		const struct virtq *q = &vp->vq[i];

		st.vq[i] = (struct vp_queue_state){
			.desc = q->desc, .avail = q->avail, .used = q->used, .size = q->size,
			.last_avail = q->last_avail, .msix_vector = q->msix_vector,
			.ready = q->ready,
		};
	}
	memcpy(st.msix, vp->msix, sizeof(st.msix));
	vsnap_put(w, "VPCI", id, &st, sizeof(st));
}

static bool vector_ok(uint16_t v)
{
	return v < VP_MSIX || v == 0xffff;
}

/* Queue i of the snapshot as a driver could have set it up. */
static int queue_ok(struct virtio_pci *vp, int i, const struct vp_queue_state *s,
		    char *msg, size_t len)
{
	struct virtq q = { .gm = vp->vq[i].gm, .size = s->size, .desc = s->desc,
			   .avail = s->avail, .used = s->used };
	char why[256];

	if (!s->size || s->size & (s->size - 1) || s->size > queue_max(vp, i) || s->ready > 1 ||
	    !vector_ok(s->msix_vector) || (s->ready && i >= vp->ops->num_queues)) {
		snprintf(msg, len, "%s queue %d: size %u (at most %u), vector %u, ready %u: not "
			 "a state a driver can set up", vp->ops->name, i, s->size,
			 queue_max(vp, i), s->msix_vector, s->ready);
		return -1;
	}
	if (s->ready && virtq_enable(&q, why, sizeof(why))) {
		snprintf(msg, len, "%s queue %d: %s", vp->ops->name, i, why);
		return -1;
	}
	return 0;
}

int virtio_pci_load(struct virtio_pci *vp, const struct vsnap_reader *r, uint32_t id,
		    char *msg, size_t len)
{
	struct vp_state st;
	char why[512];

	if (vsnap_get(r, "VPCI", id, &st, sizeof(st), msg, len))
		return -1;
	if (st.gfeatures & ~offered(vp) || !vector_ok(st.msix_config) ||
	    st.pba >> VP_MSIX) {
		snprintf(msg, len, "snapshot section VPCI %u (%s): features 0x%llx (offered "
			 "0x%llx), config vector %u, pending 0x%llx: not a state of this device",
			 id, vp->ops->name, (unsigned long long)st.gfeatures,
			 (unsigned long long)offered(vp), st.msix_config,
			 (unsigned long long)st.pba);
		return -1;
	}
	for (int i = 0; i < VP_MAX_VQ; i++)
		if (queue_ok(vp, i, &st.vq[i], why, sizeof(why))) {
			snprintf(msg, len, "snapshot section VPCI %u: %s", id, why);
			return -1;
		}
	vp->dfselect = st.dfselect;
	vp->gfselect = st.gfselect;
	vp->gfeatures = st.gfeatures;
	vp->msix_config = st.msix_config;
	vp->qsel = st.qsel;
	vp->status = st.status;
	vp->isr = st.isr;
	vp->pba = st.pba;
	for (int i = 0; i < VP_MAX_VQ; i++) {
		struct virtq *q = &vp->vq[i];
		const struct vp_queue_state *s = &st.vq[i];

		q->desc = s->desc;
		q->avail = s->avail;
		q->used = s->used;
		q->size = s->size;
		q->last_avail = s->last_avail;
		q->msix_vector = s->msix_vector;
		q->ready = s->ready;
	}
	memcpy(vp->msix, st.msix, sizeof(vp->msix));
	return 0;
}
