// SPDX-License-Identifier: GPL-2.0-only
/* ACPI table writer (see acpi.h); the DSDT's AML comes from aml.c. Offsets
 * and encodings follow the ACPI 6.x spec; the boot guide section 2 lists how
 * FC, CH and ktstr fill them. */
#include <errno.h>
#include <string.h>

#include "host/arch/x86/acpi.h"
#include "host/arch/x86/aml.h"
#include "host/arch/x86/layout.h"

struct acpi_sdt {
	char sig[4];
	uint32_t length;
	uint8_t revision;
	uint8_t checksum;
	char oem_id[6];
	char oem_table_id[8];
	uint32_t oem_revision;
	char creator_id[4];
	uint32_t creator_revision;
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_sdt) == 36, "SDT header");

struct acpi_rsdp {
	char sig[8];
	uint8_t checksum;
	char oem_id[6];
	uint8_t revision;
	uint32_t rsdt;
	uint32_t length;
	uint64_t xsdt;
	uint8_t ext_checksum;
	uint8_t reserved[3];
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_rsdp) == 36, "RSDP");

struct madt_lapic {
	uint8_t type, len, uid, apic_id;
	uint32_t flags;
} __attribute__((packed));
_Static_assert(sizeof(struct madt_lapic) == 8, "MADT LAPIC");

struct madt_ioapic {
	uint8_t type, len, id, reserved;
	uint32_t addr, gsi_base;
} __attribute__((packed));
_Static_assert(sizeof(struct madt_ioapic) == 12, "MADT IOAPIC");

struct madt_lapic_nmi {
	uint8_t type, len, uid;
	uint16_t flags;
	uint8_t lint;
} __attribute__((packed));
_Static_assert(sizeof(struct madt_lapic_nmi) == 6, "MADT LAPIC NMI");

struct madt_x2apic {
	uint8_t type, len;
	uint16_t reserved;
	uint32_t x2apic_id, flags, uid;
} __attribute__((packed));
_Static_assert(sizeof(struct madt_x2apic) == 16, "MADT x2APIC");

struct madt_x2apic_nmi {
	uint8_t type, len;
	uint16_t flags;
	uint32_t uid;
	uint8_t lint, reserved[3];
} __attribute__((packed));
_Static_assert(sizeof(struct madt_x2apic_nmi) == 12, "MADT x2APIC NMI");

struct srat_x2apic {
	uint8_t type, len;
	uint16_t reserved;
	uint32_t pxm, x2apic_id, flags, clock_domain, reserved2;
} __attribute__((packed));
_Static_assert(sizeof(struct srat_x2apic) == 24, "SRAT x2APIC affinity");

struct srat_mem {
	uint8_t type, len;
	uint32_t pxm;
	uint16_t reserved;
	uint32_t base_lo, base_hi, len_lo, len_hi, reserved2, flags;
	uint64_t reserved3;
} __attribute__((packed));
_Static_assert(sizeof(struct srat_mem) == 40, "SRAT memory affinity");

#define FADT_LEN		276
#define FADT_DSDT		40
#define FADT_FLAGS		112
#define FADT_BOOT_ARCH		109
#define FADT_MINOR		131
#define FADT_X_DSDT		140
#define FADT_HV_ID		268
#define FADT_HW_REDUCED		(1u << 20)
#define FADT_PWR_BUTTON		(1u << 4)
#define FADT_SLP_BUTTON		(1u << 5)
#define BOOT_ARCH_NO_VGA	(1u << 2)
#define BOOT_ARCH_NO_CMOS	(1u << 5)

int acpi_checksum_ok(const uint8_t *p, size_t len)
{
	uint8_t s = 0;

	for (size_t i = 0; i < len; i++)
		s += p[i];
	return s == 0;
}

static uint8_t checksum(const uint8_t *p, size_t len)
{
	uint8_t s = 0;

	for (size_t i = 0; i < len; i++)
		s += p[i];
	return (uint8_t)-s;
}

