// SPDX-License-Identifier: GPL-2.0-only
/* The CPU numbering is written twice, in scenario/cpus.c (scn_topo_cpu_*)
 * and in the VMM's host/arch/x86/topology.c (APIC IDs, nodes): these tests
 * pin that both agree for many shapes, and that each backend's topology
 * limits are the ones its boot path enforces. */
#include <criterion/criterion.h>
#include <string.h>

#include "host/arch/x86/topology.h"
#include "host/backend.h"
#include "scenario/model.h"

static void agree(int n, int l, int c, int th)
{
	struct scn_topology st = { n, l, c, th };
	struct x86_topo xt;
	char msg[256];

	if (x86_topo_init(&xt, n, l, c, th, msg, sizeof(msg)))
		return; /* shapes the VMM refuses are the limit tests' business */
	cr_assert_eq(xt.ncpus, scn_topo_ncpus(&st));
	for (int cpu = 0; cpu < xt.ncpus; cpu++) {
		uint32_t apic = x86_topo_apic_id(&xt, cpu);
		int thread = apic & ((1u << xt.t_bits) - 1);
		int core = apic >> x86_topo_core_shift(&xt) & ((1u << xt.c_bits) - 1);
		int llc = apic >> x86_topo_die_shift(&xt) & ((1u << xt.l_bits) - 1);
		int node = apic >> x86_topo_pkg_shift(&xt);

		cr_assert_eq(x86_topo_cpu_node(&xt, cpu), scn_topo_cpu_node(&st, cpu),
			     "%d/%d/%d/%d cpu %d: node", n, l, c, th, cpu);
		cr_assert_eq(node, scn_topo_cpu_node(&st, cpu), "%d/%d/%d/%d cpu %d: APIC package",
			     n, l, c, th, cpu);
		cr_assert_eq(node * l + llc, scn_topo_cpu_llc(&st, cpu),
			     "%d/%d/%d/%d cpu %d: APIC die = LLC", n, l, c, th, cpu);
		cr_assert_eq((node * l + llc) * c + core, scn_topo_cpu_core(&st, cpu),
			     "%d/%d/%d/%d cpu %d: APIC core", n, l, c, th, cpu);
		cr_assert_eq(thread, cpu % th, "%d/%d/%d/%d cpu %d: thread", n, l, c, th, cpu);
	}
}

Test(topology, numbering_agrees_for_many_shapes)
{
	int shapes = 0;

	for (int n = 1; n <= 4; n++)
		for (int l = 1; l <= 4; l++)
			for (int c = 1; c <= 7; c++)
				for (int th = 1; th <= 4; th++, shapes++)
					agree(n, l, c, th);
	agree(2, 2, 16, 2);
	agree(1, 1, 127, 2);
	agree(16, 1, 8, 2);
	agree(8, 3, 5, 2);
	cr_expect_geq(shapes, 400);
}

Test(topology, vmm_boot_and_check_agree)
{
	for (int n = 1; n <= 16; n++)
		for (int l = 1; l <= 8; l++)
			for (int c = 1; c <= 40; c += 3)
				for (int th = 1; th <= 10; th++) {
					struct x86_topo t;
					char a[256], b[256];

					cr_assert_eq(x86_topo_check(n, l, c, th, a, sizeof(a)),
						     x86_topo_init(&t, n, l, c, th, b, sizeof(b)));
				}
}

static void limit(const char *backend, struct scn_topology t, const char *want)
{
	char msg[512] = "";
	int ret = backend_topo_check(backend, &t, msg, sizeof(msg));

	if (!want) {
		cr_expect_eq(ret, 0, "%s %d/%d/%d/%d: %s", backend, t.numa, t.llcs, t.cores,
			     t.threads, msg);
		return;
	}
	cr_expect_eq(ret, -1, "%s %d/%d/%d/%d accepted", backend, t.numa, t.llcs, t.cores,
		     t.threads);
	cr_expect(strstr(msg, want), "%s: '%s' lacks '%s'", backend, msg, want);
}

Test(topology, backend_limits)
{
	/* Both number APIC IDs the same way; QEMU stops at 254 (no x2APIC in
	 * its pc machine here), the own VMM goes on with x2APIC. */
	limit("kvm", (struct scn_topology){ 2, 2, 8, 2 }, NULL);
	limit("qemu", (struct scn_topology){ 2, 2, 8, 2 }, NULL);
	limit("kvm", (struct scn_topology){ 3, 1, 65, 1 }, NULL);
	limit("qemu", (struct scn_topology){ 3, 1, 65, 1 }, "needs APIC ID 320; the qemu backend supports APIC IDs up to 254");
	limit("kvm", (struct scn_topology){ 1, 1, 255, 1 }, NULL);
	limit("qemu", (struct scn_topology){ 1, 1, 255, 1 }, NULL);
	limit("kvm", (struct scn_topology){ 1, 1, 256, 1 }, NULL);
	limit("kvm", (struct scn_topology){ 8, 8, 16, 2 }, "is 2048 CPUs; the kvm backend supports up to 1024");
	limit("qemu", (struct scn_topology){ 1, 1, 256, 1 }, "has 256 CPUs; the qemu backend's pc machine runs at most 255");
	/* Only the own VMM stops at 8 threads a core. */
	limit("kvm", (struct scn_topology){ 1, 1, 2, 16 }, "threads=16 is out of range for the kvm backend (1 to 8)");
	limit("qemu", (struct scn_topology){ 1, 1, 2, 16 }, NULL);
	limit("vbox", (struct scn_topology){ 1, 1, 2, 1 }, "unknown backend 'vbox'");
}

Test(topology, resolve)
{
	char why[256];

	cr_expect_str_eq(backend_resolve("kvm", why, sizeof(why)), "kvm");
	cr_expect_str_eq(backend_resolve("qemu", why, sizeof(why)), "qemu");
	cr_expect_null(backend_resolve("bochs", why, sizeof(why)));
	const char *a = backend_resolve("auto", why, sizeof(why));
	cr_expect(a && (!strcmp(a, "kvm") || !strcmp(a, "qemu")), "auto: %s", a);
	cr_expect(why[0], "auto says why");
}
