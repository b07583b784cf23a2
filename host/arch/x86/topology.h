/* SPDX-License-Identifier: GPL-2.0-only */
/* The guest CPU topology as x86 sees it: APIC IDs built from
 * thread | core | LLC (die) | node (package) bit fields. */
#ifndef KTSTR__ARCH_X86_TOPOLOGY_H
#define KTSTR__ARCH_X86_TOPOLOGY_H

#include <stddef.h>
#include <stdint.h>

/* Package = NUMA node, die = LLC, like the QEMU backend's
 * -smp sockets=numa,dies=llcs,cores=,threads=. */
struct x86_topo {
	int nodes, llcs, cores, threads; /* llcs per node, cores per llc */
	int ncpus;
	int t_bits, c_bits, l_bits;      /* widths of each APIC ID field */
};

/* The APIC IDs go up to 254 (255 is broadcast; there is no x2APIC). QEMU's
 * -smp sockets=,dies=,cores=,threads= numbers APIC IDs the same way. */
#define X86_TOPO_MAX_APIC_ID 254

/* The largest APIC ID the topology needs (counts >= 1). */
uint32_t x86_topo_max_apic_id(int nodes, int llcs, int cores, int threads);
/* Whether the own VMM can build this topology: counts in range and every
 * APIC ID <= X86_TOPO_MAX_APIC_ID. Plain numbers, so the host can ask
 * before it boots anything. 0, or -1 with msg. */
int x86_topo_check(int nodes, int llcs, int cores, int threads, char *msg,
		   size_t len);
/* x86_topo_check, then fill t. Returns 0 or -1 with msg. */
int x86_topo_init(struct x86_topo *t, int nodes, int llcs, int cores,
		  int threads, char *msg, size_t len);
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
/* ceil(log2(n)) for n >= 1. */
int x86_topo_bits(int n);

#endif
