/* SPDX-License-Identifier: GPL-2.0-only */
/* Shared by the board's boot (x86.c) and its snapshots (x86_snap.c). */
#ifndef KTSTR__MACHINE_X86_INTERNAL_H
#define KTSTR__MACHINE_X86_INTERNAL_H

#include "host/machine/x86.h"

/* The floor's configuration for c: topology (into m->topo), the split
 * irqchip where APIC IDs need it, RAM around the hole. 0 or -1 with msg. */
int x86_vm_config(struct x86_machine *m, const struct x86_machine_config *c,
		  struct vmm_config *cfg, char *msg, size_t len);
/* The devices at their addresses, after vmm_create_vm. 0 or -1 with msg. */
int x86_setup_devices(struct x86_machine *m, const struct x86_machine_config *c,
		      char *msg, size_t len);
/* The vCPUs with their x86 set-up (CPUID, MSRs, LAPIC). 0 or -1 with msg. */
int x86_setup_vcpus(struct x86_machine *m, char *msg, size_t len);

/* x86_snap.c: KVM_GET_SUPPORTED_CPUID's hash for a snapshot's MACH, less
 * the fields that name the host CPU the ioctl ran on (its APIC ID). */
uint64_t x86_snap_cpuid_hash(const struct kvm_cpuid2 *c);

#endif
