// SPDX-License-Identifier: GPL-2.0-only
/* The PVH loader: a synthetic vmlinux (two PT_LOADs, one with a partial last
 * page and bss, and the Xen PVH entry note) lands in guest RAM byte for byte,
 * as a copy: guest writes never reach the (mapped) file. The e820 map
 * reserves the PCI config window. */
#include <criterion/criterion.h>
#include <elf.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "host/arch/x86/boot.h"
#include "host/arch/x86/layout.h"

#define RAM (4u << 20)
#define SEG_A_OFF 0x1000
#define SEG_A_PA 0x100000
#define SEG_A_FILE 0x2800	/* two pages and a half */
#define SEG_A_MEM 0x4000	/* then bss */
#define SEG_B_OFF 0x4000
#define SEG_B_PA 0x200000
#define SEG_B_FILE 0x3000
#define NOTE_OFF 0x7000
#define FILE_SIZE 0x8000
#define ENTRY 0x100040

static uint8_t file[FILE_SIZE];
static char path[] = "/tmp/ktstr-test-vmlinux-XXXXXX";
static uint8_t *ram;
static struct guestmem gm;

static void make_vmlinux(void)
{
	Elf64_Ehdr *eh = (void *)file;
	Elf64_Phdr *ph = (void *)(file + sizeof(*eh));
	Elf64_Nhdr *n = (void *)(file + NOTE_OFF);
	uint32_t entry = ENTRY;
	int fd;

	for (size_t i = 0; i < sizeof(file); i++)
		file[i] = (uint8_t)(i * 7 + 3);
	memset(file, 0, sizeof(*eh) + 3 * sizeof(*ph));
	memcpy(eh->e_ident, ELFMAG, SELFMAG);
	eh->e_ident[EI_CLASS] = ELFCLASS64;
	eh->e_machine = EM_X86_64;
	eh->e_phoff = sizeof(*eh);
	eh->e_phnum = 3;
	ph[0] = (Elf64_Phdr){ .p_type = PT_LOAD, .p_offset = SEG_A_OFF, .p_paddr = SEG_A_PA,
			      .p_filesz = SEG_A_FILE, .p_memsz = SEG_A_MEM };
	ph[1] = (Elf64_Phdr){ .p_type = PT_LOAD, .p_offset = SEG_B_OFF, .p_paddr = SEG_B_PA,
			      .p_filesz = SEG_B_FILE, .p_memsz = SEG_B_FILE };
	ph[2] = (Elf64_Phdr){ .p_type = PT_NOTE, .p_offset = NOTE_OFF,
			      .p_filesz = sizeof(*n) + 4 + 4 };
	*n = (Elf64_Nhdr){ .n_namesz = 4, .n_descsz = 4, .n_type = 18 };
	memcpy(n + 1, "Xen", 4);
	memcpy((uint8_t *)(n + 1) + 4, &entry, 4);
	fd = mkstemp(path);
	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, file, sizeof(file)), (ssize_t)sizeof(file));
	close(fd);
}

