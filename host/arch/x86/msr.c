// SPDX-License-Identifier: GPL-2.0-only
/* Boot MSRs, XCR0, LAPIC LINT pins and x2APIC mode (see msr.h). */
#include <errno.h>
#include <linux/kvm.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>

#include "host/arch/x86/msr.h"

static const struct { uint32_t index; uint64_t data; } boot_msrs[] = {
	{ 0x174, 0 },			/* IA32_SYSENTER_CS */
	{ 0x175, 0 },			/* IA32_SYSENTER_ESP */
	{ 0x176, 0 },			/* IA32_SYSENTER_EIP */
	{ 0xc0000081, 0 },		/* STAR */
	{ 0xc0000082, 0 },		/* LSTAR */
	{ 0xc0000083, 0 },		/* CSTAR */
	{ 0xc0000084, 0 },		/* SYSCALL_MASK */
	{ 0xc0000102, 0 },		/* KERNEL_GS_BASE */
	{ 0x10, 0 },			/* IA32_TSC: equal on all vCPUs */
	{ 0x1a0, 1 },			/* IA32_MISC_ENABLE: fast strings */
	{ 0x2ff, (1 << 11) | 6 },	/* MTRRdefType: enabled, write-back */
};

#define N_BOOT_MSRS (sizeof(boot_msrs) / sizeof(boot_msrs[0]))

#define MSR_IA32_APICBASE	0x1b
#define APICBASE_EXTD		(1ull << 10)	/* x2APIC mode */
#define APICBASE_EN		(1ull << 11)

int x86_msr_setup(int vcpu_fd, char *msg, size_t len)
{
	struct {
		struct kvm_msrs hdr;
		struct kvm_msr_entry e[N_BOOT_MSRS];
	} m;
	int ret;

	memset(&m, 0, sizeof(m));
	m.hdr.nmsrs = N_BOOT_MSRS;
	for (size_t i = 0; i < N_BOOT_MSRS; i++) {
		m.e[i].index = boot_msrs[i].index;
		m.e[i].data = boot_msrs[i].data;
	}
	ret = ioctl(vcpu_fd, KVM_SET_MSRS, &m);
	if (ret < 0) {
		snprintf(msg, len, "KVM_SET_MSRS: %s", strerror(errno));
		return -1;
	}
	if (ret != (int)N_BOOT_MSRS) {
		snprintf(msg, len, "KVM_SET_MSRS: MSR 0x%x refused",
			 boot_msrs[ret].index);
		return -1;
	}
	return 0;
}

int x86_xcr_setup(int vcpu_fd, uint64_t xcr0, char *msg, size_t len)
{
	struct kvm_xcrs x;

	memset(&x, 0, sizeof(x));
	x.nr_xcrs = 1;
	x.xcrs[0].xcr = 0;
	x.xcrs[0].value = xcr0;
	if (ioctl(vcpu_fd, KVM_SET_XCRS, &x)) {
		snprintf(msg, len, "KVM_SET_XCRS XCR0=0x%llx: %s",
			 (unsigned long long)xcr0, strerror(errno));
		return -1;
	}
	return 0;
}

static void set_lvt(struct kvm_lapic_state *l, int off, uint32_t mode)
{
	uint32_t v;

	memcpy(&v, &l->regs[off], 4);
	v = (v & ~0x700u) | mode << 8;
	memcpy(&l->regs[off], &v, 4);
}

int x86_lapic_setup(int vcpu_fd, char *msg, size_t len)
{
	struct kvm_lapic_state l;

	if (ioctl(vcpu_fd, KVM_GET_LAPIC, &l)) {
		snprintf(msg, len, "KVM_GET_LAPIC: %s", strerror(errno));
		return -1;
	}
	set_lvt(&l, 0x350, 7);	/* LVT0: ExtINT */
	set_lvt(&l, 0x360, 4);	/* LVT1: NMI */
	if (ioctl(vcpu_fd, KVM_SET_LAPIC, &l)) {
		snprintf(msg, len, "KVM_SET_LAPIC: %s", strerror(errno));
		return -1;
	}
	return 0;
}

int x86_x2apic_enable(int vcpu_fd, char *msg, size_t len)
{
	struct {
		struct kvm_msrs hdr;
		struct kvm_msr_entry e;
	} m;

	memset(&m, 0, sizeof(m));
	m.hdr.nmsrs = 1;
	m.e.index = MSR_IA32_APICBASE;
	if (ioctl(vcpu_fd, KVM_GET_MSRS, &m) != 1) {
		snprintf(msg, len, "KVM_GET_MSRS IA32_APIC_BASE: %s", strerror(errno));
		return -1;
	}
	m.e.data |= APICBASE_EN | APICBASE_EXTD;	/* keeps the BSP flag KVM set */
	if (ioctl(vcpu_fd, KVM_SET_MSRS, &m) != 1) {
		snprintf(msg, len, "KVM_SET_MSRS IA32_APIC_BASE=0x%llx (x2APIC mode): %s",
			 (unsigned long long)m.e.data, strerror(errno));
		return -1;
	}
	return 0;
}
