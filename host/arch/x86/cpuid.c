// SPDX-License-Identifier: GPL-2.0-only
/* CPUID patching for the guest topology (see cpuid.h). Layout of the APIC ID
 * fields: topology.h. References: FC normalize.rs, CH update_cpuid_topology,
 * ktstr topology.rs (see the boot guide, section 1.4). */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "host/arch/x86/cpuid.h"

#define SIG_INDEX KVM_CPUID_FLAG_SIGNIFCANT_INDEX /* sic, UAPI spelling */

struct kvm_cpuid_entry2 *x86_cpuid_find(struct kvm_cpuid2 *c, uint32_t fn,
					uint32_t index)
{
	for (uint32_t i = 0; i < c->nent; i++) {
		struct kvm_cpuid_entry2 *e = &c->entries[i];

		if (e->function == fn &&
		    (!(e->flags & SIG_INDEX) || e->index == index))
			return e;
	}
	return NULL;
}

/* Find fn/index or append it zeroed; NULL when there is no room. */
static struct kvm_cpuid_entry2 *find_or_add(struct kvm_cpuid2 *c, int cap, uint32_t fn,
					    uint32_t index, uint32_t flags)
{
	struct kvm_cpuid_entry2 *e = x86_cpuid_find(c, fn, index);

	if (e)
		return e;
	if ((int)c->nent >= cap)
		return NULL;
	e = &c->entries[c->nent++];
	memset(e, 0, sizeof(*e));
	e->function = fn;
	e->index = index;
	e->flags = flags;
	return e;
}

/* Find or append an indexed entry. */
static struct kvm_cpuid_entry2 *get_entry(struct kvm_cpuid2 *c, int cap, uint32_t fn,
					  uint32_t index)
{
	return find_or_add(c, cap, fn, index, SIG_INDEX);
}

/* Find or append a leaf without subleaves. */
static struct kvm_cpuid_entry2 *get_leaf(struct kvm_cpuid2 *c, int cap, uint32_t fn)
{
	return find_or_add(c, cap, fn, 0, 0);
}

/* Drop every subleaf of fn (before rewriting it). */
static void drop_leaf(struct kvm_cpuid2 *c, uint32_t fn)
{
	uint32_t j = 0;

	for (uint32_t i = 0; i < c->nent; i++)
		if (c->entries[i].function != fn)
			c->entries[j++] = c->entries[i];
	c->nent = j;
}

static int logical_per_pkg(const struct x86_topo *t)
{
	return t->llcs * t->cores * t->threads;
}

static void patch_leaf1(struct kvm_cpuid2 *c, const struct x86_topo *t, uint32_t apic)
{
	struct kvm_cpuid_entry2 *e = x86_cpuid_find(c, 1, 0);
	int span = 1 << x86_topo_pkg_shift(t);

	if (!e)
		return;
	e->ebx = (apic & 0xff) << 24 | (span > 255 ? 255 : span) << 16 | 8 << 8;
	e->ecx |= 1u << 31;			/* hypervisor */
	if (logical_per_pkg(t) > 1)
		e->edx |= 1u << 28;		/* HTT */
	else
		e->edx &= ~(1u << 28);
}

/* Cache leaves 0x4 / 0x8000001D: EAX[25:14] = IDs sharing - 1,
 * EAX[31:26] = cores per package - 1 (leaf 4 only). */
static void patch_cache(struct kvm_cpuid2 *c, uint32_t fn, const struct x86_topo *t)
{
	for (uint32_t i = 0; i < c->nent; i++) {
		struct kvm_cpuid_entry2 *e = &c->entries[i];
		int level = (e->eax >> 5) & 7, share_bits;

		if (e->function != fn || !(e->eax & 0x1f))
			continue;
		share_bits = level >= 3 ? x86_topo_die_shift(t) : t->t_bits;
		e->eax &= ~(0xfffu << 14);
		e->eax |= (((1u << share_bits) - 1) & 0xfff) << 14;
		if (fn == 4) {
			uint32_t cores = 1u << (x86_topo_pkg_shift(t) - t->t_bits);

			e->eax &= ~(0x3fu << 26);
			e->eax |= ((cores - 1) & 0x3f) << 26;
		}
	}
}

