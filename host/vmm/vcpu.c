// SPDX-License-Identifier: GPL-2.0-only
/* vCPUs: creation, one thread each running KVM_RUN, exit dispatch, and the
 * VM's end and join. What a fatal exit reports is in vcpu_dump.c, the RIP
 * profiler in profile.c. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "host/vmm/internal.h"
#include "host/vmm/vmm.h"

void vmm_log(struct vmm *vm, const char *fmt, ...)
{
	char line[1024];
	va_list ap;
	int n;

	if (vm->cfg.log_fd < 0)
		return;
	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n > (int)sizeof(line) - 1)
		n = sizeof(line) - 1;
	vmm_write_all(vm, vm->cfg.log_fd, line, n);
}

size_t vmm_write_all(struct vmm *vm, int fd, const void *buf, size_t len)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = write(fd, (const uint8_t *)buf + done, len - done);
		struct pollfd pfd = { fd, POLLOUT, 0 };

		if (n > 0) {
			done += n;
		} else if (n < 0 && errno == EAGAIN && !atomic_load(&vm->end)) {
			/* A kick (the end) cuts the wait short: poll is never restarted. */
			poll(&pfd, 1, 100);
		} else if (!(n < 0 && errno == EINTR)) {
			break;	/* full at the end, EPIPE (nobody reads), an error */
		}
	}
	return done;
}

static int create_vcpu(struct vmm *vm, struct vcpu *v, char *msg, size_t len)
{
	v->fd = ioctl(vm->vm_fd, KVM_CREATE_VCPU, (unsigned long)v->apic_id);
	if (v->fd < 0) {
		snprintf(msg, len, "KVM_CREATE_VCPU %u: %s", v->apic_id, strerror(errno));
		return -1;
	}
	v->run = mmap(NULL, vm->run_size, PROT_READ | PROT_WRITE, MAP_SHARED, v->fd, 0);
	if (v->run == MAP_FAILED) {
		v->run = NULL;
		snprintf(msg, len, "mmap kvm_run: %s", strerror(errno));
		return -1;
	}
	if (v->index == 0 && vm->coalesced_page > 0) {
		long ps = sysconf(_SC_PAGESIZE);

		iotrap_set_ring(&vm->bus, (void *)((uint8_t *)v->run + vm->coalesced_page * ps),
				(ps - sizeof(struct kvm_coalesced_mmio_ring)) /
				sizeof(struct kvm_coalesced_mmio));
	}
	return 0;
}

/* n vCPUs with these ids against what this host's KVM allows. */
static int check_limits(struct vmm *vm, int n, const uint32_t *ids, char *msg, size_t len)
{
	int max = ioctl(vm->kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_MAX_VCPUS);
	int max_id = ioctl(vm->kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_MAX_VCPU_ID);

	if (max > 0 && n > max) {
		snprintf(msg, len, "%d vCPUs; this host's KVM runs at most %d in a VM "
			 "(KVM_CAP_MAX_VCPUS)", n, max);
		return -1;
	}
	for (int i = 0; i < n && max_id > 0; i++)
		if (ids[i] >= (uint32_t)max_id) {
			snprintf(msg, len, "vCPU %d has APIC ID %u; this host's KVM takes ids "
				 "below %d (KVM_CAP_MAX_VCPU_ID)", i, ids[i], max_id);
			return -1;
		}
	return 0;
}

int vmm_create_vcpus(struct vmm *vm, int n, const uint32_t *ids, vmm_vcpu_setup_fn *setup,
		     void *ctx, char *msg, size_t len)
{
	if (check_limits(vm, n, ids, msg, len))
		return -1;
	vm->vcpus = calloc(n, sizeof(*vm->vcpus));
	if (!vm->vcpus) {
		snprintf(msg, len, "out of memory");
		return -1;
	}
	for (int i = 0; i < n; i++)
		vm->vcpus[i].fd = -1;
	vm->nvcpus = n;
	for (int i = 0; i < n; i++) {
		struct vcpu *v = &vm->vcpus[i];
		char why[512];

		v->vm = vm;
		v->index = i;
		v->apic_id = ids[i];
		if (create_vcpu(vm, v, why, sizeof(why)) ||
		    (setup && setup(ctx, v, why, sizeof(why)))) {
			snprintf(msg, len, "vCPU %d (APIC ID %u): %s", i, v->apic_id, why);
			return -1;
		}
	}
	return 0;
}

