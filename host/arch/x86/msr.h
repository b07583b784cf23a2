/* Boot-time MSR values and LAPIC LINT setup for each vCPU. */
#ifndef KTSTR__ARCH_X86_MSR_H
#define KTSTR__ARCH_X86_MSR_H

#include <stddef.h>

/* KVM_SET_MSRS with the boot values (FC create_boot_msr_entries). */
int x86_msr_setup(int vcpu_fd, char *msg, size_t len);
/* LVT0 = ExtINT, LVT1 = NMI (FC set_lint, kvmtool kvm_cpu__set_lint). */
int x86_lapic_setup(int vcpu_fd, char *msg, size_t len);

#endif
