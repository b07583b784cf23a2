// SPDX-License-Identifier: GPL-2.0-only
/* CPUID topology leaves against the guest topology: 0x1 APIC ID, 0xB/0x1F
 * shifts and counts and 32-bit x2APIC IDs, 0x4 cache sharing, x2APIC and the
 * 15-bit MSI destinations where an APIC ID is above 254; on AMD, TOPOEXT
 * with 0x8000001D/E made up where the host has none. */
#include <criterion/criterion.h>
#include <stdlib.h>

#include "host/arch/x86/cpuid.h"

#define IDX KVM_CPUID_FLAG_SIGNIFCANT_INDEX
#define TOPOEXT (1u << 22)
#define X2APIC (1u << 21)		/* leaf 1 ECX */
#define MSI_EXT_DEST_ID (1u << 15)	/* 0x40000001 EAX, KVM_FEATURE_MSI_EXT_DEST_ID */
#define KVM_PV_FEATURES 0x01007afbu	/* what this host's KVM offers in 0x40000001 */

/* Leaf 0 vendor registers EBX, EDX, ECX. */
#define AMD_VENDOR .ebx = 0x68747541, .edx = 0x69746e65, .ecx = 0x444d4163
#define HYGON_VENDOR .ebx = 0x6f677948, .edx = 0x6e65476e, .ecx = 0x656e6975
#define INTEL_VENDOR .ebx = 0x756e6547, .edx = 0x49656e69, .ecx = 0x6c65746e

static struct kvm_cpuid2 *fake_host(void)
{
	struct kvm_cpuid2 *c = calloc(1, sizeof(*c) + 16 * sizeof(c->entries[0]));
	struct kvm_cpuid_entry2 e[] = {
		{ .function = 0, .eax = 0x1f },
		{ .function = 1, .ebx = 0x12345678 },	/* x2APIC not offered */
		{ .function = 4, .index = 0, .flags = IDX, .eax = 0x21 | 0x3ff << 14 },
		{ .function = 4, .index = 1, .flags = IDX, .eax = 0x22 },
		{ .function = 4, .index = 2, .flags = IDX, .eax = 0x43 },
		{ .function = 4, .index = 3, .flags = IDX, .eax = 0x63 },
		{ .function = 4, .index = 4, .flags = IDX, .eax = 0 },
		{ .function = 0xb, .index = 0, .flags = IDX, .eax = 7 },
		{ .function = 0x1f, .index = 0, .flags = IDX, .eax = 7 },
		/* "KVMKVMKVM\0\0\0" and its PV features */
		{ .function = 0x40000000, .eax = 0x40000001, .ebx = 0x4b4d564b, .ecx = 0x564b4d56,
		  .edx = 0x4d },
		{ .function = 0x40000001, .eax = KVM_PV_FEATURES },
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
	bool x2apic = x86_topo_apic_id(&t, t.ncpus - 1) > 254;

