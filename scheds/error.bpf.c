// SPDX-License-Identifier: GPL-2.0-only
/* error: a FIFO scheduler that calls scx_bpf_error() after a number of
 * dispatches, so the kernel disables it with a BPF error ("runtime error")
 * and our message. Used to test that the error and its text are reported. */
#include "scx_minimal.h"

#define ERR_DSQ 0

const volatile u64 error_after = 300;
static u64 nr_dispatches;

s32 BPF_STRUCT_OPS(error_select_cpu, struct task_struct *p, s32 prev_cpu, u64 wake_flags)
{
	return prev_cpu;
}

void BPF_STRUCT_OPS(error_enqueue, struct task_struct *p, u64 enq_flags)
{
	scx_bpf_dsq_insert(p, ERR_DSQ, SCX_SLICE_DFL, enq_flags);
}

void BPF_STRUCT_OPS(error_dispatch, s32 cpu, struct task_struct *prev)
{
	u64 n = __sync_fetch_and_add(&nr_dispatches, 1) + 1;

	if (n == error_after)
		scx_bpf_error("ktstr error scheduler: failing on purpose after %llu dispatches", n);
	scx_bpf_dsq_move_to_local(ERR_DSQ);
}

s32 BPF_STRUCT_OPS_SLEEPABLE(error_init)
{
	return scx_bpf_create_dsq(ERR_DSQ, -1);
}

SEC(".struct_ops.link")
struct sched_ext_ops error_ops = {
	.select_cpu = (void *)error_select_cpu,
	.enqueue = (void *)error_enqueue,
	.dispatch = (void *)error_dispatch,
	.init = (void *)error_init,
	.name = "error",
};
