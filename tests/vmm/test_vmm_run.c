// SPDX-License-Identifier: GPL-2.0-only
/* The KVM core on this host: hand-assembled real-mode guests (port writes
 * and HLT, a read-only memory slot, RIP sampling), and the real kernel, which
 * must either boot or end with a clear report (on kvm_pvm: an internal error
 * with a register dump). The lab runs these under level-1 KVM. */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "host/vmm/backend_kvm.h"
#include "kernels/kernels.h"
#include "host/vmm/vmm.h"

static bool kvm_usable(void)
{
	int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);

	if (fd < 0)
		return false;
	close(fd);
	return true;
}

struct port_log {
	uint8_t bytes[16];
	int n;
};

static void port_out(void *ctx, uint64_t addr, uint8_t *data, uint32_t len, bool is_write)
{
	struct port_log *l = ctx;

	if (is_write && l->n < 16)
		l->bytes[l->n++] = data[0];
}

/* A one-vCPU VM without irqchip running real-mode code at 0x1000, its port
 * 0x10 writes logged; cfg may ask for more (profile_us). */
static void start_real_mode(struct vmm *vm, struct vmm_config *cfg, const uint8_t *code,
			    size_t n, struct port_log *log,
			    void (*before_start)(struct vmm *vm))
{
	struct kvm_sregs s;
	struct kvm_regs r = { .rip = 0x1000, .rflags = 2 };
	char msg[1024];

	if (!kvm_usable())
		cr_skip_test("/dev/kvm not usable here");
	cfg->irqchip = false;
	cfg->log_fd = -1;
	cr_assert_eq(x86_topo_init(&cfg->topo, 1, 1, 1, 1, msg, sizeof(msg)), 0);
	cr_assert_eq(vmm_create(vm, cfg, msg, sizeof(msg)), 0, "%s", msg);
	cr_assert_eq(iotrap_register(&vm->bus.pio, 0x10, 1, port_out, log), 0);
	cr_assert_eq(gm_write(&vm->gm, 0x1000, code, n), 0);
	cr_assert_eq(vmm_create_vcpus(vm, msg, sizeof(msg)), 0, "%s", msg);
	cr_assert_eq(ioctl(vm->vcpus[0].fd, KVM_GET_SREGS, &s), 0);
	s.cs.base = 0;
	s.cs.selector = 0;
	cr_assert_eq(ioctl(vm->vcpus[0].fd, KVM_SET_SREGS, &s), 0);
	cr_assert_eq(ioctl(vm->vcpus[0].fd, KVM_SET_REGS, &r), 0);
	if (before_start)
		before_start(vm);
	cr_assert_eq(vmm_start(vm, msg, sizeof(msg)), 0, "%s", msg);
}

/* Wait for the guest's end (HLT without irqchip ends the VM). */
static void wait_end(struct vmm *vm)
{
	struct pollfd p = { vm->exit_efd, POLLIN, 0 };
	uint64_t v;

	cr_assert_eq(poll(&p, 1, 20000), 1, "the guest did not end");
	cr_assert_eq(read(vm->exit_efd, &v, 8), 8);
	cr_assert_eq(vmm_join(vm, 5000), 0, "a vCPU did not stop");
}

Test(vmm_run, real_mode_guest_out_and_hlt, .timeout = 30)
{
	/* mov al,0x42; out 0x10,al; mov al,0x43; out 0x10,al; hlt */
	static const uint8_t code[] = { 0xb0, 0x42, 0xe6, 0x10, 0xb0, 0x43, 0xe6, 0x10, 0xf4 };
	struct vmm_config cfg = { .mem_bytes = 2 << 20 };
	struct port_log log = { 0 };
	struct vmm vm;

	start_real_mode(&vm, &cfg, code, sizeof(code), &log, NULL);
	wait_end(&vm);
	cr_expect_eq(atomic_load(&vm.end), VMM_END_RESET, "end %d: %s",
		     atomic_load(&vm.end), vm.end_msg);
	cr_expect(strstr(vm.end_msg, "halted"), "%s", vm.end_msg);
	cr_expect_eq(log.n, 2);
	cr_expect_eq(log.bytes[0], 0x42);
	cr_expect_eq(log.bytes[1], 0x43);
	vmm_destroy(&vm);
}

