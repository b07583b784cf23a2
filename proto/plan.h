/* SPDX-License-Identifier: GPL-2.0-only */
/* The run plan: everything a ready guest needs for one run (the scenario
 * text, the run options, and every file the run needs: bpf= objects,
 * exec= schedulers and payloads with their libraries), as one cpio "newc"
 * archive that guest-init unpacks into / after its mounts.
 *
 * How it travels (proto/wire.h frames):
 *   guest  READY {plan: "channel" | "initramfs"}   guest-init is up: mounts,
 *                                                  cgroup root, channel open
 *   host   PLAN  {size: N}                          (when plan is "channel")
 *   host   DATA  raw archive bytes, N in all, at most PLAN_CHUNK per frame
 *   guest  HELLO ...                                the run starts
 * or, for a backend whose channel cannot carry host -> guest data, the
 * archive is the initramfs file PLAN_INITRAMFS_NAME. Either way the guest
 * reaches the run the same way: unpack, then read GUEST_SCENARIO_PATH and
 * GUEST_RUN_OPTS_PATH. A snapshot is taken at READY, so a restored guest
 * differs from a booted one only in how it got there. */
#ifndef KTSTR__PROTO_PLAN_H
#define KTSTR__PROTO_PLAN_H

#define PLAN_INITRAMFS_NAME "plan.cpio"
#define PLAN_INITRAMFS_PATH "/" PLAN_INITRAMFS_NAME
#define PLAN_CHUNK (1u << 20)          /* bytes per DATA frame at most */
#define PLAN_MAX_BYTES (1024u << 20)   /* the largest archive a guest takes */
#define PLAN_MAX_NAME 4096             /* an entry's name, with its NUL */

#define READYF_PLAN "plan"             /* "channel" or "initramfs" */
#define PLANF_SIZE "size"

#endif
