/* SPDX-License-Identifier: GPL-2.0-only */
/* The host a run ran on, as the results record it for a later comparison:
 * its CPU model, how many CPUs it has online, its load. */
#ifndef KTSTR__HOST_HOSTINFO_H
#define KTSTR__HOST_HOSTINFO_H

#include <stddef.h>

struct host_facts {
	char cpu_model[128];    /* /proc/cpuinfo's first "model name", "" if none */
	int cpus;               /* online CPUs */
	double load_start[3];   /* getloadavg() when the VM was launched */
	double load_end[3];     /* and when it ended: 1, 5, 15 minutes */
};

/* The model and CPU count, and load_start. */
void hostinfo_start(struct host_facts *h);
/* load_end. */
void hostinfo_end(struct host_facts *h);

/* The "model name" value of a /proc/cpuinfo text, trimmed, into out; "" if
 * it has none. */
void hostinfo_cpu_model(const char *cpuinfo, char *out, size_t len);

#endif
