// SPDX-License-Identifier: GPL-2.0-only
/* The AMD/Hygon CPUID leaves for the guest topology (see cpuid.h): TOPOEXT
 * with the cache leaf 0x8000001D made up where the host has none,
 * 0x8000001E (APIC, core and node ids) and 0x80000008's core count. Field
 * names follow the AMD APM volume 3, appendix E. */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "host/arch/x86/cpuid_internal.h"

#define EXT1_ECX_TOPOEXT	BIT(22)		/* 0x80000001 */
/* 0x80000005 ECX (L1d) / EDX (L1i). */
#define L1_KB			GENMASK(31, 24)
#define L1_WAYS			GENMASK(23, 16)	/* 0xff: fully associative */
#define L1_LINE			GENMASK(7, 0)
/* 0x80000006 ECX (L2) / EDX (L3). */
#define L2_KB			GENMASK(31, 16)
#define L3_512KB		GENMASK(31, 18)	/* size in 512 KB units */
#define L23_WAYS_CODE		GENMASK(15, 12)	/* amd_assoc[] */
#define L23_LINES_PER_TAG	GENMASK(11, 8)
#define L23_LINE		GENMASK(7, 0)
/* 0x80000008 ECX. */
#define EXT8_ECX_NC		GENMASK(7, 0)	/* logical CPUs per package - 1 */
#define EXT8_ECX_APIC_ID_SIZE	GENMASK(15, 12)	/* APIC ID bits below the package */
/* 0x8000001E. */
#define EXT1E_EBX_CORE_ID	GENMASK(7, 0)
#define EXT1E_EBX_THREADS	GENMASK(15, 8)	/* threads per core - 1 */
#define EXT1E_ECX_NODE_ID	GENMASK(7, 0)
#define EXT1E_ECX_NODES		GENMASK(10, 8)	/* nodes per processor - 1 */

/* Leaf 0 vendor string, in register order EBX, EDX, ECX. */
static bool vendor_is(struct kvm_cpuid2 *c, const char *vendor)
{
	struct kvm_cpuid_entry2 *e = x86_cpuid_find(c, 0, 0);
	char s[12];

	if (!e)
		return false;
	memcpy(s, &e->ebx, 4);
	memcpy(s + 4, &e->edx, 4);
	memcpy(s + 8, &e->ecx, 4);
	return !memcmp(s, vendor, sizeof(s));
}

/* Linux takes the AMD paths (cacheinfo, topology_amd) for both. Hygon's
 * llc_id is apicid >> 3 whatever CPUID says (cacheinfo_hygon_init_llc_id):
 * right only when the LLC field starts at APIC ID bit 3. */
static bool is_amd(struct kvm_cpuid2 *c)
{
	return vendor_is(c, "AuthenticAMD") || vendor_is(c, "HygonGenuine");
}

/* One cache as leaf 0x8000001D describes it. */
struct amd_cache {
	int level, type;	/* type: 1 data, 2 instruction, 3 unified */
	int kb, ways, line;
};

/* 0x80000006 L2/L3 associativity codes (AMD APM, Linux cacheinfo.c
 * assocs[]). 0 here: no cache (0), "see 0x8000001D" (9) or fully
 * associative (0xf); the caller keeps its default ways for those. */
static const uint8_t amd_assoc[16] = {
	[1] = 1, [2] = 2, [3] = 3, [4] = 4, [5] = 6, [6] = 8, [8] = 16,
	[0xa] = 32, [0xb] = 48, [0xc] = 64, [0xd] = 96, [0xe] = 128,
};

/* An L1 register of 0x80000005; an empty register keeps the defaults. */
static void amd_cache_from_l1(struct amd_cache *k, uint32_t reg)
{
	int ways = FIELD_GET(L1_WAYS, reg);

	if (!FIELD_GET(L1_KB, reg))
		return;
	k->kb = FIELD_GET(L1_KB, reg);
	if (ways && ways != 0xff)
		k->ways = ways;
	if (FIELD_GET(L1_LINE, reg))
		k->line = FIELD_GET(L1_LINE, reg);
}

/* An L2/L3 register of 0x80000006; the size field differs, so the caller
 * decodes it into kb. */
