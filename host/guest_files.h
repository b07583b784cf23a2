/* SPDX-License-Identifier: GPL-2.0-only */
/* The host files a run needs in the guest (its run plan), and where they
 * go: scheduler bpf= objects (checked for a sched_ext struct_ops map before
 * boot), scheduler exec= binaries and payload binaries, with the
 * interpreter and shared libraries they need (host/elfdeps.h), the files
 * and directories a scenario's `file` directives name, and the kernel's
 * config where libbpf looks for it. */
#ifndef KTSTR__HOST_GUEST_FILES_H
#define KTSTR__HOST_GUEST_FILES_H

#include <stddef.h>

#include "host/cpio.h"
#include "scenario/model.h"

/* What `file` directives may ship, all together: bytes of regular files,
 * entries (files, directories, symlinks) and directory depth. The guest
 * holds the run plan in memory, twice while unpacking it. */
#define GUEST_FILES_MAX_BYTES (256u << 20)
#define GUEST_FILES_MAX_ENTRIES 16384
#define GUEST_FILES_MAX_DEPTH 32

/* The kernel the run boots: its config goes to /boot/config-RELEASE
 * (release as `uname -r` gives it in the guest). Either may be NULL or
 * "": no config is shipped. */
struct guest_kernel {
	const char *release;
	const char *config;
};

/* Every scheduler of s, resolved (host/sched_files.h) and checked, where
 * guest-init looks for it (guest-init/scx.h): /sched/NAME.bpf.o, or
 * /sched/NAME; then every payload-run binary under its own path. A binary
 * lies at its real path (symlinks resolved, so that $ORIGIN means in the
 * guest what it means on the host), /sched/NAME or the payload path is a
 * symlink to it when that differs; its interpreter and libraries lie at
 * the paths ld.so opens, and the host's /etc/ld.so.cache goes with a
 * dynamic one. Then every `file` directive: a regular file (its
 * permission bits, or mode=), or a directory with everything in it
 * (symlinks in it kept as symlinks, other file types refused), at to= or
 * at the host path made absolute, within the GUEST_FILES_MAX_* bounds.
 * Last, k's config, unless a `file` put one at its path. The same thing
 * staged twice is one entry; two different things at one guest path are
 * an error. Errors name the scheduler, payload or file and its line.
 * Returns 0 or -1. */
int guest_files_add_all(struct cpio *c, const struct scenario *s,
			const struct guest_kernel *k, char *msg, size_t len);

#endif