/* A read-only slot (the ECAM window's mechanism): reads see the host's
 * bytes, a write exits as MMIO, and what the handler puts in the bytes is
 * what the next read sees. */
static uint8_t ro_page[4096] __attribute__((aligned(4096)));

static void ro_write(void *ctx, uint64_t addr, uint8_t *data, uint32_t len, bool is_write)
{
	if (is_write)
		memcpy(ro_page + (addr - 0x80000), data, len);
	else
		memcpy(data, ro_page + (addr - 0x80000), len);
}

static void add_ro_page(struct vmm *vm)
{
	ro_page[0] = 0x37;
	cr_assert_eq(iotrap_register(&vm->bus.mmio, 0x80000, sizeof(ro_page), ro_write, NULL), 0);
	cr_assert_eq(vmm_add_readonly_slot(vm, 0x80000, sizeof(ro_page), ro_page), 0);
}

Test(vmm_run, readonly_slot_reads_without_exit, .timeout = 30)
{
	/* mov ax,0x8000; mov ds,ax; mov al,[0]; out 0x10,al;
	 * mov byte [0],0x55; mov al,[0]; out 0x10,al; hlt */
	static const uint8_t code[] = { 0xb8, 0x00, 0x80, 0x8e, 0xd8, 0xa0, 0x00, 0x00,
					0xe6, 0x10, 0xc6, 0x06, 0x00, 0x00, 0x55, 0xa0,
					0x00, 0x00, 0xe6, 0x10, 0xf4 };
	struct vmm_config cfg = { .mem_bytes = 512 << 10 };
	struct port_log log = { 0 };
	struct vmm vm;

	start_real_mode(&vm, &cfg, code, sizeof(code), &log, add_ro_page);
	wait_end(&vm);
	cr_expect_eq(log.n, 2);
	cr_expect_eq(log.bytes[0], 0x37, "read from the host's page");
	cr_expect_eq(log.bytes[1], 0x55, "the write reached the handler, then the page");
	cr_expect_eq(vm.vcpus[0].stats.reason[KVM_EXIT_MMIO], 1u, "only the write exited");
	vmm_destroy(&vm);
}

/* --profile: a guest spinning at 0x1000 is sampled there, running. */
Test(vmm_run, profile_samples_the_guest_rip, .timeout = 30)
{
	static const uint8_t code[] = { 0xeb, 0xfe };	/* jmp $ */
	struct vmm_config cfg = { .mem_bytes = 2 << 20, .profile_us = 1000 };
	struct port_log log = { 0 };
	struct vmm vm;

	start_real_mode(&vm, &cfg, code, sizeof(code), &log, NULL);
	/* 1 ms ticks: 20 samples take 20 ms; a loaded host gets 5 s. */
	for (int i = 0; i < 500 && __atomic_load_n(&vm.vcpus[0].nsamples, __ATOMIC_RELAXED) < 20;
	     i++)
		usleep(10 * 1000);
	vmm_end(&vm, VMM_END_STOPPED, "test over");
	wait_end(&vm);
	cr_expect_geq(vm.vcpus[0].nsamples, 20u, "%zu samples in 5 s", vm.vcpus[0].nsamples);
	for (size_t i = 0; i < vm.vcpus[0].nsamples; i++) {
		cr_expect_eq(vm.vcpus[0].samples[i].rip, 0x1000u, "sample %zu", i);
		cr_expect_eq(vm.vcpus[0].samples[i].halted, 0u);
	}
	vmm_destroy(&vm);
}

