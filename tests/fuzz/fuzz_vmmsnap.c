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
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "host/arch/x86/layout.h"
#include "host/dev/ioapic.h"
#include "host/vmm/snapfile.h"
#include "tests/fuzz/fuzz.h"
#include "tests/fuzz/vmm_board.h"

static struct ioapic ioapic;

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
	board_check();
	/* The restored guest runs: both queues kicked, host bytes delivered. */
	pio(X86_PCI_IO_BASE + VP_NOTIFY + 1 * VP_NOTIFY_MULT, 1, 2);
	pio(X86_PCI_IO_BASE + VP_NOTIFY, 0, 2);
	virtio_console_rx(&con);
	pio(X86_COM1_PORT, 'x', 1);
	ioapic_set_line(&ioapic, X86_COM1_IRQ, 1);
	ioapic_set_line(&ioapic, X86_COM1_IRQ, 0);
	board_check();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vsnap_reader r;
	uint8_t *file = fixed_up(data, size);
	char msg[512];
	int fd;

	board_setup();
	if (ioapic_init(&ioapic, &vm, X86_IOAPIC))
		abort();
	ioapic.send = no_msi;
	fd = memfd_create("vmmsnap", MFD_CLOEXEC);
	if (fd < 0 || write(fd, file, size) != (ssize_t)size)
		abort();
	if (!vsnap_read_fd(&r, fd, msg, sizeof(msg)))
		load(&r);
	vsnap_close(&r);
	board_teardown();
	free(file);
	return 0;
}
