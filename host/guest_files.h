/* The host files a scenario needs in the guest's initramfs: scheduler bpf=
 * objects (checked for a sched_ext struct_ops map before boot), scheduler
 * exec= binaries and payload binaries, with the shared libraries and
 * interpreter they need, found from their ELF dynamic sections the way
 * ld.so finds them. */
#ifndef KTSTR__HOST_GUEST_FILES_H
#define KTSTR__HOST_GUEST_FILES_H

#include <stddef.h>

#include "host/cpio.h"
#include "scenario/model.h"

/* Add binary's interpreter (PT_INTERP) and its DT_NEEDED libraries,
 * recursively, under their real paths (symlinks kept as symlinks). The
 * binary itself is not added. Returns 0 or -1 with msg ("libfoo.so.1
 * (needed by /usr/bin/x) not found in ..."). */
int guest_files_add_deps(struct cpio *c, const char *binary, char *msg, size_t len);

/* Resolve a bpf= target: a path (has a '/' or ends in ".o"), else the name
 * of one of the project's test schedulers: $KTSTR_SCHED_DIR/NAME.bpf.o,
 * then <dir of ktstr-run>/tests/sched/NAME.bpf.o. Returns 0 or -1 with msg. */
int sched_resolve_bpf(const char *target, char *out, size_t outlen, char *msg,
		      size_t len);
/* Resolve an exec= target: a path, or a name looked up in
 * <dir of ktstr-run>/tests/sched/ and $PATH. Returns 0 or -1 with msg. */
int sched_resolve_exec(const char *target, char *out, size_t outlen, char *msg,
		       size_t len);
/* 0 when path is a BPF object with a struct_ops map of type sched_ext_ops,
 * else -1 with msg. */
int sched_check_bpf(const char *path, char *msg, size_t len);

/* Every scheduler of s: resolved, checked and added where guest-init looks
 * for it (guest-init/scx.h: /sched/NAME.bpf.o or /sched/NAME, plus
 * libraries); then every payload-run binary at its own path, plus
 * libraries. Errors name the scheduler or payload and its line. Returns 0
 * or -1. */
int guest_files_add_all(struct cpio *c, const struct scenario *s, char *msg,
			size_t len);

#endif
