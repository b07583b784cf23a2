/* SPDX-License-Identifier: GPL-2.0-only */
/* 8250/16550A UART (the board puts it at COM1, 0x3F8 and IRQ 4): what the
 * guest prints goes to the console log file. It also watches for "Kernel panic" so that the VMM learns
 * of a guest panic at once (the kernel's pvpanic driver is a module). */
#ifndef KTSTR__DEV_SERIAL8250_H
#define KTSTR__DEV_SERIAL8250_H

#include <stddef.h>
#include <stdint.h>

struct vmm;

struct serial8250 {
	struct vmm *vm;
	uint16_t port;		/* 8 ports from here */
	uint32_t irq;		/* the interrupt line (vmm_irq_line) */
	int out_fd;
	uint8_t dll, dlm, iir, ier, fcr, lcr, mcr, lsr, msr, scr;
	int irq_level;
	char line[256];		/* current output line, for the panic scan */
	int line_len;
	uint8_t obuf[4096];	/* output is buffered per line */
	int olen;
	uint64_t bytes;		/* bytes the guest printed */
};

/* Register the UART at ports [port, port + 8) of vm's PIO bus, raising
 * line irq; output goes to out_fd. 0 or -errno. */
int serial8250_init(struct serial8250 *s, struct vmm *vm, uint16_t port, uint32_t irq,
		    int out_fd);
void serial8250_flush(struct serial8250 *s);

struct vsnap_writer;
struct vsnap_reader;
/* Snapshots (section UART id): the registers and the line's level; what is
 * buffered goes to the log first. Load refuses values the model never
 * holds. 0 or -1 with msg. */
void serial8250_save(struct serial8250 *s, struct vsnap_writer *w, uint32_t id);
int serial8250_load(struct serial8250 *s, const struct vsnap_reader *r, uint32_t id,
		    char *msg, size_t len);

#endif
