// SPDX-License-Identifier: GPL-2.0-only
/* Exit statistics (see exitstats.h). */
#include <linux/kvm.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host/vmm/exitstats.h"

void exitstats_add(struct exitstats *s, uint32_t reason, uint64_t ns)
{
	uint32_t r = reason < EXITSTATS_REASONS ? reason : EXITSTATS_REASONS - 1;

	s->reason[r]++;
	s->reason_ns[r] += ns;
}

static struct exitstats_slot *find(struct exitstats *s, uint64_t key)
{
	uint64_t h = key * 0x9e3779b97f4a7c15ull;

	for (unsigned i = 0; i < EXITSTATS_SLOTS; i++) {
		struct exitstats_slot *e = &s->slot[((h >> 57) + i) & (EXITSTATS_SLOTS - 1)];

		if (e->key == key || !e->key) {
			e->key = key;
			return e;
		}
	}
	return NULL;
}

static uint64_t make_key(enum exitstats_kind kind, uint64_t addr, int is_write)
{
	return (uint64_t)kind << 62 | (uint64_t)!!is_write << 61 | (addr & ((1ull << 61) - 1));
}

void exitstats_add_addr(struct exitstats *s, enum exitstats_kind kind, uint64_t addr,
			int is_write, uint64_t ns, uint64_t now_ns)
{
	struct exitstats_slot *e = find(s, make_key(kind, addr, is_write));

	if (!e) {
		s->dropped++;
		return;
	}
	if (!e->count++)
		e->first_ns = now_ns;
	e->ns += ns;
}

void exitstats_merge(struct exitstats *dst, const struct exitstats *src, int n)
{
	memset(dst, 0, sizeof(*dst));
	for (int i = 0; i < n; i++) {
		const struct exitstats *s = &src[i];

		dst->runs += s->runs;
		dst->run_ns += s->run_ns;
		dst->dropped += s->dropped;
		for (int r = 0; r < EXITSTATS_REASONS; r++) {
			dst->reason[r] += s->reason[r];
			dst->reason_ns[r] += s->reason_ns[r];
		}
		for (int j = 0; j < EXITSTATS_SLOTS; j++) {
			const struct exitstats_slot *e = &s->slot[j];
			struct exitstats_slot *d;

			if (!e->key)
				continue;
			d = find(dst, e->key);
			if (!d) {
				dst->dropped += e->count;
				continue;
			}
			if (!d->count || e->first_ns < d->first_ns)
				d->first_ns = e->first_ns;
			d->count += e->count;
			d->ns += e->ns;
		}
	}
}

static const char *reason_name(int r)
{
	switch (r) {
	case KVM_EXIT_IO: return "io";
	case KVM_EXIT_MMIO: return "mmio";
	case KVM_EXIT_HLT: return "hlt";
	case KVM_EXIT_INTR: return "intr";
	case KVM_EXIT_SHUTDOWN: return "shutdown";
	case KVM_EXIT_SYSTEM_EVENT: return "system-event";
	case KVM_EXIT_INTERNAL_ERROR: return "internal-error";
	case KVM_EXIT_FAIL_ENTRY: return "fail-entry";
	default: return NULL;
	}
}

static int by_count(const void *a, const void *b)
{
	const struct exitstats_slot *x = a, *y = b;

	return x->count < y->count ? 1 : x->count > y->count ? -1 : 0;
}

#define OUT(...)                                                             \
	do {                                                                 \
		n += snprintf(buf + n, (size_t)n < len ? len - n : 0, __VA_ARGS__); \
	} while (0)

int exitstats_format(const struct exitstats *s, double wall_ms, uint64_t t0_ns, char *buf,
		     size_t len)
{
	struct exitstats_slot top[EXITSTATS_SLOTS];
	uint64_t total = 0;
	int n = 0, k = 0;

	if (len)
		buf[0] = 0;
	for (int r = 0; r < EXITSTATS_REASONS; r++)
		total += s->reason[r];
	OUT("[vmm] exits: %llu to the VMM in %.0f ms (vCPU time in KVM_RUN %.0f ms)",
	    (unsigned long long)total, wall_ms, s->run_ns / 1e6);
	for (int r = 0; r < EXITSTATS_REASONS; r++) {
		const char *name = reason_name(r);

		if (!s->reason[r])
			continue;
		if (name)
			OUT("; %s %llu (%.1f ms)", name, (unsigned long long)s->reason[r],
			    s->reason_ns[r] / 1e6);
		else
			OUT("; reason %d %llu (%.1f ms)", r, (unsigned long long)s->reason[r],
			    s->reason_ns[r] / 1e6);
	}
	OUT("\n");
	for (int j = 0; j < EXITSTATS_SLOTS; j++)
		if (s->slot[j].key)
			top[k++] = s->slot[j];
	qsort(top, k, sizeof(top[0]), by_count);
	for (int j = 0; j < k && j < 12; j++) {
		uint64_t key = top[j].key;
		int kind = key >> 62, wr = key >> 61 & 1;
		unsigned long long addr = key & ((1ull << 61) - 1);

		OUT("[vmm]   %s %s 0x%llx: %llu exits, %.1f ms in the VMM, first at %.0f ms\n",
		    kind == EXITSTATS_PIO ? "port" : "mmio", wr ? "write" : "read", addr,
		    (unsigned long long)top[j].count, top[j].ns / 1e6,
		    top[j].first_ns > t0_ns ? (top[j].first_ns - t0_ns) / 1e6 : 0.0);
	}
	if (s->dropped)
		OUT("[vmm]   (%llu exits at addresses past the table)\n",
		    (unsigned long long)s->dropped);
	return n;
}