static void amd_cache_from_l23(struct amd_cache *k, uint32_t reg, int kb)
{
	int code = FIELD_GET(L23_WAYS_CODE, reg);

	if (!code || !kb)
		return;
	k->kb = kb;
	if (amd_assoc[code])
		k->ways = amd_assoc[code];
	if (FIELD_GET(L23_LINE, reg))
		k->line = FIELD_GET(L23_LINE, reg);
}

static uint32_t amd_assoc_code(int ways)
{
	for (uint32_t i = 1; i < 16; i++)
		if (amd_assoc[i] == ways)
			return i;
	return 0xf;
}

/* 0x80000006 register for k, one line per tag; size is the size field,
 * already in place (L2_KB or L3_512KB). */
static uint32_t amd_legacy_l23(const struct amd_cache *k, uint32_t size)
{
	return size | FIELD_PREP(L23_WAYS_CODE, amd_assoc_code(k->ways)) |
	       FIELD_PREP(L23_LINES_PER_TAG, 1) | FIELD_PREP(L23_LINE, k->line);
}

/* Leaf 0x8000001D subleaf for k, without the sharing field
 * (x86_cpuid_patch_cache sets it). */
static void amd_cache_leaf(struct kvm_cpuid_entry2 *e, const struct amd_cache *k)
{
	uint32_t sets = (uint32_t)k->kb * 1024 / k->line / k->ways;

	e->eax = FIELD_PREP(CACHE_EAX_TYPE, k->type) | FIELD_PREP(CACHE_EAX_LEVEL, k->level) |
		 CACHE_EAX_SELF_INIT;
	e->ebx = FIELD_PREP(CACHE_EBX_LINE, k->line - 1) | FIELD_PREP(CACHE_EBX_PARTITIONS, 0) |
		 FIELD_PREP(CACHE_EBX_WAYS, k->ways - 1);
	e->ecx = FIELD_PREP(CACHE_ECX_SETS, (sets ? sets : 1) - 1);
	e->edx = 0;
}

/* Leaf 0x8000001D: L1d, L1i, L2, L3 and a type-0 terminator. The L3 must be
 * subleaf 3: Linux derives index3's shared_cpu_map from cpu_llc_shared_mask
 * (cacheinfo.c __cache_amd_cpumap_setup) and ktstr reads index3. Sizes come
 * from the legacy 0x80000005/6 leaves where they exist. */
static int amd_synth_caches(struct kvm_cpuid2 *c, int cap)
{
	struct amd_cache k[4] = {
		{ 1, 1, 32, 8, 64 }, { 1, 2, 32, 8, 64 },
		{ 2, 3, 512, 8, 64 }, { 3, 3, 8192, 16, 64 },
	};
	struct kvm_cpuid_entry2 *l1 = x86_cpuid_find(c, 0x80000005, 0);
	struct kvm_cpuid_entry2 *l23 = x86_cpuid_find(c, 0x80000006, 0);

	if (l1) {
		amd_cache_from_l1(&k[0], l1->ecx);
		amd_cache_from_l1(&k[1], l1->edx);
	}
	if (l23) {
		amd_cache_from_l23(&k[2], l23->ecx, FIELD_GET(L2_KB, l23->ecx));
		amd_cache_from_l23(&k[3], l23->edx, FIELD_GET(L3_512KB, l23->edx) * 512);
	}
	x86_cpuid_drop_leaf(c, 0x8000001d);	/* moves entries: l1 and l23 are stale */
	for (uint32_t i = 0; i <= 4; i++) {
		struct kvm_cpuid_entry2 *e = x86_cpuid_get_entry(c, cap, 0x8000001d, i);

		if (!e)
			return -ENOSPC;
		if (i < 4)
			amd_cache_leaf(e, &k[i]);
	}
	/* Linux looks for an LLC id only when 0x80000006 EDX is non-zero
	 * (cpuid_amd_hygon_has_l3_cache() in cacheinfo_amd_init_llc_id), so
	 * describe the same caches there where the host left them out. */
	l23 = x86_cpuid_get_leaf(c, cap, 0x80000006);
	if (!l23)
		return -ENOSPC;
	if (!l23->ecx)
		l23->ecx = amd_legacy_l23(&k[2], FIELD_PREP(L2_KB, k[2].kb));
	if (!l23->edx)
		l23->edx = amd_legacy_l23(&k[3], FIELD_PREP(L3_512KB, k[3].kb / 512));
	return 0;
}

