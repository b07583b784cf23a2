// SPDX-License-Identifier: GPL-2.0-only
/* reject: a FIFO the kernel's verifier refuses to load (it uses a hash map
 * lookup without checking it for NULL; an array lookup with a constant key
 * would pass, the verifier knows it cannot fail), for the "did not come up"
 * path: the verifier's log must reach the user. */
#include "scx_minimal.h"

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1);
	__type(key, u32);
	__type(value, u64);
} enqueues SEC(".maps");

void BPF_STRUCT_OPS(reject_enqueue, struct task_struct *p, u64 enq_flags)
{
	u32 key = 0;
	u64 *n = bpf_map_lookup_elem(&enqueues, &key);

	(*n)++; /* no NULL check: "invalid mem access 'map_value_or_null'" */
	scx_bpf_dsq_insert(p, SCX_DSQ_GLOBAL, SCX_SLICE_DFL, enq_flags);
}

SEC(".struct_ops.link")
struct sched_ext_ops reject_ops = {
	.enqueue = (void *)reject_enqueue,
	.name = "reject",
};
