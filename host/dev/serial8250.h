/* SPDX-License-Identifier: GPL-2.0-only */
/* 8250/16550A UART at COM1 (0x3F8, IRQ 4): what the guest prints goes to the
 * console log file. It also watches for "Kernel panic" so that the VMM learns
 * of a guest panic at once (the kernel's pvpanic driver is a module). */
#ifndef KTSTR__DEV_SERIAL8250_H
#define KTSTR__DEV_SERIAL8250_H

#include <stdint.h>

struct vmm;

struct serial8250 {
	struct vmm *vm;
	int out_fd;
	uint8_t dll, dlm, iir, ier, fcr, lcr, mcr, lsr, msr, scr;
	int irq_level;
	char line[256];		/* current output line, for the panic scan */
	int line_len;
	uint8_t obuf[4096];	/* output is buffered per line */
	int olen;
	uint64_t bytes;		/* bytes the guest printed */
};

/* Register COM1 on vm's PIO bus; output goes to out_fd. 0 or -errno. */
int serial8250_init(struct serial8250 *s, struct vmm *vm, int out_fd);
void serial8250_flush(struct serial8250 *s);

#endif
