/* SPDX-License-Identifier: GPL-2.0-only */
/* Facts about the guest the host wants first (the HELLO frame): kernel
 * release, CPUs and their topology, sched_ext state, cgroup controllers. */
#ifndef KTSTR__GUEST_SYSINFO_H
#define KTSTR__GUEST_SYSINFO_H

#include <jansson.h>
#include <stddef.h>

json_t *sysinfo_collect(void);
/* Write a string to a sysfs/cgroup file. 0 or -errno. */
int write_text(const char *path, const char *s);
/* The current sched_ext state ("enabled", "disabled", ...) or "absent". */
const char *sysinfo_scx_state(char *buf, size_t len);

#endif
