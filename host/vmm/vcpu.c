// SPDX-License-Identifier: GPL-2.0-only
/* vCPUs: creation with per-vCPU CPUID/MSRs/LAPIC, one thread each running
 * KVM_RUN, exit dispatch, the VM end and the register dump on failures. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "host/arch/x86/cpuid.h"
#include "host/arch/x86/msr.h"
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

static int setup_vcpu(struct vmm *vm, struct vcpu *v, char *msg, size_t len)
{
	int cap = vm->cpuid->nent + 24;	/* x86_cpuid_patch adds up to 16 */
	struct kvm_cpuid2 *c = calloc(1, sizeof(*c) + cap * sizeof(c->entries[0]));
	int ret = -1;

	v->fd = ioctl(vm->vm_fd, KVM_CREATE_VCPU, (unsigned long)v->apic_id);
	if (v->fd < 0) {
		snprintf(msg, len, "KVM_CREATE_VCPU %u: %s", v->apic_id, strerror(errno));
		goto out;
	}
	v->run = mmap(NULL, vm->run_size, PROT_READ | PROT_WRITE, MAP_SHARED, v->fd, 0);
	if (v->run == MAP_FAILED) {
		v->run = NULL;
		snprintf(msg, len, "mmap kvm_run: %s", strerror(errno));
		goto out;
	}
	if (v->index == 0 && vm->coalesced_page > 0) {
		long ps = sysconf(_SC_PAGESIZE);

		iotrap_set_ring(&vm->bus, (void *)((uint8_t *)v->run + vm->coalesced_page * ps),
				(ps - sizeof(struct kvm_coalesced_mmio_ring)) /
				sizeof(struct kvm_coalesced_mmio));
	}
	if (!c || x86_cpuid_patch(c, cap, vm->cpuid, &vm->cfg.topo, v->index)) {
		snprintf(msg, len, "CPUID for vCPU %d: out of entries", v->index);
		goto out;
	}
	if (ioctl(v->fd, KVM_SET_CPUID2, c)) {
		snprintf(msg, len, "KVM_SET_CPUID2 vCPU %d: %s", v->index, strerror(errno));
		goto out;
	}
	if (x86_msr_setup(v->fd, msg, len))
		goto out;
	if (vm->has_xcrs && x86_xcr_setup(v->fd, x86_cpuid_xcr0(c), msg, len))
		goto out;
	if (vm->cfg.irqchip && x86_lapic_setup(v->fd, msg, len))
		goto out;
	ret = 0;
out:
	free(c);
	return ret;
}

int vmm_create_vcpus(struct vmm *vm, char *msg, size_t len)
{
	int n = vm->cfg.topo.ncpus;

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
		v->apic_id = x86_topo_apic_id(&vm->cfg.topo, i);
		if (setup_vcpu(vm, v, why, sizeof(why))) {
			snprintf(msg, len, "vCPU %d (APIC ID %u): %s", i, v->apic_id, why);
			return -1;
		}
	}
	return 0;
}

static void dump_seg(char **p, char *end, const char *name, const struct kvm_segment *s)
{
	*p += snprintf(*p, end - *p, " %s=%04x base=%llx lim=%x type=%x l=%d db=%d\n",
		       name, s->selector, (unsigned long long)s->base, s->limit, s->type,
		       s->l, s->db);
	if (*p > end)
		*p = end;
}

static void dump_insn(struct vcpu *v, const struct kvm_sregs *s, uint64_t rip,
		      char **p, char *end)
{
	struct gm_paging pg = { s->cr0, s->cr3, s->cr4, s->efer };
	uint8_t b[16];
	uint64_t lin = (s->efer & (1 << 10) && s->cs.l) ? rip : s->cs.base + rip;

	if (gm_read_virt(&v->vm->gm, &pg, lin, b, sizeof(b))) {
		*p += snprintf(*p, end - *p, " code: <linear 0x%llx not mapped in guest RAM>\n",
			       (unsigned long long)lin);
	} else {
		*p += snprintf(*p, end - *p, " code at 0x%llx:", (unsigned long long)lin);
		for (size_t i = 0; i < sizeof(b) && *p < end; i++)
			*p += snprintf(*p, end - *p, " %02x", b[i]);
		if (*p < end)
			*p += snprintf(*p, end - *p, "\n");
	}
	if (*p > end)
		*p = end;
}

