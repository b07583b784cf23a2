/* SPDX-License-Identifier: GPL-2.0-only */
/* Per-vCPU exit statistics: how many KVM_RUN exits of each reason, and for
 * port and MMIO exits, which addresses and how long the VMM spent on them.
 * Each vCPU thread writes only its own table; the summary merges them after
 * the vCPUs stopped. Cheap enough to be always on (two clock reads and a
 * small open-addressing table per userspace exit). */
#ifndef KTSTR__VMM_EXITSTATS_H
#define KTSTR__VMM_EXITSTATS_H

#include <stddef.h>
#include <stdint.h>

#define EXITSTATS_REASONS 64
#define EXITSTATS_SLOTS 128

struct exitstats_slot {
	uint64_t key;		/* kind << 62 | is_write << 61 | address; 0 = free */
	uint64_t count, ns;
	uint64_t first_ns;	/* vmm_now_ns() of the first such exit */
};

struct exitstats {
	uint64_t runs;			/* KVM_RUN returns */
	uint64_t run_ns;		/* time inside KVM_RUN */
	uint64_t reason[EXITSTATS_REASONS];
	uint64_t reason_ns[EXITSTATS_REASONS];	/* handling time in the VMM */
	struct exitstats_slot slot[EXITSTATS_SLOTS];
	uint64_t dropped;		/* addresses that found no free slot */
};

enum exitstats_kind { EXITSTATS_PIO = 1, EXITSTATS_MMIO = 2 };

void exitstats_add(struct exitstats *s, uint32_t reason, uint64_t ns);
void exitstats_add_addr(struct exitstats *s, enum exitstats_kind kind, uint64_t addr,
			int is_write, uint64_t ns, uint64_t now_ns);
/* Merge n tables into dst (zeroed first). */
void exitstats_merge(struct exitstats *dst, const struct exitstats *src, int n);
/* Text summary: totals, exits by reason, the top addresses by count with
 * when each was first seen (ms after t0_ns). Returns the length written (like
 * snprintf, truncated to len). */
int exitstats_format(const struct exitstats *s, double wall_ms, uint64_t t0_ns, char *buf,
		     size_t len);

#endif
