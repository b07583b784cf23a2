// SPDX-License-Identifier: GPL-2.0-only
/* The RIP profiler (--profile): each vCPU thread samples where its guest
 * is, and the samples go to a file after the run. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "host/vmm/internal.h"
#include "host/vmm/vmm.h"

int vcpu_profile_start(struct vcpu *v, timer_t *timer)
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

void vcpu_profile_sample(struct vcpu *v, uint64_t t0_ns)
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
