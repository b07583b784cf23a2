// SPDX-License-Identifier: GPL-2.0-only
/* The KVM core on this host: hand-assembled real-mode guests (port writes
 * and HLT, a read-only memory slot, RIP sampling, x2APIC with an APIC ID
 * above 255 on the split irqchip, a snapshot taken and restored, a VM
 * reset to its snapshot and run again), and the
 * real kernel, which must either boot or end with a clear report (on
 * kvm_pvm: an internal error with a register dump). The lab runs these
 * under level-1 KVM. */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "host/arch/x86/cpuid.h"
#include "host/arch/x86/layout.h"
#include "host/arch/x86/msr.h"
#include "host/arch/x86/topology.h"
#include "host/arch/x86/vcpu.h"
#include "host/backend.h"
#include "host/vmm/vmm.h"
#include "kernels/kernels.h"

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

/* RAM [0, size) and the x86 TSS, as the x86 machine sets them. */
static void x86_ram(struct vmm_config *cfg, uint64_t size)
{
	cfg->ram[0] = (struct vmm_ram){ 0, size };
	cfg->n_ram = 1;
	cfg->tss_addr = X86_TSS_ADDR;
	cfg->idmap_addr = X86_IDMAP_ADDR;
}

/* A one-vCPU VM without irqchip running real-mode code at 0x1000, its port
 * 0x10 writes logged; cfg may ask for more (profile_us). */
static void start_real_mode(struct vmm *vm, struct vmm_config *cfg, const uint8_t *code,
			    size_t n, struct port_log *log,
			    void (*before_start)(struct vmm *vm))
{
	static struct x86_topo topo;
	static const uint32_t id0 = 0;
	struct kvm_sregs s;
	struct kvm_regs r = { .rip = 0x1000, .rflags = 2 };
	char msg[1024];

	if (!kvm_usable())
		cr_skip_test("/dev/kvm not usable here");
	cfg->irqchip = false;
	cfg->log_fd = -1;
	cr_assert_eq(x86_topo_init(&topo, 1, 1, 1, 1, msg, sizeof(msg)), 0);
	cr_assert_eq(vmm_create(vm, cfg, msg, sizeof(msg)), 0, "%s", msg);
	cr_assert_eq(iotrap_register(&vm->bus.pio, 0x10, 1, port_out, log), 0);
	cr_assert_eq(gm_write(&vm->gm, 0x1000, code, n), 0);
	cr_assert_eq(vmm_create_vcpus(vm, 1, &id0, x86_vcpu_setup, &topo, msg, sizeof(msg)), 0,
		     "%s", msg);
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
	struct vmm_config cfg = { 0 };
	struct port_log log = { 0 };
	struct vmm vm;

	x86_ram(&cfg, 2 << 20);
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
	struct vmm_config cfg = { 0 };
	struct port_log log = { 0 };
	struct vmm vm;

	x86_ram(&cfg, 512 << 10);
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
	struct vmm_config cfg = { .profile_us = 1000 };
	struct port_log log = { 0 };
	struct vmm vm;

	x86_ram(&cfg, 2 << 20);
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
	struct vmm_config cfg = { .irqchip = false, .log_fd = -1 };
	struct vmm vm;
	char msg[1024];

	if (!kvm_usable())
		cr_skip_test("/dev/kvm not usable here");
	x86_ram(&cfg, 64 << 20);
	cr_assert_eq(vmm_create(&vm, &cfg, msg, sizeof(msg)), 0, "%s", msg);
	cr_expect_lt(resident_pages(vm.ram[0].hva, vm.ram[0].size), vm.ram[0].size / 4096 / 2,
		     "untouched RAM is not resident without prefault");
	vmm_destroy(&vm);

	cfg.prefault = true;
	cr_assert_eq(vmm_create(&vm, &cfg, msg, sizeof(msg)), 0, "%s", msg);
	cr_expect_eq(resident_pages(vm.ram[0].hva, vm.ram[0].size), vm.ram[0].size / 4096);
	vmm_destroy(&vm);
}

