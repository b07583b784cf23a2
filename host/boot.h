/* SPDX-License-Identifier: GPL-2.0-only */
/* Getting a guest to READY: from a snapshot of a ready guest where one
 * fits (host/snapshot.h), else by booting, saving a snapshot when the
 * booted guest reaches READY. A snapshot that cannot be used is discarded
 * with a one-line notice and the run boots: never a wrong or hung run. */
#ifndef KTSTR__HOST_BOOT_H
#define KTSTR__HOST_BOOT_H

#include <stdbool.h>
#include <stdint.h>

#include "host/backend.h"
#include "host/snapshot.h"

struct boot {
	/* in */
	bool use_snapshots;         /* false: --cold, or the backend cannot */
	const char *guest_init;     /* part of the key */
	const char *console_log;    /* the run's console log: a snapshot keeps
				     * its boot, a restored run starts with it */
	bool verbose, quiet;
	/* out */
	const char *kind;           /* "cold", "restored" or "warm" (a kept VM reset) */
	char snapshot[33];          /* the snapshot's id, "" if none */
	bool saved;                 /* this run saved it */
	uint64_t t0_ms;             /* when the backend was started */
	uint64_t restore_ms;        /* start -> the restored guest running */
	uint64_t save_ms;           /* the save at READY (the guest was paused) */
	/* private */
	struct snap_key key;
	bool keyed;
	struct snap snap;
};

/* Start *b (made by new_backend(ctx); replaced by a fresh one if a restore
 * fails) for vs. 0, or -1 with msg (the backend could not start at all). */
int boot_start(struct boot *bt, struct backend **b, struct backend *(*new_backend)(void *),
	       void *ctx, struct vm_spec *vs, char *msg, size_t len);

/* Called when a booted guest says READY (collect_opts.at_ready): save the
 * snapshot if this run should. */
void boot_at_ready(struct boot *bt, struct backend *b);

#endif
