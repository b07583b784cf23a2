/* SPDX-License-Identifier: GPL-2.0-only */
/* Named bit fields of 32-bit CPUID registers, in the kernel's
 * <linux/bitfield.h> style: a field is its mask, FIELD_GET takes it out of a
 * register, FIELD_PREP puts a value in (cut to the field's width), and
 * field_set replaces one field of a register. */
#ifndef KTSTR__ARCH_X86_BITFIELD_H
#define KTSTR__ARCH_X86_BITFIELD_H

#include <stdint.h>

#define BIT(n)			(1u << (n))
#define GENMASK(hi, lo)		((~0u >> (31 - (hi))) & (~0u << (lo)))
#define FIELD_GET(mask, reg)	(((uint32_t)(reg) & (mask)) >> __builtin_ctz(mask))
#define FIELD_PREP(mask, val)	(((uint32_t)(val) << __builtin_ctz(mask)) & (mask))

static inline void field_set(uint32_t *reg, uint32_t mask, uint32_t val)
{
	*reg = (*reg & ~mask) | FIELD_PREP(mask, val);
}

#endif
