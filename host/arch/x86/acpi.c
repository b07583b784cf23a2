// SPDX-License-Identifier: GPL-2.0-only
/* ACPI table writer (see acpi.h). Offsets and encodings follow the ACPI 6.x
 * spec; the boot guide section 2 lists how FC, CH and ktstr fill them. */
#include <errno.h>
#include <string.h>

#include "host/arch/x86/acpi.h"
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

/* --- a tiny AML encoder: just what the DSDT below needs --- */

struct aml {
	uint8_t *b;
	size_t n, room;
	int err;
};

static void aml_bytes(struct aml *a, const void *p, size_t len)
{
	if (a->n + len > a->room) {
		a->err = -ENOSPC;
		return;
	}
	memcpy(a->b + a->n, p, len);
	a->n += len;
}

static void aml_byte(struct aml *a, uint8_t v)
{
	aml_bytes(a, &v, 1);
}

/* Open a PkgLength-prefixed object; close with aml_close(mark). Three length
 * bytes are reserved and the body is moved down on close if fewer suffice. */
static size_t aml_open(struct aml *a)
{
	size_t mark = a->n;

	aml_bytes(a, "\0\0\0", 3);
	return mark;
}

static void aml_close(struct aml *a, size_t mark)
{
	size_t body = a->n - mark - 3, total;
	int nb;

	if (a->err)
		return;
	if (body + 1 < 0x40)
		nb = 1;
	else if (body + 2 < 0x1000)
		nb = 2;
	else
		nb = 3;
	total = body + nb;
	memmove(a->b + mark + nb, a->b + mark + 3, body);
	if (nb == 1) {
		a->b[mark] = total;
	} else {
		a->b[mark] = (nb - 1) << 6 | (total & 0xf);
		a->b[mark + 1] = total >> 4;
		if (nb == 3)
			a->b[mark + 2] = total >> 12;
	}
	a->n = mark + nb + body;
}

static void aml_int(struct aml *a, uint32_t v)
{
	if (v <= 1) {
		aml_byte(a, v);
	} else if (v < 0x100) {
		aml_byte(a, 0x0a);
		aml_byte(a, v);
	} else if (v < 0x10000) {
		aml_byte(a, 0x0b);
		aml_bytes(a, &(uint16_t){ v }, 2);
	} else {
		aml_byte(a, 0x0c);
		aml_bytes(a, &v, 4);
	}
}

static void aml_name_int(struct aml *a, const char *name, uint32_t v)
{
	aml_byte(a, 0x08);
	aml_bytes(a, name, 4);
	aml_int(a, v);
}

static void aml_name_eisaid(struct aml *a, const char *name, const char *id)
{
	uint8_t b[4];
	unsigned int hex = 0;

	for (int i = 3; i < 7; i++)
		hex = hex << 4 | (id[i] <= '9' ? id[i] - '0' : id[i] - 'A' + 10);
	b[0] = (id[0] - 0x40) << 2 | (id[1] - 0x40) >> 3;
	b[1] = ((id[1] - 0x40) & 7) << 5 | (id[2] - 0x40);
	b[2] = hex >> 8;
	b[3] = hex;
	aml_byte(a, 0x08);
	aml_bytes(a, name, 4);
	aml_byte(a, 0x0c);
	aml_bytes(a, b, 4);
}

/* Name(_CRS, ResourceTemplate() { res... EndTag }) */
static void aml_name_crs(struct aml *a, const uint8_t *res, size_t len)
{
	size_t mark;

	aml_byte(a, 0x08);
	aml_bytes(a, "_CRS", 4);
	aml_byte(a, 0x11);
	mark = aml_open(a);
	aml_int(a, len + 2);
	aml_bytes(a, res, len);
	aml_byte(a, 0x79);
	aml_byte(a, 0);
	aml_close(a, mark);
}

static size_t res_io(uint8_t *p, uint16_t port, uint8_t len)
{
	uint8_t d[8] = { 0x47, 1, port & 0xff, port >> 8, port & 0xff, port >> 8, 1, len };

	memcpy(p, d, 8);
	return 8;
}

static size_t res_bus(uint8_t *p)
{
	uint8_t d[16] = { 0x88, 13, 0, 2, 0x0c, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0 };

	memcpy(p, d, 16);
	return 16;
}

/* WordIO(ResourceProducer, MinFixed, MaxFixed, PosDecode, EntireRange) */
static size_t res_io_window(uint8_t *p, uint16_t base, uint16_t size)
{
	uint16_t v[5] = { 0, base, base + size - 1, 0, size };

	p[0] = 0x88;
	p[1] = 13;
	p[2] = 0;
	p[3] = 1;	/* I/O range */
	p[4] = 0x0c;	/* producer, MinFixed, MaxFixed */
	p[5] = 0x03;	/* ISA and non-ISA ranges */
	memcpy(p + 6, v, 10);
	return 16;
}

static size_t res_mem32(uint8_t *p, uint32_t base, uint32_t size)
{
	uint32_t v[5] = { 0, base, base + size - 1, 0, size };

	p[0] = 0x87;
	p[1] = 23;
	p[2] = 0;
	p[3] = 0;	/* memory range */
	p[4] = 0x0c;	/* producer, MinFixed, MaxFixed */
	p[5] = 0x01;	/* read-write, non-cacheable */
	memcpy(p + 6, v, 20);
	return 26;
}

static void dsdt_pci0(struct aml *a, const struct acpi_config *cfg)
{
	uint8_t res[96];
	size_t n = 0, mark;

	n += res_bus(res + n);
	n += res_io(res + n, 0xcf8, 8);
	if (cfg->pci_io_size)
		n += res_io_window(res + n, cfg->pci_io_base, cfg->pci_io_size);
	n += res_mem32(res + n, cfg->pci_mmio_base, cfg->pci_mmio_size);
	aml_bytes(a, "\x5b\x82", 2);
	mark = aml_open(a);
	aml_bytes(a, "PCI0", 4);
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
	size_t n = res_io(res, X86_COM1_PORT, 8), mark;

	res[n++] = 0x22;	/* IRQNoFlags */
	res[n++] = 1 << X86_COM1_IRQ;
	res[n++] = 0;
	aml_bytes(a, "\x5b\x82", 2);
	mark = aml_open(a);
	aml_bytes(a, "COM1", 4);
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

	aml_byte(&a, 0x10);		/* Scope(\_SB) */
	mark = aml_open(&a);
	aml_bytes(&a, "\\_SB_", 5);
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

static int build_madt(struct writer *w, const struct x86_topo *t, uint64_t *gpa)
{
	size_t len = 44 + t->ncpus * sizeof(struct madt_lapic) +
		     sizeof(struct madt_ioapic) + sizeof(struct madt_lapic_nmi);
	uint8_t *p = w_take(w, "APIC", len, gpa), *e;
	uint32_t lapic = X86_LAPIC, flags = 0;
	struct madt_ioapic io = { 1, 12, 0, 0, X86_IOAPIC, 0 };
	struct madt_lapic_nmi nmi = { 4, 6, 0xff, 0, 1 };

	if (!p)
		return -ENOSPC;
	sdt_init((void *)p, "APIC", len, 5);
	memcpy(p + 36, &lapic, 4);
	memcpy(p + 40, &flags, 4);
	e = p + 44;
	for (int i = 0; i < t->ncpus; i++) {
		struct madt_lapic l = { 0, 8, i, x86_topo_apic_id(t, i), 1 };

		memcpy(e, &l, sizeof(l));
		e += sizeof(l);
	}
	memcpy(e, &io, sizeof(io));
	memcpy(e + sizeof(io), &nmi, sizeof(nmi));
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
