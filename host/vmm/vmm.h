/* SPDX-License-Identifier: GPL-2.0-only */
/* The VMM core: one KVM VM with its guest RAM, in-kernel irqchip, vCPU
 * threads and the I/O bus. Architecture code and devices hang off it. */
#ifndef KTSTR__VMM_VMM_H
#define KTSTR__VMM_VMM_H

#include <linux/kvm.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "host/arch/x86/topology.h"
#include "host/vmm/exitstats.h"
#include "host/vmm/guestmem.h"
#include "host/vmm/iotrap.h"

enum vmm_end {
	VMM_END_NONE = 0,
	VMM_END_RESET,		/* i8042 reset, ACPI reset, triple fault after reboot */
	VMM_END_PANIC,		/* the guest kernel said "Kernel panic" */
	VMM_END_ERROR,		/* KVM or the VMM failed; end_msg says why */
	VMM_END_STOPPED,	/* vmm_stop() from the host */
};

struct vmm;

struct vcpu {
	struct vmm *vm;
	int index;		/* Linux CPU number (MADT order) */
	uint32_t apic_id;	/* = KVM vcpu_id */
	int fd;
	struct kvm_run *run;
	pthread_t thread;
	bool started;
	struct exitstats stats;	/* written by this vCPU's thread only */
	struct vcpu_sample *samples;	/* --profile: where the guest was, */
	size_t nsamples, cap_samples;	/* every cfg.profile_us */
};

/* One profile sample: when (ms since the vCPU thread started), the guest's
 * RIP, and whether the vCPU was halted (waiting in KVM) at that moment. */
struct vcpu_sample {
	uint64_t rip;
	uint32_t ms;
	uint32_t halted;
};

struct vmm_config {
	uint64_t mem_bytes;
	struct x86_topo topo;
	bool irqchip;		/* false only for bare test guests (HLT exits) */
	int log_fd;		/* VMM diagnostics (console log), or -1 */
	bool prefault;		/* fault all guest RAM in before the first KVM_RUN */
	bool hugepages;		/* RAM from the hugetlbfs pool (2 MiB, resident) */
	unsigned profile_us;	/* sample each vCPU's RIP this often (0: off) */
};

struct vmm {
	int kvm_fd, vm_fd;
	int run_size;
	struct vmm_config cfg;
	struct guestmem gm;
	uint8_t *ram_lo, *ram_hi;	/* mmaps below 3 GiB / above 4 GiB */
	uint64_t lo_size, hi_size;
	struct kvm_cpuid2 *cpuid;	/* KVM_GET_SUPPORTED_CPUID, unpatched */
	int nvcpus;
	struct vcpu *vcpus;
	struct iotrap_bus bus;
	bool is_pvm;			/* /dev/kvm is kvm_pvm */
	bool has_xcrs;			/* KVM_CAP_XCRS: XCR0 preset (msr.h) */
	int coalesced_page;		/* KVM_CAP_COALESCED_MMIO: ring page in kvm_run */

	atomic_int end;			/* enum vmm_end; first writer wins */
	char end_msg[4096];
	int exit_efd;			/* eventfd, readable once the VM ended */
	atomic_bool panic_seen;		/* set by the console scanner */
	uint64_t t_start_ns, t_first_run_ns;
};

/* kvm.c */
/* Open /dev/kvm, create the VM, RAM slots, irqchip and PIT. 0 or -1+msg. */
int vmm_create(struct vmm *vm, const struct vmm_config *cfg, char *msg, size_t len);
/* vmm_create in two steps: vmm_open maps guest RAM (vm->gm is usable, for
 * loading a kernel while the rest is set up), vmm_create_vm creates the KVM
 * VM, irqchip and memory slots. vmm_destroy after either. */
int vmm_open(struct vmm *vm, const struct vmm_config *cfg, char *msg, size_t len);
int vmm_create_vm(struct vmm *vm, char *msg, size_t len);
void vmm_destroy(struct vmm *vm);
/* Deliver an MSI (KVM_SIGNAL_MSI). */
int vmm_signal_msi(struct vmm *vm, uint64_t addr, uint32_t data);
/* Let KVM queue guest writes to [addr, addr+size) (a port range if pio) in
 * the coalesced ring instead of exiting; they reach the device, in order,
 * before the next access the VMM handles. Only for registers whose writes
 * have no effect the guest could see before its next read or other exit
 * (an address latch). 0, or -ENOTSUP/-errno: the writes then exit as before. */
int vmm_coalesce(struct vmm *vm, bool pio, uint64_t addr, uint32_t size);
/* Memory slots: 0 RAM below the hole, 1 RAM from 4 GiB, then this one. */
#define VMM_SLOT_READONLY 2
/* Let the guest read [gpa, gpa+size) from hva without exits; its writes
 * there exit as MMIO (KVM_MEM_READONLY). One such slot. 0, -ENOTSUP
 * (KVM cannot, or no VM) or -errno. */
int vmm_add_readonly_slot(struct vmm *vm, uint64_t gpa, uint64_t size, void *hva);
/* Set an IOAPIC/PIC input line level. */
int vmm_irq_line(struct vmm *vm, uint32_t irq, int level);
uint64_t vmm_now_ns(void);

/* vcpu.c */
/* Takes a vCPU thread out of KVM_RUN (EINTR) or a device's poll(); the
 * handler does nothing, with SA_RESTART. */
#define VMM_KICK_SIGNAL (SIGRTMIN + 1)
/* Create all vCPUs (vcpu_id = APIC ID) and set their CPUID, MSRs and LAPIC.
 * The boot code then sets the BSP's registers. 0 or -1+msg. */
int vmm_create_vcpus(struct vmm *vm, char *msg, size_t len);
/* Start one thread per vCPU. */
int vmm_start(struct vmm *vm, char *msg, size_t len);
/* End the VM (first caller's reason and message stick) and kick every vCPU
 * out of KVM_RUN. Safe from any thread. */
void vmm_end(struct vmm *vm, enum vmm_end why, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Join the vCPU threads, ending the VM first if it has not ended. Bounded:
 * a thread is kicked again every 100 ms, and one still running after
 * timeout_ms in all is reported in the log and left behind (it keeps
 * vcpu.started; a later vmm_join tries again, vmm_destroy frees nothing).
 * Returns how many were left behind. */
int vmm_join(struct vmm *vm, unsigned timeout_ms);
#define VMM_JOIN_TIMEOUT_MS 2000	/* the backend's: threads leave in ~1 ms */
/* Human-readable register and instruction dump of a vCPU into buf. */
void vmm_dump_vcpu(struct vcpu *v, char *buf, size_t len);
/* Exit statistics of all vCPUs (after vmm_join), as text lines. */
int vmm_exit_summary(struct vmm *vm, char *buf, size_t len);
/* The profile samples (cfg.profile_us), after vmm_join, one line each:
 * "VCPU MS RIP H|R" (halted or running). 0 or -errno. */
int vmm_write_profile(struct vmm *vm, const char *path);
/* Write a diagnostic line to the log fd. */
void vmm_log(struct vmm *vm, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A device's output to fd (non-blocking where it can fill: a pipe): all of
 * buf, waiting for room while the VM runs; once it ends, what fits at once.
 * Stops at an error (EPIPE: nobody reads). Returns the bytes written. */
size_t vmm_write_all(struct vmm *vm, int fd, const void *buf, size_t len);

#endif
