/* CPUID topology leaves against the guest topology: 0x1 APIC ID, 0xB/0x1F
 * shifts and counts, 0x4 cache sharing. */
#include <criterion/criterion.h>
#include <stdlib.h>

#include "host/arch/x86/cpuid.h"

#define IDX KVM_CPUID_FLAG_SIGNIFCANT_INDEX

static struct kvm_cpuid2 *fake_host(void)
{
	struct kvm_cpuid2 *c = calloc(1, sizeof(*c) + 16 * sizeof(c->entries[0]));
	struct kvm_cpuid_entry2 e[] = {
		{ .function = 0, .eax = 0x1f },
		{ .function = 1, .ebx = 0x12345678 },
		{ .function = 4, .index = 0, .flags = IDX, .eax = 0x21 | 0x3ff << 14 },
		{ .function = 4, .index = 1, .flags = IDX, .eax = 0x22 },
		{ .function = 4, .index = 2, .flags = IDX, .eax = 0x43 },
		{ .function = 4, .index = 3, .flags = IDX, .eax = 0x63 },
		{ .function = 4, .index = 4, .flags = IDX, .eax = 0 },
		{ .function = 0xb, .index = 0, .flags = IDX, .eax = 7 },
		{ .function = 0x1f, .index = 0, .flags = IDX, .eax = 7 },
	};

	c->nent = sizeof(e) / sizeof(e[0]);
	memcpy(c->entries, e, sizeof(e));
	return c;
}

static void check(int n, int l, int co, int th)
{
	struct kvm_cpuid2 *src = fake_host();
	int cap = 64;
	struct kvm_cpuid2 *c = calloc(1, sizeof(*c) + cap * sizeof(c->entries[0]));
	struct x86_topo t;
	char msg[256];

	cr_assert_eq(x86_topo_init(&t, n, l, co, th, msg, sizeof(msg)), 0, "%s", msg);
	for (int cpu = 0; cpu < t.ncpus; cpu++) {
		uint32_t apic = x86_topo_apic_id(&t, cpu);

		cr_assert_eq(x86_cpuid_patch(c, cap, src, &t, cpu), 0);
		cr_expect_eq(x86_cpuid_find(c, 1, 0)->ebx >> 24, apic);
		struct kvm_cpuid_entry2 *smt = x86_cpuid_find(c, 0xb, 0);
		struct kvm_cpuid_entry2 *core = x86_cpuid_find(c, 0xb, 1);
		struct kvm_cpuid_entry2 *end = x86_cpuid_find(c, 0xb, 2);
		cr_assert(smt && core && end);
		cr_expect_eq(smt->eax, (uint32_t)t.t_bits);
		cr_expect_eq(smt->ebx, (uint32_t)th);
		cr_expect_eq(smt->ecx >> 8 & 0xff, 1u);
		cr_expect_eq(core->eax, (uint32_t)x86_topo_pkg_shift(&t));
		cr_expect_eq(core->ebx, (uint32_t)(l * co * th));
		cr_expect_eq(core->ecx >> 8 & 0xff, 2u);
		cr_expect_eq(end->ecx >> 8 & 0xff, 0u);
		cr_expect_eq(smt->edx, apic);
		cr_expect_eq(core->edx, apic);
		struct kvm_cpuid_entry2 *die = x86_cpuid_find(c, 0x1f, 1);
		struct kvm_cpuid_entry2 *pkg = x86_cpuid_find(c, 0x1f, 2);
		cr_assert(die && pkg);
		cr_expect_eq(die->eax, (uint32_t)x86_topo_die_shift(&t));
		cr_expect_eq(die->ebx, (uint32_t)(co * th));
		cr_expect_eq(pkg->ecx >> 8 & 0xff, 5u);
		cr_expect_eq(pkg->eax, (uint32_t)x86_topo_pkg_shift(&t));
		/* L1: shared by SMT siblings; L3: by the whole LLC (die). */
		cr_expect_eq((x86_cpuid_find(c, 4, 0)->eax >> 14 & 0xfff) + 1, 1u << t.t_bits);
		cr_expect_eq((x86_cpuid_find(c, 4, 3)->eax >> 14 & 0xfff) + 1,
			     1u << x86_topo_die_shift(&t));
		/* APIC IDs of SMT siblings differ only in the thread bits. */
		if (cpu % th)
			cr_expect_eq(apic >> t.t_bits, x86_topo_apic_id(&t, cpu - 1) >> t.t_bits);
	}
	free(src);
	free(c);
}

Test(cpuid, one_node_two_cores) { check(1, 1, 2, 1); }
Test(cpuid, two_nodes_smt) { check(2, 2, 2, 2); }
Test(cpuid, non_power_of_two) { check(1, 4, 3, 1); }

Test(cpuid, apic_ids_non_contiguous)
{
	struct x86_topo t;
	char msg[256];

	cr_assert_eq(x86_topo_init(&t, 1, 4, 3, 1, msg, sizeof(msg)), 0);
	/* 3 cores use 2 bits: LLC 1 starts at APIC ID 4. */
	cr_expect_eq(x86_topo_apic_id(&t, 2), 2u);
	cr_expect_eq(x86_topo_apic_id(&t, 3), 4u);
	cr_expect_neq(x86_topo_init(&t, 4, 8, 16, 2, msg, sizeof(msg)), 0);
	cr_expect(strstr(msg, "254"), "%s", msg);
}

Test(cpuid, xcr0_from_leaf_d)
{
	struct kvm_cpuid2 *c = calloc(1, sizeof(*c) + 4 * sizeof(c->entries[0]));

	cr_expect_eq(x86_cpuid_xcr0(c), 1u, "no leaf 0xD: x87 only");
	c->entries[0] = (struct kvm_cpuid_entry2){ .function = 0xd, .index = 0, .flags = IDX,
						   .eax = 0x60207, .edx = 0 };
	c->entries[1] = (struct kvm_cpuid_entry2){ .function = 0xd, .index = 1, .flags = IDX,
						   .eax = 0xf };
	c->nent = 2;
	cr_expect_eq(x86_cpuid_xcr0(c), 0x207u, "AMX tile bits dropped, PKRU kept");
	c->entries[0].edx = 1;
	cr_expect_eq(x86_cpuid_xcr0(c), 0x100000207ull);
	free(c);
}