/* x2APIC: the port writes of a two-vCPU guest, in order. */
struct x2_log {
	int n;
	uint16_t port[8];
	uint32_t val[8];
};

static void x2_out(void *ctx, uint64_t addr, uint8_t *data, uint32_t len, bool is_write)
{
	struct x2_log *l = ctx;
	uint32_t v = 0;

	memcpy(&v, data, len < 4 ? len : 4);
	if (is_write && l->n < 8) {
		l->port[l->n] = addr;
		__atomic_store_n(&l->val[l->n], v, __ATOMIC_RELAXED);
		__atomic_store_n(&l->n, l->n + 1, __ATOMIC_RELEASE);
	}
}

/* The last value written to port, or -1; waits up to 20 s for it. */
static long x2_wait(struct x2_log *l, uint16_t port)
{
	for (int t = 0; t < 2000; t++) {
		int n = __atomic_load_n(&l->n, __ATOMIC_ACQUIRE);

		for (int i = n - 1; i >= 0; i--)
			if (l->port[i] == port)
				return l->val[i];
		usleep(10 * 1000);
	}
	return -1;
}

/* What the x86 machine does for an x2APIC topology, less the topology:
 * KVM's CPUID with x2APIC, the LAPIC's LINT pins, then x2APIC mode. */
static int x2apic_vcpu(void *ctx, struct vcpu *v, char *msg, size_t len)
{
	struct kvm_cpuid2 *c = v->vm->cpuid;
	struct kvm_cpuid_entry2 *leaf1 = x86_cpuid_find(c, 1, 0);

	if (leaf1)
		leaf1->ecx |= 1u << 21;
	if (ioctl(v->fd, KVM_SET_CPUID2, c)) {
		snprintf(msg, len, "KVM_SET_CPUID2: %s", strerror(errno));
		return -1;
	}
	return x86_lapic_setup(v->fd, msg, len) ?: x86_x2apic_enable(v->fd, msg, len);
}

/* The BSP (APIC ID 0) turns its APIC on, writes its x2APIC ID to port
 * 0x10 and starts APIC ID 300 with INIT and SIPI (vector 2: 0x2000):
 *   mov ecx,0x80f; mov eax,0x1ff; xor edx,edx; wrmsr   (SVR)
 *   mov ecx,0x802; rdmsr; out 0x10,al
 *   mov ecx,0x830; mov edx,300; mov eax,0x4500; wrmsr  (ICR: INIT)
 *   mov eax,0x4602; wrmsr                              (ICR: SIPI 0x02)
 *   hlt; jmp $-1 */
static const uint8_t x2_bsp[] = {
	0x66, 0xb9, 0x0f, 0x08, 0x00, 0x00, 0x66, 0xb8, 0xff, 0x01, 0x00, 0x00,
	0x66, 0x31, 0xd2, 0x0f, 0x30, 0x66, 0xb9, 0x02, 0x08, 0x00, 0x00, 0x0f,
	0x32, 0xe6, 0x10, 0x66, 0xb9, 0x30, 0x08, 0x00, 0x00, 0x66, 0xba, 0x2c,
	0x01, 0x00, 0x00, 0x66, 0xb8, 0x00, 0x45, 0x00, 0x00, 0x0f, 0x30, 0x66,
	0xb8, 0x02, 0x46, 0x00, 0x00, 0x0f, 0x30, 0xf4, 0xeb, 0xfd,
};
/* The AP (at 0x200:0) points IVT entry 0x40 at 0x200:0x100, turns its APIC
 * on, writes its x2APIC ID (16 bits) to port 0x11 and waits, interrupts on:
 *   xor ax,ax; mov ds,ax; mov word [0x100],0x100; mov word [0x102],0x200
 *   mov ecx,0x80f; mov eax,0x1ff; xor edx,edx; wrmsr
 *   mov ecx,0x802; rdmsr; out 0x11,ax; sti; hlt; jmp $-1
 * An AP left in xAPIC mode takes a #GP at the rdmsr and never writes. */