static void do_io(struct vcpu *v)
{
	struct kvm_run *run = v->run;
	uint8_t *data = (uint8_t *)run + run->io.data_offset;

	/* A string instruction (rep outs) stops at the VM's end. */
	for (uint32_t i = 0; i < run->io.count && !atomic_load(&v->vm->end); i++)
		iotrap_dispatch(&v->vm->bus, &v->vm->bus.pio, run->io.port,
				data + i * run->io.size, run->io.size,
				run->io.direction == KVM_EXIT_IO_OUT);
}

static void handle_exit(struct vcpu *v)
{
	struct kvm_run *run = v->run;
	struct vmm *vm = v->vm;

	switch (run->exit_reason) {
	case KVM_EXIT_IO:
		do_io(v);
		break;
	case KVM_EXIT_MMIO:
		iotrap_dispatch(&vm->bus, &vm->bus.mmio, run->mmio.phys_addr,
				run->mmio.data, run->mmio.len, run->mmio.is_write);
		break;
	case KVM_EXIT_INTR:
		break;
	case KVM_EXIT_IOAPIC_EOI:
		/* Split irqchip: KVM asks only for vectors of level-triggered
		 * GSI routes, and there are none (the userspace IOAPIC sends
		 * MSIs, edge-triggered). Nothing to do if it asks anyway. */
		break;
	case KVM_EXIT_HLT:
		vmm_end(vm, VMM_END_RESET, "vCPU %d halted (no irqchip)", v->index);
		break;
	case KVM_EXIT_SYSTEM_EVENT:
		if (run->system_event.type == KVM_SYSTEM_EVENT_CRASH)
			vmm_end(vm, VMM_END_PANIC, "guest crash event");
		else
			vmm_end(vm, VMM_END_RESET, "guest system event %u",
				run->system_event.type);
		break;
	case KVM_EXIT_SHUTDOWN:
		if (atomic_load(&vm->panic_seen)) {
			vmm_end(vm, VMM_END_PANIC, "guest kernel panic, then triple fault");
			break;
		}
		/* fallthrough */
	default:
		vcpu_fatal_exit(v);
	}
}

static void count_exit(struct vcpu *v, uint64_t ns, uint64_t now)
{
	struct kvm_run *run = v->run;

	exitstats_add(&v->stats, run->exit_reason, ns);
	if (run->exit_reason == KVM_EXIT_IO)
		exitstats_add_addr(&v->stats, EXITSTATS_PIO, run->io.port,
				   run->io.direction == KVM_EXIT_IO_OUT, ns, now);
	else if (run->exit_reason == KVM_EXIT_MMIO)
		exitstats_add_addr(&v->stats, EXITSTATS_MMIO, run->mmio.phys_addr,
				   run->mmio.is_write, ns, now);
}

int vmm_exit_summary(struct vmm *vm, char *buf, size_t len)
{
	struct exitstats *all = malloc(sizeof(*all) * (vm->nvcpus + 1));
	uint64_t end = vmm_now_ns();
	int n;

	if (!all)
		return snprintf(buf, len, "[vmm] exits: out of memory\n");
	for (int i = 0; i < vm->nvcpus; i++)
		all[i + 1] = vm->vcpus[i].stats;
	exitstats_merge(&all[0], &all[1], vm->nvcpus);
	n = exitstats_format(&all[0], vm->t_first_run_ns ? (end - vm->t_first_run_ns) / 1e6 : 0,
			     vm->t_first_run_ns, buf, len);
	if (vm->bus.replayed && n >= 0 && (size_t)n < len)
		n += snprintf(buf + n, len - n, "[vmm] %llu writes queued by KVM without an exit "
			      "(coalesced), replayed in order\n",
			      (unsigned long long)vm->bus.replayed);
	if (vm->t_first_run_ns && n >= 0 && (size_t)n < len)
		n += snprintf(buf + n, len - n, "[vmm] vCPU 0 first ran %.1f ms after the VM "
			      "was created (\"first at\" counts from then)\n",
			      (vm->t_first_run_ns - vm->t_start_ns) / 1e6);
	free(all);
	return n;
}

/* vmm_pause asked, and this KVM_RUN ended with its exit complete: wait
 * here until vmm_resume (or the VM's end). */
