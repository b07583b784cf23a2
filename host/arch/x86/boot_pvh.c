// SPDX-License-Identifier: GPL-2.0-only
/* PVH entry into an ELF vmlinux: load the PT_LOAD segments at their physical
 * addresses, find the Xen PHYS32_ENTRY note and fill hvm_start_info. No
 * decompressor runs; the kernel starts where it is linked. */
#include <elf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host/arch/x86/boot.h"
#include "host/arch/x86/layout.h"

/* Xen public arch-x86/hvm/start_info.h (not in the Linux UAPI). */
struct hvm_start_info {
	uint32_t magic;
	uint32_t version;
	uint32_t flags;
	uint32_t nr_modules;
	uint64_t modlist_paddr;
	uint64_t cmdline_paddr;
	uint64_t rsdp_paddr;
	uint64_t memmap_paddr;
	uint32_t memmap_entries;
	uint32_t reserved;
};
_Static_assert(sizeof(struct hvm_start_info) == 56, "hvm_start_info");

struct hvm_modlist_entry {
	uint64_t paddr;
	uint64_t size;
	uint64_t cmdline_paddr;
	uint64_t reserved;
};
_Static_assert(sizeof(struct hvm_modlist_entry) == 32, "hvm_modlist_entry");

struct hvm_memmap_table_entry {
	uint64_t addr;
	uint64_t size;
	uint32_t type;
	uint32_t reserved;
};
_Static_assert(sizeof(struct hvm_memmap_table_entry) == 24, "hvm_memmap_table_entry");

#define HVM_START_MAGIC		0x336ec578
#define XEN_ELFNOTE_PHYS32_ENTRY 18

static int find_pvh_entry(const uint8_t *img, size_t size, const Elf64_Phdr *ph,
			  uint32_t *entry)
{
	size_t off = ph->p_offset, end = ph->p_offset + ph->p_filesz;

	if (end > size || end < off)
		return -1;
	while (off + sizeof(Elf64_Nhdr) <= end) {
		const Elf64_Nhdr *n = (const void *)(img + off);
		size_t name = off + sizeof(*n), desc = name + ((n->n_namesz + 3) & ~3u);

		if (desc + n->n_descsz > end)
			return -1;
		if (n->n_type == XEN_ELFNOTE_PHYS32_ENTRY && n->n_namesz == 4 &&
		    !memcmp(img + name, "Xen", 4) && n->n_descsz >= 4) {
			memcpy(entry, img + desc, 4);
			return 0;
		}
		off = desc + ((n->n_descsz + 3) & ~3u);
	}
	return -1;
}

/* Load PT_LOADs; returns the highest physical end, or 0 with msg. */
static uint64_t load_elf(const struct guestmem *gm, const uint8_t *img, size_t size,
			 uint32_t *entry, char *msg, size_t len)
{
	const Elf64_Ehdr *eh = (const void *)img;
	uint64_t top = 0;
	int have_entry = 0;

	if (size < sizeof(*eh) || memcmp(eh->e_ident, ELFMAG, SELFMAG) ||
	    eh->e_ident[EI_CLASS] != ELFCLASS64 || eh->e_machine != EM_X86_64 ||
	    eh->e_phoff + (uint64_t)eh->e_phnum * sizeof(Elf64_Phdr) > size) {
		snprintf(msg, len, "not an x86-64 ELF vmlinux");
		return 0;
	}
	for (int i = 0; i < eh->e_phnum; i++) {
		const Elf64_Phdr *ph = (const void *)(img + eh->e_phoff + i * sizeof(*ph));
		uint8_t *dst;

		if (ph->p_type == PT_NOTE && !have_entry)
			have_entry = !find_pvh_entry(img, size, ph, entry);
		if (ph->p_type != PT_LOAD)
			continue;
		dst = gm_ptr(gm, ph->p_paddr, ph->p_memsz);
		if (!dst || ph->p_filesz > ph->p_memsz || ph->p_offset + ph->p_filesz > size) {
			snprintf(msg, len, "PT_LOAD at 0x%llx+0x%llx does not fit in guest RAM",
				 (unsigned long long)ph->p_paddr,
				 (unsigned long long)ph->p_memsz);
			return 0;
		}
		x86_copy_to_guest(dst, img + ph->p_offset, ph->p_filesz);
		memset(dst + ph->p_filesz, 0, ph->p_memsz - ph->p_filesz);
		if (ph->p_paddr + ph->p_memsz > top)
			top = ph->p_paddr + ph->p_memsz;
	}
	if (!have_entry) {
		snprintf(msg, len, "the vmlinux has no Xen PVH entry note (CONFIG_PVH)");
		return 0;
	}
	return top;
}

static int write_start_info(const struct guestmem *gm, const struct x86_boot_args *a,
			    uint64_t initrd, char *msg, size_t len)
{
	struct x86_e820 map[8];
	struct hvm_memmap_table_entry mm[8];
	struct hvm_modlist_entry mod = { initrd, a->initrd_len, 0, 0 };
	int n = x86_e820_build(a, map, 8);
	struct hvm_start_info si = {
		.magic = HVM_START_MAGIC, .version = 1, .nr_modules = initrd ? 1 : 0,
		.modlist_paddr = initrd ? X86_PVH_MODLIST : 0,
		.cmdline_paddr = X86_CMDLINE, .rsdp_paddr = a->rsdp,
		.memmap_paddr = X86_ZERO_PAGE, .memmap_entries = n,
	};

	for (int i = 0; i < n; i++)
		mm[i] = (struct hvm_memmap_table_entry){ map[i].addr, map[i].size, map[i].type, 0 };
	if (gm_write(gm, X86_PVH_INFO, &si, sizeof(si)) ||
	    gm_write(gm, X86_PVH_MODLIST, &mod, sizeof(mod)) ||
	    gm_write(gm, X86_ZERO_PAGE, mm, n * sizeof(mm[0]))) {
		snprintf(msg, len, "hvm_start_info does not fit in guest RAM");
		return -1;
	}
	return 0;
}

int x86_boot_pvh(const struct guestmem *gm, const char *vmlinux,
		 const struct x86_boot_args *a, struct x86_entry *e,
		 char *msg, size_t len)
{
	char why[512];
	size_t size;
	uint8_t *img = x86_map_file(vmlinux, &size, why, sizeof(why));
	uint64_t top, initrd;
	uint32_t entry = 0;
	int ret = -1;

	if (!img) {
		snprintf(msg, len, "%s", why);
		return -1;
	}
	top = load_elf(gm, img, size, &entry, why, sizeof(why));
	if (!top) {
		snprintf(msg, len, "%s: %s", vmlinux, why);
		goto out;
	}
	if (x86_load_cmdline(gm, a->cmdline, X86_CMDLINE_MAX, msg, len) ||
	    x86_load_initrd(gm, a, (top + 4095) & ~4095ull, X86_MMIO_HOLE, &initrd,
			    msg, len) ||
	    write_start_info(gm, a, initrd, msg, len))
		goto out;
	e->mode = X86_ENTRY_PVH32;
	e->rip = entry;
	e->rbx = X86_PVH_INFO;
	e->rsi = 0;
	ret = 0;
out:
	x86_unmap_file(img, size);
	return ret;
}