static const uint8_t x2_ap[] = {
	0x31, 0xc0, 0x8e, 0xd8, 0xc7, 0x06, 0x00, 0x01, 0x00, 0x01, 0xc7, 0x06,
	0x02, 0x01, 0x00, 0x02, 0x66, 0xb9, 0x0f, 0x08, 0x00, 0x00, 0x66, 0xb8,
	0xff, 0x01, 0x00, 0x00, 0x66, 0x31, 0xd2, 0x0f, 0x30, 0x66, 0xb9, 0x02,
	0x08, 0x00, 0x00, 0x0f, 0x32, 0xe7, 0x11, 0xfb, 0xf4, 0xeb, 0xfd,
};
/* Vector 0x40 (0x2100): mov al,0x40; out 0x12,al; EOI (wrmsr 0x80b, 0); iret */
static const uint8_t x2_isr[] = {
	0xb0, 0x40, 0xe6, 0x12, 0x66, 0xb9, 0x0b, 0x08, 0x00, 0x00, 0x66, 0x31,
	0xc0, 0x66, 0x31, 0xd2, 0x0f, 0x30, 0xcf,
};

/* The split irqchip with an APIC ID above 255: x2APIC mode set by the VMM
 * survives INIT/SIPI, an IPI reaches APIC ID 300, and an MSI written the
 * way a guest told KVM_FEATURE_MSI_EXT_DEST_ID writes it (300 = 0x2c in
 * address bits 19:12, 1 in bits 11:5) reaches that vCPU's vector 0x40. */
Test(vmm_run, x2apic_id_300_on_the_split_irqchip, .timeout = 60)
{
	static const uint32_t ids[] = { 0, 300 };
	struct vmm_config cfg = { .irqchip = true, .split_irqchip = 24, .log_fd = -1 };
	struct kvm_regs r = { .rip = 0x1000, .rflags = 2 };
	struct x2_log log = { 0 };
	struct kvm_sregs s;
	struct vmm vm;
	char msg[1024];
	bool capable;
	int kvm;

	if (!kvm_usable())
		cr_skip_test("/dev/kvm not usable here");
	kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	capable = ioctl(kvm, KVM_CHECK_EXTENSION, KVM_CAP_SPLIT_IRQCHIP) > 0 &&
		  ioctl(kvm, KVM_CHECK_EXTENSION, KVM_CAP_X2APIC_API) > 0 &&
		  ioctl(kvm, KVM_CHECK_EXTENSION, KVM_CAP_MAX_VCPU_ID) > 300;
	close(kvm);
	if (!capable)
		cr_skip_test("this KVM has no split irqchip, x2APIC API or vcpu_id 300");
	x86_ram(&cfg, 1 << 20);
	cr_assert_eq(vmm_create(&vm, &cfg, msg, sizeof(msg)), 0, "%s", msg);
	cr_assert_eq(iotrap_register(&vm.bus.pio, 0x10, 3, x2_out, &log), 0);
	cr_assert_eq(gm_write(&vm.gm, 0x1000, x2_bsp, sizeof(x2_bsp)), 0);
	cr_assert_eq(gm_write(&vm.gm, 0x2000, x2_ap, sizeof(x2_ap)), 0);
	cr_assert_eq(gm_write(&vm.gm, 0x2100, x2_isr, sizeof(x2_isr)), 0);
	cr_assert_eq(vmm_create_vcpus(&vm, 2, ids, x2apic_vcpu, NULL, msg, sizeof(msg)), 0,
		     "%s", msg);
	cr_assert_eq(ioctl(vm.vcpus[0].fd, KVM_GET_SREGS, &s), 0);
	cr_expect(s.apic_base & (1 << 10), "the BSP starts in x2APIC mode");
	s.cs.base = 0;
	s.cs.selector = 0;
	cr_assert_eq(ioctl(vm.vcpus[0].fd, KVM_SET_SREGS, &s), 0);
	cr_assert_eq(ioctl(vm.vcpus[0].fd, KVM_SET_REGS, &r), 0);
	cr_assert_eq(vmm_start(&vm, msg, sizeof(msg)), 0, "%s", msg);

	cr_expect_eq(x2_wait(&log, 0x10), 0, "the BSP's x2APIC ID");
	cr_expect_eq(x2_wait(&log, 0x11), 300, "the AP came up in x2APIC mode with ID 300");
	cr_expect_eq(vmm_signal_msi(&vm, 0xfee2c020, 0x40), 0);
	cr_expect_eq(x2_wait(&log, 0x12), 0x40, "the MSI reached APIC ID 300");
	cr_expect_eq(atomic_load(&vm.end), VMM_END_NONE, "%s", vm.end_msg);
	vmm_end(&vm, VMM_END_STOPPED, "test over");
	cr_expect_eq(vmm_join(&vm, 5000), 0);
	vmm_destroy(&vm);
}

