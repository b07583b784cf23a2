// SPDX-License-Identifier: GPL-2.0-only
/* The board's snapshot key on the host CPU: KVM_GET_SUPPORTED_CPUID as
 * two calls on two host CPUs return it (their APIC IDs in leaf 1 EBX, 0xB
 * and 0x1F EDX, 0x8000001E) hashes the same; a feature bit does not. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "host/machine/x86_internal.h"

static struct kvm_cpuid2 *table(uint32_t apic)
{
	struct kvm_cpuid2 *c = calloc(1, sizeof(*c) + 5 * sizeof(c->entries[0]));

	cr_assert_not_null(c);
	c->nent = 5;
	c->entries[0] = (struct kvm_cpuid_entry2){ .function = 1, .ebx = apic << 24 | 0x20800,
						   .ecx = 0x80200001, .edx = 0x178bfbff };
	c->entries[1] = (struct kvm_cpuid_entry2){ .function = 0xb, .eax = 1, .ebx = 2,
						   .ecx = 0x100, .edx = apic };
	c->entries[2] = (struct kvm_cpuid_entry2){ .function = 0xb, .index = 1, .eax = 4,
						   .ebx = 8, .ecx = 0x201, .edx = apic };
	c->entries[3] = (struct kvm_cpuid_entry2){ .function = 0x1f, .edx = apic };
	c->entries[4] = (struct kvm_cpuid_entry2){ .function = 0x8000001e, .eax = apic,
						   .ebx = 0x100 | apic, .ecx = 0 };
	return c;
}

Test(x86_snap, cpuid_hash_ignores_the_host_cpu)
{
	struct kvm_cpuid2 *a = table(0), *b = table(1);

	cr_expect_eq(x86_snap_cpuid_hash(a), x86_snap_cpuid_hash(b),
		     "the same host seen from CPU 0 and CPU 1");
	b->entries[0].ecx ^= 1u << 28;	/* AVX */
	cr_expect_neq(x86_snap_cpuid_hash(a), x86_snap_cpuid_hash(b), "a feature differs");
	free(a);
	free(b);
}
