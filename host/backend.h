/* The backend interface: something that boots a kernel with an initramfs
 * and hands back the guest's report stream and its end. Two of them: the
 * QEMU launcher (backend_qemu.c) and the project's own KVM VMM
 * (host/machine/backend_kvm.c). */
#ifndef KTSTR__HOST_BACKEND_H
#define KTSTR__HOST_BACKEND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

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
	void *priv;
};

struct backend *backend_qemu_new(void);
struct backend *backend_kvm_new(void);

#endif
