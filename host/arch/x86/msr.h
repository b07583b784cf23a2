/* SPDX-License-Identifier: GPL-2.0-only */
/* Boot-time MSR values, XCR0, LAPIC LINT setup and x2APIC mode for each
 * vCPU. */
#ifndef KTSTR__ARCH_X86_MSR_H
#define KTSTR__ARCH_X86_MSR_H

#include <stddef.h>

/* KVM_SET_MSRS with the boot values (FC create_boot_msr_entries). */
int x86_msr_setup(int vcpu_fd, char *msg, size_t len);
/* KVM_SET_XCRS: XCR0 = xcr0 (x86_cpuid_xcr0), after KVM_SET_CPUID2. The
 * guest cannot see XCR0 before it sets CR4.OSXSAVE and then writes it itself,
 * but KVM computes CPUID 0xD.0 EBX (the XSAVE size for the current XCR0) from
 * its own copy, and that copy only follows the guest through the XSETBV
 * intercept. Nested under QEMU TCG's SVM, which ignores that intercept, the
 * reset value 0x1 would stay and Linux's XSAVE size check would fail (576 vs
 * the real size); starting from the XCR0 Linux will choose keeps it right.
 * Skipped (0) without KVM_CAP_XCRS. */
int x86_xcr_setup(int vcpu_fd, uint64_t xcr0, char *msg, size_t len);
/* LVT0 = ExtINT, LVT1 = NMI (FC set_lint, kvmtool kvm_cpu__set_lint). */
int x86_lapic_setup(int vcpu_fd, char *msg, size_t len);
/* IA32_APIC_BASE in x2APIC mode (EN | EXTD), as firmware must leave every
 * CPU when an APIC ID is above 254 (SeaBIOS does so): Linux, whose xAPIC
 * driver takes no such ID, then reads the MADT's x2APIC entries, and an AP
 * that INIT/SIPI starts keeps the mode and reads its 32-bit ID. After
 * KVM_SET_CPUID2 with x2APIC and x86_lapic_setup. */
int x86_x2apic_enable(int vcpu_fd, char *msg, size_t len);

#endif
