// SPDX-License-Identifier: GPL-2.0-only
/* cgrefuse: a FIFO whose ops.cgroup_init refuses every cgroup below the
 * scenario's root (/sys/fs/cgroup/ktstr/NAME is level 2) with EOPNOTSUPP,
 * as a scheduler may: the cgroup op must fail with that errno and name the
 * scheduler. */
#include "scx_minimal.h"

#define EOPNOTSUPP 95

void BPF_STRUCT_OPS(cgrefuse_enqueue, struct task_struct *p, u64 enq_flags)
{
	scx_bpf_dsq_insert(p, SCX_DSQ_GLOBAL, SCX_SLICE_DFL, enq_flags);
}

s32 BPF_STRUCT_OPS(cgrefuse_cgroup_init, struct cgroup *cgrp,
		   struct scx_cgroup_init_args *args)
{
	return cgrp->level >= 2 ? -EOPNOTSUPP : 0;
}

SEC(".struct_ops.link")
struct sched_ext_ops cgrefuse_ops = {
	.enqueue = (void *)cgrefuse_enqueue,
	.cgroup_init = (void *)cgrefuse_cgroup_init,
	.name = "cgrefuse",
};