/* A counter the guest writes to port 0x11: the first and the last value
 * seen (bit 8 set: seen). */
struct counter {
	uint32_t first, last;
};

static void count_out(void *ctx, uint64_t addr, uint8_t *data, uint32_t len, bool is_write)
{
	struct counter *c = ctx;
	uint32_t zero = 0;

	if (!is_write)
		return;
	__atomic_compare_exchange_n(&c->first, &zero, data[0] | 0x100u, false, __ATOMIC_RELEASE,
				    __ATOMIC_RELAXED);
	__atomic_store_n(&c->last, data[0] | 0x100u, __ATOMIC_RELEASE);
}

/* The first value, waiting up to 20 s for one. */
static uint32_t count_first(struct counter *c)
{
	for (int t = 0; t < 2000; t++) {
		uint32_t v = __atomic_load_n(&c->first, __ATOMIC_ACQUIRE);

		if (v)
			return v & 0xff;
		usleep(10 * 1000);
	}
	cr_assert_fail("the guest wrote nothing in 20 s");
	return 0;
}

/* The paused vm saved to a new file made from the mkstemp template path. */
static void save_paused(struct vmm *vm, char *path)
{
	struct vsnap_writer w = { 0 };
	char msg[1024];
	int fd = mkstemp(path);

	cr_assert_geq(fd, 0);
	close(fd);
	unlink(path);
	cr_assert_eq(vmm_save(vm, &w, msg, sizeof(msg)), 0, "%s", msg);
	cr_assert_eq(vmm_write_snapshot(vm, &w, path, msg, sizeof(msg)), 0, "%s", msg);
	vsnap_writer_free(&w);
}

/* Snapshots on the floor: a guest counting in AL (inc al; out 0x11,al; jmp)
 * is paused, written (its vCPU and its RAM: the code page and a data page in
 * the second region), and a new VM built from the file (RAM mapped from it)
 * goes on counting from where the first was paused. */
