/* SPDX-License-Identifier: GPL-2.0-only */
/* Every fixed guest-physical address the x86 VMM uses, in one place
 * (merged from the Firecracker, cloud-hypervisor and ktstr layouts). */
#ifndef KTSTR__ARCH_X86_LAYOUT_H
#define KTSTR__ARCH_X86_LAYOUT_H

#define X86_BOOT_GDT		0x500ull
#define X86_BOOT_IDT		0x520ull
#define X86_PVH_INFO		0x6000ull
#define X86_PVH_MODLIST		0x6040ull
#define X86_ZERO_PAGE		0x7000ull	/* or the PVH memmap */
#define X86_BOOT_STACK		0x8ff0ull
#define X86_PML4		0x9000ull
#define X86_PDPT		0xa000ull
#define X86_PD			0xb000ull
#define X86_CMDLINE		0x20000ull
#define X86_CMDLINE_MAX		2048
#define X86_EBDA_START		0x9fc00ull
#define X86_ACPI_START		0xe0000ull	/* RSDP, then the other tables */
#define X86_ACPI_END		0x100000ull
#define X86_HIMEM		0x100000ull	/* bzImage protected-mode code */
#define X86_BZ_ENTRY64_OFF	0x200ull
#define X86_MMIO_HOLE		0xc0000000ull	/* 3 GiB .. 4 GiB */
#define X86_4G			0x100000000ull
#define X86_PCI_MMIO_BASE	0xc0000000ull	/* BAR window */
#define X86_PCI_MMIO_SIZE	0x10000000ull
#define X86_PCI_ECAM		0xe0000000ull	/* config space, bus 0: 1 MiB */
#define X86_PCI_ECAM_SIZE	0x100000ull
#define X86_PCI_IO_BASE		0x6000	/* I/O BAR window (ports) */
#define X86_PCI_IO_SIZE		0x1000
#define X86_IOAPIC		0xfec00000ull
#define X86_LAPIC		0xfee00000ull
#define X86_TSS_ADDR		0xfffbd000ull
#define X86_IDMAP_ADDR		0xfffbc000ull

#define X86_COM1_PORT		0x3f8
#define X86_COM1_IRQ		4

#endif
