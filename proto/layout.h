/* SPDX-License-Identifier: GPL-2.0-only */
/* Where things are in the guest, and the one line form the host reads off
 * the guest's console: shared by the host that builds the initramfs and
 * guest-init that reads it. */
#ifndef KTSTR__PROTO_LAYOUT_H
#define KTSTR__PROTO_LAYOUT_H

/* The scenario text and the run options, at the initramfs root. The host
 * writes them without the leading slash (cpio names are relative). */
#define GUEST_SCENARIO_NAME "scenario.scn"
#define GUEST_RUN_OPTS_NAME "run.json"
#define GUEST_SCENARIO_PATH "/" GUEST_SCENARIO_NAME
#define GUEST_RUN_OPTS_PATH "/" GUEST_RUN_OPTS_NAME
/* bpf= scheduler objects: GUEST_SCHED_DIR/NAME.bpf.o */
#define GUEST_SCHED_DIR "/sched"

/* guest-init prints a fatal error on the console (stderr) as one line
 * starting with this; the host takes such a line as the crash's cause. */
#define GUEST_FATAL_PREFIX "guest-init: fatal:"

/* run.json keys */
#define RUNOPT_SEED "seed"
#define RUNOPT_STOP_TIMEOUT_MS "stop_timeout_ms"
#define RUNOPT_INJECT "inject"

#endif
