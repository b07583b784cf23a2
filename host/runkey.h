/* SPDX-License-Identifier: GPL-2.0-only */
/* A run's identity, which a suite sets and `compare` pairs runs by:
 * scenario, topology, scheduler, kernel release, repeat (docs/results.md,
 * `key`). These derive the parts a plain `run` knows from its scenario. */
#ifndef KTSTR__HOST_RUNKEY_H
#define KTSTR__HOST_RUNKEY_H

#include <stddef.h>

#include "scenario/model.h"

/* The topology's shape NnLlCcTt ("1n2l2c1t": 1 node, 2 LLCs a node, 2
 * cores an LLC, 1 thread a core), as a suite names shapes. */
void runkey_topology(const struct scn_topology *t, char *buf, size_t len);

/* The schedulers the scenario attaches or replaces, in the order it first
 * does, joined by '+'; "eevdf" (the kernel's own) when it attaches none. */
void runkey_scheduler(const struct scenario *s, char *buf, size_t len);

#endif
