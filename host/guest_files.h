/* SPDX-License-Identifier: GPL-2.0-only */
/* The host files a scenario needs in the guest's initramfs, and where they
 * go: scheduler bpf= objects (checked for a sched_ext struct_ops map before
 * boot), scheduler exec= binaries and payload binaries, with the
 * interpreter and shared libraries they need (host/elfdeps.h). */
#ifndef KTSTR__HOST_GUEST_FILES_H
#define KTSTR__HOST_GUEST_FILES_H

#include <stddef.h>

#include "host/cpio.h"
#include "scenario/model.h"

/* Every scheduler of s, resolved (host/sched_files.h) and checked, where
 * guest-init looks for it (guest-init/scx.h): /sched/NAME.bpf.o, or
 * /sched/NAME; then every payload-run binary under its own path. A binary
 * lies at its real path (symlinks resolved, so that $ORIGIN means in the
 * guest what it means on the host), /sched/NAME or the payload path is a
 * symlink to it when that differs; its interpreter and libraries lie at
 * the paths ld.so opens, and the host's /etc/ld.so.cache goes with a
 * dynamic one. Errors name the scheduler or payload and its line. Returns
 * 0 or -1. */
int guest_files_add_all(struct cpio *c, const struct scenario *s, char *msg,
			size_t len);

#endif
