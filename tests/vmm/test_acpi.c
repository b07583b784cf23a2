// SPDX-License-Identifier: GPL-2.0-only
/* ACPI tables for several topologies, up to 252 CPUs and APIC IDs above 254
 * (x2APIC entries in MADT): checksums, MADT/SRAT/SLIT/MCFG contents checked
 * in C, and every table decompiled with `iasl -d`. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "host/arch/x86/acpi.h"
#include "host/arch/x86/layout.h"

struct topo_case { int n, l, c, t; uint64_t mem; };

static const struct topo_case cases[] = {
	{ 1, 1, 2, 1, 512ull << 20 },
	{ 2, 2, 2, 2, 1ull << 30 },
	{ 1, 4, 3, 1, 4ull << 30 },	/* non-power-of-two, RAM above 4 GiB */
	{ 2, 2, 63, 1, 1ull << 30 },	/* 252 CPUs, APIC IDs up to 254: xAPIC */
	{ 2, 3, 21, 2, 2ull << 30 },	/* 252 CPUs, APIC IDs up to 425 */
	{ 5, 1, 5, 5, 512ull << 20 },	/* 125 CPUs, APIC IDs 256-292 on node 4 */
};

/* MADT subtables (ACPI 6.5, 5.2.12). */
#define MADT_LAPIC		0
#define MADT_IOAPIC		1
#define MADT_LAPIC_NMI		4
#define MADT_X2APIC		9
#define MADT_X2APIC_NMI		10

static uint8_t buf[X86_ACPI_END - X86_ACPI_START];

static const uint8_t *table(const struct acpi_layout *lay, const char *sig, uint32_t *len)
{
	for (int i = 0; i < lay->n; i++) {
		if (!strcmp(lay->t[i].sig, sig)) {
			*len = lay->t[i].len;
			return buf + (lay->t[i].gpa - X86_ACPI_START);
		}
	}
	cr_assert_fail("no %s table", sig);
	return NULL;
}

static void build(const struct topo_case *tc, struct x86_topo *t, struct acpi_config *cfg,
		  struct acpi_layout *lay)
{
	char msg[256];

	cr_assert_eq(x86_topo_init(t, tc->n, tc->l, tc->c, tc->t, msg, sizeof(msg)), 0, "%s", msg);
	memset(cfg, 0, sizeof(*cfg));
	cfg->topo = t;
	cfg->pci_mmio_base = X86_PCI_MMIO_BASE;
	cfg->pci_mmio_size = X86_PCI_MMIO_SIZE;
	cfg->pci_io_base = X86_PCI_IO_BASE;
	cfg->pci_io_size = X86_PCI_IO_SIZE;
	cfg->pci_ecam_base = X86_PCI_ECAM;
	cfg->n_mem = acpi_node_mem_ranges(tc->mem, tc->n, cfg->mem, ACPI_MAX_MEM);
	cr_assert_gt(cfg->n_mem, 0);
	cr_assert_eq(acpi_build(buf, X86_ACPI_START, sizeof(buf), cfg, lay), 0);
}

static uint32_t rd32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }
static uint64_t rd64(const uint8_t *p) { uint64_t v; memcpy(&v, p, 8); return v; }

Test(acpi, checksums_and_rsdp)
{
	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		struct x86_topo t;
		struct acpi_config cfg;
		struct acpi_layout lay;

		build(&cases[c], &t, &cfg, &lay);
		cr_assert_eq(lay.rsdp, X86_ACPI_START);
		cr_expect(!memcmp(buf, "RSD PTR ", 8));
		cr_expect(acpi_checksum_ok(buf, 20));
		cr_expect(acpi_checksum_ok(buf, 36));
		cr_assert_eq(lay.n, 7);
		for (int i = 0; i < lay.n; i++)
			cr_expect(acpi_checksum_ok(buf + (lay.t[i].gpa - X86_ACPI_START),
						   lay.t[i].len), "%s checksum", lay.t[i].sig);
	}
}

/* One enabled processor entry per CPU, in CPU order: a Local APIC entry
 * (8-bit ID) up to APIC ID 254, a Local x2APIC entry from 255 on; LINT1 is
 * NMI for all of them (one NMI entry per kind). */