static size_t resident_pages(void *p, size_t size)
{
	size_t n = size / 4096, count = 0;
	unsigned char *vec = malloc(n);

	cr_assert_eq(mincore(p, size, vec), 0);
	for (size_t i = 0; i < n; i++)
		count += vec[i] & 1;
	free(vec);
	return count;
}

/* --prefault: every page of guest RAM is resident before the first run;
 * without it, RAM the guest has not touched is not. */
Test(vmm_run, prefault_makes_ram_resident, .timeout = 30)
{
	struct vmm_config cfg = { .mem_bytes = 64 << 20, .irqchip = false, .log_fd = -1 };
	struct vmm vm;
	char msg[1024];

	if (!kvm_usable())
		cr_skip_test("/dev/kvm not usable here");
	cr_assert_eq(x86_topo_init(&cfg.topo, 1, 1, 1, 1, msg, sizeof(msg)), 0);
	cr_assert_eq(vmm_create(&vm, &cfg, msg, sizeof(msg)), 0, "%s", msg);
	cr_expect_lt(resident_pages(vm.ram_lo, vm.lo_size), vm.lo_size / 4096 / 2,
		     "untouched RAM is not resident without prefault");
	vmm_destroy(&vm);

	cfg.prefault = true;
	cr_assert_eq(vmm_create(&vm, &cfg, msg, sizeof(msg)), 0, "%s", msg);
	cr_expect_eq(resident_pages(vm.ram_lo, vm.lo_size), vm.lo_size / 4096);
	vmm_destroy(&vm);
}

/* The default kernel from the ktstr-run cache (scripts/test.sh fetches it). */
static bool find_kernel(struct kernel *k)
{
	return kernel_default_cached(k) == 0;
}

Test(vmm_run, real_kernel_boots_or_reports_clearly, .timeout = 60)
{
	struct backend *b;
	struct kernel k;
	char log[] = "/tmp/ktstr-vmm-test-XXXXXX", msg[1024];
	struct vm_spec s = {
		.kernel = &k, .topo = { 1, 1, 2, 1 }, .mem_bytes = 256 << 20,
		.initrd_fd = -1,
		.cmdline = "console=ttyS0 loglevel=7 reboot=k panic=-1 rdinit=/nonexistent",
		.console_log = log, .accel = "kvm",
	};
	enum vm_end end;
	int fd;

	if (!kvm_usable())
		cr_skip_test("/dev/kvm not usable here");
	if (!find_kernel(&k))
		cr_skip_test("no cached kernel");
	fd = mkstemp(log);	/* only now: a skipped test left its file behind */
	cr_assert_geq(fd, 0);
	close(fd);
	b = backend_kvm_new();
	cr_assert_eq(b->start(b, &s, msg, sizeof(msg)), 0, "%s", msg);
	struct pollfd p = { b->exit_fd, POLLIN, 0 };
	cr_assert_eq(poll(&p, 1, 50000), 1, "the VM did not end");
	end = b->reap(b, msg, sizeof(msg));
	if (access("/sys/module/kvm_pvm", F_OK) == 0) {
		cr_expect_eq(end, VM_END_FAILED, "%s", msg);
		cr_expect(strstr(msg, "kvm_pvm") && strstr(msg, "--backend qemu"),
			  "unclear message: %s", msg);
		if (k.bzimage[0]) {
			cr_expect(strstr(msg, "KVM_EXIT_INTERNAL_ERROR") && strstr(msg, "RIP 0x"),
				  "no exit reason / RIP: %s", msg);
			cr_expect(strstr(msg, "code at 0x"), "no instruction bytes: %s", msg);
		}
	} else {
		/* Without an initramfs the kernel panics (no init): a panic end. */
		cr_expect(end == VM_END_PANIC || end == VM_END_RESET, "%d: %s", end, msg);
	}
	b->destroy(b);
	unlink(log);
}