/* Leaves 0xB and 0x1F: one subleaf per level, then a terminator. */
static int patch_ext_topo(struct kvm_cpuid2 *c, int cap, uint32_t fn,
			  const struct x86_topo *t, uint32_t apic)
{
	struct { int type, shift, count; } lv[4];
	int n = 0;

	lv[n++] = (typeof(lv[0])){ 1, t->t_bits, t->threads };
	if (fn == 0x1f) {
		lv[n++] = (typeof(lv[0])){ 2, x86_topo_die_shift(t), t->cores * t->threads };
		lv[n++] = (typeof(lv[0])){ 5, x86_topo_pkg_shift(t), logical_per_pkg(t) };
	} else {
		lv[n++] = (typeof(lv[0])){ 2, x86_topo_pkg_shift(t), logical_per_pkg(t) };
	}
	lv[n++] = (typeof(lv[0])){ 0, 0, 0 };
	drop_leaf(c, fn);
	for (int i = 0; i < n; i++) {
		struct kvm_cpuid_entry2 *e = get_entry(c, cap, fn, i);

		if (!e)
			return -ENOSPC;
		e->eax = lv[i].shift;
		e->ebx = lv[i].count;
		e->ecx = lv[i].type << 8 | i;
		e->edx = apic;
	}
	return 0;
}

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

/* 0x80000005 ECX (L1d) / EDX (L1i): KB 31:24, ways 23:16 (0xff: fully
 * associative), line 7:0. An empty register keeps the defaults. */
static void amd_cache_from_l1(struct amd_cache *k, uint32_t reg)
{
	int ways = reg >> 16 & 0xff;

	if (!(reg >> 24))
		return;
	k->kb = reg >> 24;
	if (ways && ways != 0xff)
		k->ways = ways;
	if (reg & 0xff)
		k->line = reg & 0xff;
}

/* 0x80000006 ECX (L2) / EDX (L3): ways code 15:12, line 7:0; the size
 * field differs, so the caller decodes it into kb. */
static void amd_cache_from_l23(struct amd_cache *k, uint32_t reg, int kb)
{
	int code = reg >> 12 & 0xf;

	if (!code || !kb)
		return;
	k->kb = kb;
	if (amd_assoc[code])
		k->ways = amd_assoc[code];
	if (reg & 0xff)
		k->line = reg & 0xff;
}

static uint32_t amd_assoc_code(int ways)
{
	for (uint32_t i = 1; i < 16; i++)
		if (amd_assoc[i] == ways)
			return i;
	return 0xf;
}

/* 0x80000006 register for k: ways code, one line per tag, line size;
 * size_field is the size already shifted into place. */
static uint32_t amd_legacy_l23(const struct amd_cache *k, uint32_t size_field)
{
	return size_field | amd_assoc_code(k->ways) << 12 | 1u << 8 | k->line;
}

/* Leaf 0x8000001D subleaf for k, without the sharing field (patch_cache
 * sets it). EBX: line - 1, partitions - 1, ways - 1; ECX: sets - 1. */
