/* SPDX-License-Identifier: GPL-2.0-only */
/* Bounds-checked access to guest RAM: every device and loader goes through
 * here, so a guest address that lies outside RAM is refused, never used. */
#ifndef KTSTR__VMM_GUESTMEM_H
#define KTSTR__VMM_GUESTMEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define GM_MAX_REGIONS 4

struct gm_region {
	uint64_t gpa;
	uint64_t size;
	uint8_t *hva;
};

struct guestmem {
	int n;
	struct gm_region r[GM_MAX_REGIONS];
};

/* Guest RAM backing: anonymous memory with transparent huge pages where the
 * host allows them, or (hugetlb) 2 MiB pages from the host's hugetlbfs pool,
 * reserved and faulted in at once. prefault: every page resident before
 * return. NULL with msg on failure (size not a multiple of 2 MiB for
 * hugetlb, or the pool too small, said with the numbers). */
void *gm_map_ram(uint64_t size, bool hugetlb, bool prefault, char *msg, size_t len);
/* Every page of [p, p+size) resident and writable (copied, for pages mapped
 * private from a file). */
void gm_prefault(void *p, uint64_t size);
/* HugePages_Free of the host's default (2 MiB) pool, -1 if unknown. */
long gm_huge_free(void);
/* Bytes of guest RAM in host memory, from /proc/self/smaps. */
struct gm_rss {
	int64_t rss;	/* resident (Rss) */
	int64_t anon;	/* of it, anonymous (Anonymous): after a restore, the
			 * pages the guest wrote (copied on write) */
	int64_t thp;	/* of it, in transparent huge pages (AnonHugePages) */
};
/* Of the mappings in [addr, addr + size) (a restore maps RAM as many, one
 * of them starting at addr): the sums. 0, or -1 if it cannot tell. */
int gm_resident(const void *addr, uint64_t size, struct gm_rss *r);

/* Add a region (regions must not overlap). Returns 0 or -EINVAL. */
int gm_add(struct guestmem *gm, uint64_t gpa, uint64_t size, void *hva);
/* Host pointer for [gpa, gpa+len) if it lies inside one region, else NULL. */
void *gm_ptr(const struct guestmem *gm, uint64_t gpa, uint64_t len);
/* Copy in/out; 0 or -EFAULT. */
int gm_read(const struct guestmem *gm, uint64_t gpa, void *buf, size_t len);
int gm_write(const struct guestmem *gm, uint64_t gpa, const void *buf, size_t len);
/* Total RAM bytes. */
uint64_t gm_size(const struct guestmem *gm);

/* Paging state needed to walk the guest page tables. */
struct gm_paging {
	uint64_t cr0, cr3, cr4, efer;
};

/* Translate a guest-virtual (linear) address. Handles paging off, 32-bit,
 * PAE, 4- and 5-level paging and large pages. 0 or -EFAULT (not present or a
 * table outside RAM). */
int gm_translate(const struct guestmem *gm, const struct gm_paging *pg,
		 uint64_t gva, uint64_t *gpa);
/* Read through the page tables, page by page. 0 or -EFAULT. */
int gm_read_virt(const struct guestmem *gm, const struct gm_paging *pg,
		 uint64_t gva, void *buf, size_t len);

#endif