static void park(struct vcpu *v)
{
	struct vmm *vm = v->vm;

	pthread_mutex_lock(&vm->pause_lock);
	vm->parked++;
	pthread_cond_broadcast(&vm->pause_cond);
	while (atomic_load(&vm->pause_req) && !atomic_load(&vm->end))
		pthread_cond_wait(&vm->pause_cond, &vm->pause_lock);
	vm->parked--;
	if (!atomic_load(&vm->end))
		v->run->immediate_exit = 0;
	pthread_mutex_unlock(&vm->pause_lock);
}

static void *vcpu_thread(void *arg)
{
	struct vcpu *v = arg;
	struct vmm *vm = v->vm;
	bool profiling = false;
	uint64_t t_start = vmm_now_ns();
	timer_t timer;
	sigset_t set;

	sigfillset(&set);
	sigdelset(&set, VMM_KICK_SIGNAL);
	sigdelset(&set, SIGSEGV);
	sigdelset(&set, SIGBUS);
	pthread_sigmask(SIG_SETMASK, &set, NULL);
	if (vm->cfg.profile_us)
		profiling = !vcpu_profile_start(v, &timer);
	while (!atomic_load(&vm->end)) {
		if (v->index == 0 && !vm->t_first_run_ns)
			vm->t_first_run_ns = vmm_now_ns();
		uint64_t t0 = vmm_now_ns(), t1, t2;
		int ret = ioctl(v->fd, KVM_RUN, 0);

		t1 = vmm_now_ns();
		v->stats.runs++;
		v->stats.run_ns += t1 - t0;
		if (ret < 0) {
			if (errno == EINTR && profiling)
				vcpu_profile_sample(v, t_start);
			if (errno == EINTR && atomic_load(&vm->pause_req))
				park(v);
			if (errno == EINTR || errno == EAGAIN)
				continue;
			vmm_end(vm, VMM_END_ERROR, "KVM_RUN on vCPU %d: %s", v->index,
				strerror(errno));
			break;
		}
		handle_exit(v);
		t2 = vmm_now_ns();
		count_exit(v, t2 - t1, t1);
	}
	if (profiling)
		timer_delete(timer);
	/* After the guest's reboot, its last exit completed as vmm_pause's are
	 * (immediate_exit: KVM finishes a pending I/O or MMIO and returns
	 * EINTR), so that vmm_reset can load a state that KVM then leaves
	 * alone. A return of 0 is another exit (a split MMIO access). */
	v->exit_pending = false;
	if (atomic_load(&vm->end) == VMM_END_RESET) {
		int ret = 0;

		v->run->immediate_exit = 1;
		for (int i = 0; i < 4 && !ret; i++)
			ret = ioctl(v->fd, KVM_RUN, 0);
		v->exit_pending = !(ret < 0 && errno == EINTR);
	}
	return NULL;
}

static void kick_handler(int sig)
{
	(void)sig;
}

int vmm_start(struct vmm *vm, char *msg, size_t len)
{
	/* KVM_RUN returns -EINTR on a signal, never restarted; SA_RESTART
	 * keeps a profile tick from failing a device's write with EINTR. */
	struct sigaction sa = { .sa_handler = kick_handler, .sa_flags = SA_RESTART };

	sigemptyset(&sa.sa_mask);
	sigaction(VMM_KICK_SIGNAL, &sa, NULL);
	for (int i = 0; i < vm->nvcpus; i++) {
		int err = pthread_create(&vm->vcpus[i].thread, NULL, vcpu_thread,
					 &vm->vcpus[i]);
		if (err) {
			snprintf(msg, len, "vCPU thread %d: %s", i, strerror(err));
			vmm_end(vm, VMM_END_ERROR, "vCPU thread %d: %s", i, strerror(err));
			return -1;
		}
		vm->vcpus[i].started = true;
	}
	return 0;
}

void vmm_end(struct vmm *vm, enum vmm_end why, const char *fmt, ...)
{
	int expected = VMM_END_NONE;
	uint64_t one = 1;
	va_list ap;

	if (!atomic_compare_exchange_strong(&vm->end, &expected, why))
		return;
	va_start(ap, fmt);
	vsnprintf(vm->end_msg, sizeof(vm->end_msg), fmt, ap);
	va_end(ap);
	for (int i = 0; i < vm->nvcpus; i++) {
		struct vcpu *v = &vm->vcpus[i];

		if (v->run)
			v->run->immediate_exit = 1;
		if (v->started && !pthread_equal(v->thread, pthread_self()))
			pthread_kill(v->thread, VMM_KICK_SIGNAL);
	}
	/* Parked vCPUs (vmm_pause) leave for the end. */
	pthread_mutex_lock(&vm->pause_lock);
	pthread_cond_broadcast(&vm->pause_cond);
	pthread_mutex_unlock(&vm->pause_lock);
	if (write(vm->exit_efd, &one, sizeof(one)) < 0)
		return;
}

