// SPDX-License-Identifier: GPL-2.0-only
/* The 16550A model (see serial8250.h). Register semantics follow kvmtool
 * hw/serial.c: IIR reports FIFOs (bits 7:6) so Linux detects a 16550A, LSR
 * idles at THRE|TEMT and THRI is raised on the UART's IRQ line. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "host/dev/serial8250.h"
#include "host/vmm/vmm.h"

#define UART_IER_RDI	0x01
#define UART_IER_THRI	0x02
#define UART_IIR_NO_INT	0x01
#define UART_IIR_THRI	0x02
#define UART_IIR_FIFO	0xc0
#define UART_LCR_DLAB	0x80
#define UART_LSR_THRE	0x20
#define UART_LSR_TEMT	0x40
#define UART_MSR_DCD	0x80
#define UART_MSR_DSR	0x20
#define UART_MSR_CTS	0x10
#define UART_MCR_LOOP	0x10

static const char panic_str[] = "Kernel panic - not syncing";

/* What does not go (the log broke, or is full as the VM ends) is dropped. */
void serial8250_flush(struct serial8250 *s)
{
	if (s->olen && s->out_fd >= 0)
		vmm_write_all(s->vm, s->out_fd, s->obuf, s->olen);
	s->olen = 0;
}

static void scan_line(struct serial8250 *s, char c)
{
	if (c != '\n') {
		if (s->line_len < (int)sizeof(s->line) - 1)
			s->line[s->line_len++] = c;
		return;
	}
	s->line[s->line_len] = 0;
	if (strstr(s->line, panic_str))
		atomic_store(&s->vm->panic_seen, true);
	s->line_len = 0;
}

static void emit(struct serial8250 *s, uint8_t c)
{
	s->obuf[s->olen++] = c;
	s->bytes++;
	scan_line(s, c);
	if (c == '\n' || s->olen == sizeof(s->obuf))
		serial8250_flush(s);
}

static void update_irq(struct serial8250 *s)
{
	int level;

	s->iir = UART_IIR_NO_INT;
	if ((s->ier & UART_IER_THRI) && (s->lsr & UART_LSR_TEMT))
		s->iir = UART_IIR_THRI;
	level = s->iir != UART_IIR_NO_INT;
	if (level != s->irq_level) {
		s->irq_level = level;
		vmm_irq_line(s->vm, s->irq, level);
	}
}

static void uart_write(struct serial8250 *s, int off, uint8_t v)
{
	bool dlab = s->lcr & UART_LCR_DLAB;

	switch (off) {
	case 0:
		if (dlab) {
			s->dll = v;
		} else {
			if (!(s->mcr & UART_MCR_LOOP))
				emit(s, v);
			/* Transmission is instant; a new THRE edge follows. */
			s->irq_level = 0;
			vmm_irq_line(s->vm, s->irq, 0);
		}
		break;
	case 1:
		if (dlab)
			s->dlm = v;
		else
			s->ier = v & 0x0f;
		break;
	case 2: s->fcr = v; break;
	case 3: s->lcr = v; break;
	case 4: s->mcr = v; break;
	case 7: s->scr = v; break;
	}
	update_irq(s);
}

static uint8_t uart_read(struct serial8250 *s, int off)
{
	bool dlab = s->lcr & UART_LCR_DLAB;
	uint8_t v = 0;

	switch (off) {
	case 0: v = dlab ? s->dll : 0; break;
	case 1: v = dlab ? s->dlm : s->ier; break;
	case 2:
		v = s->iir | UART_IIR_FIFO;
		/* Reading IIR acknowledges a THRI. */
		if (s->iir == UART_IIR_THRI) {
			s->irq_level = 0;
			vmm_irq_line(s->vm, s->irq, 0);
			s->iir = UART_IIR_NO_INT;
			return v;
		}
		break;
	case 3: v = s->lcr; break;
	case 4: v = s->mcr; break;
	case 5: v = s->lsr; break;
	case 6: v = s->msr; break;
	case 7: v = s->scr; break;
	}
	return v;
}

static void serial_io(void *ctx, uint64_t addr, uint8_t *data, uint32_t len,
		      bool is_write)
{
	struct serial8250 *s = ctx;
	int off = addr - s->port;

	for (uint32_t i = 0; i < len; i++) {
		if (is_write)
			uart_write(s, off, data[i]);
		else
			data[i] = uart_read(s, off);
	}
}

int serial8250_init(struct serial8250 *s, struct vmm *vm, uint16_t port, uint32_t irq,
		    int out_fd)
{
	memset(s, 0, sizeof(*s));
	s->vm = vm;
	s->port = port;
	s->irq = irq;
	s->out_fd = out_fd;
	s->iir = UART_IIR_NO_INT;
	s->lsr = UART_LSR_THRE | UART_LSR_TEMT;
	s->msr = UART_MSR_DCD | UART_MSR_DSR | UART_MSR_CTS;
	s->mcr = 0x08;	/* OUT2 */
	return iotrap_register(&vm->bus.pio, port, 8, serial_io, s);
}

/* The snapshot's form of the registers. */
struct uart_state {
	uint8_t dll, dlm, iir, ier, fcr, lcr, mcr, lsr, msr, scr;
	uint8_t irq_level;
	uint8_t pad[5];
};
_Static_assert(sizeof(struct uart_state) == 16, "uart_state");

void serial8250_save(struct serial8250 *s, struct vsnap_writer *w, uint32_t id)
{
	struct uart_state st = {
		s->dll, s->dlm, s->iir, s->ier, s->fcr, s->lcr, s->mcr, s->lsr, s->msr, s->scr,
		(uint8_t)s->irq_level, { 0 },
	};

	serial8250_flush(s);
	vsnap_put(w, "UART", id, &st, sizeof(st));
}

int serial8250_load(struct serial8250 *s, const struct vsnap_reader *r, uint32_t id,
		    char *msg, size_t len)
{
	struct uart_state st;

	if (vsnap_get(r, "UART", id, &st, sizeof(st), msg, len))
		return -1;
	if ((st.iir != UART_IIR_NO_INT && st.iir != UART_IIR_THRI) || st.ier & ~0x0f ||
	    st.irq_level > 1) {
		snprintf(msg, len, "snapshot section UART %u: IIR 0x%x, IER 0x%x, line %u: not "
			 "a state of this UART", id, st.iir, st.ier, st.irq_level);
		return -1;
	}
	s->dll = st.dll;
	s->dlm = st.dlm;
	s->iir = st.iir;
	s->ier = st.ier;
	s->fcr = st.fcr;
	s->lcr = st.lcr;
	s->mcr = st.mcr;
	s->lsr = st.lsr;
	s->msr = st.msr;
	s->scr = st.scr;
	s->irq_level = st.irq_level;
	return 0;
}