Test(vmm_run, pause_save_restore_goes_on, .timeout = 60)
{
	static const uint8_t code[] = { 0xfe, 0xc0, 0xe6, 0x11, 0xeb, 0xfa };
	static const uint32_t id0 = 0;
	struct x86_topo topo;
	struct vmm_config cfg = { 0 };
	struct port_log log = { 0 };
	struct counter c1 = { 0 }, c2 = { 0 };
	struct vsnap_reader r;
	struct vmm_ram_src src;
	char path[] = "/tmp/ktstr-vmm-snap-XXXXXX", msg[1024];
	uint32_t at_pause, after;
	struct kvm_regs regs;
	struct vmm vm, vm2;

	x86_ram(&cfg, 2 << 20);
	cfg.ram[1] = (struct vmm_ram){ 1ull << 32, 2 << 20 };
	cfg.n_ram = 2;
	start_real_mode(&vm, &cfg, code, sizeof(code), &log, NULL);
	cr_assert_eq(x86_topo_init(&topo, 1, 1, 1, 1, msg, sizeof(msg)), 0);
	cr_assert_eq(gm_write(&vm.gm, (1ull << 32) + 0x3000, "high", 4), 0);
	cr_assert_eq(iotrap_register(&vm.bus.pio, 0x11, 1, count_out, &c1), 0);
	count_first(&c1);
	cr_assert_eq(vmm_pause(&vm, 2000, msg, sizeof(msg)), 0, "%s", msg);
	at_pause = __atomic_load_n(&c1.last, __ATOMIC_ACQUIRE) & 0xff;
	cr_assert_eq(ioctl(vm.vcpus[0].fd, KVM_GET_REGS, &regs), 0);
	cr_expect_eq(regs.rax & 0xff, at_pause, "the last out completed before the pause");
	save_paused(&vm, path);
	vmm_resume(&vm);
	vmm_end(&vm, VMM_END_STOPPED, "saved");
	cr_assert_eq(vmm_join(&vm, 5000), 0);
	vmm_destroy(&vm);

	cr_assert_eq(vsnap_open(&r, path, msg, sizeof(msg)), 0, "%s", msg);
	cr_expect_eq(r.n_ext, 2, "a code page and a data page: %u extents", r.n_ext);
	src = (struct vmm_ram_src){ r.fd, r.data_off, r.ext, r.n_ext };
	cfg.ram_src = &src;
	cr_assert_eq(vmm_create(&vm2, &cfg, msg, sizeof(msg)), 0, "%s", msg);
	cr_expect_eq(memcmp(gm_ptr(&vm2.gm, 0x1000, sizeof(code)), code, sizeof(code)), 0);
	cr_expect_eq(memcmp(gm_ptr(&vm2.gm, (1ull << 32) + 0x3000, 4), "high", 4), 0);
	cr_assert_eq(iotrap_register(&vm2.bus.pio, 0x11, 1, count_out, &c2), 0);
	cr_assert_eq(vmm_create_vcpus(&vm2, 1, &id0, x86_vcpu_setup, &topo, msg, sizeof(msg)), 0,
		     "%s", msg);
	cr_assert_eq(vmm_load(&vm2, &r, msg, sizeof(msg)), 0, "%s", msg);
	vsnap_close(&r);
	unlink(path);
	cr_assert_eq(vmm_start(&vm2, msg, sizeof(msg)), 0, "%s", msg);
	after = count_first(&c2);
	vmm_end(&vm2, VMM_END_STOPPED, "test over");
	cr_expect_eq(vmm_join(&vm2, 5000), 0);
	cr_expect_eq(after, (at_pause + 1) & 0xff, "the restored guest wrote %u first, after %u",
		     after, at_pause);
	vmm_destroy(&vm2);
}

/* Port 0x12 reads as go (0 until the host says). */
static uint8_t go;

static void go_in(void *ctx, uint64_t addr, uint8_t *data, uint32_t len, bool is_write)
{
	if (!is_write)
		data[0] = __atomic_load_n(&go, __ATOMIC_ACQUIRE);
}

static void go_port(struct vmm *vm)
{
	cr_assert_eq(iotrap_register(&vm->bus.pio, 0x12, 1, go_in, NULL), 0);
	cr_assert_eq(gm_write(&vm->gm, 0x2000, "\x05", 1), 0);
}

/* The warm VM's floor: a guest waits for port 0x12, then increments the
 * byte at 0x2000, writes it to port 0x11 and halts (the VM's end: reset,
 * without irqchip). Saved while it waits, run to its end, then reset to
 * the file twice (vmm_reset: RAM mapped afresh, vmm_load into the same
 * vCPU): each run writes 6 again, not 7, and ends the same way. A VM
 * stopped by the host is not reset. */
