// SPDX-License-Identifier: GPL-2.0-only
/* Guest RAM accessor and guest page-table walker (see guestmem.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "host/vmm/guestmem.h"

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif

#define HUGE_2M (2ull << 20)

long gm_huge_free(void)
{
	FILE *f = fopen("/proc/meminfo", "re");
	char line[128];
	long n = -1;

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "HugePages_Free: %ld", &n) == 1)
			break;
	if (f)
		fclose(f);
	return n;
}

static void *map_hugetlb(uint64_t size, char *msg, size_t len)
{
	void *p;

	if (size % HUGE_2M) {
		snprintf(msg, len, "hugepages: guest RAM of %llu KiB is not a multiple of 2 MiB",
			 (unsigned long long)(size >> 10));
		return NULL;
	}
	/* No MAP_NORESERVE: a pool too small fails here, not at a guest fault. */
	p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB | MAP_POPULATE, -1, 0);
	if (p == MAP_FAILED) {
		long free = gm_huge_free();

		snprintf(msg, len, "hugepages: %llu MiB of guest RAM needs %llu free 2 MiB huge "
			 "pages, the host's pool has %ld free (%s; reserve them with `echo N > "
			 "/proc/sys/vm/nr_hugepages`)", (unsigned long long)(size >> 20),
			 (unsigned long long)(size / HUGE_2M), free, strerror(errno));
		return NULL;
	}
	return p;
}

void *gm_map_ram(uint64_t size, bool hugetlb, bool prefault, char *msg, size_t len)
{
	void *p;

	if (hugetlb)
		return map_hugetlb(size, msg, len);
	p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED) {
		snprintf(msg, len, "mmap %llu MiB of guest RAM: %s",
			 (unsigned long long)(size >> 20), strerror(errno));
		return NULL;
	}
	madvise(p, size, MADV_HUGEPAGE);
	if (prefault)
		gm_prefault(p, size);
	return p;
}

void gm_prefault(void *p, uint64_t size)
{
	if (madvise(p, size, MADV_POPULATE_WRITE)) {
		/* Before Linux 5.14: write each page (as it is: a page mapped
		 * from a file keeps its bytes). */
		for (uint64_t off = 0; off < size; off += 4096)
			__atomic_fetch_or((char *)p + off, 0, __ATOMIC_RELAXED);
	}
}

int gm_resident(const void *addr, uint64_t size, struct gm_rss *r)
{
	FILE *f = fopen("/proc/self/smaps", "re");
	uintptr_t lo = (uintptr_t)addr, hi = lo + size;
	bool in = false, first = false;
	char line[256];
	long long kb;

	memset(r, 0, sizeof(*r));
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		char *end;
		unsigned long long start = strtoull(line, &end, 16);

		if (end != line && *end == '-') {	/* "start-end perms ..." header */
			if (start >= hi)
				break;
			in = start >= lo;
			first |= start == lo;
		} else if (in && sscanf(line, "Rss: %lld kB", &kb) == 1) {
			r->rss += kb * 1024;
		} else if (in && sscanf(line, "Anonymous: %lld kB", &kb) == 1) {
			r->anon += kb * 1024;
		} else if (in && sscanf(line, "AnonHugePages: %lld kB", &kb) == 1) {
			r->thp += kb * 1024;
		}
	}
	fclose(f);
	return first ? 0 : -1;
}

#define CR0_PG		(1ull << 31)
#define CR4_PSE		(1ull << 4)
#define CR4_PAE		(1ull << 5)
#define CR4_LA57	(1ull << 12)
#define EFER_LMA	(1ull << 10)
#define PTE_P		1ull
#define PTE_PS		(1ull << 7)
#define PTE_ADDR	0x000ffffffffff000ull

int gm_add(struct guestmem *gm, uint64_t gpa, uint64_t size, void *hva)
{
	if (gm->n >= GM_MAX_REGIONS || !size || gpa + size < gpa)
		return -EINVAL;
	for (int i = 0; i < gm->n; i++)
		if (gpa < gm->r[i].gpa + gm->r[i].size && gm->r[i].gpa < gpa + size)
			return -EINVAL;
	gm->r[gm->n++] = (struct gm_region){ gpa, size, hva };
	return 0;
}

