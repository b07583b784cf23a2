// SPDX-License-Identifier: GPL-2.0-only
/* CPUID patching for the guest topology (see cpuid.h): the vendor-neutral
 * leaves here, the AMD/Hygon ones in cpuid_amd.c. Layout of the APIC ID
 * fields: topology.h. References: FC normalize.rs, CH update_cpuid_topology,
 * ktstr topology.rs (see the boot guide, section 1.4). */
#include <asm/kvm_para.h>
#include <errno.h>
#include <string.h>

#include "host/arch/x86/cpuid_internal.h"

#define SIG_INDEX KVM_CPUID_FLAG_SIGNIFCANT_INDEX /* sic, UAPI spelling */

/* Leaf 1. */
#define LEAF1_EBX_CLFLUSH	GENMASK(15, 8)	/* CLFLUSH line size / 8 */
#define LEAF1_EBX_LOGICAL	GENMASK(23, 16)	/* addressable IDs per package */
#define LEAF1_EBX_APIC_ID	GENMASK(31, 24)	/* initial (xAPIC) APIC ID */
#define LEAF1_ECX_X2APIC	BIT(21)
#define LEAF1_ECX_HYPERVISOR	BIT(31)
#define LEAF1_EDX_HTT		BIT(28)
/* Leaves 0xB and 0x1F: one subleaf per level. */
#define EXT_TOPO_EAX_SHIFT	GENMASK(4, 0)	/* APIC ID bits below the next level */
#define EXT_TOPO_EBX_COUNT	GENMASK(15, 0)	/* logical CPUs at this level */
#define EXT_TOPO_ECX_LEVEL	GENMASK(7, 0)	/* the subleaf */
#define EXT_TOPO_ECX_TYPE	GENMASK(15, 8)
#define EXT_TOPO_SMT		1
#define EXT_TOPO_CORE		2
#define EXT_TOPO_DIE		5
/* Leaf 7.0 ECX; leaf 0xD.0. */
#define LEAF7_ECX_WAITPKG	BIT(5)
#define XFEATURE_AMX_TILE	(3ull << 17)	/* XTILECFG, XTILEDATA */

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

struct kvm_cpuid_entry2 *x86_cpuid_get_entry(struct kvm_cpuid2 *c, int cap, uint32_t fn,
					     uint32_t index)
{
	return find_or_add(c, cap, fn, index, SIG_INDEX);
}

struct kvm_cpuid_entry2 *x86_cpuid_get_leaf(struct kvm_cpuid2 *c, int cap, uint32_t fn)
{
	return find_or_add(c, cap, fn, 0, 0);
}

void x86_cpuid_drop_leaf(struct kvm_cpuid2 *c, uint32_t fn)
{
	uint32_t j = 0;

	for (uint32_t i = 0; i < c->nent; i++)
		if (c->entries[i].function != fn)
			c->entries[j++] = c->entries[i];
	c->nent = j;
}

static void patch_leaf1(struct kvm_cpuid2 *c, const struct x86_topo *t, uint32_t apic)
{
	struct kvm_cpuid_entry2 *e = x86_cpuid_find(c, 1, 0);
	int span = 1 << x86_topo_pkg_shift(t);

	if (!e)
		return;
	e->ebx = FIELD_PREP(LEAF1_EBX_APIC_ID, apic) |
		 FIELD_PREP(LEAF1_EBX_LOGICAL, span > 255 ? 255 : span) |
		 FIELD_PREP(LEAF1_EBX_CLFLUSH, 64 / 8);
	e->ecx |= LEAF1_ECX_HYPERVISOR;
	if (x86_topo_x2apic(t))
		e->ecx |= LEAF1_ECX_X2APIC;	/* KVM offers it; above 254 it is a must */
	if (x86_topo_per_pkg(t) > 1)
		e->edx |= LEAF1_EDX_HTT;
	else
		e->edx &= ~LEAF1_EDX_HTT;
}

