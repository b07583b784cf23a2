// SPDX-License-Identifier: GPL-2.0-only
/* The guest-memory accessor refuses out-of-range accesses and walks guest
 * page tables; guest RAM mappings (anonymous, hugetlbfs pool). */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "host/vmm/guestmem.h"

static uint8_t lo[1 << 22], hi[1 << 16];

static void setup(struct guestmem *gm)
{
	memset(gm, 0, sizeof(*gm));
	cr_assert_eq(gm_add(gm, 0, sizeof(lo), lo), 0);
	cr_assert_eq(gm_add(gm, 0x100000000ull, sizeof(hi), hi), 0);
}

Test(guestmem, bounds)
{
	struct guestmem gm;
	uint8_t b[16];

	setup(&gm);
	cr_expect_not_null(gm_ptr(&gm, 0, sizeof(lo)));
	cr_expect_null(gm_ptr(&gm, 0, sizeof(lo) + 1));
	cr_expect_null(gm_ptr(&gm, sizeof(lo) - 4, 8), "straddles the end");
	cr_expect_null(gm_ptr(&gm, sizeof(lo), 1), "just past the end");
	cr_expect_null(gm_ptr(&gm, 0xfffffffffffffff0ull, 32), "wraps");
	cr_expect_null(gm_ptr(&gm, 8, UINT64_MAX), "huge length");
	cr_expect_not_null(gm_ptr(&gm, 0x100000000ull + 16, 16));
	cr_expect_eq(gm_read(&gm, 0xc0000000ull, b, 4), -EFAULT, "hole");
	cr_expect_eq(gm_write(&gm, 0x100000000ull + sizeof(hi) - 2, b, 4), -EFAULT);
	cr_expect_eq(gm_add(&gm, 0x1000, 0x1000, lo), -EINVAL, "overlap");
	cr_expect_eq(gm_size(&gm), sizeof(lo) + sizeof(hi));
}

Test(guestmem, four_level_walk)
{
	struct guestmem gm;
	struct gm_paging pg = { .cr0 = 1u << 31 | 1, .cr3 = 0x1000, .cr4 = 1 << 5,
				.efer = 1 << 10 | 1 << 8 };
	uint64_t gva = 0xffffffff81000123ull, gpa;
	uint64_t e;
	char s[6];

	setup(&gm);
	/* PML4[511] -> 0x2000, PDPT[510] -> 0x3000, PD[8] = 2 MiB page at 0x200000. */
	e = 0x2000 | 3; gm_write(&gm, 0x1000 + 511 * 8, &e, 8);
	e = 0x3000 | 3; gm_write(&gm, 0x2000 + 510 * 8, &e, 8);
	e = 0x200000 | 0x83; gm_write(&gm, 0x3000 + 8 * 8, &e, 8);
	gm_write(&gm, 0x200123, "hello", 6);
	cr_assert_eq(gm_translate(&gm, &pg, gva, &gpa), 0);
	cr_expect_eq(gpa, 0x200123u);
	cr_assert_eq(gm_read_virt(&gm, &pg, gva, s, 6), 0);
	cr_expect_str_eq(s, "hello");
	cr_expect_eq(gm_translate(&gm, &pg, 0x1000, &gpa), -EFAULT, "not mapped");
	/* A table pointer outside RAM is refused, not followed. */
	e = 0x80000000ull | 3; gm_write(&gm, 0x1000, &e, 8);
	cr_expect_eq(gm_translate(&gm, &pg, 0x1000, &gpa), -EFAULT);
	pg.cr0 = 1;
	cr_expect_eq(gm_translate(&gm, &pg, 0x1234, &gpa), 0);
	cr_expect_eq(gpa, 0x1234u, "paging off is identity");
}

/* Default backing: anonymous, and with prefault every page is resident. */
Test(gm_map_ram, anonymous_prefaulted)
{
	size_t size = 4u << 20;
	unsigned char vec[1024];
	char msg[256];
	uint8_t *p = gm_map_ram(size, false, true, msg, sizeof(msg));

	cr_assert(p, "%s", msg);
	cr_assert_eq(mincore(p, size, vec), 0);
	for (size_t i = 0; i < size / 4096; i++)
		cr_assert(vec[i] & 1, "page %zu not resident", i);
	munmap(p, size);
}

