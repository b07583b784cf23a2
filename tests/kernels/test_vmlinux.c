// SPDX-License-Identifier: GPL-2.0-only
/* vmlinux_inspect on small ELF files built by the test, and on ELF files
 * that are not kernels. */
#include <criterion/criterion.h>
#include <elf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixtures.h"
#include "kernels/kernels.h"

TestSuite(vmlinux, .init = fx_suite_init, .fini = fx_suite_fini, .timeout = 60);

/* Writes p as fx_dir/name; its path in path. */
static void write_file(const char *name, const void *p, size_t n, char *path, size_t len)
{
	snprintf(path, len, "%s/%s", fx_dir, name);
	fx_write(path, p, n);
}

static struct vmlinux_info inspect(const char *path)
{
	struct vmlinux_info vi;
	char msg[256] = "";

	cr_assert_eq(vmlinux_inspect(path, &vi, msg, sizeof(msg)), 0, "%s: %s", path, msg);
	return vi;
}

/* vmlinux_inspect refuses path, saying words. */
static void refused(const char *path, const char *words)
{
	struct vmlinux_info vi;
	char msg[256] = "";

	cr_assert_eq(vmlinux_inspect(path, &vi, msg, sizeof(msg)), -1, "%s was inspected", path);
	cr_expect(strstr(msg, words), "msg: %s", msg);
}

/* What vmlinux_inspect finds in fx_elf's ELF. */
static struct vmlinux_info inspect_elf(bool btf, bool pvh)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/vmlinux", fx_dir);
	fx_write_elf(path, btf, pvh);
	return inspect(path);
}

Test(vmlinux, kernel_with_btf_and_pvh)
{
	struct vmlinux_info vi = inspect_elf(true, true);

	cr_expect(vi.has_btf);
	cr_expect(vi.has_pvh);
	cr_expect_eq(vi.pvh_entry, FX_PVH_ENTRY);
	cr_expect_str_eq(vi.release, FX_RELEASE);
}

Test(vmlinux, kernel_without_btf_or_pvh)
{
	struct vmlinux_info vi = inspect_elf(false, false);

	cr_expect_not(vi.has_btf);
	cr_expect_not(vi.has_pvh);
	cr_expect_str_eq(vi.release, FX_RELEASE);
}

Test(vmlinux, elf_but_not_a_kernel)
{
	refused("/proc/self/exe", "/proc/self/exe");
}

Test(vmlinux, no_release_string)
{
	char path[512];
	uint8_t elf[4096];
	size_t n = fx_elf(elf, true, true);

	memcpy(memmem(elf, n, "Linux version", 13), "Linux Version", 13);
	write_file("exec", elf, n, path, sizeof(path));
	refused(path, "not a Linux kernel");
}

Test(vmlinux, wrong_machine_and_truncated)
{
	char path[512];
	uint8_t elf[4096];
	size_t n = fx_elf(elf, true, true);

	((Elf64_Ehdr *)elf)->e_machine = EM_AARCH64;
	write_file("arm", elf, n, path, sizeof(path));
	refused(path, "not x86-64");

	write_file("short", elf, 40, path, sizeof(path));
	refused(path, "truncated");
}

Test(vmlinux, lying_offsets_do_not_crash)
{
	struct vmlinux_info vi;
	char path[512];
	uint8_t elf[4096];
	size_t n = fx_elf(elf, true, true);
	Elf64_Ehdr *eh = (void *)elf;

	eh->e_shoff = 0xfffffffffffff000ull;
	eh->e_phnum = 0xffff;
	((Elf64_Phdr *)(elf + 64))->p_filesz = 1u << 30;
	write_file("liar", elf, n, path, sizeof(path));
	vi = inspect(path);
	cr_expect_not(vi.has_btf);
	cr_expect_not(vi.has_pvh);
}

Test(vmlinux, missing_file)
{
	refused("/nonexistent/vmlinux", "/nonexistent/vmlinux");
}

/* Offsets from the file need not be aligned: headers at odd offsets are
 * read, not dereferenced in place (UBSan: misaligned load). */
Test(vmlinux, odd_offsets)
{
	struct vmlinux_info vi;
	char path[512];
	uint8_t elf[4096], odd[4096] = { 0 };
	size_t n = fx_elf(elf, true, true);
	Elf64_Ehdr eh;
	Elf64_Phdr ph;

	/* Everything after the ELF header one byte later, offsets to match. */
	memcpy(odd, elf, 64);
	memcpy(odd + 65, elf + 64, n - 64);
	memcpy(&eh, odd, sizeof(eh));
	eh.e_phoff += 1;
	eh.e_shoff += 1;
	memcpy(odd, &eh, sizeof(eh));
	memcpy(&ph, odd + eh.e_phoff, sizeof(ph));
	ph.p_offset += 1;
	memcpy(odd + eh.e_phoff, &ph, sizeof(ph));
	for (int i = 0; i < eh.e_shnum; i++) {
		Elf64_Shdr sh;

		memcpy(&sh, odd + eh.e_shoff + i * sizeof(sh), sizeof(sh));
		sh.sh_offset += sh.sh_offset ? 1 : 0;
		memcpy(odd + eh.e_shoff + i * sizeof(sh), &sh, sizeof(sh));
	}
	write_file("odd", odd, n + 1, path, sizeof(path));
	vi = inspect(path);
	cr_expect(vi.has_btf);
	cr_expect(vi.has_pvh);
	cr_expect_eq(vi.pvh_entry, FX_PVH_ENTRY);
}

/* The release string is found wherever it lies in a large file, even
 * across the boundary of the reads that look for it. */
Test(vmlinux, release_anywhere_in_a_large_file)
{
	static const char banner[] = "Linux version 6.1.2-late (x@y) #1";
	struct vmlinux_info vi;
	char path[512], msg[256] = "";
	size_t len = 3u << 20;
	uint8_t *big = calloc(1, len);
	uint8_t elf[4096];
	size_t n = fx_elf(elf, false, false);
	size_t offs[] = { (1u << 20) - 20, (2u << 20) - 3, len - sizeof(banner) };

	memcpy(big, elf, n);
	memcpy(memmem(big, n, "Linux version", 13), "Linux Version", 13);
	for (size_t i = 0; i < 3; i++) {
		memset(big + n, 0, len - n);
		memcpy(big + offs[i], banner, sizeof(banner) - 1);
		snprintf(path, sizeof(path), "%s/late", fx_dir);
		fx_write(path, big, len);
		cr_assert_eq(vmlinux_inspect(path, &vi, msg, sizeof(msg)), 0, "at %zu: %s", offs[i], msg);
		cr_expect_str_eq(vi.release, "6.1.2-late", "at %zu", offs[i]);
	}
	free(big);
}

Test(vmlinux, not_a_regular_file)
{
	refused("/dev/zero", "not a regular file");
}
