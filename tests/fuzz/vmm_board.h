/* SPDX-License-Identifier: GPL-2.0-only */
/* The own VMM's board as backend_kvm sets it up, for the fuzz targets that
 * drive its devices (virtio, vmmsnap): COM1, the i8042, the PCI bus with the
 * virtio console, guest RAM below and above 4G. No /dev/kvm, threads or
 * sleeps: RAM is plain memory, output goes to /dev/null. RAM and the ECAM
 * copy are globals, not mappings, so that ASan sees an access past their
 * ends. */
#ifndef KTSTR__TESTS_FUZZ_VMM_BOARD_H
#define KTSTR__TESTS_FUZZ_VMM_BOARD_H

#include <stdint.h>

#include "host/dev/pci.h"
#include "host/dev/serial8250.h"
#include "host/dev/virtio_console.h"
#include "host/vmm/vmm.h"

#define RAM_LO		(64u << 10)
#define RAM_HI		(4u << 10)
#define CON_SLOT	1

extern uint8_t ram_lo[RAM_LO], ram_hi[RAM_HI];
extern struct vmm vm;
extern struct serial8250 com1;
extern struct pci_bus bus;
extern struct virtio_console con;
extern int devnull;
extern int chan[2];	/* the host's end, the console's receive end */

/* A fresh board, RAM zeroed; aborts if any part fails to set up. */
void board_setup(void);
/* Aborts on what neither a guest nor a snapshot may bring about: a ring
 * misaligned, outside RAM or overlapping another, a vector out of range, the
 * ECAM copy stale, the receive buffer's bounds broken. */
void board_check(void);
void board_teardown(void);

#endif
