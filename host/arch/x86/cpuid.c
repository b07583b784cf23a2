/* CPUID patching for the guest topology (see cpuid.h). Layout of the APIC ID
 * fields: topology.h. References: FC normalize.rs, CH update_cpuid_topology,
 * ktstr topology.rs (see the boot guide, section 1.4). */
#include <errno.h>
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

/* Find or append an indexed entry. */
static struct kvm_cpuid_entry2 *get_entry(struct kvm_cpuid2 *c, int cap, uint32_t fn,
					  uint32_t index)
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
	e->flags = SIG_INDEX;
	return e;
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

/* AMD: 0x8000001E carries the APIC ID, core and node ids. */
static void patch_amd(struct kvm_cpuid2 *c, const struct x86_topo *t, int cpu,
		      uint32_t apic)
{
	struct kvm_cpuid_entry2 *e = x86_cpuid_find(c, 0x80000008, 0);

	if (e) {
		e->ecx &= ~0xf0ffu;
		e->ecx |= (logical_per_pkg(t) - 1) & 0xff;
		e->ecx |= (x86_topo_pkg_shift(t) & 0xf) << 12;
	}
	e = x86_cpuid_find(c, 0x8000001e, 0);
	if (e) {
		e->eax = apic;
		e->ebx = (apic >> t->t_bits) | (t->threads - 1) << 8;
		e->ecx = x86_topo_cpu_node(t, cpu);
	}
	patch_cache(c, 0x8000001d, t);
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
	patch_amd(dst, t, cpu, apic);
	return 0;
}

uint64_t x86_cpuid_xcr0(const struct kvm_cpuid2 *c)
{
	struct kvm_cpuid_entry2 *e = x86_cpuid_find((struct kvm_cpuid2 *)c, 0xd, 0);
	uint64_t xcr0 = 1;

	if (e)
		xcr0 |= (uint64_t)e->edx << 32 | e->eax;
	return xcr0 & ~(3ull << 17);
}
