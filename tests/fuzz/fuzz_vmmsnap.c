// SPDX-License-Identifier: GPL-2.0-only
/* Fuzz target: an own-VMM snapshot file read back (host/vmm/snapfile.h),
 * as a restore reads it: the container (header, sections, RAM extents, then
 * the extents against this VM's RAM), and every device's state loaded into
 * the devices backend_kvm sets up (UART, PCI config, virtio-pci and the
 * console's pending host bytes, the userspace IOAPIC). What loads must be
 * safe to run: the target then kicks both queues and runs the receive path,
 * and checks what no snapshot may bring about (rings misaligned, outside RAM
 * or overlapping, a vector out of range, the ECAM copy stale, the receive
 * buffer's bounds). The vCPU and irqchip sections go to KVM, which checks
 * them itself; they are not loaded here (no /dev/kvm).
 *
 * The file's hash, size fields and RAM size are fixed up from the input
 * when the header's reserved word is 0, so that mutations reach the
 * sections; otherwise they are taken as they are. No threads, no sleeps:
 * the file is a memfd, guest RAM plain memory, MSIs go nowhere. */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "host/arch/x86/layout.h"
#include "host/dev/i8042.h"
#include "host/dev/ioapic.h"
#include "host/dev/pci.h"
#include "host/dev/serial8250.h"
#include "host/dev/virtio_console.h"
#include "host/vmm/snapfile.h"
#include "host/vmm/vmm.h"
#include "tests/fuzz/fuzz.h"

#define RAM_LO		(64u << 10)
#define RAM_HI		(4u << 10)
#define CON_SLOT	1

static uint8_t ram_lo[RAM_LO] __attribute__((aligned(4096)));
static uint8_t ram_hi[RAM_HI] __attribute__((aligned(4096)));
static uint8_t ecam[PCI_ECAM_SIZE] __attribute__((aligned(4096)));
static struct vmm vm;
static struct serial8250 com1;
static struct pci_bus bus;
static struct virtio_console con;
static struct ioapic ioapic;
static int devnull = -1;

static int no_msi(struct vmm *v, uint64_t addr, uint32_t data)
{
	return 0;
}

static uint64_t fnv1a(const uint8_t *p, uint64_t n)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (uint64_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 0x100000001b3ull;
	return h;
}

/* A copy of the input with the header's derived fields made consistent. */
static uint8_t *fixed_up(const uint8_t *data, size_t size)
{
	uint8_t *f = malloc(size ? size : 1);
	struct vsnap_hdr h;

	if (!f)
		abort();
	memcpy(f, data, size);
	if (size < sizeof(h))
		return f;
	memcpy(&h, f, sizeof(h));
	if (h.reserved)
		return f;
	if (h.meta_size <= size - sizeof(h))
		h.meta_hash = fnv1a(f + sizeof(h), h.meta_size);
	h.file_size = size;
	if (h.data_off <= size)
		h.data_size = size - h.data_off;
	memcpy(f, &h, sizeof(h));
	return f;
}

static void pio(uint16_t port, uint32_t val, uint32_t len)
{
	uint8_t d[4];

	memcpy(d, &val, 4);
	iotrap_dispatch(&vm.bus, &vm.bus.pio, port, d, len, true);
}

static void check(void)
{
	for (int i = 0; i < PCI_SLOTS; i++) {
		struct pci_dev *d = bus.dev[i];

		if (d && memcmp(d->shadow, d->cfg, sizeof(d->cfg)))
			abort();	/* the guest would read stale config space */
	}
	if (con.rx_off > con.rx_len || con.rx_len > sizeof(con.rx_buf))
		abort();
	for (int i = 0; i < VP_MAX_VQ; i++) {
		const struct virtq *q = &con.vp.vq[i];
		uint64_t at[3] = { q->desc, q->avail, q->used };
		uint64_t len[3] = { 16ull * q->size, 6 + 2ull * q->size, 6 + 8ull * q->size };
		uint64_t align[3] = { 16, 2, 4 };

		if (q->msix_vector != 0xffff && q->msix_vector >= VP_MSIX)
			abort();
		if (!q->ready)
			continue;
		if (!q->size || q->size & (q->size - 1) || q->size > 256)
			abort();
		for (int r = 0; r < 3; r++) {
			if (at[r] & (align[r] - 1) || !gm_ptr(&vm.gm, at[r], len[r]))
				abort();
			for (int s = 0; s < r; s++)
				if (at[r] < at[s] + len[s] && at[s] < at[r] + len[r])
					abort();
		}
	}
}

