/* SPDX-License-Identifier: GPL-2.0-only */
/* Where a scenario's schedulers come from on the host: bpf= objects and
 * exec= binaries named by path, or by the name of one of the schedulers
 * ktstr-run ships (the one place that knows where those are built and
 * installed). */
#ifndef KTSTR__HOST_SCHED_FILES_H
#define KTSTR__HOST_SCHED_FILES_H

#include <stddef.h>

/* Resolve a bpf= target: a path (has a '/' or ends in ".o"), else the name
 * of one of the schedulers ktstr-run ships: $KTSTR_SCHED_DIR/NAME.bpf.o,
 * then <dir of ktstr-run>/scheds/NAME.bpf.o (build tree), then
 * <dir of ktstr-run>/KTSTR_INSTALL_SCHEDS/NAME.bpf.o (installed). Returns 0
 * or -1 with msg. */
int sched_resolve_bpf(const char *target, char *out, size_t outlen, char *msg,
		      size_t len);
/* Resolve an exec= target: a path, or a name looked up in $KTSTR_SCHED_DIR
 * and $PATH. Returns 0 or -1 with msg. */
int sched_resolve_exec(const char *target, char *out, size_t outlen, char *msg,
		       size_t len);
/* 0 when path is a BPF object with a struct_ops map of type sched_ext_ops,
 * else -1 with msg. */
int sched_check_bpf(const char *path, char *msg, size_t len);

#endif
