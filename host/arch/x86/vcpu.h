/* SPDX-License-Identifier: GPL-2.0-only */
/* The x86 state of a new vCPU, set before it first runs: CPUID from the
 * guest topology, the boot MSRs, XCR0, the LAPIC's LINT pins and, where an
 * APIC ID is above 254, x2APIC mode. */
#ifndef KTSTR__ARCH_X86_VCPU_H
#define KTSTR__ARCH_X86_VCPU_H

#include <stddef.h>

struct vcpu;

/* A vmm_vcpu_setup_fn (host/vmm/vmm.h); ctx is the guest's
 * const struct x86_topo *, and v->index its CPU number there. */
int x86_vcpu_setup(void *ctx, struct vcpu *v, char *msg, size_t len);

#endif
