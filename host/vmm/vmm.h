/* SPDX-License-Identifier: GPL-2.0-only */
/* The VMM floor: one KVM VM with its guest RAM, in-kernel irqchip, vCPU
 * threads and the I/O bus. It speaks KVM's x86 API but knows no topology,
 * device or address map: the layers above (host/arch/x86, host/dev,
 * host/machine) say where RAM goes, which vCPUs to create and how to set
 * each up, and which devices sit on the bus (ARCHITECTURE.md). */
#ifndef KTSTR__VMM_VMM_H
#define KTSTR__VMM_VMM_H

#include <linux/kvm.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "host/vmm/exitstats.h"
#include "host/vmm/guestmem.h"
#include "host/vmm/iotrap.h"
#include "host/vmm/snapfile.h"

enum vmm_end {
	VMM_END_NONE = 0,
	VMM_END_RESET,		/* i8042 reset, ACPI reset, triple fault after reboot */
	VMM_END_PANIC,		/* the guest kernel said "Kernel panic" */
	VMM_END_ERROR,		/* KVM or the VMM failed; end_msg says why */
	VMM_END_STOPPED,	/* vmm_stop() from the host */
};

struct vmm;

/* A device's interrupt line to a userspace interrupt controller. */
typedef void vmm_irq_line_fn(void *ctx, uint32_t irq, int level);

struct vcpu {
	struct vmm *vm;
	int index;		/* Linux CPU number (MADT order) */
	uint32_t apic_id;	/* KVM vcpu_id, which KVM makes the APIC ID */
	int fd;
	struct kvm_run *run;
	pthread_t thread;
	bool started;
	/* Its thread ended without KVM completing its last exit (vmm_reset
	 * then refuses: KVM would complete that exit over the state loaded). */
	bool exit_pending;
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

/* Guest RAM regions: one KVM memory slot each, slot i for ram[i]. */
#define VMM_MAX_RAM 2

struct vmm_ram {
	uint64_t gpa, size;
};

/* Guest RAM's content from a snapshot file (snapfile.h): the extents' pages
 * are mapped from fd copy-on-write (or, with hugepages, read in); the rest
 * is fresh zeroed memory. */
struct vmm_ram_src {
	int fd;
	uint64_t data_off;
	const struct vmm_ram_extent *ext;
	uint32_t n;
};

struct vmm_config {
	struct vmm_ram ram[VMM_MAX_RAM];
	int n_ram;
	uint64_t tss_addr;	/* KVM_SET_TSS_ADDR: 3 pages the guest never uses */
	uint64_t idmap_addr;	/* KVM_SET_IDENTITY_MAP_ADDR: 1 page (0: KVM's default) */
	bool irqchip;		/* false only for bare test guests (HLT exits) */
	/* With irqchip: 0 for KVM's PIC, IOAPIC and PIT; else the split
	 * irqchip APIC IDs above 254 need: only the LAPICs in KVM, in x2APIC
	 * format (32-bit IDs, no 0xff broadcast: KVM_CAP_X2APIC_API), and an
	 * IOAPIC with this many pins in userspace (vmm_set_irq_lines). */
	unsigned split_irqchip;
	int log_fd;		/* VMM diagnostics (console log), or -1 */
	bool prefault;		/* fault all guest RAM in before the first KVM_RUN */
	bool hugepages;		/* RAM from the hugetlbfs pool (2 MiB, resident) */
	unsigned profile_us;	/* sample each vCPU's RIP this often (0: off) */
	/* KVM_CAP_HALT_POLL 0: a halted vCPU sleeps at once instead of
	 * polling for a wake-up first (KVM's default, up to 200 us), which on
	 * an overcommitted host takes the CPU another vCPU needs. */
	bool no_halt_poll;
	const struct vmm_ram_src *ram_src;	/* RAM from a snapshot, or NULL (used
						 * by vmm_open only) */
};

struct vmm {
	int kvm_fd, vm_fd;
	int run_size;
	struct vmm_config cfg;
	struct guestmem gm;
	struct gm_region ram[VMM_MAX_RAM];	/* the mappings of cfg.ram (vmm_open) */
	int n_ram;
	bool ram_file;			/* some of it mapped from a file (cfg.ram_src) */
	struct kvm_cpuid2 *cpuid;	/* KVM_GET_SUPPORTED_CPUID, unpatched */
	int nvcpus;
	struct vcpu *vcpus;
	struct iotrap_bus bus;
	bool is_pvm;			/* /dev/kvm is kvm_pvm */
	bool has_xcrs;			/* KVM_CAP_XCRS: XCR0 preset (msr.h) */
	vmm_irq_line_fn *irq_line;	/* split irqchip: the userspace IOAPIC */
	void *irq_ctx;
	int coalesced_page;		/* KVM_CAP_COALESCED_MMIO: ring page in kvm_run */

