/* SPDX-License-Identifier: GPL-2.0-only */
/* Per-vCPU CPUID: KVM's supported leaves with the topology leaves
 * (0x1, 0x4, 0xB, 0x1F and the AMD 0x8000001x ones) rewritten from the guest
 * topology, so that every layer agrees on APIC IDs, SMT, cores and LLCs.
 * AMD/Hygon tables without TOPOEXT get it, with 0x8000001D/E made up, as
 * Linux cannot see shared caches (hence LLCs) on AMD otherwise. */
#ifndef KTSTR__ARCH_X86_CPUID_H
#define KTSTR__ARCH_X86_CPUID_H

#include <linux/kvm.h>

#include "host/arch/x86/topology.h"

/* Find leaf fn/index (index ignored for non-indexed leaves); NULL if absent. */
struct kvm_cpuid_entry2 *x86_cpuid_find(struct kvm_cpuid2 *c, uint32_t fn,
					uint32_t index);
/* Copy src into dst (room for cap entries) and patch it for `cpu`; the
 * patch may add up to 16 entries. Returns 0 or -ENOSPC. */
int x86_cpuid_patch(struct kvm_cpuid2 *dst, int cap, const struct kvm_cpuid2 *src,
		    const struct x86_topo *t, int cpu);
/* The XCR0 a Linux guest will pick: every xfeature CPUID 0xD.0 EDX:EAX
 * offers, less the dynamic AMX tile state (17, 18) that needs a permission
 * request first. Always has x87 (bit 0). */
uint64_t x86_cpuid_xcr0(const struct kvm_cpuid2 *c);

#endif