Test(acpi, madt_one_enabled_lapic_per_cpu)
{
	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		struct x86_topo t;
		struct acpi_config cfg;
		struct acpi_layout lay;
		uint32_t len;
		int cpu = 0, ioapic = 0, nmi = 0, x2nmi = 0, x2cpus = 0;

		build(&cases[c], &t, &cfg, &lay);
		const uint8_t *m = table(&lay, "APIC", &len);
		for (uint32_t off = 44; off < len; off += m[off + 1]) {
			const uint8_t *e = m + off;

			cr_assert_gt(e[1], 0);
			if (e[0] == MADT_IOAPIC)
				ioapic++;
			if (e[0] == MADT_LAPIC_NMI) {
				cr_expect_eq(e[2], 0xff, "all processors");
				cr_expect_eq(e[5], 1, "LINT1");
				nmi++;
			}
			if (e[0] == MADT_X2APIC_NMI) {
				cr_assert_eq(e[1], 12);
				cr_expect_eq(rd32(e + 4), 0xffffffffu, "all processors");
				cr_expect_eq(e[8], 1, "LINT1");
				x2nmi++;
			}
			if (e[0] != MADT_LAPIC && e[0] != MADT_X2APIC)
				continue;
			uint32_t apic = x86_topo_apic_id(&t, cpu);

			if (apic < 255) {
				cr_assert_eq(e[0], MADT_LAPIC, "cpu %d: APIC ID %u", cpu, apic);
				cr_expect_eq(e[2], cpu, "UID");
				cr_expect_eq(e[3], apic, "cpu %d", cpu);
				cr_expect_eq(rd32(e + 4) & 1, 1u);
			} else {
				cr_assert_eq(e[0], MADT_X2APIC, "cpu %d: APIC ID %u", cpu, apic);
				cr_assert_eq(e[1], 16);
				cr_expect_eq(rd32(e + 4), apic, "cpu %d", cpu);
				cr_expect_eq(rd32(e + 8) & 1, 1u);
				cr_expect_eq(rd32(e + 12), (uint32_t)cpu, "UID");
				x2cpus++;
			}
			cpu++;
		}
		cr_expect_eq(cpu, t.ncpus);
		cr_expect_eq(ioapic, 1);
		cr_expect_eq(nmi, 1);
		cr_expect_eq(x2nmi, x2cpus > 0, "case %zu: %d x2APIC CPUs", c, x2cpus);
		cr_expect_eq(x2cpus > 0, c >= 4, "case %zu", c);
	}
}

Test(acpi, srat_maps_cpus_and_memory_to_nodes)
{
	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		struct x86_topo t;
		struct acpi_config cfg;
		struct acpi_layout lay;
		uint64_t per_node[8] = { 0 }, total = 0;
		uint32_t len;
		int cpu = 0;

		build(&cases[c], &t, &cfg, &lay);
		const uint8_t *s = table(&lay, "SRAT", &len);
		for (uint32_t off = 48; off < len; off += s[off + 1]) {
			if (s[off] == 2) {
				cr_expect_eq(rd32(s + off + 4),
					     (uint32_t)x86_topo_cpu_node(&t, cpu));
				cr_expect_eq(rd32(s + off + 8), x86_topo_apic_id(&t, cpu));
				cpu++;
			} else if (s[off] == 1) {
				uint64_t base = rd64(s + off + 8), size = rd64(s + off + 16);

				cr_expect(base + size <= X86_MMIO_HOLE || base >= X86_4G,
					  "range in the hole");
				per_node[rd32(s + off + 2)] += size;
				total += size;
			}
		}
		cr_expect_eq(cpu, t.ncpus);
		cr_expect_eq(total, cases[c].mem);
		for (int n = 0; n < t.nodes; n++)
			cr_expect_gt(per_node[n], 0, "node %d has no memory", n);
	}
}

/* One case built, for the tests that look at a single table. */
struct built {
	struct x86_topo t;
	struct acpi_config cfg;
	struct acpi_layout lay;
	uint32_t len;
};

static const uint8_t *build_table(const struct topo_case *tc, const char *sig, struct built *b)
{
	build(tc, &b->t, &b->cfg, &b->lay);
	return table(&b->lay, sig, &b->len);
}

Test(acpi, slit_distance_matrix)
{
	struct built b;
	const uint8_t *s = build_table(&cases[1], "SLIT", &b);

	cr_assert_eq(rd64(s + 36), 2u);
	cr_expect_eq(s[44], 10);
	cr_expect_eq(s[45], 20);
	cr_expect_eq(s[46], 20);
	cr_expect_eq(s[47], 10);
}