static void amd_cache_leaf(struct kvm_cpuid_entry2 *e, const struct amd_cache *k)
{
	uint32_t sets = (uint32_t)k->kb * 1024 / k->line / k->ways;

	e->eax = k->type | k->level << 5 | 1u << 8;	/* self-initialising */
	e->ebx = (k->line - 1) | 0u << 12 | (uint32_t)(k->ways - 1) << 22;
	e->ecx = (sets ? sets : 1) - 1;
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
		amd_cache_from_l23(&k[2], l23->ecx, l23->ecx >> 16);
		amd_cache_from_l23(&k[3], l23->edx, (l23->edx >> 18) * 512);
	}
	drop_leaf(c, 0x8000001d);	/* moves entries: l1 and l23 are stale */
	for (uint32_t i = 0; i <= 4; i++) {
		struct kvm_cpuid_entry2 *e = get_entry(c, cap, 0x8000001d, i);

		if (!e)
			return -ENOSPC;
		if (i < 4)
			amd_cache_leaf(e, &k[i]);
	}
	/* Linux looks for an LLC id only when 0x80000006 EDX is non-zero
	 * (cpuid_amd_hygon_has_l3_cache() in cacheinfo_amd_init_llc_id), so
	 * describe the same caches there where the host left them out. */
	l23 = get_leaf(c, cap, 0x80000006);
	if (!l23)
		return -ENOSPC;
	if (!l23->ecx)
		l23->ecx = amd_legacy_l23(&k[2], (uint32_t)k[2].kb << 16);
	if (!l23->edx)
		l23->edx = amd_legacy_l23(&k[3], (uint32_t)(k[3].kb / 512) << 18);
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
	ext->ecx |= 1u << 22;			/* TOPOEXT */
	e = x86_cpuid_find(c, 0x8000001d, 0);
	if ((!e || !(e->eax & 0x1f)) && amd_synth_caches(c, cap))
		return -ENOSPC;
	return get_leaf(c, cap, 0x8000001e) ? 0 : -ENOSPC;
}

/* AMD: 0x8000001E carries the APIC ID, core and node ids. */
static int patch_amd(struct kvm_cpuid2 *c, int cap, const struct x86_topo *t,
		     uint32_t apic)
{
	struct kvm_cpuid_entry2 *e;

	if (is_amd(c) && amd_topoext(c, cap))
		return -ENOSPC;
	e = x86_cpuid_find(c, 0x80000008, 0);
	if (e) {
		e->ecx &= ~0xf0ffu;
		e->ecx |= (logical_per_pkg(t) - 1) & 0xff;
		e->ecx |= (x86_topo_pkg_shift(t) & 0xf) << 12;
	}
	e = x86_cpuid_find(c, 0x8000001e, 0);
	if (e) {
		e->eax = apic;
		e->ebx = (apic >> t->t_bits) | (t->threads - 1) << 8;
		/*
		 * ECX: node id = the LLC (die) field of the APIC ID, and one
		 * node per processor (10:8 = 0).
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
		e->ecx = apic >> x86_topo_die_shift(t) & 0xff;
	}
	patch_cache(c, 0x8000001d, t);
	return 0;
}

int x86_cpuid_patch(struct kvm_cpuid2 *dst, int cap, const struct kvm_cpuid2 *src,
		    const struct x86_topo *t, int cpu)
{
	uint32_t apic = x86_topo_apic_id(t, cpu);
	struct kvm_cpuid_entry2 *e;

	if ((int)src->nent > cap)
		return -ENOSPC;
	memcpy(dst, src, sizeof(*src) + src->nent * sizeof(src->entries[0]));
	/* Make sure leaf 0xB is reachable: raise the max basic leaf if needed. */
	e = x86_cpuid_find(dst, 0, 0);
	if (e && e->eax < 0xb)
		e->eax = 0xb;
	patch_leaf1(dst, t, apic);
	patch_cache(dst, 4, t);
	if (patch_ext_topo(dst, cap, 0xb, t, apic))
		return -ENOSPC;
	if (e && e->eax >= 0x1f && patch_ext_topo(dst, cap, 0x1f, t, apic))
		return -ENOSPC;
	/* No guest PMU: no NMI watchdog, fewer MSR exits. */
	e = x86_cpuid_find(dst, 0xa, 0);
	if (e)
		e->eax = e->ebx = e->ecx = e->edx = 0;
	/* WAITPKG (umwait) is not virtualised everywhere. */
	e = x86_cpuid_find(dst, 7, 0);
	if (e)
		e->ecx &= ~(1u << 5);
	return patch_amd(dst, cap, t, apic);
}

uint64_t x86_cpuid_xcr0(const struct kvm_cpuid2 *c)
{
	struct kvm_cpuid_entry2 *e = x86_cpuid_find((struct kvm_cpuid2 *)c, 0xd, 0);
	uint64_t xcr0 = 1;

	if (e)
		xcr0 |= (uint64_t)e->edx << 32 | e->eax;
	return xcr0 & ~(3ull << 17);
}