int acpi_node_mem_ranges(uint64_t mem_bytes, int nodes, struct acpi_mem_range *out,
			 int max)
{
	uint64_t per = (mem_bytes / nodes) & ~((1ull << 20) - 1), off = 0;
	int n = 0;

	for (int i = 0; i < nodes; i++) {
		uint64_t size = i == nodes - 1 ? mem_bytes - off : per;

		while (size) {
			uint64_t gpa = off < X86_MMIO_HOLE ? off : off + (X86_4G - X86_MMIO_HOLE);
			uint64_t chunk = size;

			if (off < X86_MMIO_HOLE && off + chunk > X86_MMIO_HOLE)
				chunk = X86_MMIO_HOLE - off;
			if (n >= max)
				return -1;
			out[n++] = (struct acpi_mem_range){ gpa, chunk, i };
			off += chunk;
			size -= chunk;
		}
	}
	return n;
}

/* --- the DSDT: the PCI host bridge and COM1 (aml.h) --- */

static void dsdt_pci0(struct aml *a, const struct acpi_config *cfg)
{
	uint8_t res[96];
	size_t n = 0, mark;

	n += aml_res_bus0(res + n);
	n += aml_res_io(res + n, 0xcf8, 8);
	if (cfg->pci_io_size)
		n += aml_res_io_window(res + n, cfg->pci_io_base, cfg->pci_io_size);
	n += aml_res_mem32(res + n, cfg->pci_mmio_base, cfg->pci_mmio_size);
	mark = aml_device(a, "PCI0");
	aml_name_eisaid(a, "_HID", "PNP0A03");
	aml_name_int(a, "_SEG", 0);
	aml_name_int(a, "_UID", 0);
	aml_name_int(a, "_BBN", 0);
	aml_name_crs(a, res, n);
	aml_close(a, mark);
}

static void dsdt_com1(struct aml *a)
{
	uint8_t res[16];
	size_t n = 0, mark;

	n += aml_res_io(res + n, X86_COM1_PORT, 8);
	n += aml_res_irq(res + n, X86_COM1_IRQ);
	mark = aml_device(a, "COM1");
	aml_name_eisaid(a, "_HID", "PNP0501");
	aml_name_int(a, "_UID", 0);
	aml_name_crs(a, res, n);
	aml_close(a, mark);
}

/* --- tables --- */

static void sdt_init(struct acpi_sdt *h, const char *sig, uint32_t len, uint8_t rev)
{
	memset(h, 0, sizeof(*h));
	memcpy(h->sig, sig, 4);
	h->length = len;
	h->revision = rev;
	memcpy(h->oem_id, "KTSTR ", 6);
	memcpy(h->oem_table_id, "KTSTRVMM", 8);
	h->oem_revision = 1;
	memcpy(h->creator_id, "KTSR", 4);
	h->creator_revision = 1;
}

static void sdt_finish(uint8_t *p)
{
	struct acpi_sdt *h = (struct acpi_sdt *)p;

	h->checksum = 0;
	h->checksum = checksum(p, h->length);
}

struct writer {
	uint8_t *buf;
	uint64_t base;
	size_t room, off;
	struct acpi_layout *out;
};

/* Reserve len bytes (16-aligned) for table sig; NULL if no room. */
static uint8_t *w_take(struct writer *w, const char *sig, size_t len, uint64_t *gpa)
{
	size_t off = (w->off + 15) & ~15ul;
	struct acpi_table_ref *t;

	if (off + len > w->room || w->out->n >= ACPI_MAX_TABLES)
		return NULL;
	w->off = off + len;
	*gpa = w->base + off;
	t = &w->out->t[w->out->n++];
	memcpy(t->sig, sig, 4);
	t->sig[4] = 0;
	t->gpa = *gpa;
	t->len = len;
	memset(w->buf + off, 0, len);
	return w->buf + off;
}

static int build_dsdt(struct writer *w, const struct acpi_config *cfg, uint64_t *gpa)
{
	uint8_t body[1024];
	struct aml a = { body, 0, sizeof(body), 0 };
	size_t mark;
	uint8_t *p;

	mark = aml_scope(&a, "\\_SB_");
	dsdt_pci0(&a, cfg);
	dsdt_com1(&a);
	aml_close(&a, mark);
	if (a.err)
		return a.err;
	p = w_take(w, "DSDT", 36 + a.n, gpa);
	if (!p)
		return -ENOSPC;
	sdt_init((void *)p, "DSDT", 36 + a.n, 2);
	memcpy(p + 36, body, a.n);
	sdt_finish(p);
	return 0;
}

