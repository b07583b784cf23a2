/* SPDX-License-Identifier: GPL-2.0-only */
/* The guest CPU topology as x86 sees it: APIC IDs built from
 * thread | core | LLC (die) | node (package) bit fields. */
#ifndef KTSTR__ARCH_X86_TOPOLOGY_H
#define KTSTR__ARCH_X86_TOPOLOGY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The limits (x86_topo_check). The MADT and SRAT take 40 bytes a CPU of
 * the 128 KiB ACPI area, and KVM_MAX_VCPUS is 1024 in common kernels
 * (checked again against the host's KVM when the vCPUs are created). A
 * guest reaches APIC IDs above 255 without interrupt remapping through
 * 15-bit MSI destinations (KVM_FEATURE_MSI_EXT_DEST_ID); 1024 CPUs stay far
 * below that, however sparse their IDs. */
#define X86_TOPO_MAX_CPUS	1024
#define X86_TOPO_MAX_APIC_ID	32767
/* The highest xAPIC ID (255 is its broadcast). Above it the guest needs
 * x2APIC, and the machine a userspace IOAPIC (x86_topo_x2apic). */
#define X86_XAPIC_MAX_ID	254

/* Package = NUMA node, die = LLC, like the QEMU backend's
 * -smp sockets=numa,dies=llcs,cores=,threads=. */
struct x86_topo {
	int nodes, llcs, cores, threads; /* llcs per node, cores per llc */
	int ncpus;
	int t_bits, c_bits, l_bits;      /* widths of each APIC ID field */
	uint32_t max_apic_id;            /* the last CPU's */
};

/* The largest APIC ID the topology needs (counts >= 1). */
uint32_t x86_topo_max_apic_id(int nodes, int llcs, int cores, int threads);
/* Whether the own VMM can build this topology: every limit on it is here.
 * Plain numbers, so the host can ask before it boots anything. 0, or -1
 * with msg naming the value and the limit. */
int x86_topo_check(int nodes, int llcs, int cores, int threads, char *msg, size_t len);
/* x86_topo_check, then fill t. Returns 0 or -1 with msg. */
int x86_topo_init(struct x86_topo *t, int nodes, int llcs, int cores,
		  int threads, char *msg, size_t len);
/* Whether some APIC ID is above X86_XAPIC_MAX_ID. */
static inline bool x86_topo_x2apic(const struct x86_topo *t)
{
	return t->max_apic_id > X86_XAPIC_MAX_ID;
}
/* CPU numbers are node-major, the same as scenario/model.h. */
uint32_t x86_topo_apic_id(const struct x86_topo *t, int cpu);
int x86_topo_cpu_node(const struct x86_topo *t, int cpu);
/* Bit shift where the core / die / package fields start. */
static inline int x86_topo_core_shift(const struct x86_topo *t) { return t->t_bits; }
static inline int x86_topo_die_shift(const struct x86_topo *t) { return t->t_bits + t->c_bits; }
static inline int x86_topo_pkg_shift(const struct x86_topo *t)
{
	return t->t_bits + t->c_bits + t->l_bits;
}
/* Logical CPUs per package (= NUMA node). */
static inline int x86_topo_per_pkg(const struct x86_topo *t)
{
	return t->llcs * t->cores * t->threads;
}
/* ceil(log2(n)) for n >= 1. */
int x86_topo_bits(int n);

#endif
