/* SPDX-License-Identifier: GPL-2.0-only */
/* What the kernel says about sched_ext, as text: /dev/kmsg records, its
 * "disabled" and reason lines, and its exit reasons. Pure (libc only);
 * tests/guest-init/test_scx_kmsg.c feeds it the kernel's own wording. */
#ifndef KTSTR__GUEST_SCX_KMSG_H
#define KTSTR__GUEST_SCX_KMSG_H

#include <stdbool.h>
#include <stddef.h>

/* The last "disabled" report from the kernel log. */
struct scx_exit {
	unsigned long seq;         /* bumps on each disabled line */
	char ops[128];             /* the kernel's name for the scheduler */
	char why[128];             /* "runnable task stall" */
	char msg[512];             /* the following reason line, if any */
};

/* The text of one /dev/kmsg record ("6,1234,5678,-;TEXT\n KEY=VAL\n"): cuts
 * rec at the end of its first line and returns TEXT when it is a sched_ext
 * line ("sched_ext: ..."), else NULL. */
const char *scx_kmsg_text(char *rec);

/* Parse one sched_ext log line. 'sched_ext: BPF scheduler "X" disabled (R)':
 * returns 1 with name=X, why=R. 'sched_ext: X: MSG' (the reason line that
 * follows): returns 2 with name=X, why=MSG. Anything else: 0. Both are cut
 * to fit nlen and wlen. */
int scx_parse_kmsg(const char *text, char *name, size_t nlen, char *why, size_t wlen);

/* Fold one sched_ext log line into e: a disabled line starts a new exit
 * (seq bumps, msg clears), the first reason line naming the same scheduler
 * after it fills msg. Returns what scx_parse_kmsg returned. */
int scx_kmsg_note(struct scx_exit *e, const char *text);

/* Classify a kernel exit reason ("runnable task stall", "runtime error",
 * "scx_bpf_error", "unregistered from user space", ...) as "stall",
 * "error", "unregistered", "sysrq" or "other": the kernel's words are
 * looked up as its exit kind (every kind from SCX_EXIT_ERROR up is an
 * error), words it does not print today are guessed from. */
const char *scx_exit_kind(const char *reason);
/* The same for the kernel's enum scx_exit_kind (a BPF scheduler's
 * user_exit_info.kind): the kernel's own split, every kind from
 * SCX_EXIT_ERROR (1024) up is an error. */
const char *scx_exit_kind_of(int kernel_kind);

/* Why the attached scheduler died, for the sched_died event. */
struct scx_death {
	const char *why;           /* the kernel's reason, or ours; points into e or static */
	const char *kind;          /* scx_exit_kind(why), see scx_exit_explain */
	char reason[768];          /* the kernel's message, or why; for a loader that
				    * exited, "; process exited with N" appended */
};

/* Explain a death from e. The kernel's words count only when a disabled
 * line came after since_seq (e->seq when the scheduler came up) and names
 * ops (the kernel's name for ours). exited: an exec= loader exited with
 * wait status; a loader that exited for no reason the kernel gave counts
 * as "unregistered". */
void scx_exit_explain(const struct scx_exit *e, unsigned long since_seq, const char *ops,
		      bool exited, int status, struct scx_death *d);

#endif
