// SPDX-License-Identifier: GPL-2.0-only
/* fifo: every task goes to the global FIFO queue, each with the default
 * slice. The simplest scheduler that works. */
#include "scx_minimal.h"

s32 BPF_STRUCT_OPS(fifo_select_cpu, struct task_struct *p, s32 prev_cpu, u64 wake_flags)
{
	return scx_min_select_cpu(p, prev_cpu, wake_flags);
}

void BPF_STRUCT_OPS(fifo_enqueue, struct task_struct *p, u64 enq_flags)
{
	scx_bpf_dsq_insert(p, SCX_DSQ_GLOBAL, SCX_SLICE_DFL, enq_flags);
}

SEC(".struct_ops.link")
struct sched_ext_ops fifo_ops = {
	.select_cpu = (void *)fifo_select_cpu,
	.enqueue = (void *)fifo_enqueue,
	.name = "fifo",
};
