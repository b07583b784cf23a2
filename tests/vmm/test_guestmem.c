/* The guest-memory accessor refuses out-of-range accesses and walks guest
 * page tables. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>

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
