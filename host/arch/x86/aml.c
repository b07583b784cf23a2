// SPDX-License-Identifier: GPL-2.0-only
/* The AML encoder (see aml.h). Opcodes: ACPI 6.x section 20.3; resource
 * descriptors: section 6.4. */
#include <errno.h>
#include <string.h>

#include "host/arch/x86/aml.h"

#define AML_ZERO		0x00
#define AML_ONE			0x01
#define AML_NAME_OP		0x08
#define AML_BYTE_PREFIX		0x0a
#define AML_WORD_PREFIX		0x0b
#define AML_DWORD_PREFIX	0x0c
#define AML_SCOPE_OP		0x10
#define AML_BUFFER_OP		0x11
#define AML_EXT_PREFIX		0x5b
#define AML_DEVICE_OP		0x82	/* after AML_EXT_PREFIX */

#define RES_IO			0x47	/* small: I/O port, 7 bytes */
#define RES_IRQ_NOFLAGS		0x22	/* small: IRQ, 2 bytes */
#define RES_END_TAG		0x79
#define RES_DWORD_MEMORY	0x87	/* large descriptors */
#define RES_WORD_ADDRESS	0x88
#define RES_TYPE_MEMORY		0
#define RES_TYPE_IO		1
#define RES_TYPE_BUS		2
#define RES_PRODUCER_FIXED	0x0c	/* ResourceProducer, MinFixed, MaxFixed */

void aml_bytes(struct aml *a, const void *p, size_t len)
{
	if (a->n + len > a->room) {
		a->err = -ENOSPC;
		return;
	}
	memcpy(a->b + a->n, p, len);
	a->n += len;
}

void aml_byte(struct aml *a, uint8_t v)
{
	aml_bytes(a, &v, 1);
}

/* Open a PkgLength-prefixed object; close with aml_close(mark). Three length
 * bytes are reserved and the body is moved down on close if fewer suffice. */
static size_t aml_open(struct aml *a)
{
	size_t mark = a->n;

	aml_bytes(a, "\0\0\0", 3);
	return mark;
}

void aml_close(struct aml *a, size_t mark)
{
	size_t body = a->n - mark - 3, total;
	int nb;

	if (a->err)
		return;
	if (body + 1 < 0x40)
		nb = 1;
	else if (body + 2 < 0x1000)
		nb = 2;
	else
		nb = 3;
	total = body + nb;
	memmove(a->b + mark + nb, a->b + mark + 3, body);
	if (nb == 1) {
		a->b[mark] = total;
	} else {
		a->b[mark] = (nb - 1) << 6 | (total & 0xf);
		a->b[mark + 1] = total >> 4;
		if (nb == 3)
			a->b[mark + 2] = total >> 12;
	}
	a->n = mark + nb + body;
}

size_t aml_scope(struct aml *a, const char *path)
{
	size_t mark;

	aml_byte(a, AML_SCOPE_OP);
	mark = aml_open(a);
	aml_bytes(a, path, strlen(path));
	return mark;
}

size_t aml_device(struct aml *a, const char *name)
{
	size_t mark;

	aml_byte(a, AML_EXT_PREFIX);
	aml_byte(a, AML_DEVICE_OP);
	mark = aml_open(a);
	aml_bytes(a, name, 4);
	return mark;
}

void aml_int(struct aml *a, uint32_t v)
{
	if (v <= 1) {
		aml_byte(a, v ? AML_ONE : AML_ZERO);
	} else if (v < 0x100) {
		aml_byte(a, AML_BYTE_PREFIX);
		aml_byte(a, v);
	} else if (v < 0x10000) {
		aml_byte(a, AML_WORD_PREFIX);
		aml_bytes(a, &(uint16_t){ v }, 2);
	} else {
		aml_byte(a, AML_DWORD_PREFIX);
		aml_bytes(a, &v, 4);
	}
}

void aml_name_int(struct aml *a, const char *name, uint32_t v)
{
	aml_byte(a, AML_NAME_OP);
	aml_bytes(a, name, 4);
	aml_int(a, v);
}

/* EISAID("PNP0A03"): three letters in 5 bits each, then four hex digits. */
void aml_name_eisaid(struct aml *a, const char *name, const char *id)
{
	uint8_t b[4];
	unsigned int hex = 0;

	for (int i = 3; i < 7; i++)
		hex = hex << 4 | (id[i] <= '9' ? id[i] - '0' : id[i] - 'A' + 10);
	b[0] = (id[0] - 0x40) << 2 | (id[1] - 0x40) >> 3;
	b[1] = ((id[1] - 0x40) & 7) << 5 | (id[2] - 0x40);
	b[2] = hex >> 8;
	b[3] = hex;
	aml_byte(a, AML_NAME_OP);
	aml_bytes(a, name, 4);
	aml_byte(a, AML_DWORD_PREFIX);
	aml_bytes(a, b, 4);
}

void aml_name_crs(struct aml *a, const uint8_t *res, size_t len)
{
	size_t mark;

	aml_byte(a, AML_NAME_OP);
	aml_bytes(a, "_CRS", 4);
	aml_byte(a, AML_BUFFER_OP);
	mark = aml_open(a);
	aml_int(a, len + 2);
	aml_bytes(a, res, len);
	aml_byte(a, RES_END_TAG);
	aml_byte(a, 0);		/* checksum 0: "treat as correct" */
	aml_close(a, mark);
}

size_t aml_res_io(uint8_t *p, uint16_t port, uint8_t len)
{
	uint8_t d[8] = { RES_IO, 1, port & 0xff, port >> 8, port & 0xff, port >> 8, 1, len };

	memcpy(p, d, 8);
	return 8;
}

size_t aml_res_irq(uint8_t *p, unsigned irq)
{
	p[0] = RES_IRQ_NOFLAGS;
	p[1] = (1u << irq) & 0xff;
	p[2] = (1u << irq) >> 8;
	return 3;
}

/* The head of an address space descriptor (ACPI 6.5, 6.4.3.5): tag,
 * length of the rest, resource type, fixed range, type-specific flags. */
static void addr_head(uint8_t *p, uint8_t tag, uint8_t len, uint8_t type, uint8_t flags)
{
	p[0] = tag;
	p[1] = len;
	p[2] = 0;
	p[3] = type;
	p[4] = RES_PRODUCER_FIXED;
	p[5] = flags;
}

/* A word address space descriptor for [base, base + size). */
static size_t word_range(uint8_t *p, uint8_t type, uint8_t flags, uint16_t base, uint16_t size)
{
	uint16_t v[5] = { 0, base, base + size - 1, 0, size };

	addr_head(p, RES_WORD_ADDRESS, 13, type, flags);
	memcpy(p + 6, v, 10);
	return 16;
}

size_t aml_res_bus0(uint8_t *p)
{
	return word_range(p, RES_TYPE_BUS, 0, 0, 1);
}

size_t aml_res_io_window(uint8_t *p, uint16_t base, uint16_t size)
{
	return word_range(p, RES_TYPE_IO, 0x03 /* ISA and non-ISA ranges */, base, size);
}

size_t aml_res_mem32(uint8_t *p, uint32_t base, uint32_t size)
{
	uint32_t v[5] = { 0, base, base + size - 1, 0, size };

	addr_head(p, RES_DWORD_MEMORY, 23, RES_TYPE_MEMORY, 0x01 /* read-write, non-cacheable */);
	memcpy(p + 6, v, 20);
	return 26;
}
