/* SPDX-License-Identifier: GPL-2.0-only */
/* Can this host's KVM run an unmodified Linux guest? Answered up front,
 * before a boot fails. */
#ifndef KTSTR__HOST_KVMCHECK_H
#define KTSTR__HOST_KVMCHECK_H

#include <stdbool.h>
#include <stddef.h>

/* true if /dev/kvm is usable and backed by hardware virtualisation (VMX or
 * SVM). why explains the answer in one line either way. */
bool kvm_can_run_linux(char *why, size_t len);

#endif