static int started(const struct vmm *vm)
{
	int n = 0;

	for (int i = 0; i < vm->nvcpus; i++)
		n += vm->vcpus[i].started;
	return n;
}

static void kick_all(struct vmm *vm)
{
	for (int i = 0; i < vm->nvcpus; i++) {
		struct vcpu *v = &vm->vcpus[i];

		if (v->run)
			v->run->immediate_exit = 1;
		if (v->started)
			pthread_kill(v->thread, VMM_KICK_SIGNAL);
	}
}

int vmm_pause(struct vmm *vm, unsigned timeout_ms, char *msg, size_t len)
{
	uint64_t deadline = vmm_now_ns() + timeout_ms * 1000000ull, kicked = 0;
	int want = started(vm), parked;

	atomic_store(&vm->pause_req, true);
	pthread_mutex_lock(&vm->pause_lock);
	while ((parked = vm->parked) < want && !atomic_load(&vm->end) &&
	       vmm_now_ns() < deadline) {
		struct timespec ts;

		/* Kick again every 100 ms: a vCPU in a device between two waits
		 * may have missed the first. */
		if (vmm_now_ns() - kicked > 100000000ull) {
			kick_all(vm);
			kicked = vmm_now_ns();
		}
		clock_gettime(CLOCK_MONOTONIC, &ts);
		ts.tv_nsec += 10 * 1000000;
		if (ts.tv_nsec >= 1000000000) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000;
		}
		pthread_cond_timedwait(&vm->pause_cond, &vm->pause_lock, &ts);
	}
	pthread_mutex_unlock(&vm->pause_lock);
	if (parked == want && !atomic_load(&vm->end))
		return 0;
	vmm_resume(vm);
	if (atomic_load(&vm->end))
		snprintf(msg, len, "the VM ended while it was being paused (%s)", vm->end_msg);
	else
		snprintf(msg, len, "%d of %d vCPUs did not stop within %u ms (in a device?)",
			 want - parked, want, timeout_ms);
	return -1;
}

void vmm_resume(struct vmm *vm)
{
	pthread_mutex_lock(&vm->pause_lock);
	atomic_store(&vm->pause_req, false);
	pthread_cond_broadcast(&vm->pause_cond);
	pthread_mutex_unlock(&vm->pause_lock);
}

/* pthread_clockjoin_np for at most ms from now; 0 once joined. */
static int join_for(pthread_t t, uint64_t ms)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_sec += ms / 1000;
	ts.tv_nsec += ms % 1000 * 1000000;
	if (ts.tv_nsec >= 1000000000) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000;
	}
	return pthread_clockjoin_np(t, NULL, CLOCK_MONOTONIC, &ts);
}

int vmm_join(struct vmm *vm, unsigned timeout_ms)
{
	uint64_t deadline = vmm_now_ns() + timeout_ms * 1000000ull;
	int left = 0;

	if (!atomic_load(&vm->end))
		vmm_end(vm, VMM_END_STOPPED, "stopped by the host");
	for (int i = 0; i < vm->nvcpus; i++) {
		struct vcpu *v = &vm->vcpus[i];

		while (v->started) {
			uint64_t now = vmm_now_ns();
			uint64_t ms = now < deadline ? (deadline - now + 999999) / 1000000 : 0;

			if (!join_for(v->thread, ms < 100 ? ms : 100)) {
				v->started = false;
			} else if (vmm_now_ns() >= deadline) {
				vmm_log(vm, "[vmm] vCPU %d did not stop within %u ms of the VM's end "
					"(stuck in a device model or a blocking call); left running, "
					"the VM's memory and devices are not freed\n", v->index,
					timeout_ms);
				left++;
				break;
			} else {
				/* Kick again: the first kick may have come while it was
				 * in a device, between two waits. */
				if (v->run)
					v->run->immediate_exit = 1;
				pthread_kill(v->thread, VMM_KICK_SIGNAL);
			}
		}
	}
	return left;
}