void vmm_dump_vcpu(struct vcpu *v, char *buf, size_t len)
{
	struct kvm_regs r;
	struct kvm_sregs s;
	char *p = buf, *end = buf + len;

	buf[0] = 0;
	if (ioctl(v->fd, KVM_GET_REGS, &r) || ioctl(v->fd, KVM_GET_SREGS, &s)) {
		snprintf(buf, len, " (registers unavailable: %s)\n", strerror(errno));
		return;
	}
	p += snprintf(p, end - p,
		      " vCPU %d (APIC ID %u)\n"
		      " rip=%016llx rsp=%016llx rflags=%08llx\n"
		      " rax=%016llx rbx=%016llx rcx=%016llx rdx=%016llx\n"
		      " rsi=%016llx rdi=%016llx rbp=%016llx r8=%016llx\n"
		      " r9=%016llx r10=%016llx r11=%016llx r12=%016llx\n"
		      " r13=%016llx r14=%016llx r15=%016llx\n"
		      " cr0=%llx cr2=%llx cr3=%llx cr4=%llx efer=%llx\n",
		      v->index, v->apic_id, r.rip, r.rsp, r.rflags, r.rax, r.rbx, r.rcx,
		      r.rdx, r.rsi, r.rdi, r.rbp, r.r8, r.r9, r.r10, r.r11, r.r12, r.r13,
		      r.r14, r.r15, s.cr0, s.cr2, s.cr3, s.cr4, s.efer);
	if (p > end)
		p = end;
	dump_seg(&p, end, "cs", &s.cs);
	dump_seg(&p, end, "ss", &s.ss);
	dump_insn(v, &s, r.rip, &p, end);
}

static const char *exit_name(uint32_t r)
{
	switch (r) {
	case KVM_EXIT_INTERNAL_ERROR: return "KVM_EXIT_INTERNAL_ERROR";
	case KVM_EXIT_FAIL_ENTRY: return "KVM_EXIT_FAIL_ENTRY";
	case KVM_EXIT_SHUTDOWN: return "KVM_EXIT_SHUTDOWN (triple fault)";
	case KVM_EXIT_EXCEPTION: return "KVM_EXIT_EXCEPTION";
	case KVM_EXIT_UNKNOWN: return "KVM_EXIT_UNKNOWN";
	default: return "unexpected exit";
	}
}

static const char *suberror_name(uint32_t s)
{
	switch (s) {
	case KVM_INTERNAL_ERROR_EMULATION: return "emulation failure";
	case KVM_INTERNAL_ERROR_SIMUL_EX: return "exception while delivering an exception";
	case KVM_INTERNAL_ERROR_DELIVERY_EV: return "event delivery failed";
	case KVM_INTERNAL_ERROR_UNEXPECTED_EXIT_REASON: return "unexpected exit reason";
	default: return "unknown suberror";
	}
}

/* RIP 0xfff0 with CS based at 0xffff0000: the vCPU's power-on state. */
static bool at_reset_vector(struct vcpu *v, const struct kvm_regs *r)
{
	struct kvm_sregs s;

	return r->rip == 0xfff0 && !ioctl(v->fd, KVM_GET_SREGS, &s) && s.cs.base == 0xffff0000;
}

