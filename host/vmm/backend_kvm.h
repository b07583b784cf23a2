/* SPDX-License-Identifier: GPL-2.0-only */
/* The project's own KVM VMM as a ktstr-run backend (struct backend). */
#ifndef KTSTR__VMM_BACKEND_KVM_H
#define KTSTR__VMM_BACKEND_KVM_H

#include "host/backend.h"

struct backend *backend_kvm_new(void);

#endif
