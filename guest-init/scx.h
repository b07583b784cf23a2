/* SPDX-License-Identifier: GPL-2.0-only */
/* sched_ext scheduler lifecycle in the guest: attach, replace, detach and
 * watching the kernel's sched_ext state (sysfs and /dev/kmsg). */
#ifndef KTSTR__GUEST_SCX_H
#define KTSTR__GUEST_SCX_H

#include <stdbool.h>
#include <stddef.h>

#include "scenario/model.h"

/* Where the host puts a scheduler NAME in the initramfs: a BPF object at
 * /sched/NAME.bpf.o, an exec= binary at /sched/NAME (its shared libraries
 * under their real paths). host/sched_files.c writes the same names. */
#define SCX_GUEST_DIR "/sched"

/* sched_ext_ops.flags bit: only SCHED_EXT tasks are switched. */
#define SCX_FLAG_SWITCH_PARTIAL 8ull

/* Run an attach, replace or detach op. Returns 0, or -1 with msg naming
 * the scheduler and the reason. */
int sched_op(const struct scenario *s, const struct scn_op *op, char *msg, size_t len);
/* End of a step: sample the state and send a "sched_step" event saying
 * which scheduler guest-init believes is attached and what the kernel says. */
void sched_poll(void);
/* Detach whatever is still attached and stop the monitor thread. */
void sched_finish(void);

/* --- lower level, pure (unit tested) --- */

/* Classify a kernel exit reason ("runnable task stall", "runtime error",
 * "scx_bpf_error", "unregistered from user space", ...) as "stall",
 * "error", "unregistered", "sysrq" or "other". */
const char *scx_exit_kind(const char *reason);
/* Parse one /dev/kmsg message text. 'BPF scheduler "X" disabled (R)':
 * returns 1 with name=X, why=R. 'sched_ext: X: MSG' (the reason line that
 * follows): returns 2 with name=X, why=MSG. Anything else: 0. */
int scx_parse_kmsg(const char *text, char *name, size_t nlen, char *why, size_t wlen);

#endif
