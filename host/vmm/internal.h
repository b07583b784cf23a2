/* SPDX-License-Identifier: GPL-2.0-only */
/* Shared between the floor's own files (vcpu.c and its helpers); not for
 * the layers above. */
#ifndef KTSTR__VMM_INTERNAL_H
#define KTSTR__VMM_INTERNAL_H

#include <stdint.h>
#include <time.h>

struct vcpu;

/* vcpu_dump.c: a fatal exit: say what KVM reported, dump the vCPU into the
 * log, end the VM with the reason. */
void vcpu_fatal_exit(struct vcpu *v);

/* profile.c: cfg.profile_us: a timer signals this vCPU's thread that often;
 * the signal takes it out of KVM_RUN (EINTR) and the thread then takes a
 * sample. 0, or -1 (logged) when there is no profile. */
int vcpu_profile_start(struct vcpu *v, timer_t *timer);
/* Note where the guest is; t0_ns is when the vCPU thread started. */
void vcpu_profile_sample(struct vcpu *v, uint64_t t0_ns);

#endif
