/* SPDX-License-Identifier: GPL-2.0-only */
/* A struct vmm with no KVM behind it, for the tests and fuzz targets that
 * drive devices through the I/O dispatch: no fds (-1), no log, an empty
 * I/O bus. Header-only: the test executables share no library. */
#ifndef KTSTR__TESTS_VMM_NO_KVM_H
#define KTSTR__TESTS_VMM_NO_KVM_H

#include <pthread.h>
#include <string.h>

#include "host/vmm/vmm.h"

static inline void vm_without_kvm(struct vmm *v)
{
	memset(v, 0, sizeof(*v));
	v->kvm_fd = v->vm_fd = v->exit_efd = -1;
	v->cfg.log_fd = -1;
	iotrap_bus_init(&v->bus, -1);
}

#endif
