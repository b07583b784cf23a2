/* SPDX-License-Identifier: GPL-2.0-only */
/* Shared by cpuid.c (the vendor-neutral leaves) and cpuid_amd.c: the table
 * helpers and the register fields both write. */
#ifndef KTSTR__ARCH_X86_CPUID_INTERNAL_H
#define KTSTR__ARCH_X86_CPUID_INTERNAL_H

#include "host/arch/x86/bitfield.h"
#include "host/arch/x86/cpuid.h"

/* Cache leaves 0x4 and 0x8000001D (Intel SDM, AMD APM). */
#define CACHE_EAX_TYPE		GENMASK(4, 0)	/* 0: no more caches */
#define CACHE_EAX_LEVEL		GENMASK(7, 5)
#define CACHE_EAX_SELF_INIT	BIT(8)
#define CACHE_EAX_SHARING	GENMASK(25, 14)	/* IDs sharing it - 1 */
#define CACHE4_EAX_CORES	GENMASK(31, 26)	/* leaf 4: cores per package - 1 */
#define CACHE_EBX_LINE		GENMASK(11, 0)	/* line size - 1 */
#define CACHE_EBX_PARTITIONS	GENMASK(21, 12)	/* - 1 */
#define CACHE_EBX_WAYS		GENMASK(31, 22)	/* - 1 */
#define CACHE_ECX_SETS		GENMASK(31, 0)	/* - 1 */

/* Find fn/index or append it zeroed (indexed or not); NULL when there is
 * no room for it among cap entries. */
struct kvm_cpuid_entry2 *x86_cpuid_get_entry(struct kvm_cpuid2 *c, int cap, uint32_t fn,
					     uint32_t index);
struct kvm_cpuid_entry2 *x86_cpuid_get_leaf(struct kvm_cpuid2 *c, int cap, uint32_t fn);
/* Drop every subleaf of fn (before rewriting it); moves entries. */
void x86_cpuid_drop_leaf(struct kvm_cpuid2 *c, uint32_t fn);
/* The sharing fields of the cache leaf fn (4 or 0x8000001D) for t: L1 and
 * L2 by SMT siblings, L3 by the LLC (die). */
void x86_cpuid_patch_cache(struct kvm_cpuid2 *c, uint32_t fn, const struct x86_topo *t);

/* cpuid_amd.c: the AMD/Hygon leaves for the CPU with this APIC ID (and
 * 0x80000008's core count, which Intel tables carry too). 0 or -ENOSPC. */
int x86_cpuid_patch_amd(struct kvm_cpuid2 *c, int cap, const struct x86_topo *t,
			uint32_t apic);

#endif