Test(vmm_run, reset_to_the_snapshot_runs_again, .timeout = 60)
{
	static const uint8_t code[] = {
		0xe4, 0x12, 0x84, 0xc0, 0x74, 0xfa,	/* in al,0x12; test al,al; jz */
		0xa0, 0x00, 0x20, 0xfe, 0xc0,		/* mov al,[0x2000]; inc al */
		0xa2, 0x00, 0x20, 0xe6, 0x11, 0xf4,	/* mov [0x2000],al; out 0x11,al; hlt */
	};
	struct vmm_config cfg = { 0 };
	struct port_log log = { 0 };
	struct counter c = { 0 };
	struct vsnap_reader r;
	struct vmm_ram_src src;
	char path[] = "/tmp/ktstr-vmm-reset-XXXXXX", msg[1024];
	struct vmm vm;

	x86_ram(&cfg, 2 << 20);
	__atomic_store_n(&go, 0, __ATOMIC_RELEASE);
	start_real_mode(&vm, &cfg, code, sizeof(code), &log, go_port);
	cr_assert_eq(iotrap_register(&vm.bus.pio, 0x11, 1, count_out, &c), 0);
	usleep(50 * 1000);
	cr_assert_eq(vmm_pause(&vm, 2000, msg, sizeof(msg)), 0, "%s", msg);
	save_paused(&vm, path);
	cr_assert_eq(vmm_clock_rewind(&vm, msg, sizeof(msg)), 0, "%s", msg);
	vmm_resume(&vm);
	__atomic_store_n(&go, 1, __ATOMIC_RELEASE);
	wait_end(&vm);
	cr_assert_eq(count_first(&c), 6);
	cr_assert_eq(atomic_load(&vm.end), VMM_END_RESET, "%s", vm.end_msg);
	cr_assert_eq(*(uint8_t *)gm_ptr(&vm.gm, 0x2000, 1), 6);

	for (int round = 0; round < 2; round++) {
		c = (struct counter){ 0 };
		cr_assert_eq(vsnap_open(&r, path, msg, sizeof(msg)), 0, "%s", msg);
		src = (struct vmm_ram_src){ r.fd, r.data_off, r.ext, r.n_ext };
		cr_assert_eq(vmm_reset(&vm, &src, -1, msg, sizeof(msg)), 0, "round %d: %s", round,
			     msg);
		cr_expect_eq(*(uint8_t *)gm_ptr(&vm.gm, 0x2000, 1), 5, "RAM is the file's");
		cr_expect_eq(atomic_load(&vm.end), VMM_END_NONE);
		cr_assert_eq(vmm_load(&vm, &r, msg, sizeof(msg)), 0, "%s", msg);
		vsnap_close(&r);
		cr_assert_eq(vmm_start(&vm, msg, sizeof(msg)), 0, "%s", msg);
		wait_end(&vm);
		cr_expect_eq(count_first(&c), 6, "round %d: the guest ran from the snapshot",
			     round);
		cr_expect_eq(atomic_load(&vm.end), VMM_END_RESET, "round %d: %s", round,
			     vm.end_msg);
	}
	/* Stopped by the host: refused. */
	cr_assert_eq(vsnap_open(&r, path, msg, sizeof(msg)), 0, "%s", msg);
	src = (struct vmm_ram_src){ r.fd, r.data_off, r.ext, r.n_ext };
	cr_assert_eq(vmm_reset(&vm, &src, -1, msg, sizeof(msg)), 0, "%s", msg);
	cr_assert_eq(vmm_load(&vm, &r, msg, sizeof(msg)), 0, "%s", msg);
	__atomic_store_n(&go, 0, __ATOMIC_RELEASE);
	cr_assert_eq(vmm_start(&vm, msg, sizeof(msg)), 0, "%s", msg);
	vmm_end(&vm, VMM_END_STOPPED, "stopped");
	cr_assert_eq(vmm_join(&vm, 5000), 0);
	cr_expect_neq(vmm_reset(&vm, &src, -1, msg, sizeof(msg)), 0, "a stopped VM was reset");
	cr_expect(strstr(msg, "did not end by rebooting"), "%s", msg);
	vsnap_close(&r);
	unlink(path);
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
