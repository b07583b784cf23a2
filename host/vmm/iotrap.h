/* SPDX-License-Identifier: GPL-2.0-only */
/* PIO and MMIO dispatch: devices register address ranges with a handler;
 * the vCPU run loop hands every KVM_EXIT_IO / KVM_EXIT_MMIO to here. */
#ifndef KTSTR__VMM_IOTRAP_H
#define KTSTR__VMM_IOTRAP_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

/* addr is the absolute port or GPA; data holds len bytes (little endian). */
typedef void (*iotrap_fn)(void *ctx, uint64_t addr, uint8_t *data, uint32_t len,
			  bool is_write);

struct iotrap {
	uint64_t base, len;
	iotrap_fn fn;
	void *ctx;
};

#define IOTRAP_MAX 32
#define IOTRAP_UNKNOWN_LOG 16

struct iotrap_space {
	const char *name;	/* "pio" or "mmio" */
	int n;
	struct iotrap t[IOTRAP_MAX];
	/* First few unhandled addresses, for the diagnostic log. */
	int n_unknown;
	uint64_t unknown[IOTRAP_UNKNOWN_LOG];
};

struct kvm_coalesced_mmio_ring;

struct iotrap_bus {
	struct iotrap_space pio, mmio;
	pthread_mutex_t lock;	/* devices are single-threaded behind this */
	int log_fd;		/* where "unhandled port" notes go, or -1 */
	/* KVM's coalesced-write ring: writes to registered zones that KVM
	 * queued instead of exiting. Replayed in order before every dispatch,
	 * so a device sees them before the access that follows them. */
	struct kvm_coalesced_mmio_ring *ring;
	uint32_t ring_max;	/* entries in the ring */
	uint64_t replayed;	/* writes taken from the ring */
};

void iotrap_bus_init(struct iotrap_bus *bus, int log_fd);
/* 0, -ENOSPC or -EEXIST (overlap). */
int iotrap_register(struct iotrap_space *s, uint64_t base, uint64_t len,
		    iotrap_fn fn, void *ctx);
/* The ring lives in a vCPU's kvm_run mapping (KVM_CAP_COALESCED_MMIO page). */
void iotrap_set_ring(struct iotrap_bus *bus, struct kvm_coalesced_mmio_ring *ring,
		     uint32_t max);
/* Replay what the ring holds (at the end of the VM, for instance). */
void iotrap_drain(struct iotrap_bus *bus);
/* Drop what the ring holds unreplayed (a VM reset to a snapshot: the
 * writes were the old guest's) and the count of replayed ones. */
void iotrap_discard(struct iotrap_bus *bus);
/* Replays the ring, then dispatches. Returns true if a handler took it;
 * unhandled reads return all-ones. */
bool iotrap_dispatch(struct iotrap_bus *bus, struct iotrap_space *s, uint64_t addr,
		     uint8_t *data, uint32_t len, bool is_write);

#endif