/* Load what the file holds, as a restore does (each part may refuse). */
static void load(const struct vsnap_reader *r)
{
	static const uint64_t regions[2] = { RAM_LO, RAM_HI };
	char msg[512];

	if (vmm_ram_check(r->ext, r->n_ext, regions, 2, msg, sizeof(msg)))
		return;
	for (uint32_t i = 0; i < r->n_ext; i++) {	/* what the floor would map */
		uint8_t *base = r->ext[i].region ? ram_hi : ram_lo;
		uint64_t n = r->ext[i].npages * VSNAP_PAGE;

		if (pread(r->fd, base + r->ext[i].page * VSNAP_PAGE, n,
			  (off_t)(r->data_off + r->ext[i].off)) < 0)
			return;
	}
	/* Each part on its own (a restore stops at the first refusal): a
	 * refused state must leave its device as it was. */
	serial8250_load(&com1, r, 0, msg, sizeof(msg));
	pci_load(&bus, r, msg, sizeof(msg));
	virtio_console_load(&con, r, CON_SLOT, msg, sizeof(msg));
	ioapic_load(&ioapic, r, 0, msg, sizeof(msg));
	check();
	/* The restored guest runs: both queues kicked, host bytes delivered. */
	pio(X86_PCI_IO_BASE + VP_NOTIFY + 1 * VP_NOTIFY_MULT, 1, 2);
	pio(X86_PCI_IO_BASE + VP_NOTIFY, 0, 2);
	virtio_console_rx(&con);
	pio(X86_COM1_PORT, 'x', 1);
	ioapic_set_line(&ioapic, X86_COM1_IRQ, 1);
	ioapic_set_line(&ioapic, X86_COM1_IRQ, 0);
	check();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vsnap_reader r;
	uint8_t *file = fixed_up(data, size);
	char msg[512];
	int chan[2], fd;

	if (devnull < 0)
		devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
	memset(&vm, 0, sizeof(vm));
	memset(ram_lo, 0, sizeof(ram_lo));
	memset(ram_hi, 0, sizeof(ram_hi));
	vm.kvm_fd = vm.vm_fd = vm.exit_efd = -1;
	vm.cfg.log_fd = devnull;
	iotrap_bus_init(&vm.bus, devnull);
	if (gm_add(&vm.gm, 0, RAM_LO, ram_lo) || gm_add(&vm.gm, X86_4G, RAM_HI, ram_hi) ||
	    socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, chan) ||
	    ioapic_init(&ioapic, &vm, X86_IOAPIC) ||
	    serial8250_init(&com1, &vm, X86_COM1_PORT, X86_COM1_IRQ, devnull) || i8042_init(&vm) ||
	    pci_init(&bus, &vm, ecam, X86_PCI_ECAM, X86_PCI_MMIO_BASE, X86_PCI_MMIO_SIZE,
		     X86_PCI_IO_BASE, X86_PCI_IO_SIZE) ||
	    virtio_console_init(&con, &vm, devnull, chan[1], X86_PCI_MMIO_BASE,
				X86_PCI_IO_BASE) ||
	    pci_add(&bus, CON_SLOT, &con.vp.pci))
		abort();
	ioapic.send = no_msi;
	fd = memfd_create("vmmsnap", MFD_CLOEXEC);
	if (fd < 0 || write(fd, file, size) != (ssize_t)size)
		abort();
	if (!vsnap_read_fd(&r, fd, msg, sizeof(msg)))
		load(&r);
	vsnap_close(&r);
	serial8250_flush(&com1);
	pci_destroy(&bus);
	close(chan[0]);
	close(chan[1]);
	pthread_mutex_destroy(&vm.bus.lock);
	free(file);
	return 0;
}
