// SPDX-License-Identifier: GPL-2.0-only
/* APIC ID arithmetic for the guest topology (see topology.h). The same
 * numbers go to KVM_CREATE_VCPU, CPUID, MADT and SRAT. */
#include <stdio.h>

#include "host/arch/x86/topology.h"

int x86_topo_bits(int n)
{
	int b = 0;

	while ((1 << b) < n)
		b++;
	return b;
}

static void fields(struct x86_topo *t, int nodes, int llcs, int cores, int threads)
{
	t->nodes = nodes;
	t->llcs = llcs;
	t->cores = cores;
	t->threads = threads;
	t->ncpus = nodes * llcs * cores * threads;
	t->t_bits = x86_topo_bits(threads);
	t->c_bits = x86_topo_bits(cores);
	t->l_bits = x86_topo_bits(llcs);
	/* The last CPU's ID is the highest (IDs grow with the CPU number). */
	t->max_apic_id = (uint32_t)(threads - 1) | (uint32_t)(cores - 1) << t->t_bits |
			 (uint32_t)(llcs - 1) << (t->t_bits + t->c_bits) |
			 (uint32_t)(nodes - 1) << (t->t_bits + t->c_bits + t->l_bits);
}

uint32_t x86_topo_max_apic_id(int nodes, int llcs, int cores, int threads)
{
	struct x86_topo t;

	fields(&t, nodes, llcs, cores, threads);
	return t.max_apic_id;
}

int x86_topo_check(int nodes, int llcs, int cores, int threads, char *msg, size_t len)
{
	static const struct { const char *name; int max; } field[] = {
		{ "numa", 64 }, { "llcs", 64 }, { "cores", 256 }, { "threads", 8 },
	};
	const int val[] = { nodes, llcs, cores, threads };
	long ncpus = 1;
	uint32_t max;

	for (int i = 0; i < 4; i++) {
		if (val[i] < 1 || val[i] > field[i].max) {
			snprintf(msg, len, "topology numa=%d llcs=%d cores=%d threads=%d: "
				 "%s=%d is out of range for the kvm backend (1 to %d)", nodes,
				 llcs, cores, threads, field[i].name, val[i], field[i].max);
			return -1;
		}
		ncpus *= val[i];
	}
	if (ncpus > X86_TOPO_MAX_CPUS) {
		snprintf(msg, len, "topology numa=%d llcs=%d cores=%d threads=%d is %ld CPUs; "
			 "the kvm backend supports up to %d", nodes, llcs, cores, threads, ncpus,
			 X86_TOPO_MAX_CPUS);
		return -1;
	}
	max = x86_topo_max_apic_id(nodes, llcs, cores, threads);
	if (max > X86_TOPO_MAX_APIC_ID) {
		snprintf(msg, len, "topology numa=%d llcs=%d cores=%d threads=%d needs "
			 "APIC ID %u; the kvm backend supports APIC IDs up to %d (each "
			 "level takes a power-of-two field: use counts of 2, 4, 8...)",
			 nodes, llcs, cores, threads, max, X86_TOPO_MAX_APIC_ID);
		return -1;
	}
	return 0;
}

int x86_topo_init(struct x86_topo *t, int nodes, int llcs, int cores,
		  int threads, char *msg, size_t len)
{
	if (x86_topo_check(nodes, llcs, cores, threads, msg, len))
		return -1;
	fields(t, nodes, llcs, cores, threads);
	return 0;
}

uint32_t x86_topo_apic_id(const struct x86_topo *t, int cpu)
{
	int thread = cpu % t->threads;
	int core = cpu / t->threads % t->cores;
	int llc = cpu / (t->threads * t->cores) % t->llcs;
	int node = cpu / (t->threads * t->cores * t->llcs);

	return thread | core << x86_topo_core_shift(t) |
	       llc << x86_topo_die_shift(t) | node << x86_topo_pkg_shift(t);
}

int x86_topo_cpu_node(const struct x86_topo *t, int cpu)
{
	return cpu / (t->threads * t->cores * t->llcs);
}
