/* SPDX-License-Identifier: GPL-2.0-only */
/* Loading a Linux kernel into guest RAM and the BSP's entry state: PVH into
 * an ELF vmlinux (boot_pvh.c) or the 64-bit boot protocol into a bzImage
 * (boot_bzimage.c); the shared pieces are in boot_common.c. */
#ifndef KTSTR__ARCH_X86_BOOT_H
#define KTSTR__ARCH_X86_BOOT_H

#include <stddef.h>
#include <stdint.h>

#include "host/vmm/guestmem.h"

struct x86_boot_args {
	const char *cmdline;
	int initrd_fd;		/* read with pread; -1 for none */
	size_t initrd_len;
	uint64_t ram_lo_end;	/* end of RAM below the hole */
	uint64_t ram_hi_size;	/* RAM at 4 GiB and up */
	uint64_t rsdp;
};

enum x86_entry_mode { X86_ENTRY_PVH32, X86_ENTRY_LINUX64 };

struct x86_entry {
	enum x86_entry_mode mode;
	uint64_t rip;
	uint64_t rsi;	/* boot_params (64-bit protocol) */
	uint64_t rbx;	/* hvm_start_info (PVH) */
};

/* e820 map shared by both entries. Returns the number of entries. */
struct x86_e820 {
	uint64_t addr, size;
	uint32_t type;
};
int x86_e820_build(const struct x86_boot_args *a, struct x86_e820 *out, int max);

/* Place the initrd at the top of low RAM (page aligned, below max_addr).
 * 0 or -1 with msg; *gpa = 0 when there is none. */
int x86_load_initrd(const struct guestmem *gm, const struct x86_boot_args *a,
		    uint64_t min_addr, uint64_t max_addr, uint64_t *gpa,
		    char *msg, size_t len);
/* Copy the command line to X86_CMDLINE. */
int x86_load_cmdline(const struct guestmem *gm, const char *cmdline, size_t max,
		     char *msg, size_t len);

int x86_boot_pvh(const struct guestmem *gm, const char *vmlinux,
		 const struct x86_boot_args *a, struct x86_entry *e,
		 char *msg, size_t len);
int x86_boot_bzimage(const struct guestmem *gm, const char *bzimage,
		     const struct x86_boot_args *a, struct x86_entry *e,
		     char *msg, size_t len);
/* Write the GDT/page tables the entry needs and set the BSP's registers. */
int x86_boot_set_bsp(const struct guestmem *gm, int vcpu_fd, const struct x86_entry *e,
		     char *msg, size_t len);

/* Map a whole file read-only (the kernel image); NULL with msg on error.
 * Unmap with x86_unmap_file(p, size). */
uint8_t *x86_map_file(const char *path, size_t *size, char *msg, size_t len);
void x86_unmap_file(uint8_t *p, size_t size);
/* memcpy into fresh guest RAM; large copies in parallel threads. */
void x86_copy_to_guest(uint8_t *dst, const uint8_t *src, size_t n);

#endif
