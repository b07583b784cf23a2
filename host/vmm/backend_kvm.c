// SPDX-License-Identifier: GPL-2.0-only
/* The KVM backend: assembles a VM from the VMM core, the x86 boot and ACPI
 * code and the devices (COM1, i8042, PCI host bridge, virtio-console), and
 * exposes it through struct backend (report pipe, exit eventfd, reap). */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "host/arch/x86/acpi.h"
#include "host/arch/x86/boot.h"
#include "host/arch/x86/layout.h"
#include "host/dev/i8042.h"
#include "host/dev/pci.h"
#include "host/dev/serial8250.h"
#include "host/dev/virtio_console.h"
#include "host/vmm/backend_kvm.h"
#include "host/vmm/vmm.h"

struct kvm_backend {
	struct vmm vm;
	bool vm_created;
	struct serial8250 com1;
	struct pci_bus pci;
	struct virtio_console con;
	int log_fd, pipe_w;
	bool killed, joined;
	int left_behind;	/* vCPU threads that did not stop (vmm_join) */
	pthread_t watchdog;
	bool watchdog_on;
	int verbose;
	const char *profile;
	/* The kernel loader thread (load_kernel), running while the VM and
	 * vCPUs are created: copying ~60 MB into fresh guest RAM is the
	 * longest step of the set-up, and mostly the host zeroing pages. */
	struct kernel_load {
		pthread_t thread;
		bool on;
		const struct vm_spec *spec;
		struct x86_entry e;
		int rc;
		uint64_t ns;
		char msg[1024];
	} load;
};

static int setup_devices(struct kvm_backend *k, char *msg, size_t len)
{
	struct vmm *vm = &k->vm;
	int err;

	err = serial8250_init(&k->com1, vm, k->log_fd) ?:
	      i8042_init(vm) ?:
	      pci_init(&k->pci, vm, NULL, X86_PCI_ECAM, X86_PCI_MMIO_BASE, X86_PCI_MMIO_SIZE,
		       X86_PCI_IO_BASE, X86_PCI_IO_SIZE) ?:
	      virtio_console_init(&k->con, vm, k->pipe_w, X86_PCI_MMIO_BASE, X86_PCI_IO_BASE) ?:
	      pci_add(&k->pci, 1, &k->con.vp.pci);
	if (err) {
		snprintf(msg, len, "device setup: %s", strerror(-err));
		return -1;
	}
	err = pci_map_ecam(&k->pci);
	if (err && k->verbose)
		fprintf(stderr, "kvm: PCI config reads will exit (no read-only slot: %s)\n",
			strerror(-err));
	return 0;
}

/* e820 reserves the window the PCI code maps. */
_Static_assert(X86_PCI_ECAM_SIZE == PCI_ECAM_SIZE, "ECAM window size");

static int setup_acpi(struct kvm_backend *k, char *msg, size_t len)
{
	struct vmm *vm = &k->vm;
	struct acpi_config cfg = {
		.topo = &vm->cfg.topo,
		.pci_mmio_base = X86_PCI_MMIO_BASE, .pci_mmio_size = X86_PCI_MMIO_SIZE,
		.pci_io_base = X86_PCI_IO_BASE, .pci_io_size = X86_PCI_IO_SIZE,
		.pci_ecam_base = X86_PCI_ECAM,
	};
	struct acpi_layout lay;
	size_t room = X86_ACPI_END - X86_ACPI_START;
	uint8_t *buf = gm_ptr(&vm->gm, X86_ACPI_START, room);
	int n = acpi_node_mem_ranges(vm->cfg.mem_bytes, vm->cfg.topo.nodes, cfg.mem,
				     ACPI_MAX_MEM);

	if (n < 0 || !buf) {
		snprintf(msg, len, "ACPI: memory layout does not fit");
		return -1;
	}
	cfg.n_mem = n;
	if (acpi_build(buf, X86_ACPI_START, room, &cfg, &lay)) {
		snprintf(msg, len, "ACPI tables do not fit in 0xE0000-0xFFFFF");
		return -1;
	}
	if (lay.rsdp != X86_ACPI_START) {	/* the kernel loader assumed it */
		snprintf(msg, len, "ACPI: RSDP at 0x%llx, not at 0x%llx",
			 (unsigned long long)lay.rsdp, X86_ACPI_START);
		return -1;
	}
	return 0;
}

static int load_kernel(struct kvm_backend *k, const struct vm_spec *s, uint64_t rsdp,
		       struct x86_entry *e, char *msg, size_t len)
{
	struct vmm *vm = &k->vm;
	struct x86_boot_args a = {
		.cmdline = s->cmdline, .initrd_fd = s->initrd_fd, .initrd_len = s->initrd_len,
		.ram_lo_end = vm->lo_size, .ram_hi_size = vm->hi_size, .rsdp = rsdp,
	};