void *gm_ptr(const struct guestmem *gm, uint64_t gpa, uint64_t len)
{
	for (int i = 0; i < gm->n; i++) {
		const struct gm_region *r = &gm->r[i];

		if (gpa < r->gpa || gpa - r->gpa >= r->size)
			continue;
		if (len > r->size - (gpa - r->gpa))
			return NULL;
		return r->hva + (gpa - r->gpa);
	}
	return NULL;
}

int gm_read(const struct guestmem *gm, uint64_t gpa, void *buf, size_t len)
{
	void *p = gm_ptr(gm, gpa, len);

	if (!p)
		return -EFAULT;
	memcpy(buf, p, len);
	return 0;
}

int gm_write(const struct guestmem *gm, uint64_t gpa, const void *buf, size_t len)
{
	void *p = gm_ptr(gm, gpa, len);

	if (!p)
		return -EFAULT;
	memcpy(p, buf, len);
	return 0;
}

uint64_t gm_size(const struct guestmem *gm)
{
	uint64_t s = 0;

	for (int i = 0; i < gm->n; i++)
		s += gm->r[i].size;
	return s;
}

static int read_pte(const struct guestmem *gm, uint64_t gpa, int wide, uint64_t *pte)
{
	uint32_t v32;

	if (wide)
		return gm_read(gm, gpa, pte, 8);
	if (gm_read(gm, gpa, &v32, 4))
		return -EFAULT;
	*pte = v32;
	return 0;
}

/* 32-bit non-PAE paging: two levels of 1024 4-byte entries. */
static int walk32(const struct guestmem *gm, const struct gm_paging *pg,
		  uint64_t gva, uint64_t *gpa)
{
	uint64_t pde, pte;

	if (read_pte(gm, (pg->cr3 & 0xfffff000) + ((gva >> 22) & 0x3ff) * 4, 0, &pde) ||
	    !(pde & PTE_P))
		return -EFAULT;
	if ((pde & PTE_PS) && (pg->cr4 & CR4_PSE)) {
		*gpa = (pde & 0xffc00000) | (gva & 0x3fffff);
		return 0;
	}
	if (read_pte(gm, (pde & 0xfffff000) + ((gva >> 12) & 0x3ff) * 4, 0, &pte) ||
	    !(pte & PTE_P))
		return -EFAULT;
	*gpa = (pte & 0xfffff000) | (gva & 0xfff);
	return 0;
}

int gm_translate(const struct guestmem *gm, const struct gm_paging *pg,
		 uint64_t gva, uint64_t *gpa)
{
	uint64_t table, e = 0;
	int levels, shift;

	if (!(pg->cr0 & CR0_PG)) {
		*gpa = gva;
		return 0;
	}
	if (!(pg->cr4 & CR4_PAE))
		return walk32(gm, pg, gva, gpa);
	if (pg->efer & EFER_LMA) {
		levels = pg->cr4 & CR4_LA57 ? 5 : 4;
		table = pg->cr3 & PTE_ADDR;
	} else {
		/* PAE: the 4 PDPTEs sit at cr3 & ~0x1f. */
		levels = 3;
		table = pg->cr3 & 0xffffffe0;
	}
	shift = 12 + 9 * (levels - 1);
	for (int l = levels; l >= 1; l--, shift -= 9) {
		uint64_t idx = (gva >> shift) & (l == 3 && levels == 3 ? 3 : 511);

		if (read_pte(gm, table + idx * 8, 1, &e) || !(e & PTE_P))
			return -EFAULT;
		if (l == 1 || ((e & PTE_PS) && (l == 2 || l == 3) && !(levels == 3 && l == 3))) {
			uint64_t mask = (1ull << shift) - 1;

			*gpa = (e & PTE_ADDR & ~mask) | (gva & mask);
			return 0;
		}
		table = e & PTE_ADDR;
	}
	return -EFAULT;
}

int gm_read_virt(const struct guestmem *gm, const struct gm_paging *pg,
		 uint64_t gva, void *buf, size_t len)
{
	uint8_t *out = buf;

	while (len) {
		uint64_t gpa;
		size_t chunk = 4096 - (gva & 4095);

		if (chunk > len)
			chunk = len;
		if (gm_translate(gm, pg, gva, &gpa) || gm_read(gm, gpa, out, chunk))
			return -EFAULT;
		out += chunk;
		gva += chunk;
		len -= chunk;
	}
	return 0;
}
