/* SPDX-License-Identifier: GPL-2.0-only */
/* Watching the kernel's sched_ext side: sysfs state, /dev/kmsg, and a
 * SCHED_FIFO thread that notices the attached scheduler dying on its own
 * (watchdog stall, BPF error, loader exit) and reports it. Every function
 * but scx_mon_start and scx_mon_stop is called with scx_lock held
 * (scx_internal.h). */
#ifndef KTSTR__GUEST_SCX_MONITOR_H
#define KTSTR__GUEST_SCX_MONITOR_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "proto/events.h"

/* Start the monitor thread and open /dev/kmsg (from its end: only what the
 * kernel says from now on counts). Once; problems go out as non-fatal
 * ERROR frames. */
void scx_mon_start(void);
/* Stop and join the monitor thread, if it runs. scx_lock not held. */
void scx_mon_stop(void);

/* One pass: state changes, new kernel log lines, and whether the attached
 * scheduler is still the one running; a dead one is reported (sched_died)
 * and released. */
void scx_mon_once(void);

/* /sys/kernel/sched_ext/LEAF, first line, "" when absent (root/ops while
 * disabled). */
void scx_mon_sysfs(const char *leaf, char *buf, size_t len);
/* Send a scheduler event: name, sysfs state, reason and the kernel's
 * counters, with extra (may be NULL; consumed) merged in. */
void scx_mon_event(enum proto_event kind, const char *name, const char *reason,
		   json_t *extra);
/* Read every new kernel log record: note exit reports in scx_last_exit,
 * forward sched_ext lines as sched_log events. */
void scx_mon_drain(void);
/* Wait until the kernel's state is want (or the loader pid, if > 0,
 * exits), draining the log meanwhile. 0, -ETIMEDOUT, or -ECHILD with
 * *status set when the loader exited. */
int scx_mon_wait_state(const char *want, uint64_t timeout_ns, pid_t pid, int *status);
/* Wait briefly for the kernel's "disabled" line after seq (and the reason
 * line after it). Whether one came. */
bool scx_mon_wait_exit_line(unsigned long seq);

#endif
