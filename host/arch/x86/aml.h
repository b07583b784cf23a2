/* SPDX-License-Identifier: GPL-2.0-only */
/* A tiny AML encoder (ACPI 6.x, section 20): just what the DSDT needs, a
 * scope holding devices that are named objects with integers, EISA IDs and
 * resource templates. Calls append to a caller's buffer; an error sticks
 * (a full buffer makes every later call a no-op and err -ENOSPC). */
#ifndef KTSTR__ARCH_X86_AML_H
#define KTSTR__ARCH_X86_AML_H

#include <stddef.h>
#include <stdint.h>

struct aml {
	uint8_t *b;
	size_t n, room;
	int err;
};

void aml_bytes(struct aml *a, const void *p, size_t len);
void aml_byte(struct aml *a, uint8_t v);
/* Scope(name) { and Device(name) {: a 4-character name segment (or, for a
 * scope, a path such as "\\_SB_"). Returns the mark for aml_close. */
size_t aml_scope(struct aml *a, const char *path);
size_t aml_device(struct aml *a, const char *name);
/* } : fill in the PkgLength of what aml_scope/aml_device opened. */
void aml_close(struct aml *a, size_t mark);
/* An integer in the shortest encoding (Zero, One, Byte/Word/DWordConst). */
void aml_int(struct aml *a, uint32_t v);
/* Name(name, v) with an integer, an EISA ID ("PNP0A03") or
 * ResourceTemplate() { res EndTag } as its value. */
void aml_name_int(struct aml *a, const char *name, uint32_t v);
void aml_name_eisaid(struct aml *a, const char *name, const char *id);
void aml_name_crs(struct aml *a, const uint8_t *res, size_t len);

/* Resource descriptors (section 6.4) for aml_name_crs: each writes its
 * bytes at p and returns how many. */
/* IO(Decode16, port, port, 1, len) */
size_t aml_res_io(uint8_t *p, uint16_t port, uint8_t len);
/* IRQNoFlags() { irq } (edge, active high, exclusive) */
size_t aml_res_irq(uint8_t *p, unsigned irq);
/* WordBusNumber: bus 0 only */
size_t aml_res_bus0(uint8_t *p);
/* WordIO(ResourceProducer, MinFixed, MaxFixed, PosDecode, EntireRange) */
size_t aml_res_io_window(uint8_t *p, uint16_t base, uint16_t size);
/* DWordMemory(ResourceProducer, ..., NonCacheable, ReadWrite) */
size_t aml_res_mem32(uint8_t *p, uint32_t base, uint32_t size);

#endif
