/* SPDX-License-Identifier: GPL-2.0-only */
/* The x86 machine behind the kvm backend, the "board": guest RAM around the
 * 3-4 GiB hole, COM1, the i8042, a PCI host bridge with virtio-console, the
 * ACPI tables that describe them and the CPU topology, the kernel copied in
 * while the rest is set up, and on kvm_pvm a watchdog for a silent guest.
 * With APIC IDs above 254 the IOAPIC is the userspace one (host/dev/ioapic.h)
 * on KVM's split irqchip; below, KVM's PIC, IOAPIC and PIT as before.
 * Assembled from the VMM floor (host/vmm), host/arch/x86 and host/dev. */
#ifndef KTSTR__MACHINE_X86_H
#define KTSTR__MACHINE_X86_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include "host/arch/x86/boot.h"
#include "host/arch/x86/topology.h"
#include "host/dev/ioapic.h"
#include "host/dev/pci.h"
#include "host/dev/serial8250.h"
#include "host/dev/virtio_console.h"
#include "host/vmm/vmm.h"
#include "kernels/kernels.h"

struct x86_machine_config {
	int nodes, llcs, cores, threads;	/* the guest topology (topology.h) */
	uint64_t mem_bytes;
	const struct kernel *kernel;
	const char *cmdline;
	int initrd_fd;			/* a file holding the initramfs, or -1 */
	size_t initrd_len;
	int console_fd;			/* COM1's output: the console log */
	int chan_fd;			/* virtio-console, a socket: the report stream
					 * out, the host's frames (run plan, acks) in */
	bool prefault, hugepages;	/* guest RAM (vmm.h) */
	unsigned profile_us;		/* RIP samples this often (0: none) */
	bool verbose;			/* the set-up times on stderr */
};

struct x86_machine {
	struct vmm vm;
	bool vm_created;		/* vmm_open succeeded: vm needs vmm_destroy */
	struct x86_topo topo;
	struct serial8250 com1;
	struct pci_bus pci;
	struct virtio_console con;
	struct ioapic ioapic;		/* split irqchip only */
	int left_behind;		/* vCPU threads that did not stop (vmm_join) */
	bool restored;			/* from a snapshot (x86_machine_restore) */
	/* The snapshot file it was built from, reset to or saved (snap_known),
	 * as fstat saw it: x86_machine_reset takes only the same file. */
	bool snap_known;
	struct x86_snap_id {
		dev_t dev;
		ino_t ino;
		off_t size;
		struct timespec mtime, ctime;
	} snap_id;
	pthread_t watchdog;
	bool watchdog_on;
	/* The kernel loader thread, running while the VM and vCPUs are
	 * created: copying ~60 MB into fresh guest RAM is the longest step of
	 * the set-up, and mostly the host zeroing pages. */
	struct x86_kernel_load {
		pthread_t thread;
		bool on;
		const struct x86_machine_config *cfg;
		struct x86_entry e;
		int rc;
		uint64_t ns;
		char msg[1024];
	} load;
};

/* Whether cfg describes a machine this board can build (the topology within
 * x86_topo_init's limits), before anything is opened. 0 or -1 with msg. */
int x86_machine_check(const struct x86_machine_config *cfg, char *msg, size_t len);
/* Build the machine and start its vCPUs. 0 or -1 with msg; call
 * x86_machine_destroy after either (m zeroed by the caller first). */
int x86_machine_start(struct x86_machine *m, const struct x86_machine_config *cfg,
		      char *msg, size_t len);
/* A snapshot of the running machine at path (created, must not exist): the
 * vCPUs are paused (parked outside KVM_RUN) and the devices held still
 * while its state and RAM are written, then it runs on. The format is
 * host/vmm/snapfile.h's; this board adds MACH (its shape and the host's
 * CPUID as KVM offers it), UART, PCIC, VPCI, VCON and IOAP. 0 or -1 with
 * msg. */
int x86_machine_save(struct x86_machine *m, const char *path, char *msg, size_t len);
/* Build the machine cfg describes from the snapshot at path instead of
 * booting: RAM mapped from the file copy-on-write, devices and vCPUs as
 * saved; x86_machine_go runs it. A snapshot of another shape, another
 * host CPU or that does not check out is refused. 0 or -1 with msg; call
 * x86_machine_destroy after either. */
int x86_machine_restore(struct x86_machine *m, const struct x86_machine_config *cfg,
			const char *path, char *msg, size_t len);
/* A machine x86_machine_restore built from path (or that x86_machine_save
 * wrote path from), whose vCPU threads were joined with none left behind
 * (x86_machine_join), back to the snapshot
 * for another run, reusing its KVM VM, vCPU fds, memory slots and devices:
 * the same file (device, inode, size, mtime and ctime as at the build or
 * the save),
 * cfg of the same shape (topology, RAM, no huge pages), the file read and
 * checked as for a restore, guest RAM mapped afresh from it over the same
 * addresses (vmm_reset), COM1 and virtio-console switched to cfg's
 * console_fd and chan_fd, every device and then the vCPUs, irqchip and
 * clock loaded again. x86_machine_go runs it, on new vCPU threads. 0, or
 * -1 with msg: then only x86_machine_destroy (build a new one). */
int x86_machine_reset(struct x86_machine *m, const struct x86_machine_config *cfg,
		      const char *path, char *msg, size_t len);
/* A stopped machine (x86_machine_join, none left behind) kept for
 * x86_machine_reset while the fds its config gave (console_fd, chan_fd)
 * are closed: the devices and the floor forget them (-1), so that nothing
 * writes to a number reused meanwhile. */
void x86_machine_forget_fds(struct x86_machine *m);
/* Start what x86_machine_restore built: the console's receive thread and
 * the vCPUs. 0 or -1 with msg. */
int x86_machine_go(struct x86_machine *m, char *msg, size_t len);
/* End the VM if it has not ended, join the vCPU threads (bounded:
 * VMM_JOIN_TIMEOUT_MS) and flush COM1. Returns m->left_behind: vCPU
 * threads that did not stop, which may still be inside a device. */
int x86_machine_join(struct x86_machine *m);
/* Free what the machine holds. With vCPU threads left behind, it frees
 * nothing they may use (and m must stay allocated). */
void x86_machine_destroy(struct x86_machine *m);

#endif
