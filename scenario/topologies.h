/* SPDX-License-Identifier: GPL-2.0-only */
/* Topologies by name: the built-in presets a suite runs scenarios on, and
 * the NnLlCcTt shape notation (scenario/topologies.c). */
#ifndef KTSTR__SCENARIO_TOPOLOGIES_H
#define KTSTR__SCENARIO_TOPOLOGIES_H

#include <stddef.h>

#include "scenario/model.h"

struct scn_preset {
	const char *name;
	struct scn_topology topo;
	const char *what;          /* what a scheduler meets on it */
};

/* The presets, smallest first; *n is their count. */
const struct scn_preset *scn_presets(int *n);
/* The preset called name, or NULL. */
const struct scn_preset *scn_preset_find(const char *name);

/* "1n2l2c1t": N NUMA nodes, L LLCs per node (as the topology directive's
 * llcs=), C cores per LLC, T threads per core, each a decimal number, in
 * that order, all four. 0, or -1 with msg (what is wrong and what is
 * expected). The topology is checked as scn_topo_check does. */
int scn_shape_parse(const char *s, struct scn_topology *t, char *msg, size_t len);
/* t as "1n2l2c1t". */
void scn_shape_format(const struct scn_topology *t, char *buf, size_t len);

/* A preset name or a shape: *t filled; 0, or -1 with msg naming arg. */
int scn_topology_lookup(const char *arg, struct scn_topology *t, char *msg, size_t len);

/* The least memory a guest of topology t is given when a suite runs a
 * scenario on it (the scenario's own memory if larger): 256 MiB plus
 * 8 MiB per CPU, for the kernel's per-CPU areas. */
uint64_t scn_topo_memory_floor(const struct scn_topology *t);

#endif