/* The residency report reads the right mapping: all of a prefaulted one is
 * resident, part or none of it in THP (THP may be off here), and an address
 * that starts no mapping gives -1. */
Test(gm_map_ram, resident_bytes_of_the_mapping)
{
	size_t size = 8u << 20;
	char msg[256];
	uint8_t *p = gm_map_ram(size, false, true, msg, sizeof(msg));
	struct gm_rss r;

	cr_assert(p, "%s", msg);
	cr_assert_eq(gm_resident(p, size, &r), 0);
	cr_expect_eq(r.rss, (int64_t)size);
	cr_expect_eq(r.anon, (int64_t)size);
	cr_expect(r.thp >= 0 && r.thp <= r.rss, "AnonHugePages %lld", (long long)r.thp);
	cr_expect_eq(gm_resident(p + 4096, size - 4096, &r), -1);
	munmap(p, size);
}

/* As after a restore: the upper half mapped private from a file. Pages
 * read from it are resident but not anonymous; a page written is copied
 * (anonymous); the sums cover both mappings of the range. */
Test(gm_map_ram, resident_bytes_of_ram_mapped_from_a_file)
{
	size_t size = 8u << 20, half = size / 2;
	char msg[256];
	uint8_t *p = gm_map_ram(size, false, true, msg, sizeof(msg));
	int fd = memfd_create("ktstr-gm-test", MFD_CLOEXEC);
	volatile uint8_t sink;
	struct gm_rss r;

	cr_assert(p, "%s", msg);
	cr_assert_geq(fd, 0);
	cr_assert_eq(ftruncate(fd, (off_t)half), 0);
	cr_assert_eq(pwrite(fd, "x", 1, 8192), 1);
	cr_assert_neq(mmap(p + half, half, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_FIXED, fd, 0),
		      MAP_FAILED);
	cr_assert_eq(gm_resident(p, size, &r), 0);
	cr_expect_eq(r.rss, (int64_t)half, "only the anonymous half: %lld", (long long)r.rss);
	sink = p[half + 8192];
	(void)sink;
	cr_assert_eq(gm_resident(p, size, &r), 0);
	cr_expect_eq(r.rss, (int64_t)half + 4096, "a page read from the file");
	cr_expect_eq(r.anon, (int64_t)half);
	p[half + 4096 * 5] = 1;
	cr_assert_eq(gm_resident(p, size, &r), 0);
	cr_expect_eq(r.anon, (int64_t)half + 4096, "a page written: copied");
	cr_assert_eq(gm_resident(p, half, &r), 0);
	cr_expect_eq(r.rss, (int64_t)half, "the range ends where it ends");
	munmap(p, size);
	close(fd);
}

Test(gm_map_ram, hugetlb_needs_2m_multiples)
{
	char msg[256];

	cr_assert_null(gm_map_ram((2u << 20) + 4096, true, false, msg, sizeof(msg)));
	cr_assert(strstr(msg, "not a multiple of 2 MiB"), "%s", msg);
}

/* A pool one page too small: refused at once, with the numbers. */
Test(gm_map_ram, hugetlb_pool_too_small)
{
	long free = gm_huge_free();
	char msg[512], want[128];

	cr_assert_geq(free, 0, "no HugePages_Free in /proc/meminfo");
	cr_assert_null(gm_map_ram((uint64_t)(free + 1) * (2u << 20), true, false, msg,
				  sizeof(msg)));
	snprintf(want, sizeof(want), "needs %ld free 2 MiB huge pages, the host's pool has %ld free",
		 free + 1, free);
	cr_assert(strstr(msg, want), "%s", msg);
	cr_assert(strstr(msg, "nr_hugepages"), "%s", msg);
}

Test(gm_map_ram, hugetlb_from_the_pool)
{
	char msg[512];
	uint8_t *p;

	if (gm_huge_free() < 1)
		cr_skip_test("the host has no free 2 MiB huge page");
	p = gm_map_ram(2u << 20, true, false, msg, sizeof(msg));
	cr_assert(p, "%s", msg);
	p[0] = 1;
	p[(2u << 20) - 1] = 2;
	munmap(p, 2u << 20);
}
