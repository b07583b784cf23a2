// SPDX-License-Identifier: GPL-2.0-only
/* The board the own VMM's fuzz targets share (tests/fuzz/vmm_board.h). */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "host/arch/x86/layout.h"
#include "host/dev/i8042.h"
#include "tests/fuzz/vmm_board.h"
#include "tests/vmm/no_kvm.h"

uint8_t ram_lo[RAM_LO] __attribute__((aligned(4096)));
uint8_t ram_hi[RAM_HI] __attribute__((aligned(4096)));
static uint8_t ecam[PCI_ECAM_SIZE] __attribute__((aligned(4096)));
struct vmm vm;
struct serial8250 com1;
struct pci_bus bus;
struct virtio_console con;
int devnull = -1;
int chan[2];

void board_setup(void)
{
	if (devnull < 0)
		devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
	vm_without_kvm(&vm);
	vm.cfg.log_fd = vm.bus.log_fd = devnull;
	memset(ram_lo, 0, sizeof(ram_lo));
	memset(ram_hi, 0, sizeof(ram_hi));
	if (gm_add(&vm.gm, 0, RAM_LO, ram_lo) || gm_add(&vm.gm, X86_4G, RAM_HI, ram_hi) ||
	    serial8250_init(&com1, &vm, X86_COM1_PORT, X86_COM1_IRQ, devnull) || i8042_init(&vm) ||
	    pci_init(&bus, &vm, ecam, X86_PCI_ECAM, X86_PCI_MMIO_BASE, X86_PCI_MMIO_SIZE,
		     X86_PCI_IO_BASE, X86_PCI_IO_SIZE) ||
	    socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, chan) ||
	    virtio_console_init(&con, &vm, devnull, chan[1], X86_PCI_MMIO_BASE,
				X86_PCI_IO_BASE) ||
	    pci_add(&bus, CON_SLOT, &con.vp.pci))
		abort();
}

void board_check(void)
{
	if (con.rx_off > con.rx_len || con.rx_len > sizeof(con.rx_buf))
		abort();
	for (int i = 0; i < PCI_SLOTS; i++) {
		struct pci_dev *d = bus.dev[i];

		if (d && memcmp(d->shadow, d->cfg, sizeof(d->cfg)))
			abort();	/* the guest reads stale config space */
	}
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
				abort();	/* misaligned, or outside RAM */
			for (int s = 0; s < r; s++)
				if (at[r] < at[s] + len[s] && at[s] < at[r] + len[r])
					abort();	/* two rings overlap */
		}
	}
}

void board_teardown(void)
{
	serial8250_flush(&com1);
	pci_destroy(&bus);
	close(chan[0]);
	close(chan[1]);
	pthread_mutex_destroy(&vm.bus.lock);
}
