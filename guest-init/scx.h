/* SPDX-License-Identifier: GPL-2.0-only */
/* sched_ext scheduler lifecycle in the guest: attach, replace, detach and
 * watching the kernel's sched_ext state (sysfs and /dev/kmsg). The public
 * face of scx.c (the op state machine), scx_load.c (libbpf and exec=
 * loaders), scx_monitor.c (the watching thread) and scx_kmsg.c (the
 * kernel's log lines). */
#ifndef KTSTR__GUEST_SCX_H
#define KTSTR__GUEST_SCX_H

#include <stdbool.h>
#include <stddef.h>

#include "scenario/model.h"

/* Where the host puts a scheduler NAME in the initramfs: a BPF object at
 * /sched/NAME.bpf.o, an exec= binary at /sched/NAME (its shared libraries
 * under their real paths). host/guest_files.c writes the same names. */
#define SCX_GUEST_DIR "/sched"

/* Run an attach, replace or detach op. Returns 0; 1 when the scheduler
 * did not come up (did not load, attach or get enabled within its
 * enable-timeout: sched_output and sched_attach_failed events said so,
 * and nothing is attached after an attach, the old one still after a
 * replace whose new one did not load); or -1 with msg naming the
 * scheduler and the reason when the op itself was wrong or the old
 * scheduler would not go. */
int sched_op(const struct scenario *s, const struct scn_op *op, char *msg, size_t len);
/* "sched_ext scheduler 'NAME' (ops OPS)" into buf when guest-init has one
 * attached; false (buf "") when not. Thread-safe. */
bool sched_attached(char *buf, size_t len);
/* End of a step: sample the state and send a "sched_step" event saying
 * which scheduler guest-init believes is attached and what the kernel says. */
void sched_poll(void);
/* Detach whatever is still attached and stop the monitor thread. */
void sched_finish(void);

#endif