	/* kvm_pvm cannot run the 32-bit PVH entry at all (the vCPU never gets
	 * anywhere); its 64-bit entry at least fails with a clear exit. */
	if (vm->is_pvm && s->kernel->bzimage[0])
		return x86_boot_bzimage(&vm->gm, s->kernel->bzimage, &a, e, msg, len);
	if (s->kernel->vmlinux[0] && s->kernel->has_pvh)
		return x86_boot_pvh(&vm->gm, s->kernel->vmlinux, &a, e, msg, len);
	if (s->kernel->bzimage[0])
		return x86_boot_bzimage(&vm->gm, s->kernel->bzimage, &a, e, msg, len);
	snprintf(msg, len, "the kernel has neither a PVH vmlinux nor a bzImage");
	return -1;
}

static void *load_thread(void *arg)
{
	struct kvm_backend *k = arg;
	struct kernel_load *l = &k->load;
	uint64_t t0 = vmm_now_ns();

	/* acpi_build puts the RSDP at the start of its area; setup_acpi checks. */
	l->rc = load_kernel(k, l->spec, X86_ACPI_START, &l->e, l->msg, sizeof(l->msg));
	l->ns = vmm_now_ns() - t0;
	return NULL;
}

static int load_start(struct kvm_backend *k, const struct vm_spec *s, char *msg, size_t len)
{
	struct kernel_load *l = &k->load;
	int err;

	l->spec = s;
	l->rc = -1;
	err = pthread_create(&l->thread, NULL, load_thread, k);
	if (err) {
		snprintf(msg, len, "kernel loader thread: %s", strerror(err));
		return -1;
	}
	l->on = true;
	return 0;
}

/* Wait for the loader; 0 or -1 with its message. */
static int load_join(struct kvm_backend *k, char *msg, size_t len)
{
	struct kernel_load *l = &k->load;

	if (!l->on)
		return -1;
	pthread_join(l->thread, NULL);
	l->on = false;
	if (l->rc && msg)
		snprintf(msg, len, "%s", l->msg);
	return l->rc;
}

static int open_pipe(struct kvm_backend *k, struct backend *b, char *msg, size_t len)
{
	int p[2];

	if (pipe2(p, O_CLOEXEC)) {
		snprintf(msg, len, "pipe: %s", strerror(errno));
		return -1;
	}
	fcntl(p[0], F_SETPIPE_SZ, 1 << 20);
	fcntl(p[1], F_SETFL, O_NONBLOCK);
	b->report_fd = p[0];
	k->pipe_w = p[1];
	return 0;
}

/* On kvm_pvm an unmodified kernel may also spin without ever exiting; if the
 * console stays silent, end the VM with the reason instead of a timeout. */
static void *pvm_watchdog(void *arg)
{
	struct kvm_backend *k = arg;

	for (int i = 0; i < 100 && !atomic_load(&k->vm.end); i++)
		usleep(100 * 1000);
	if (!k->com1.bytes)
		vmm_end(&k->vm, VMM_END_ERROR, "this host's KVM (kvm_pvm) cannot run an "
			"unmodified Linux kernel; use --backend qemu. The guest printed "
			"nothing in 10 s (PVH entry at 32-bit protected mode)");
	return NULL;
}