void x86_cpuid_patch_cache(struct kvm_cpuid2 *c, uint32_t fn, const struct x86_topo *t)
{
	for (uint32_t i = 0; i < c->nent; i++) {
		struct kvm_cpuid_entry2 *e = &c->entries[i];
		int share_bits;

		if (e->function != fn || !FIELD_GET(CACHE_EAX_TYPE, e->eax))
			continue;
		share_bits = FIELD_GET(CACHE_EAX_LEVEL, e->eax) >= 3 ? x86_topo_die_shift(t) :
								       t->t_bits;
		field_set(&e->eax, CACHE_EAX_SHARING, (1u << share_bits) - 1);
		if (fn == 4) {
			uint32_t cores = 1u << (x86_topo_pkg_shift(t) - t->t_bits);

			field_set(&e->eax, CACHE4_EAX_CORES, cores - 1);
		}
	}
}

/* Leaves 0xB and 0x1F: one subleaf per level, then a terminator. */
static int patch_ext_topo(struct kvm_cpuid2 *c, int cap, uint32_t fn,
			  const struct x86_topo *t, uint32_t apic)
{
	struct { int type, shift, count; } lv[4];
	int n = 0;

	lv[n++] = (typeof(lv[0])){ EXT_TOPO_SMT, t->t_bits, t->threads };
	if (fn == 0x1f) {
		lv[n++] = (typeof(lv[0])){ EXT_TOPO_CORE, x86_topo_die_shift(t),
					   t->cores * t->threads };
		lv[n++] = (typeof(lv[0])){ EXT_TOPO_DIE, x86_topo_pkg_shift(t),
					   x86_topo_per_pkg(t) };
	} else {
		lv[n++] = (typeof(lv[0])){ EXT_TOPO_CORE, x86_topo_pkg_shift(t),
					   x86_topo_per_pkg(t) };
	}
	lv[n++] = (typeof(lv[0])){ 0, 0, 0 };
	x86_cpuid_drop_leaf(c, fn);
	for (int i = 0; i < n; i++) {
		struct kvm_cpuid_entry2 *e = x86_cpuid_get_entry(c, cap, fn, i);

		if (!e)
			return -ENOSPC;
		e->eax = FIELD_PREP(EXT_TOPO_EAX_SHIFT, lv[i].shift);
		e->ebx = FIELD_PREP(EXT_TOPO_EBX_COUNT, lv[i].count);
		e->ecx = FIELD_PREP(EXT_TOPO_ECX_TYPE, lv[i].type) |
			 FIELD_PREP(EXT_TOPO_ECX_LEVEL, i);
		e->edx = apic;		/* the x2APIC ID, all 32 bits */
	}
	return 0;
}

/* KVM's PV leaves: with APIC IDs above 254, 15-bit MSI destinations (the
 * IOAPIC's and every device's), without which Linux brings no CPU above
 * APIC ID 255 online short of interrupt remapping (try_to_enable_x2apic).
 * The machine's userspace IOAPIC and vmm_signal_msi take that format. */
static void patch_kvm_pv(struct kvm_cpuid2 *c, const struct x86_topo *t)
{
	struct kvm_cpuid_entry2 *e = x86_cpuid_find(c, KVM_CPUID_FEATURES, 0);

	if (e && x86_topo_x2apic(t))
		e->eax |= BIT(KVM_FEATURE_MSI_EXT_DEST_ID);
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
	x86_cpuid_patch_cache(dst, 4, t);
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
		e->ecx &= ~LEAF7_ECX_WAITPKG;
	patch_kvm_pv(dst, t);
	return x86_cpuid_patch_amd(dst, cap, t, apic);
}

uint64_t x86_cpuid_xcr0(const struct kvm_cpuid2 *c)
{
	struct kvm_cpuid_entry2 *e = x86_cpuid_find((struct kvm_cpuid2 *)c, 0xd, 0);
	uint64_t xcr0 = 1;

	if (e)
		xcr0 |= (uint64_t)e->edx << 32 | e->eax;
	return xcr0 & ~XFEATURE_AMX_TILE;
}
