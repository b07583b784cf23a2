// SPDX-License-Identifier: GPL-2.0-only
/* Named topologies (the suite's presets), the NnLlCcTt shape notation, and
 * whether a topology has what a scenario's "requires" asks for. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scenario/topologies.h"

#define P(n, l, c, t) { .numa = n, .llcs = l, .cores = c, .threads = t }

/* What schedulers are tuned for, and what breaks them: one LLC, several,
 * odd and prime counts, SMT siblings, two and four NUMA nodes, 64 and more
 * CPUs, and the largest counts. Every shape must pass scn_topo_check (the
 * unit test says so); a backend that cannot build one skips it. */
static const struct scn_preset presets[] = {
	{ "tiny-1llc",    P(1, 1, 4, 1),  "a single LLC" },
	{ "tiny-2llc",    P(1, 2, 2, 1),  "the smallest multi-LLC machine" },
	{ "smt-2llc",     P(1, 2, 2, 2),  "SMT pairs on two LLCs" },
	{ "odd-3llc",     P(1, 3, 3, 1),  "odd LLC and CPU counts" },
	{ "smt-3llc",     P(1, 3, 2, 2),  "SMT pairs on an odd LLC count" },
	{ "odd-7llc",     P(1, 7, 2, 1),  "a prime LLC count, two cores each" },
	{ "odd-5llc",     P(1, 5, 3, 1),  "a prime LLC count" },
	{ "numa2-4llc",   P(2, 2, 4, 1),  "two NUMA nodes" },
	{ "numa4-8llc",   P(4, 2, 4, 1),  "four NUMA nodes" },
	{ "medium-4llc",  P(1, 4, 4, 2),  "32 CPUs with SMT" },
	{ "medium-8llc",  P(1, 8, 8, 1),  "64 CPUs, many LLCs, no SMT" },
	{ "large-8llc",   P(1, 8, 8, 2),  "128 CPUs with SMT" },
	{ "numa2-8llc",   P(2, 4, 8, 2),  "128 CPUs on two nodes with SMT" },
	{ "numa4-12llc",  P(4, 3, 8, 2),  "192 CPUs on four nodes with SMT" },
	{ "near-max-llc", P(1, 15, 8, 2), "240 CPUs, 15 LLCs" },
	/* APIC ID 433: past xAPIC's 254 on both backends until x2APIC. */
	{ "max-cpu",      P(1, 14, 9, 2), "252 CPUs, as the reference tool's largest" },
};

const struct scn_preset *scn_presets(int *n)
{
	*n = (int)(sizeof(presets) / sizeof(presets[0]));
	return presets;
}

const struct scn_preset *scn_preset_find(const char *name)
{
	for (size_t i = 0; i < sizeof(presets) / sizeof(presets[0]); i++)
		if (!strcmp(presets[i].name, name))
			return &presets[i];
	return NULL;
}

int scn_shape_parse(const char *s, struct scn_topology *t, char *msg, size_t len)
{
	static const char units[] = "nlct";
	int *field[] = { &t->numa, &t->llcs, &t->cores, &t->threads };
	const char *p = s;
	char why[200];

	for (int i = 0; i < 4; i++) {
		char *end;
		long v;

		errno = 0;
		v = isdigit((unsigned char)*p) ? strtol(p, &end, 10) : -1;
		if (v < 0 || *end != units[i]) {
			snprintf(msg, len, "'%s' is not a shape; expected NnLlCcTt, e.g. 1n2l2c1t "
				 "(1 node, 2 LLCs per node, 2 cores per LLC, 1 thread per core)", s);
			return -1;
		}
		if (errno || v < 1 || v > SCN_MAX_CPUS) {
			snprintf(msg, len, "shape '%s': %.*s is out of range; expected 1..%d",
				 s, (int)(end + 1 - p), p, SCN_MAX_CPUS);
			return -1;
		}
		*field[i] = (int)v;
		p = end + 1;
	}
	if (*p) {
		snprintf(msg, len, "shape '%s': unexpected '%s' after the threads", s, p);
		return -1;
	}
	if (scn_topo_check(t, why, sizeof(why))) {
		snprintf(msg, len, "shape '%s': %s", s, why);
		return -1;
	}
	return 0;
}

void scn_shape_format(const struct scn_topology *t, char *buf, size_t len)
{
	snprintf(buf, len, "%dn%dl%dc%dt", t->numa, t->llcs, t->cores, t->threads);
}

int scn_topology_lookup(const char *arg, struct scn_topology *t, char *msg, size_t len)
{
	const struct scn_preset *p = scn_preset_find(arg);

	if (p) {
		*t = p->topo;
		return 0;
	}
	if (isdigit((unsigned char)arg[0]))
		return scn_shape_parse(arg, t, msg, len);
	snprintf(msg, len, "unknown topology '%s'; expected a preset ('ktstr-run topology "
		 "list' shows them) or a shape NnLlCcTt such as 1n2l2c1t", arg);
	return -1;
}

uint64_t scn_topo_memory_floor(const struct scn_topology *t)
{
	return (256ull << 20) + (uint64_t)scn_topo_ncpus(t) * (8ull << 20);
}

int scn_requires_check(const struct scn_requires *r, const struct scn_topology *t,
		       struct scn_loc *loc, char *msg, size_t len)
{
	int cpus = scn_topo_ncpus(t), llcs = t->numa * t->llcs;
	char topo[128];

	scn_topo_format(t, topo, sizeof(topo));
	if (r->cpus > cpus) {
		*loc = r->cpus_loc;
		snprintf(msg, len, "requires cpus>=%d; topology %s has %d CPU%s", r->cpus, topo,
			 cpus, cpus == 1 ? "" : "s");
	} else if (r->llcs > llcs) {
		*loc = r->llcs_loc;
		snprintf(msg, len, "requires llcs>=%d; topology %s has %d LLC%s in all", r->llcs,
			 topo, llcs, llcs == 1 ? "" : "s");
	} else if (r->nodes > t->numa) {
		*loc = r->nodes_loc;
		snprintf(msg, len, "requires nodes>=%d; topology %s has %d NUMA node%s", r->nodes,
			 topo, t->numa, t->numa == 1 ? "" : "s");
	} else if (r->smt && t->threads < 2) {
		*loc = r->smt_loc;
		snprintf(msg, len, "requires smt; topology %s has one thread per core", topo);
	} else {
		return 0;
	}
	return -1;
}