static int kvm_start(struct backend *b, const struct vm_spec *s, char *msg, size_t len)
{
	struct kvm_backend *k = b->priv;
	struct vmm_config cfg = { .mem_bytes = s->mem_bytes, .irqchip = true,
				  .prefault = s->prefault, .hugepages = s->hugepages,
				  .profile_us = s->profile ?
					(s->profile_us ? s->profile_us : 1000) : 0 };
	uint64_t t[3];

	k->verbose = s->verbose;
	k->profile = s->profile;
	snprintf(b->accel_used, sizeof(b->accel_used), "kvm");
	if (x86_topo_init(&cfg.topo, s->topo.numa, s->topo.llcs, s->topo.cores,
			  s->topo.threads, msg, len))
		return -1;
	k->log_fd = open(s->console_log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (k->log_fd < 0) {
		snprintf(msg, len, "console log %s: %s", s->console_log, strerror(errno));
		return -1;
	}
	/* A FIFO nobody reads must not hold a vCPU past the end (the devices
	 * write through vmm_write_all); for a file this changes nothing. */
	fcntl(k->log_fd, F_SETFL, O_NONBLOCK);
	cfg.log_fd = k->log_fd;
	if (open_pipe(k, b, msg, len))
		return -1;
	/* Guest RAM first; the kernel goes in while ACPI, the VM, the devices
	 * and the vCPUs are set up. */
	if (vmm_open(&k->vm, &cfg, msg, len)) {
		vmm_destroy(&k->vm);
		return -1;
	}
	k->vm_created = true;
	b->exit_fd = k->vm.exit_efd;
	if (load_start(k, s, msg, len))
		return -1;
	t[0] = vmm_now_ns();
	if (setup_acpi(k, msg, len) || vmm_create_vm(&k->vm, msg, len) ||
	    setup_devices(k, msg, len) || vmm_create_vcpus(&k->vm, msg, len)) {
		load_join(k, NULL, 0);
		return -1;
	}
	t[1] = vmm_now_ns();
	if (load_join(k, msg, len) ||
	    x86_boot_set_bsp(&k->vm.gm, k->vm.vcpus[0].fd, &k->load.e, msg, len))
		return -1;
	t[2] = vmm_now_ns();
	if (s->verbose)
		fprintf(stderr, "kvm: VM set up in %.1f ms: RAM %.1f, then in parallel ACPI, "
			"VM, devices and vCPUs %.1f and kernel and initrd %.1f; waited %.1f for "
			"the kernel (%s entry at 0x%llx)\n",
			(t[2] - k->vm.t_start_ns) / 1e6, (t[0] - k->vm.t_start_ns) / 1e6,
			(t[1] - t[0]) / 1e6, k->load.ns / 1e6, (t[2] - t[1]) / 1e6,
			k->load.e.mode == X86_ENTRY_PVH32 ? "PVH" : "64-bit",
			(unsigned long long)k->load.e.rip);
	if (vmm_start(&k->vm, msg, len))
		return -1;
	if (k->vm.is_pvm)
		k->watchdog_on = !pthread_create(&k->watchdog, NULL, pvm_watchdog, k);
	return 0;
}

static void join(struct kvm_backend *k)
{
	int err;

	if (k->joined || !k->vm_created)
		return;
	if (k->watchdog_on)
		pthread_join(k->watchdog, NULL);	/* it checks the end every 100 ms */
	k->left_behind = vmm_join(&k->vm, VMM_JOIN_TIMEOUT_MS);
	k->joined = true;
	if (k->left_behind)
		return;	/* it may still be in a device: touch none of them */
	err = k->profile ? vmm_write_profile(&k->vm, k->profile) : 0;
	if (err)
		fprintf(stderr, "kvm: profile %s: %s\n", k->profile, strerror(-err));
	if (k->verbose) {
		char sum[4096];

		int64_t rss, thp;

		vmm_exit_summary(&k->vm, sum, sizeof(sum));
		fputs(sum, stderr);
		if (!k->vm.cfg.hugepages && !gm_resident(k->vm.ram_lo, &rss, &thp))
			fprintf(stderr, "[vmm] guest RAM below 3 GiB: %lld of %llu MiB resident, "
				"%lld MiB of it in transparent huge pages\n", (long long)(rss >> 20),
				(unsigned long long)(k->vm.lo_size >> 20), (long long)(thp >> 20));
	}
	serial8250_flush(&k->com1);
	if (k->pipe_w >= 0) {
		close(k->pipe_w);
		k->pipe_w = -1;
	}
}

static enum vm_end kvm_reap(struct backend *b, char *msg, size_t len)
{
	struct kvm_backend *k = b->priv;

	if (!k->vm_created) {
		snprintf(msg, len, "the VM was never created");
		return VM_END_FAILED;
	}
	join(k);
	if (k->left_behind)
		snprintf(msg, len, "%s; then %d vCPU thread(s) did not stop within %d ms "
			 "(stuck in a device model; see the console log) and were left "
			 "running", k->vm.end_msg, k->left_behind, VMM_JOIN_TIMEOUT_MS);
	else
		snprintf(msg, len, "%s", k->vm.end_msg);
	if (k->killed)
		return VM_END_KILLED;
	if (k->left_behind)
		return VM_END_FAILED;
	switch (atomic_load(&k->vm.end)) {
	case VMM_END_RESET: return VM_END_RESET;
	case VMM_END_PANIC: return VM_END_PANIC;
	case VMM_END_STOPPED: return VM_END_KILLED;
	default: return VM_END_FAILED;
	}
}

static void kvm_kill(struct backend *b)
{
	struct kvm_backend *k = b->priv;

	if (!k->vm_created)
		return;
	k->killed = atomic_load(&k->vm.end) == VMM_END_NONE;
	vmm_end(&k->vm, VMM_END_STOPPED, "killed by ktstr-run");
}

static void kvm_destroy(struct backend *b)
{
	struct kvm_backend *k = b->priv;

	if (k->vm_created) {
		vmm_end(&k->vm, VMM_END_STOPPED, "backend destroyed");
		join(k);
		if (k->left_behind) {
			/* A vCPU thread still runs in k's devices and writes to
			 * its fds: leak them all (vmm_destroy does too). */
			vmm_destroy(&k->vm);
			free(b);
			return;
		}
		vmm_destroy(&k->vm);
	}
	pci_destroy(&k->pci);
	if (k->pipe_w >= 0)
		close(k->pipe_w);
	if (b->report_fd >= 0)
		close(b->report_fd);
	if (k->log_fd >= 0)
		close(k->log_fd);
	free(k);
	free(b);
}

struct backend *backend_kvm_new(void)
{
	struct backend *b = calloc(1, sizeof(*b));
	struct kvm_backend *k = calloc(1, sizeof(*k));

	if (!b || !k) {
		free(b);
		free(k);
		return NULL;
	}
	k->log_fd = -1;
	k->pipe_w = -1;
	b->name = "kvm";
	b->priv = k;
	b->report_fd = -1;
	b->exit_fd = -1;
	b->start = kvm_start;
	b->reap = kvm_reap;
	b->kill = kvm_kill;
	b->destroy = kvm_destroy;
	return b;
}
