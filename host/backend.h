/* SPDX-License-Identifier: GPL-2.0-only */
/* The backend interface: something that boots a kernel with an initramfs
 * and hands back the guest's report stream and its end. Two of them: the
 * QEMU launcher (backend_qemu.c) and the project's own KVM VMM
 * (host/machine/backend_kvm.c); host/backend.c picks one by name. */
#ifndef KTSTR__HOST_BACKEND_H
#define KTSTR__HOST_BACKEND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "kernels/kernels.h"
#include "scenario/model.h"

struct vm_spec {
	const struct kernel *kernel;
	struct scn_topology topo;
	uint64_t mem_bytes;
	int initrd_fd;          /* a memfd holding the initramfs */
	size_t initrd_len;
	const char *cmdline;
	const char *console_log; /* the serial console is written here */
	const char *accel;      /* "auto", "kvm", "tcg" (qemu only) */
	bool prefault;          /* kvm only: fault guest RAM in before boot */
	bool hugepages;         /* kvm only: guest RAM from the hugetlbfs pool */
	const char *profile;    /* kvm only: write vCPU RIP samples here */
	unsigned profile_us;    /* kvm only: sampling period (default 1000) */
	/* Start from this snapshot state (host/snapshot.h) instead of booting:
	 * the guest comes up at READY, waiting for its run plan. While the
	 * backend loads it, restore_check (if set) is called; the guest runs
	 * only if it returns 0. */
	const char *restore_state;
	int (*restore_check)(void *ctx, char *msg, size_t len);
	void *restore_ctx;
	/* qemu: pin vCPU i's thread to host CPU pin_cpus[i % n_pin_cpus]
	 * (found with QMP query-cpus-fast); n_pin_cpus 0: not pinned. */
	const int *pin_cpus;
	int n_pin_cpus;
	int verbose;
};

enum vm_end {
	VM_END_RESET = 1, /* the guest rebooted or powered off: a clean end */
	VM_END_PANIC,     /* the backend saw a guest panic */
	VM_END_FAILED,    /* the backend itself failed (message says why) */
	VM_END_KILLED,    /* we killed it (timeout) */
};

struct backend {
	const char *name;
	/* Boot the guest. Returns 0 or -1 with msg. */
	int (*start)(struct backend *b, const struct vm_spec *spec, char *msg, size_t len);
	/* A readable fd carrying the framed report stream; EOF when the guest
	 * side closes. */
	int report_fd;
	/* A pollable fd that becomes readable when the VM has ended. */
	int exit_fd;
	/* After exit_fd is readable (or after kill): how it ended. */
	enum vm_end (*reap)(struct backend *b, char *msg, size_t len);
	void (*kill)(struct backend *b);
	void (*destroy)(struct backend *b);
	char accel_used[16];
	/* start took a warm VM (backend_kvm_warm) and reset it to the
	 * snapshot instead of building one: boot kind "warm". */
	bool warm;
	/* The VM's process when it is a child (QEMU), 0 when the VM runs in
	 * this process (the own VMM): whose threads' CPU time is the VM's. */
	pid_t vm_pid;
	/* The channel carries host -> guest frames (the run plan, acks);
	 * otherwise the plan goes in the initramfs. */
	bool plan_channel;
	/* Snapshots: save pauses the guest, writes its whole state to path
	 * (created, must not exist), and resumes it; 0 or -1 with msg. NULL
	 * for a backend that cannot. program is the file the state format
	 * depends on (QEMU's binary), part of the snapshot key by content. */
	int (*save)(struct backend *b, const char *path, char *msg, size_t len);
	const char *(*program)(void);
	void *priv;
};

/* Which backend a --backend name means on this host: "kvm", "qemu", or
 * for "auto" kvm where this host's KVM can run an unmodified kernel, else
 * qemu (why says which and why). NULL for an unknown name. */
const char *backend_resolve(const char *name, char *why, size_t len);
/* Whether backend name ("kvm" or "qemu") can run a guest with topology t
 * (the own VMM's limits live in host/arch/x86/topology.c, QEMU's in
 * backend_qemu.c): 0, or -1 with msg. validate and run ask before a kernel
 * or an initramfs is prepared. */
int backend_topo_check(const char *name, const struct scn_topology *t,
		       char *msg, size_t len);
int backend_qemu_topo_check(const struct scn_topology *t, char *msg, size_t len);

struct backend *backend_qemu_new(void);
struct backend *backend_kvm_new(void);
/* The kvm backend's warm VM, one per process, for a process that serves
 * several runs (a kvm suite's runner). On: destroy keeps a VM that was
 * restored from a snapshot (or saved one) and ended cleanly (the guest
 * rebooted or powered off; not killed, no vCPU thread left behind) instead
 * of freeing it, and the next start that restores the same snapshot file
 * into the same shape resets it (vm_spec's restore_check is not called:
 * the file is the one checked when the VM was built from it, or the one it
 * wrote, unchanged by device, inode, size, mtime and ctime); any other
 * start frees it. Off: frees the warm VM, if any. */
void backend_kvm_warm(bool on);
/* The QEMU command line the qemu backend runs for spec (accel "kvm" or
 * "tcg", the report socket at sock, QMP at qmp, the snapshot state to
 * restore on fd incoming_fd or -1) into argv[BACKEND_QEMU_MAX_ARGS],
 * NULL-terminated; each argv[i] is malloc'd. Paths inside QEMU option
 * lists have their commas doubled. Returns argc, or -1 (argv untouched)
 * when a path is too long. */
#define BACKEND_QEMU_MAX_ARGS 64
int backend_qemu_argv(char **argv, const struct vm_spec *spec, const char *accel,
		      const char *sock, const char *qmp, int incoming_fd);

#endif