	/* vmm_pause: every vCPU thread parks outside KVM_RUN. */
	pthread_mutex_t pause_lock;
	pthread_cond_t pause_cond;
	atomic_bool pause_req;
	int parked;			/* under pause_lock */
	struct kvm_clock_data saved_clock;	/* kvmclock when vmm_save ran */
	bool clock_saved;

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
/* A VM whose guest ended by rebooting (VMM_END_RESET) and whose vCPU
 * threads all stopped with their last exit complete (vmm_join left none
 * behind; none has exit_pending), back to where vmm_open and
 * vmm_create_vm left it, for vmm_load into the same vCPUs: guest RAM
 * mapped afresh over the same addresses, the snapshot's pages from src as
 * vmm_open maps them (the memory slots stay; KVM drops its mappings of the
 * old pages, the MMU notifier), diagnostics to log_fd, and the end, the
 * pause state, KVM's queued writes, the exit counts and the profile
 * samples cleared. Not for RAM in huge pages. 0 or -1 with msg; after -1
 * the VM is only fit for vmm_destroy. */
int vmm_reset(struct vmm *vm, const struct vmm_ram_src *src, int log_fd, char *msg,
	      size_t len);
void vmm_destroy(struct vmm *vm);
/* Deliver an MSI (KVM_SIGNAL_MSI); with the split irqchip its address goes
 * through vmm_msi_ext_dest first. */
int vmm_signal_msi(struct vmm *vm, uint64_t addr, uint32_t data);
/* An MSI address as KVM takes it with 32-bit APIC IDs: the destination's
 * bits 8-14, which a guest told KVM_FEATURE_MSI_EXT_DEST_ID writes into
 * address bits 11:5, moved to address_hi bits 15:8. */
uint64_t vmm_msi_ext_dest(uint64_t addr);
/* Let KVM queue guest writes to [addr, addr+size) (a port range if pio) in
 * the coalesced ring instead of exiting; they reach the device, in order,
 * before the next access the VMM handles. Only for registers whose writes
 * have no effect the guest could see before its next read or other exit
 * (an address latch). 0, or -ENOTSUP/-errno: the writes then exit as before. */
int vmm_coalesce(struct vmm *vm, bool pio, uint64_t addr, uint32_t size);
/* Memory slots: RAM in 0 .. VMM_MAX_RAM - 1, then this one. */
#define VMM_SLOT_READONLY VMM_MAX_RAM
/* Let the guest read [gpa, gpa+size) from hva without exits; its writes
 * there exit as MMIO (KVM_MEM_READONLY). One such slot. 0, -ENOTSUP
 * (KVM cannot, or no VM) or -errno. */
int vmm_add_readonly_slot(struct vmm *vm, uint64_t gpa, uint64_t size, void *hva);
/* Set an IOAPIC/PIC input line level: KVM's, or with the split irqchip the
 * userspace IOAPIC's that vmm_set_irq_lines named. */
int vmm_irq_line(struct vmm *vm, uint32_t irq, int level);
void vmm_set_irq_lines(struct vmm *vm, vmm_irq_line_fn *fn, void *ctx);
uint64_t vmm_now_ns(void);

/* vcpu.c */
/* Takes a vCPU thread out of KVM_RUN (EINTR) or a device's poll(); the
 * handler does nothing, with SA_RESTART. */
#define VMM_KICK_SIGNAL (SIGRTMIN + 1)
/* The layer above's set-up of a new vCPU before it first runs (on x86:
 * CPUID, MSRs, XCR0, LAPIC; host/arch/x86/vcpu.h). 0 or -1 with msg. */
typedef int vmm_vcpu_setup_fn(void *ctx, struct vcpu *v, char *msg, size_t len);
/* Create n vCPUs: vCPU i (Linux CPU i) gets KVM vcpu_id ids[i], then
 * setup(ctx, v) unless setup is NULL. The boot code then sets the boot
 * vCPU's registers. 0 or -1+msg (also when n or an id is beyond what this
 * host's KVM allows: KVM_CAP_MAX_VCPUS, KVM_CAP_MAX_VCPU_ID). */
int vmm_create_vcpus(struct vmm *vm, int n, const uint32_t *ids, vmm_vcpu_setup_fn *setup,
		     void *ctx, char *msg, size_t len);
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
/* Exit statistics of all vCPUs (after vmm_join), as text lines. */
int vmm_exit_summary(struct vmm *vm, char *buf, size_t len);
/* Take every vCPU thread out of KVM_RUN and park it, its last exit complete
 * (KVM finishes a pending I/O exit on the KVM_RUN that immediate_exit ends),
 * so that its state can be read. 0, or -1 with msg (the VM ended, or a vCPU
 * did not stop within timeout_ms: then nothing stays paused). */
int vmm_pause(struct vmm *vm, unsigned timeout_ms, char *msg, size_t len);
void vmm_resume(struct vmm *vm);

/* state.c: a paused VM's state into a snapshot, and back. */
/* The vCPUs (registers, FPU/XSAVE, XCRs, every MSR KVM lists, LAPIC,
 * events, MP state, debug registers) and the VM (kvmclock, KVM's PIC,
 * IOAPIC and PIT) as sections. 0 or -1 with msg. */
int vmm_save(struct vmm *vm, struct vsnap_writer *w, char *msg, size_t len);
/* kvmclock back to where vmm_save read it, before vmm_resume: the guest
 * does not see the time the save took (as QEMU's stop and cont). 0, or -1
 * with msg. */
int vmm_clock_rewind(struct vmm *vm, char *msg, size_t len);
/* Write the file: the sections and the RAM pages that hold data (pages
 * never touched or all zero are left out). 0 or -1 with msg. */
int vmm_write_snapshot(struct vmm *vm, struct vsnap_writer *w, const char *path,
		       char *msg, size_t len);
/* Into a VM whose vCPUs exist (same ids, set up as for a boot) and have not
 * run: the irqchip and PIT, each vCPU, then kvmclock. 0 or -1 with msg. */
int vmm_load(struct vmm *vm, const struct vsnap_reader *r, char *msg, size_t len);

/* vcpu_dump.c */
/* Human-readable register and instruction dump of a vCPU into buf. */
void vmm_dump_vcpu(struct vcpu *v, char *buf, size_t len);

/* profile.c */
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
