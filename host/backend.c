// SPDX-License-Identifier: GPL-2.0-only
/* Backends by name: what "auto" means on this host, and whether a backend
 * can run a topology (see backend.h). */
#include <stdio.h>
#include <string.h>

#include "host/arch/x86/topology.h"
#include "host/backend.h"
#include "host/kvmcheck.h"

const char *backend_resolve(const char *name, char *why, size_t len)
{
	snprintf(why, len, "--backend %s", name);
	if (!strcmp(name, "kvm") || !strcmp(name, "qemu"))
		return !strcmp(name, "kvm") ? "kvm" : "qemu";
	if (strcmp(name, "auto"))
		return NULL;
	return kvm_can_run_linux(why, len) ? "kvm" : "qemu";
}

int backend_topo_check(const char *name, const struct scn_topology *t,
		       char *msg, size_t len)
{
	if (!strcmp(name, "kvm"))
		return x86_topo_check(t->numa, t->llcs, t->cores, t->threads, msg, len);
	if (!strcmp(name, "qemu"))
		return backend_qemu_topo_check(t, msg, len);
	snprintf(msg, len, "unknown backend '%s'; expected kvm or qemu", name);
	return -1;
}
