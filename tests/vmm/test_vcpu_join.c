// SPDX-License-Identifier: GPL-2.0-only
/* The kill path without /dev/kvm: vmm_join after vmm_end returns within its
 * deadline even when a vCPU thread is stuck in a device handler (here one
 * blocked in read(), which the kick's SA_RESTART restarts), reports it, and
 * leaves it behind so that vmm_destroy frees nothing it could touch; a
 * thread that leaves in time is joined. The vCPU threads are stand-ins: one
 * dispatches a port access as a vCPU does on KVM_EXIT_IO, one just waits. */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "host/vmm/vmm.h"
#include "tests/vmm/no_kvm.h"

#define PORT 0x10

static struct vmm vm;
static int release[2];		/* a byte here lets the stuck handler return */
static int log_pipe[2];

static void kick(int sig)
{
	(void)sig;
}

static bool entered;	/* vCPU 0 is in stuck_io, holding the bus lock */

/* A device handler that waits for the test, deaf to the end of the VM. */
static void stuck_io(void *ctx, uint64_t addr, uint8_t *data, uint32_t len, bool is_write)
{
	char c;

	__atomic_store_n(&entered, true, __ATOMIC_RELEASE);
	while (read(release[0], &c, 1) < 0)
		;
}

/* vCPU 0 makes a port access into stuck_io; vCPU 1 stands for one in
 * KVM_RUN, which leaves at the end. */
static void *fake_vcpu(void *arg)
{
	struct vcpu *v = arg;
	uint8_t b = 0;

	if (v->index == 0)
		iotrap_dispatch(&v->vm->bus, &v->vm->bus.pio, PORT, &b, 1, true);
	while (!atomic_load(&v->vm->end))
		usleep(1000);
	return NULL;
}

static void setup(void)
{
	struct sigaction sa = { .sa_handler = kick, .sa_flags = SA_RESTART };

	sigemptyset(&sa.sa_mask);
	sigaction(VMM_KICK_SIGNAL, &sa, NULL);
	vm_without_kvm(&vm);
	entered = false;
	cr_assert_eq(pipe2(release, O_CLOEXEC), 0);
	cr_assert_eq(pipe2(log_pipe, O_CLOEXEC | O_NONBLOCK), 0);
	vm.cfg.log_fd = log_pipe[1];
	cr_assert_eq(iotrap_register(&vm.bus.pio, PORT, 1, stuck_io, NULL), 0);
	vm.nvcpus = 2;
	vm.vcpus = calloc(2, sizeof(*vm.vcpus));
	for (int i = 0; i < 2; i++) {
		vm.vcpus[i] = (struct vcpu){ .vm = &vm, .index = i, .fd = -1 };
		cr_assert_eq(pthread_create(&vm.vcpus[i].thread, NULL, fake_vcpu,
					    &vm.vcpus[i]), 0);
		vm.vcpus[i].started = true;
	}
}

static void teardown(void)
{
	close(release[0]);
	close(release[1]);
	close(log_pipe[0]);
	close(log_pipe[1]);
}

TestSuite(vcpu_join, .init = setup, .fini = teardown, .timeout = 20);

Test(vcpu_join, stuck_vcpu_is_left_behind_in_bounded_time)
{
	uint64_t t0;
	char log[512] = "";
	ssize_t n;
	void *ram;

	for (int i = 0; i < 5000 && !__atomic_load_n(&entered, __ATOMIC_ACQUIRE); i++)
		usleep(1000);
	cr_assert(__atomic_load_n(&entered, __ATOMIC_ACQUIRE), "vCPU 0 never reached the device");
	vmm_end(&vm, VMM_END_STOPPED, "killed by the test");
	t0 = vmm_now_ns();
	cr_expect_eq(vmm_join(&vm, 300), 1, "one vCPU left behind");
	cr_expect_lt(vmm_now_ns() - t0, 2000ull * 1000 * 1000, "the join took %llu ms",
		     (unsigned long long)((vmm_now_ns() - t0) / 1000000));
	cr_expect(vm.vcpus[0].started, "vCPU 0 is still running");
	n = read(log_pipe[0], log, sizeof(log) - 1);
	cr_expect_gt(n, 0);
	cr_expect(strstr(log, "vCPU 0 did not stop"), "log: %s", log);

	/* The VM's memory stays mapped while a thread may still use it. */
	ram = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	vm.ram[0] = (struct gm_region){ 0, 4096, ram };
	vm.n_ram = 1;
	vmm_destroy(&vm);
	((volatile char *)ram)[0] = 1;
	cr_expect_eq(vm.nvcpus, 2, "vmm_destroy left the vCPUs alone");

	cr_assert_eq(write(release[1], "x", 1), 1);
	cr_expect_eq(vmm_join(&vm, 5000), 0, "released, it is joined");
	cr_expect_not(vm.vcpus[0].started);
	munmap(ram, 4096);
	vm.n_ram = 0;
	vmm_destroy(&vm);
	cr_expect_eq(vm.nvcpus, 0);
}

Test(vcpu_join, join_ends_a_running_vm)
{
	cr_assert_eq(write(release[1], "x", 1), 1);
	cr_expect_eq(vmm_join(&vm, 5000), 0);
	cr_expect_eq(atomic_load(&vm.end), VMM_END_STOPPED);
	vmm_destroy(&vm);
}