	for (int cpu = 0; cpu < t.ncpus; cpu++) {
		uint32_t apic = x86_topo_apic_id(&t, cpu);

		cr_assert_eq(x86_cpuid_patch(c, cap, src, &t, cpu), 0);
		/* Leaf 1 has the xAPIC ID's 8 bits; 0xB/0x1F EDX all 32 (below). */
		cr_expect_eq(x86_cpuid_find(c, 1, 0)->ebx >> 24, apic & 0xff);
		/* Above 254 the guest needs x2APIC, and 15-bit MSI destinations
		 * to reach CPUs above 255 without interrupt remapping; below,
		 * both stay as the host offered them. */
		cr_expect_eq(!!(x86_cpuid_find(c, 1, 0)->ecx & X2APIC), x2apic, "cpu %d", cpu);
		cr_expect_eq(x86_cpuid_find(c, 0x40000001, 0)->eax,
			     KVM_PV_FEATURES | (x2apic ? MSI_EXT_DEST_ID : 0), "cpu %d", cpu);
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
/* 252 CPUs whose last APIC ID is 254 (128 + 64 + 62): still xAPIC. */
Test(cpuid, cpus_252_xapic) { check(2, 2, 63, 1); }
/* 252 CPUs with sparse IDs up to 1 << 8 | 2 << 6 | 20 << 1 | 1 = 425. */
Test(cpuid, cpus_252_x2apic) { check(2, 3, 21, 2); }
/* The fewest CPUs with an APIC ID above 254: node 4 starts at 4 << 6. */
Test(cpuid, cpus_125_sparse_x2apic) { check(5, 1, 5, 5); }

Test(cpuid, apic_ids_non_contiguous)
{
	struct x86_topo t;
	char msg[256];

	cr_assert_eq(x86_topo_init(&t, 1, 4, 3, 1, msg, sizeof(msg)), 0);
	/* 3 cores use 2 bits: LLC 1 starts at APIC ID 4. */
	cr_expect_eq(x86_topo_apic_id(&t, 2), 2u);
	cr_expect_eq(x86_topo_apic_id(&t, 3), 4u);
	/* 1024 CPUs, IDs up to 1023: x2APIC, within the limits. */
	cr_assert_eq(x86_topo_init(&t, 4, 8, 16, 2, msg, sizeof(msg)), 0, "%s", msg);
	cr_expect_eq(x86_topo_apic_id(&t, 1023), 1023u);
}

/* x86_topo_check: the counts, the CPUs in all, and the APIC IDs. */
Test(cpuid, topology_limits)
{
	struct x86_topo t;
	char msg[256];

	cr_expect_neq(x86_topo_init(&t, 8, 8, 16, 2, msg, sizeof(msg)), 0);
	cr_expect(strstr(msg, "2048 CPUs") && strstr(msg, "1024"), "%s", msg);
	cr_expect_neq(x86_topo_init(&t, 1, 1, 1, 9, msg, sizeof(msg)), 0);
	cr_expect(strstr(msg, "threads=9 is out of range for the kvm backend (1 to 8)"), "%s", msg);
	cr_expect_eq(x86_topo_check(1, 1, 128, 8, msg, sizeof(msg)), 0, "%s", msg);
	cr_expect_eq(x86_topo_check(64, 1, 16, 1, msg, sizeof(msg)), 0, "%s", msg);
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

static struct kvm_cpuid2 *cpuid_table(const struct kvm_cpuid_entry2 *e, int n)
{
	struct kvm_cpuid2 *c = calloc(1, sizeof(*c) + 32 * sizeof(c->entries[0]));

	c->nent = n;
	memcpy(c->entries, e, n * sizeof(e[0]));
	return c;
}

/* QEMU TCG "-cpu max" as its KVM reports it: AuthenticAMD family 6, no
 * TOPOEXT, no 0x8000001D/E, max extended leaf 0x8000000A. Legacy caches:
 * L1d/L1i 64K 2-way, L2 512K 16-way, L3 16M 16-way, 64-byte lines. */
static struct kvm_cpuid2 *fake_tcg_amd(void)
{
	const struct kvm_cpuid_entry2 e[] = {
		{ .function = 0, .eax = 0xd, AMD_VENDOR },
		{ .function = 1, .eax = 0x663 },
		{ .function = 0x80000000, .eax = 0x8000000a },
		{ .function = 0x80000001, .ecx = 1 },
		{ .function = 0x80000005, .ecx = 0x40020140, .edx = 0x40020140 },
		{ .function = 0x80000006, .ecx = 0x02008140, .edx = 32u << 18 | 0x8140 },
		{ .function = 0x80000008, .eax = 0x3028 },
	};

	return cpuid_table(e, sizeof(e) / sizeof(e[0]));
}

static uint32_t cache_kb(const struct kvm_cpuid_entry2 *e)
{
	return ((e->ebx >> 22) + 1) * ((e->ebx >> 12 & 0x3ff) + 1) *
	       ((e->ebx & 0xfff) + 1) * (e->ecx + 1) / 1024;
}

/* 0x8000001D EAX[25:14] + 1. */
static uint32_t sharing(const struct kvm_cpuid_entry2 *e)
{
	return (e->eax >> 14 & 0xfff) + 1;
}

struct amd_ids {
	uint32_t apic, llc_id, node_id, core_lo;
};

/* One vCPU: the leaves Linux reads for AMD topology and caches, and the
 * ids it would derive: llc_id = apicid >> get_count_order(L3 sharing) (Zen,
 * cacheinfo_amd_init_llc_id) or the 0x8000001E node id (family < 0x17);
 * L1/L2 siblings share apicid - apicid % nshared (__cache_amd_cpumap_setup). */
static struct amd_ids check_amd_cpu(struct kvm_cpuid2 *c, const struct x86_topo *t,
				    int cpu, const uint32_t kb[4])
{
	static const uint32_t level[] = { 1, 1, 2, 3 }, type[] = { 1, 2, 3, 3 };
	uint32_t apic = x86_topo_apic_id(t, cpu);
	struct kvm_cpuid_entry2 *e;
	struct amd_ids id = { .apic = apic };

	cr_expect(x86_cpuid_find(c, 0x80000001, 0)->ecx & TOPOEXT);
	cr_expect(x86_cpuid_find(c, 0x80000001, 0)->ecx & 1, "other bits kept");
	cr_expect_geq(x86_cpuid_find(c, 0x80000000, 0)->eax, 0x8000001eu);
	cr_expect_neq(x86_cpuid_find(c, 0x80000006, 0)->edx, 0u, "Linux needs an L3 here");
	for (uint32_t i = 0; i < 4; i++) {
		e = x86_cpuid_find(c, 0x8000001d, i);
		cr_assert(e, "0x8000001D.%u", i);
		cr_expect_eq(e->eax & 0x1f, type[i]);
		cr_expect_eq(e->eax >> 5 & 7, level[i]);
		cr_expect_eq(cache_kb(e), kb[i], "subleaf %u: %u KB", i, cache_kb(e));
		cr_expect_eq(sharing(e), 1u << (i < 3 ? t->t_bits : x86_topo_die_shift(t)));
	}
	e = x86_cpuid_find(c, 0x8000001d, 4);
	cr_assert(e, "terminator");
	cr_expect_eq(e->eax & 0x1f, 0u);
	/* Power-of-two counts: sharing is exactly the CPUs of the core / LLC. */
	if (t->threads == 1 << t->t_bits && t->cores == 1 << t->c_bits) {
		cr_expect_eq(sharing(x86_cpuid_find(c, 0x8000001d, 2)), (uint32_t)t->threads);
		cr_expect_eq(sharing(x86_cpuid_find(c, 0x8000001d, 3)),
			     (uint32_t)(t->cores * t->threads));
	}
	id.llc_id = apic >> x86_topo_bits(sharing(x86_cpuid_find(c, 0x8000001d, 3)));
	id.core_lo = apic - apic % sharing(x86_cpuid_find(c, 0x8000001d, 2));
	e = x86_cpuid_find(c, 0x8000001e, 0);
	cr_assert(e);
	cr_expect_eq(e->eax, apic);
	cr_expect_eq(e->ebx >> 8 & 0xff, (uint32_t)t->threads - 1);
	cr_expect_eq(e->ecx >> 8 & 7, 0u, "one node per processor: no AMD_DCM");
	id.node_id = e->ecx & 0xff;
	return id;
}

static void check_amd(struct kvm_cpuid2 *src, int n, int l, int co, int th,
		      const uint32_t kb[4])
{
	int cap = 64;
	struct kvm_cpuid2 *c = calloc(1, sizeof(*c) + cap * sizeof(c->entries[0]));
	struct amd_ids id[128];
	struct x86_topo t;
	char msg[256];

	cr_assert_eq(x86_topo_init(&t, n, l, co, th, msg, sizeof(msg)), 0, "%s", msg);
	cr_assert_leq(t.ncpus, 128);
	for (int cpu = 0; cpu < t.ncpus; cpu++) {
		cr_assert_eq(x86_cpuid_patch(c, cap, src, &t, cpu), 0);
		id[cpu] = check_amd_cpu(c, &t, cpu, kb);
		cr_expect_eq(x86_cpuid_find(c, 1, 0)->ebx >> 24, id[cpu].apic & 0xff);
	}
	/* Whichever way Linux gets llc_id, it groups exactly the requested LLCs;
	 * L1/L2 group the SMT siblings. */
	for (int a = 0; a < t.ncpus; a++)
		for (int b = 0; b < t.ncpus; b++) {
			bool llc = a / (co * th) == b / (co * th), core = a / th == b / th;

			cr_expect_eq(id[a].llc_id == id[b].llc_id, llc, "cpus %d %d", a, b);
			cr_expect_eq(id[a].node_id == id[b].node_id, llc, "cpus %d %d", a, b);
			cr_expect_eq(id[a].core_lo == id[b].core_lo, core, "cpus %d %d", a, b);
		}
	free(c);
}

static const uint32_t tcg_kb[4] = { 64, 64, 512, 16384 };

static void check_tcg(int n, int l, int co, int th)
{
	struct kvm_cpuid2 *src = fake_tcg_amd();

	check_amd(src, n, l, co, th, tcg_kb);
	free(src);
}

Test(cpuid_amd, one_node_two_llcs) { check_tcg(1, 2, 2, 1); }
Test(cpuid_amd, two_nodes_two_llcs_smt) { check_tcg(2, 2, 2, 2); }
Test(cpuid_amd, one_llc_smt) { check_tcg(1, 1, 4, 2); }
Test(cpuid_amd, two_nodes_one_llc) { check_tcg(2, 1, 2, 1); }
/* The lab's x2APIC shape: APIC IDs up to 292 on QEMU TCG's AMD. */
Test(cpuid_amd, sparse_x2apic) { check_tcg(5, 1, 5, 5); }
Test(cpuid_amd, one_llc_two_threads) { check_tcg(1, 1, 2, 2); }
Test(cpuid_amd, non_power_of_two) { check_tcg(1, 2, 3, 1); }

/* No legacy cache leaves at all: the defaults, and 0x80000006 made up so
 * that cpuid_amd_hygon_has_l3_cache() holds. */
Test(cpuid_amd, default_caches)
{
	static const uint32_t kb[4] = { 32, 32, 512, 8192 };
	const struct kvm_cpuid_entry2 e[] = {
		{ .function = 0, .eax = 0xd, AMD_VENDOR },
		{ .function = 1, .eax = 0x663 },
		{ .function = 0x80000000, .eax = 0x80000008 },
		{ .function = 0x80000001, .ecx = 1 },
		{ .function = 0x80000008, .eax = 0x3028 },
	};
	struct kvm_cpuid2 *src = cpuid_table(e, sizeof(e) / sizeof(e[0]));

	check_amd(src, 1, 2, 2, 1, kb);
	free(src);
}

Test(cpuid_amd, hygon)
{
	struct kvm_cpuid2 *src = fake_tcg_amd();

	src->entries[0] = (struct kvm_cpuid_entry2){ .function = 0, .eax = 0xd, HYGON_VENDOR };
	check_amd(src, 1, 2, 2, 2, tcg_kb);
	free(src);
}

/* A host with TOPOEXT (Zen) keeps its own cache descriptions. */
Test(cpuid_amd, host_topoext_kept)
{
	const struct kvm_cpuid_entry2 e[] = {
		{ .function = 0, .eax = 0x10, AMD_VENDOR },
		{ .function = 0x80000000, .eax = 0x80000021 },
		{ .function = 0x80000001, .ecx = TOPOEXT },
		{ .function = 0x80000008, .eax = 0x3030 },
		{ .function = 0x8000001d, .index = 0, .flags = IDX, .eax = 0x121,
		  .ebx = 0x01c0003f, .ecx = 0x3f },
		{ .function = 0x8000001d, .index = 1, .flags = IDX, .eax = 0x0 },
		{ .function = 0x8000001e, .eax = 0x7 },
	};
	struct kvm_cpuid2 *src = cpuid_table(e, sizeof(e) / sizeof(e[0]));
	struct kvm_cpuid2 *c = calloc(1, sizeof(*c) + 64 * sizeof(c->entries[0]));
	struct x86_topo t;
	char msg[256];

	cr_assert_eq(x86_topo_init(&t, 1, 2, 2, 2, msg, sizeof(msg)), 0, "%s", msg);
	cr_assert_eq(x86_cpuid_patch(c, 64, src, &t, 5), 0);
	cr_expect_eq(x86_cpuid_find(c, 0x80000000, 0)->eax, 0x80000021u);
	cr_expect_eq(x86_cpuid_find(c, 0x8000001d, 0)->ebx, 0x01c0003fu);
	cr_expect_eq(sharing(x86_cpuid_find(c, 0x8000001d, 0)), 2u);
	cr_expect_eq(x86_cpuid_find(c, 0x8000001d, 1)->eax, 0u);
	cr_expect_null(x86_cpuid_find(c, 0x8000001d, 2));
	cr_expect_eq(x86_cpuid_find(c, 0x8000001e, 0)->eax, x86_topo_apic_id(&t, 5));
	free(src);
	free(c);
}

/* Intel: no TOPOEXT, no 0x8000001D/E, max extended leaf as it was. */
Test(cpuid_amd, intel_untouched)
{
	const struct kvm_cpuid_entry2 e[] = {
		{ .function = 0, .eax = 0x1f, INTEL_VENDOR },
		{ .function = 1 },
		{ .function = 0x80000000, .eax = 0x80000008 },
		{ .function = 0x80000001, .ecx = 0x121 },
		{ .function = 0x80000006, .ecx = 0x08007040 },
		{ .function = 0x80000008, .eax = 0x3027 },
	};
	struct kvm_cpuid2 *src = cpuid_table(e, sizeof(e) / sizeof(e[0]));
	struct kvm_cpuid2 *c = calloc(1, sizeof(*c) + 64 * sizeof(c->entries[0]));
	struct x86_topo t;
	char msg[256];

	cr_assert_eq(x86_topo_init(&t, 1, 2, 2, 1, msg, sizeof(msg)), 0, "%s", msg);
	for (int cpu = 0; cpu < t.ncpus; cpu++) {
		cr_assert_eq(x86_cpuid_patch(c, 64, src, &t, cpu), 0);
		cr_expect_eq(x86_cpuid_find(c, 0x80000001, 0)->ecx, 0x121u);
		cr_expect_eq(x86_cpuid_find(c, 0x80000000, 0)->eax, 0x80000008u);
		cr_expect_eq(x86_cpuid_find(c, 0x80000006, 0)->edx, 0u);
		cr_expect_null(x86_cpuid_find(c, 0x8000001d, 0));
		cr_expect_null(x86_cpuid_find(c, 0x8000001e, 0));
	}
	free(src);
	free(c);
}