static void setup(void)
{
	make_vmlinux();
	ram = mmap(NULL, RAM, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	cr_assert_neq(ram, MAP_FAILED);
	memset(ram, 0xaa, RAM);		/* bss must come out zero */
	memset(&gm, 0, sizeof(gm));
	cr_assert_eq(gm_add(&gm, 0, RAM, ram), 0);
}

static void teardown(void)
{
	munmap(ram, RAM);
	unlink(path);
}

/* Is [p, p+len) mapped from our file, per /proc/self/maps? */
static bool mapped_from_file(const void *p, size_t len)
{
	FILE *f = fopen("/proc/self/maps", "re");
	char line[512];
	bool found = false;

	cr_assert(f);
	while (!found && fgets(line, sizeof(line), f)) {
		unsigned long lo, hi;

		if (sscanf(line, "%lx-%lx", &lo, &hi) == 2 && strstr(line, path) &&
		    lo <= (uintptr_t)p && (uintptr_t)p + len <= hi)
			found = true;
	}
	fclose(f);
	return found;
}

static void load(void)
{
	struct x86_boot_args a = { .cmdline = "console=ttyS0", .initrd_fd = -1,
				   .ram_lo_end = RAM };
	struct x86_entry e;
	char msg[512];

	cr_assert_eq(x86_boot_pvh(&gm, path, &a, &e, msg, sizeof(msg)), 0, "%s", msg);
	cr_assert_eq(e.mode, X86_ENTRY_PVH32);
	cr_assert_eq(e.rip, ENTRY);
	cr_assert_arr_eq(ram + SEG_A_PA, file + SEG_A_OFF, SEG_A_FILE);
	for (int i = SEG_A_FILE; i < SEG_A_MEM; i++)
		cr_assert_eq(ram[SEG_A_PA + i], 0, "bss byte %#x is %#x", i, ram[SEG_A_PA + i]);
	cr_assert_arr_eq(ram + SEG_B_PA, file + SEG_B_OFF, SEG_B_FILE);
	cr_assert_eq(ram[SEG_B_PA + SEG_B_FILE], 0xaa, "RAM past the segment was touched");
	cr_assert_str_eq((char *)ram + 0x20000, "console=ttyS0");
}

/* Guest writes to the kernel's pages must not reach the file. */
static void check_file_intact(void)
{
	uint8_t back[FILE_SIZE];
	int fd;

	ram[SEG_A_PA] ^= 0xff;
	ram[SEG_B_PA + 100] ^= 0xff;
	fd = open(path, O_RDONLY);
	cr_assert_eq(pread(fd, back, sizeof(back), 0), (ssize_t)sizeof(back));
	close(fd);
	cr_assert_arr_eq(back, file, sizeof(file));
}

Test(boot_pvh, copied, .init = setup, .fini = teardown)
{
	load();
	cr_assert_not(mapped_from_file(ram + SEG_B_PA, SEG_B_FILE));
	check_file_intact();
}

Test(boot_pvh, not_a_vmlinux, .init = setup, .fini = teardown)
{
	struct x86_boot_args a = { .cmdline = "", .initrd_fd = -1, .ram_lo_end = RAM };
	struct x86_entry e;
	char msg[512];
	int fd = open(path, O_WRONLY);

	cr_assert_eq(pwrite(fd, "\177ELX", 4, 0), 4);
	close(fd);
	cr_assert_eq(x86_boot_pvh(&gm, path, &a, &e, msg, sizeof(msg)), -1);
	cr_assert(strstr(msg, "not an x86-64 ELF vmlinux"), "%s", msg);
}

/* Large copies run in pieces on several threads: every byte arrives, none
 * past the end. */
Test(boot_pvh, parallel_copy)
{
	size_t n = (37u << 20) + 4093;	/* not a multiple of anything */
	uint8_t *src = malloc(n), *dst = malloc(n + 64);

	cr_assert(src && dst);
	for (size_t i = 0; i < n; i++)
		src[i] = (uint8_t)(i * 2654435761u >> 13);
	memset(dst, 0x5a, n + 64);
	x86_copy_to_guest(dst, src, n);
	cr_assert(!memcmp(dst, src, n), "copy differs");
	for (size_t i = n; i < n + 64; i++)
		cr_assert_eq(dst[i], 0x5a, "byte %zu past the end written", i - n);
	free(src);
	free(dst);
}

/* The e820 map: ascending, no overlaps, and the PCI config window (MCFG)
 * reserved between low RAM and 4 GiB. */
Test(boot_e820, reserves_the_ecam_window)
{
	struct x86_boot_args a = { .ram_lo_end = 256ull << 20, .ram_hi_size = 1ull << 30 };
	struct x86_e820 m[8];
	int n = x86_e820_build(&a, m, 8), ecam = 0;

	cr_assert_eq(n, 5);
	for (int i = 0; i < n; i++) {
		if (i)
			cr_expect_geq(m[i].addr, m[i - 1].addr + m[i - 1].size, "entry %d", i);
		if (m[i].addr == X86_PCI_ECAM && m[i].size == X86_PCI_ECAM_SIZE && m[i].type == 2)
			ecam++;
	}
	cr_expect_eq(ecam, 1);
	cr_expect_eq(m[n - 1].addr, X86_4G, "RAM above 4 GiB last");
	cr_expect_eq(x86_e820_build(&a, m, 4), -1, "too small a map");
}