/* AMD without TOPOEXT (QEMU TCG "-cpu max" is AuthenticAMD family 6 and its
 * KVM reports neither 0x8000001D nor 0x8000001E): Linux then sees no cache
 * sharing and puts the LLC at the package, one per NUMA node whatever
 * llcs= says. Advertise TOPOEXT and make 0x8000001D/E exist. */
static int amd_topoext(struct kvm_cpuid2 *c, int cap)
{
	struct kvm_cpuid_entry2 *max = x86_cpuid_find(c, 0x80000000, 0);
	struct kvm_cpuid_entry2 *ext = x86_cpuid_find(c, 0x80000001, 0);
	struct kvm_cpuid_entry2 *e;

	/* Raising the max extended leaf makes the missing leaves below it
	 * read as zeros (KVM, AMD vendor); 0x80000008 (address sizes) must
	 * not be one of them. Leave odd tables alone. */
	if (!max || max->eax < 0x80000008 || !ext ||
	    !x86_cpuid_find(c, 0x80000008, 0))
		return 0;
	if (max->eax < 0x8000001e)
		max->eax = 0x8000001e;
	ext->ecx |= EXT1_ECX_TOPOEXT;
	e = x86_cpuid_find(c, 0x8000001d, 0);
	if ((!e || !FIELD_GET(CACHE_EAX_TYPE, e->eax)) && amd_synth_caches(c, cap))
		return -ENOSPC;
	return x86_cpuid_get_leaf(c, cap, 0x8000001e) ? 0 : -ENOSPC;
}

int x86_cpuid_patch_amd(struct kvm_cpuid2 *c, int cap, const struct x86_topo *t,
			uint32_t apic)
{
	struct kvm_cpuid_entry2 *e;

	if (is_amd(c) && amd_topoext(c, cap))
		return -ENOSPC;
	e = x86_cpuid_find(c, 0x80000008, 0);
	if (e) {
		field_set(&e->ecx, EXT8_ECX_NC, x86_topo_per_pkg(t) - 1);
		field_set(&e->ecx, EXT8_ECX_APIC_ID_SIZE, x86_topo_pkg_shift(t));
	}
	e = x86_cpuid_find(c, 0x8000001e, 0);
	if (e) {
		e->eax = apic;		/* the extended APIC ID, all 32 bits */
		e->ebx = FIELD_PREP(EXT1E_EBX_CORE_ID, apic >> t->t_bits) |
			 FIELD_PREP(EXT1E_EBX_THREADS, t->threads - 1);
		/*
		 * ECX: node id = the LLC (die) field of the APIC ID, and one
		 * node per processor (EXT1E_ECX_NODES = 0).
		 * - Before family 0x17 (the TCG host is family 6) Linux sets
		 *   llc_id to this node id (cacheinfo_amd_init_llc_id); from
		 *   Zen on to apicid >> order(L3 sharing): the same number.
		 *   We keep the host's family: faking Zen would pull Zen
		 *   errata MSR writes and SRSO/retbleed mitigations into
		 *   the guest and skew timings.
		 * - More nodes per processor would set AMD_DCM, make
		 *   match_die split on the node and, before 0x17, run the
		 *   core_id modulo of cpu_topology_fixup_amd, which divides
		 *   by zero when leaf 0x1F's core level counts fewer CPUs
		 *   than there are nodes.
		 * - NUMA nodes do not come from here but from SRAT
		 *   (srat_detect_node); besides llc_id the node id only
		 *   picks an AMD northbridge, which the guest has none of.
		 */
		e->ecx = FIELD_PREP(EXT1E_ECX_NODE_ID, apic >> x86_topo_die_shift(t)) |
			 FIELD_PREP(EXT1E_ECX_NODES, 0);
	}
	x86_cpuid_patch_cache(c, 0x8000001d, t);
	return 0;
}
