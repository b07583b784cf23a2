// SPDX-License-Identifier: GPL-2.0-only
/* Per-vCPU x86 set-up (see vcpu.h): KVM's supported CPUID patched for this
 * CPU of the topology, then MSRs, XCR0, the LAPIC and, with APIC IDs above
 * 254, x2APIC mode. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "host/arch/x86/cpuid.h"
#include "host/arch/x86/msr.h"
#include "host/arch/x86/vcpu.h"
#include "host/vmm/vmm.h"

int x86_vcpu_setup(void *ctx, struct vcpu *v, char *msg, size_t len)
{
	const struct x86_topo *t = ctx;
	struct vmm *vm = v->vm;
	int cap = vm->cpuid->nent + 24;	/* x86_cpuid_patch adds up to 16 */
	struct kvm_cpuid2 *c = calloc(1, sizeof(*c) + cap * sizeof(c->entries[0]));
	int ret = -1;

	if (!c || x86_cpuid_patch(c, cap, vm->cpuid, t, v->index)) {
		snprintf(msg, len, "CPUID for vCPU %d: out of entries", v->index);
		goto out;
	}
	if (ioctl(v->fd, KVM_SET_CPUID2, c)) {
		snprintf(msg, len, "KVM_SET_CPUID2 vCPU %d: %s", v->index, strerror(errno));
		goto out;
	}
	if (x86_msr_setup(v->fd, msg, len))
		goto out;
	if (vm->has_xcrs && x86_xcr_setup(v->fd, x86_cpuid_xcr0(c), msg, len))
		goto out;
	if (vm->cfg.irqchip && x86_lapic_setup(v->fd, msg, len))
		goto out;
	if (vm->cfg.irqchip && x86_topo_x2apic(t) && x86_x2apic_enable(v->fd, msg, len))
		goto out;
	ret = 0;
out:
	free(c);
	return ret;
}
