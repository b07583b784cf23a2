/* SPDX-License-Identifier: GPL-2.0-only */
/* Bringing a scheduler's code into the guest: a bpf= object opened, loaded
 * and attached with libbpf (libbpf's messages captured for errors), or an
 * exec= loader started with its output in a log file. Touches no shared
 * sched_ext state (scx_internal.h); the caller holds scx_lock. */
#ifndef KTSTR__GUEST_SCX_LOAD_H
#define KTSTR__GUEST_SCX_LOAD_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "scenario/model.h"

struct bpf_link;
struct bpf_map;
struct bpf_object;

/* sched_ext_ops.flags bit: only SCHED_EXT tasks are switched. */
#define SCX_FLAG_SWITCH_PARTIAL 8ull

/* A scheduler opened and loaded (verified) but not attached yet, so a
 * replace can verify the new one before the old one goes. */
struct scx_next {
	struct bpf_object *obj;
	struct bpf_map *map;
};

/* Send libbpf's warnings to the capture buffer (not the console) from now
 * on. Idempotent. */
void scx_load_init(void);
/* Capture libbpf's messages for a new scheduler from now on (prepare does). */
void scx_load_log_reset(void);
/* libbpf's messages since the reset as PF_TEXT (payload_output.h), *total
 * their size. malloc'd; NULL when there were none. */
char *scx_load_log_text(uint64_t *total);
/* The last len - 1 bytes of them on one line. */
void scx_load_log_tail(char *buf, size_t len);

/* Open SCX_GUEST_DIR/NAME.bpf.o, find its sched_ext_ops struct_ops map, set
 * SCX_FLAG_SWITCH_PARTIAL for partial=yes, load it. 0, or -1 with msg
 * naming the scheduler, the file and libbpf's words; nx->obj is then NULL. */
int scx_load_prepare(const struct scn_scheduler *sc, struct scx_next *nx, char *msg,
		     size_t len);
/* Attach a prepared scheduler. 0 with *link set (nx->obj is then the
 * caller's to close), or -1 with msg ("scheduler 'X': attaching T: ERR",
 * plus "; libbpf: ..." when it said something) and nx->obj closed. */
int scx_load_attach(const struct scn_scheduler *sc, struct scx_next *nx,
		    struct bpf_link **link, char *msg, size_t len);
/* Undo prepare/attach: destroy the link, close the object (either may be
 * NULL). The kernel unregisters the scheduler when the last reference to
 * its struct_ops map is gone. */
void scx_load_release(struct bpf_link *link, struct bpf_object *obj);

/* The kernel's exit kind (enum scx_exit_kind) as the scheduler recorded
 * it in ops.exit: the kernel's tools/sched_ext headers' UEI_DEFINE(uei)
 * and UEI_RECORD(uei, ei) put it in a global "uei" whose "kind" member
 * this reads from the object's data map. 0 with *kind set (0,
 * SCX_EXIT_NONE, when nothing was recorded), or -ENOENT when the object
 * has no such variable (most bpf= objects, and every exec= loader's,
 * which lives in the loader). */
int scx_load_exit_kind(struct bpf_object *obj, int *kind);

/* Start the exec= loader SCX_GUEST_DIR/NAME with its args, stdout and
 * stderr to its log file, in its own process group. 0 with *pid set, or -1
 * with msg. */
int scx_load_spawn(const struct scn_scheduler *sc, pid_t *pid, char *msg, size_t len);
/* NAME's loader log as PF_TEXT (payload_output.h), *total its size.
 * malloc'd. */
char *scx_load_output_text(const char *name, uint64_t *total);
/* The last len - 1 bytes of NAME's loader log, newlines as spaces ("" when
 * there is none). */
void scx_load_output_tail(const char *name, char *buf, size_t len);

#endif
