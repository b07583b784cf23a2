// SPDX-License-Identifier: GPL-2.0-only
/* PIO/MMIO range table and dispatch (see iotrap.h). Unknown ports read as
 * 0xFF and ignore writes, the way real ISA buses float. */
#include <errno.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "host/vmm/iotrap.h"

void iotrap_bus_init(struct iotrap_bus *bus, int log_fd)
{
	memset(bus, 0, sizeof(*bus));
	bus->pio.name = "pio";
	bus->mmio.name = "mmio";
	bus->log_fd = log_fd;
	pthread_mutex_init(&bus->lock, NULL);
}

int iotrap_register(struct iotrap_space *s, uint64_t base, uint64_t len,
		    iotrap_fn fn, void *ctx)
{
	if (s->n >= IOTRAP_MAX)
		return -ENOSPC;
	for (int i = 0; i < s->n; i++)
		if (base < s->t[i].base + s->t[i].len && s->t[i].base < base + len)
			return -EEXIST;
	s->t[s->n++] = (struct iotrap){ base, len, fn, ctx };
	return 0;
}

static void note_unknown(struct iotrap_bus *bus, struct iotrap_space *s,
			 uint64_t addr, bool is_write)
{
	char line[128];
	int n;

	for (int i = 0; i < s->n_unknown; i++)
		if (s->unknown[i] == addr)
			return;
	if (s->n_unknown >= IOTRAP_UNKNOWN_LOG)
		return;
	s->unknown[s->n_unknown++] = addr;
	if (bus->log_fd < 0)
		return;
	n = snprintf(line, sizeof(line), "[vmm] unhandled %s %s at 0x%llx\n",
		     s->name, is_write ? "write" : "read", (unsigned long long)addr);
	if (write(bus->log_fd, line, n) < 0)
		return;
}

static bool dispatch_locked(struct iotrap_bus *bus, struct iotrap_space *s, uint64_t addr,
			    uint8_t *data, uint32_t len, bool is_write)
{
	bool found = false;

	for (int i = 0; i < s->n; i++) {
		struct iotrap *t = &s->t[i];

		if (addr >= t->base && addr - t->base < t->len) {
			t->fn(t->ctx, addr, data, len, is_write);
			found = true;
			break;
		}
	}
	if (!found) {
		if (!is_write)
			memset(data, 0xff, len);
		note_unknown(bus, s, addr, is_write);
	}
	return found;
}

void iotrap_set_ring(struct iotrap_bus *bus, struct kvm_coalesced_mmio_ring *ring,
		     uint32_t max)
{
	pthread_mutex_lock(&bus->lock);
	bus->ring = ring;
	bus->ring_max = max;
	pthread_mutex_unlock(&bus->lock);
}

/* KVM fills entries at ring->last and only reads ring->first; we own first. */
static void drain_locked(struct iotrap_bus *bus)
{
	struct kvm_coalesced_mmio_ring *r = bus->ring;
	uint32_t first;

	if (!r)
		return;
	first = __atomic_load_n(&r->first, __ATOMIC_RELAXED);
	while (first != __atomic_load_n(&r->last, __ATOMIC_ACQUIRE)) {
		struct kvm_coalesced_mmio e = r->coalesced_mmio[first % bus->ring_max];

		if (e.len <= sizeof(e.data))
			dispatch_locked(bus, e.pio ? &bus->pio : &bus->mmio, e.phys_addr,
					e.data, e.len, true);
		bus->replayed++;
		first = (first + 1) % bus->ring_max;
		__atomic_store_n(&r->first, first, __ATOMIC_RELEASE);
	}
}

void iotrap_drain(struct iotrap_bus *bus)
{
	pthread_mutex_lock(&bus->lock);
	drain_locked(bus);
	pthread_mutex_unlock(&bus->lock);
}

void iotrap_discard(struct iotrap_bus *bus)
{
	pthread_mutex_lock(&bus->lock);
	if (bus->ring)
		__atomic_store_n(&bus->ring->first, __atomic_load_n(&bus->ring->last,
				 __ATOMIC_ACQUIRE), __ATOMIC_RELEASE);
	bus->replayed = 0;
	pthread_mutex_unlock(&bus->lock);
}

bool iotrap_dispatch(struct iotrap_bus *bus, struct iotrap_space *s, uint64_t addr,
		     uint8_t *data, uint32_t len, bool is_write)
{
	bool found;

	pthread_mutex_lock(&bus->lock);
	drain_locked(bus);
	found = dispatch_locked(bus, s, addr, data, len, is_write);
	pthread_mutex_unlock(&bus->lock);
	return found;
}