static int build_fadt(struct writer *w, uint64_t dsdt, uint64_t *gpa)
{
	uint8_t *p = w_take(w, "FACP", FADT_LEN, gpa);
	uint32_t flags = FADT_HW_REDUCED | FADT_PWR_BUTTON | FADT_SLP_BUTTON;
	uint16_t arch = BOOT_ARCH_NO_VGA | BOOT_ARCH_NO_CMOS;
	uint32_t dsdt32 = dsdt;

	if (!p)
		return -ENOSPC;
	sdt_init((void *)p, "FACP", FADT_LEN, 6);
	memcpy(p + FADT_DSDT, &dsdt32, 4);
	memcpy(p + FADT_X_DSDT, &dsdt, 8);
	memcpy(p + FADT_FLAGS, &flags, 4);
	memcpy(p + FADT_BOOT_ARCH, &arch, 2);
	p[FADT_MINOR] = 5;
	memcpy(p + FADT_HV_ID, "KTSTRRUN", 8);
	sdt_finish(p);
	return 0;
}

/* MADT subtable types (ACPI 6.5, 5.2.12). */
#define MADT_LAPIC		0
#define MADT_IOAPIC		1
#define MADT_LAPIC_NMI		4
#define MADT_X2APIC		9
#define MADT_X2APIC_NMI		10
#define MADT_ENABLED		1u
#define MADT_ALL_CPUS		0xff		/* an NMI entry's UID for every CPU */
#define MADT_ALL_X2CPUS		0xffffffffu

/* One enabled processor entry per CPU, in CPU order (Linux numbers its CPUs
 * in MADT order): a Local APIC entry while the APIC ID fits xAPIC, a Local
 * x2APIC entry from 255 on, as the spec wants. LINT1 is NMI on all of them. */
static int build_madt(struct writer *w, const struct x86_topo *t, uint64_t *gpa)
{
	int x2 = 0;
	size_t len;
	uint8_t *p, *e;
	uint32_t lapic = X86_LAPIC, flags = 0;
	struct madt_ioapic io = { MADT_IOAPIC, 12, 0, 0, X86_IOAPIC, 0 };
	struct madt_lapic_nmi nmi = { MADT_LAPIC_NMI, 6, MADT_ALL_CPUS, 0, 1 };
	struct madt_x2apic_nmi x2nmi = { MADT_X2APIC_NMI, 12, 0, MADT_ALL_X2CPUS, 1, { 0 } };

	for (int i = 0; i < t->ncpus; i++)
		x2 += x86_topo_apic_id(t, i) > X86_XAPIC_MAX_ID;
	len = 44 + (t->ncpus - x2) * sizeof(struct madt_lapic) +
	      x2 * sizeof(struct madt_x2apic) + sizeof(io) + sizeof(nmi) +
	      (x2 ? sizeof(x2nmi) : 0);
	p = w_take(w, "APIC", len, gpa);
	if (!p)
		return -ENOSPC;
	sdt_init((void *)p, "APIC", len, 5);
	memcpy(p + 36, &lapic, 4);
	memcpy(p + 40, &flags, 4);
	e = p + 44;
	for (int i = 0; i < t->ncpus; i++) {
		uint32_t id = x86_topo_apic_id(t, i);

		if (id <= X86_XAPIC_MAX_ID) {
			struct madt_lapic l = { MADT_LAPIC, 8, i, id, MADT_ENABLED };

			memcpy(e, &l, sizeof(l));
			e += sizeof(l);
		} else {
			struct madt_x2apic x = { MADT_X2APIC, 16, 0, id, MADT_ENABLED, i };

			memcpy(e, &x, sizeof(x));
			e += sizeof(x);
		}
	}
	memcpy(e, &io, sizeof(io));
	e += sizeof(io);
	memcpy(e, &nmi, sizeof(nmi));
	e += sizeof(nmi);
	if (x2)
		memcpy(e, &x2nmi, sizeof(x2nmi));
	sdt_finish(p);
	return 0;
}

