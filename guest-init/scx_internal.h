/* SPDX-License-Identifier: GPL-2.0-only */
/* The state the sched_ext files of guest-init share: the scheduler that is
 * attached, the kernel's last exit report, the last sysfs state, and the
 * lock over them. For scx.c and scx_monitor.c only; the rest of guest-init
 * uses scx.h.
 *
 * Who touches what: scx_lock is held by every reader and writer of the
 * three below, in both threads (exec.c's, through sched_op, sched_poll and
 * sched_finish in scx.c; and the monitor thread, scx_monitor.c).
 * - scx_cur: set up and torn down by scx.c's op state machine; the monitor
 *   releases it (scx_cur_release) when the scheduler dies on its own.
 * - scx_last_exit and scx_last_state: written only by scx_monitor.c (as it
 *   reads /dev/kmsg and sysfs); scx.c reads them for events and messages.
 * scx_load.c and scx_kmsg.c see none of it: they get what they need as
 * arguments. */
#ifndef KTSTR__GUEST_SCX_INTERNAL_H
#define KTSTR__GUEST_SCX_INTERNAL_H

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "guest-init/scx_kmsg.h"
#include "guest-init/scx_load.h"
#include "scenario/model.h"

/* The scheduler guest-init attached (at most one: sched_ext has one root). */
struct scx_cur {
	const struct scn_scheduler *sc; /* NULL: none */
	struct bpf_object *obj;
	struct bpf_link *link;
	pid_t pid;                 /* exec= loader, 0 for bpf= */
	char ops[128];             /* the kernel's name for it (root/ops) */
	uint64_t enabled_ns;       /* guest_now_ns() when it came up */
	unsigned long exit_seq;    /* scx_last_exit.seq when it came up */
	char *bpf_log;             /* bpf=: libbpf's messages while it came up */
	uint64_t bpf_log_bytes;
};

extern pthread_mutex_t scx_lock;
extern struct scx_cur scx_cur;
extern struct scx_exit scx_last_exit;
extern char scx_last_state[32];

static inline const char *scx_cur_name(void)
{
	return scx_cur.sc ? scx_cur.sc->name : "";
}

/* Forget the attached scheduler, closing what libbpf still holds of it (an
 * exec= loader must have been reaped already). */
static inline void scx_cur_release(void)
{
	scx_load_release(scx_cur.link, scx_cur.obj);
	free(scx_cur.bpf_log);
	memset(&scx_cur, 0, sizeof(scx_cur));
}

/* Send a sched_output event with what the attached scheduler printed while
 * it was up (scx.c): an exec= loader's log, a bpf= scheduler's libbpf
 * messages when there were any. When it goes (detached, replaced, dead). */
void scx_cur_send_output(void);

#endif