/* A fatal exit: say what KVM reported, dump the vCPU, end the VM. */
static void fatal_exit(struct vcpu *v)
{
	struct kvm_run *run = v->run;
	char dump[2048], what[512], extra[256] = "";
	struct kvm_regs r;
	int n = 0;

	vmm_dump_vcpu(v, dump, sizeof(dump));
	if (run->exit_reason == KVM_EXIT_INTERNAL_ERROR) {
		n = snprintf(what, sizeof(what), "%s, suberror %u (%s)",
			     exit_name(run->exit_reason), run->internal.suberror,
			     suberror_name(run->internal.suberror));
		for (uint32_t i = 0; i < run->internal.ndata && i < 4 && n < (int)sizeof(what); i++)
			n += snprintf(what + n, sizeof(what) - n, " data[%u]=0x%llx", i,
				      (unsigned long long)run->internal.data[i]);
	} else if (run->exit_reason == KVM_EXIT_FAIL_ENTRY) {
		snprintf(what, sizeof(what), "%s, hardware reason 0x%llx",
			 exit_name(run->exit_reason),
			 (unsigned long long)run->fail_entry.hardware_entry_failure_reason);
	} else {
		snprintf(what, sizeof(what), "%s (exit reason %u)", exit_name(run->exit_reason),
			 run->exit_reason);
	}
	if (v->vm->is_pvm)
		snprintf(extra, sizeof(extra),
			 "this host's KVM (kvm_pvm) cannot run an unmodified Linux kernel; "
			 "use --backend qemu. ");
	if (ioctl(v->fd, KVM_GET_REGS, &r))
		r.rip = ~0ull;
	if (run->exit_reason == KVM_EXIT_SHUTDOWN && at_reset_vector(v, &r))
		snprintf(what + strlen(what), sizeof(what) - strlen(what), "; the registers are "
			 "the reset state: KVM on AMD reinitializes a vCPU that shut down, so "
			 "where it faulted is lost (see the guest console)");
	vmm_log(v->vm, "[vmm] vCPU %d stopped: %s\n%s", v->index, what, dump);
	vmm_end(v->vm, VMM_END_ERROR, "%s%s on vCPU %d at RIP 0x%llx (register dump and "
		"code bytes in the console log)\n%s", extra, what, v->index,
		(unsigned long long)r.rip, dump);
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
		fatal_exit(v);
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

/* --profile: a timer signals this thread every cfg.profile_us; the signal
 * takes the vCPU out of KVM_RUN (EINTR), and the thread notes where the
 * guest was before it goes back in. */
static int profile_start(struct vcpu *v, timer_t *timer)
{
	unsigned us = v->vm->cfg.profile_us;
	struct sigevent ev = { .sigev_notify = SIGEV_THREAD_ID, .sigev_signo = VMM_KICK_SIGNAL };
	struct itimerspec it = { .it_interval = { us / 1000000, us % 1000000 * 1000 } };

	v->cap_samples = 600ull * 1000000 / us;	/* ten minutes' worth */
	v->samples = calloc(v->cap_samples, sizeof(*v->samples));
	/* SIGEV_THREAD_ID's field: glibc 2.36 has no name for it */
	ev._sigev_un._tid = (pid_t)syscall(SYS_gettid);
	it.it_value = it.it_interval;
	if (!v->samples || timer_create(CLOCK_MONOTONIC, &ev, timer)) {
		vmm_log(v->vm, "[vmm] vCPU %d: no profile (%s)\n", v->index, strerror(errno));
		return -1;
	}
	timer_settime(*timer, 0, &it, NULL);
	return 0;
}

static void profile_sample(struct vcpu *v, uint64_t t0_ns)
{
	struct kvm_mp_state mp = { 0 };
	struct kvm_regs r;

	if (v->nsamples >= v->cap_samples || ioctl(v->fd, KVM_GET_REGS, &r))
		return;
	ioctl(v->fd, KVM_GET_MP_STATE, &mp);
	v->samples[v->nsamples++] = (struct vcpu_sample){
		.rip = r.rip, .ms = (uint32_t)((vmm_now_ns() - t0_ns) / 1000000),
		.halted = mp.mp_state == KVM_MP_STATE_HALTED };
}

int vmm_write_profile(struct vmm *vm, const char *path)
{
	FILE *f = fopen(path, "we");

	if (!f)
		return -errno;
	for (int i = 0; i < vm->nvcpus; i++)
		for (size_t j = 0; j < vm->vcpus[i].nsamples; j++) {
			const struct vcpu_sample *s = &vm->vcpus[i].samples[j];

			fprintf(f, "%d %u %llx %c\n", i, s->ms, (unsigned long long)s->rip,
				s->halted ? 'H' : 'R');
		}
	return fclose(f) ? -errno : 0;
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
		profiling = !profile_start(v, &timer);
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
				profile_sample(v, t_start);
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
	if (write(vm->exit_efd, &one, sizeof(one)) < 0)
		return;
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