static int build_srat(struct writer *w, const struct acpi_config *cfg, uint64_t *gpa)
{
	const struct x86_topo *t = cfg->topo;
	size_t len = 48 + t->ncpus * sizeof(struct srat_x2apic) +
		     cfg->n_mem * sizeof(struct srat_mem);
	uint8_t *p = w_take(w, "SRAT", len, gpa), *e;
	uint32_t one = 1;

	if (!p)
		return -ENOSPC;
	sdt_init((void *)p, "SRAT", len, 3);
	memcpy(p + 36, &one, 4);
	e = p + 48;
	for (int i = 0; i < t->ncpus; i++) {
		struct srat_x2apic c = { .type = 2, .len = 24,
			.pxm = x86_topo_cpu_node(t, i), .x2apic_id = x86_topo_apic_id(t, i),
			.flags = 1 };

		memcpy(e, &c, sizeof(c));
		e += sizeof(c);
	}
	for (int i = 0; i < cfg->n_mem; i++) {
		const struct acpi_mem_range *r = &cfg->mem[i];
		struct srat_mem m = { .type = 1, .len = 40, .pxm = r->node,
			.base_lo = r->base, .base_hi = r->base >> 32,
			.len_lo = r->size, .len_hi = r->size >> 32, .flags = 1 };

		memcpy(e, &m, sizeof(m));
		e += sizeof(m);
	}
	sdt_finish(p);
	return 0;
}

static int build_slit(struct writer *w, int nodes, uint64_t *gpa)
{
	size_t len = 44 + nodes * nodes;
	uint8_t *p = w_take(w, "SLIT", len, gpa);
	uint64_t count = nodes;

	if (!p)
		return -ENOSPC;
	sdt_init((void *)p, "SLIT", len, 1);
	memcpy(p + 36, &count, 8);
	for (int i = 0; i < nodes; i++)
		for (int j = 0; j < nodes; j++)
			p[44 + i * nodes + j] = i == j ? 10 : 20;
	sdt_finish(p);
	return 0;
}

/* MCFG: one ECAM window, segment 0, bus 0 (PCI Firmware spec 3.2, 4.1.2). */
static int build_mcfg(struct writer *w, uint64_t ecam, uint64_t *gpa)
{
	size_t len = 44 + 16;
	uint8_t *p = w_take(w, "MCFG", len, gpa);

	if (!p)
		return -ENOSPC;
	sdt_init((void *)p, "MCFG", len, 1);
	memcpy(p + 44, &ecam, 8);	/* segment 0, start bus 0, end bus 0 */
	sdt_finish(p);
	return 0;
}

static int build_xsdt(struct writer *w, const uint64_t *tables, int n, uint64_t *gpa)
{
	size_t len = 36 + 8 * n;
	uint8_t *p = w_take(w, "XSDT", len, gpa);

	if (!p)
		return -ENOSPC;
	sdt_init((void *)p, "XSDT", len, 1);
	memcpy(p + 36, tables, 8 * n);
	sdt_finish(p);
	return 0;
}

int acpi_build(uint8_t *buf, uint64_t base, size_t room, const struct acpi_config *cfg,
	       struct acpi_layout *out)
{
	struct writer w = { buf, base, room, sizeof(struct acpi_rsdp), out };
	struct acpi_rsdp *rsdp = (struct acpi_rsdp *)buf;
	uint64_t dsdt, x[5], xsdt;
	int n = cfg->pci_ecam_base ? 5 : 4, err;

	memset(out, 0, sizeof(*out));
	if (room < sizeof(*rsdp))
		return -ENOSPC;
	err = build_dsdt(&w, cfg, &dsdt);
	err = err ?: build_fadt(&w, dsdt, &x[0]);
	err = err ?: build_madt(&w, cfg->topo, &x[1]);
	err = err ?: build_srat(&w, cfg, &x[2]);
	err = err ?: build_slit(&w, cfg->topo->nodes, &x[3]);
	if (n == 5)
		err = err ?: build_mcfg(&w, cfg->pci_ecam_base, &x[4]);
	err = err ?: build_xsdt(&w, x, n, &xsdt);
	if (err)
		return err;
	memset(rsdp, 0, sizeof(*rsdp));
	memcpy(rsdp->sig, "RSD PTR ", 8);
	memcpy(rsdp->oem_id, "KTSTR ", 6);
	rsdp->revision = 2;
	rsdp->length = sizeof(*rsdp);
	rsdp->xsdt = xsdt;
	rsdp->checksum = checksum(buf, 20);
	rsdp->ext_checksum = checksum(buf, sizeof(*rsdp));
	out->rsdp = base;
	out->used = w.off;
	return 0;
}
