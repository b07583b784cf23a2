/* SPDX-License-Identifier: GPL-2.0-only */
/* ACPI tables for SMP, NUMA and the devices: RSDP, XSDT, FADT (HW-reduced),
 * DSDT (PCI0 host bridge, COM1), MADT, SRAT, SLIT and MCFG (PCI config
 * space). There are no MP tables:
 * this is how the guest kernel learns its CPUs and nodes. */
#ifndef KTSTR__ARCH_X86_ACPI_H
#define KTSTR__ARCH_X86_ACPI_H

#include <stddef.h>
#include <stdint.h>

#include "host/arch/x86/topology.h"

#define ACPI_MAX_MEM 16
#define ACPI_MAX_TABLES 8

struct acpi_mem_range {
	uint64_t base, size;
	int node;
};

struct acpi_config {
	const struct x86_topo *topo;
	int n_mem;
	struct acpi_mem_range mem[ACPI_MAX_MEM];
	uint64_t pci_mmio_base, pci_mmio_size;
	uint16_t pci_io_base, pci_io_size;	/* I/O BAR window; size 0: none */
	uint64_t pci_ecam_base;			/* MCFG, bus 0 (1 MiB); 0: none */
};

struct acpi_table_ref {
	char sig[5];
	uint64_t gpa;
	uint32_t len;
};

struct acpi_layout {
	uint64_t rsdp;
	uint32_t used;		/* bytes of buf used */
	int n;
	struct acpi_table_ref t[ACPI_MAX_TABLES]; /* DSDT FACP APIC SRAT SLIT [MCFG] XSDT */
};

/* Split mem_bytes of RAM evenly over the nodes (MiB granularity) and lay it
 * out around the 3-4 GiB hole. Returns the number of ranges or -1. */
int acpi_node_mem_ranges(uint64_t mem_bytes, int nodes, struct acpi_mem_range *out,
			 int max);
/* Build every table into buf, which the guest sees at gpa `base`.
 * 0 or -ENOSPC. */
int acpi_build(uint8_t *buf, uint64_t base, size_t room, const struct acpi_config *cfg,
	       struct acpi_layout *out);
/* 1 if the bytes sum to 0 mod 256. */
int acpi_checksum_ok(const uint8_t *p, size_t len);

#endif