Test(acpi, mcfg_only_when_asked)
{
	struct built b;
	const uint8_t *m = build_table(&cases[0], "MCFG", &b);

	cr_assert_eq(b.len, 60u);
	cr_expect_eq(rd64(m + 44), X86_PCI_ECAM);
	cr_expect_eq(rd32(m + 52), 0u, "segment 0, buses 0-0");
	b.cfg.pci_ecam_base = 0;
	cr_assert_eq(acpi_build(buf, X86_ACPI_START, sizeof(buf), &b.cfg, &b.lay), 0);
	cr_expect_eq(b.lay.n, 6, "no MCFG without an ECAM window");
}

Test(acpi, iasl_decompiles_every_table, .timeout = 60)
{
	if (system("command -v iasl >/dev/null 2>&1"))
		cr_skip_test("iasl (acpica-tools) not installed");
	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		char dir[] = "/tmp/ktstr-acpi-XXXXXX", path[512], cmd[1024], dsl[512];
		struct x86_topo t;
		struct acpi_config cfg;
		struct acpi_layout lay;

		build(&cases[c], &t, &cfg, &lay);
		cr_assert(mkdtemp(dir));
		for (int i = 0; i < lay.n; i++) {
			snprintf(path, sizeof(path), "%s/%s.dat", dir, lay.t[i].sig);
			FILE *f = fopen(path, "wb");
			cr_assert(f);
			fwrite(buf + (lay.t[i].gpa - X86_ACPI_START), 1, lay.t[i].len, f);
			fclose(f);
			snprintf(cmd, sizeof(cmd), "cd %s && iasl -d %s.dat >iasl-%s.log 2>&1",
				 dir, lay.t[i].sig, lay.t[i].sig);
			cr_expect_eq(system(cmd), 0, "iasl -d %s failed (topology %zu, see %s)",
				     lay.t[i].sig, c, dir);
			snprintf(dsl, sizeof(dsl), "%s/%s.dsl", dir, lay.t[i].sig);
			cr_expect_eq(access(dsl, R_OK), 0, "no %s", dsl);
		}
		/* The DSDT names the host bridge with its bus, I/O and memory
		 * windows, and COM1. */
		snprintf(cmd, sizeof(cmd), "grep -q 'PNP0A03' %s/DSDT.dsl && "
			 "grep -q 'PNP0501' %s/DSDT.dsl && grep -q 'WordBusNumber' %s/DSDT.dsl && "
			 "grep -A4 'WordIO (ResourceProducer, MinFixed, MaxFixed, PosDecode, "
			 "EntireRange' %s/DSDT.dsl | grep -q '0x6FFF, *// Range Maximum' && "
			 "grep -A4 'DWordMemory (ResourceProducer' %s/DSDT.dsl | "
			 "grep -q '0xCFFFFFFF, *// Range Maximum'",
			 dir, dir, dir, dir, dir);
		cr_expect_eq(system(cmd), 0, "DSDT content");
		/* MADT and SRAT: the highest APIC ID as iasl reads it back, in
		 * an x2APIC entry where it is above 254. */
		uint32_t top = x86_topo_apic_id(&t, t.ncpus - 1);

		if (top > 254)
			snprintf(cmd, sizeof(cmd), "grep -q 'Processor x2Apic ID : %08X' %s/APIC.dsl && "
				 "grep -q 'Subtable Type : 0A \\[Local x2APIC NMI\\]' %s/APIC.dsl && "
				 "grep -q 'Apic ID : %08X' %s/SRAT.dsl", top, dir, dir, top, dir);
		else
			snprintf(cmd, sizeof(cmd), "grep -q 'Local Apic ID : %02X' %s/APIC.dsl && "
				 "! grep -q 'x2Apic ID' %s/APIC.dsl && grep -q 'Apic ID : %08X' "
				 "%s/SRAT.dsl", top, dir, dir, top, dir);
		cr_expect_eq(system(cmd), 0, "MADT/SRAT APIC ID %u (topology %zu, see %s)", top, c,
			     dir);
		/* MCFG: the ECAM window, segment 0, bus 0 only. */
		snprintf(cmd, sizeof(cmd), "grep -q 'Base Address : 00000000E0000000' %s/MCFG.dsl && "
			 "grep -q 'Segment Group Number : 0000' %s/MCFG.dsl && "
			 "grep -q 'Start Bus Number : 00' %s/MCFG.dsl && "
			 "grep -q 'End Bus Number : 00' %s/MCFG.dsl", dir, dir, dir, dir);
		cr_expect_eq(system(cmd), 0, "MCFG content (see %s)", dir);
		snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
		(void)!system(cmd);
	}
}
