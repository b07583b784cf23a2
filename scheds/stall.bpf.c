// SPDX-License-Identifier: GPL-2.0-only
/* stall: deliberately never runs user tasks. Kernel threads go to the
 * global queue; every other task is parked in a queue nobody consumes, so
 * the sched_ext watchdog must kill the scheduler ("runnable task stall")
 * within timeout_ms. Used to test that a stall is detected and reported. */
#include "scx_minimal.h"

#define PARK_DSQ 1
#ifndef PF_KTHREAD
#define PF_KTHREAD 0x00200000
#endif

void BPF_STRUCT_OPS(stall_enqueue, struct task_struct *p, u64 enq_flags)
{
	if (p->flags & PF_KTHREAD)
		scx_bpf_dsq_insert(p, SCX_DSQ_GLOBAL, SCX_SLICE_DFL, enq_flags);
	else
		scx_bpf_dsq_insert(p, PARK_DSQ, SCX_SLICE_DFL, enq_flags);
}

s32 BPF_STRUCT_OPS(stall_select_cpu, struct task_struct *p, s32 prev_cpu, u64 wake_flags)
{
	return prev_cpu; /* no direct dispatch: every task goes through enqueue */
}

s32 BPF_STRUCT_OPS_SLEEPABLE(stall_init)
{
	return scx_bpf_create_dsq(PARK_DSQ, -1);
}

SEC(".struct_ops.link")
struct sched_ext_ops stall_ops = {
	.select_cpu = (void *)stall_select_cpu,
	.enqueue = (void *)stall_enqueue,
	.init = (void *)stall_init,
	.timeout_ms = 2000,
	.name = "stall",
};
