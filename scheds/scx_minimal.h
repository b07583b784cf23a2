/* SPDX-License-Identifier: GPL-2.0-only */
/* The project's own minimal sched_ext header for its test schedulers: the
 * kfuncs they call (bpftool 7.1 emits no kfunc prototypes) and the
 * struct_ops and error macros. Types come from vmlinux.h (the default
 * kernel's BTF). */
#ifndef KTSTR__TESTS_SCHED_SCX_MINIMAL_H
#define KTSTR__TESTS_SCHED_SCX_MINIMAL_H

/* bpftool 7.1 writes some anonymous members as bare forward declarations. */
#pragma clang diagnostic push
#pragma clang diagnostic ignored "-Wmissing-declarations"
#include "vmlinux.h"
#pragma clang diagnostic pop
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char _license[] SEC("license") = "GPL";

/* The classic signatures, as the default kernel's BTF has them. */
void scx_bpf_dsq_insert(struct task_struct *p, u64 dsq_id, u64 slice,
			u64 enq_flags) __ksym;
void scx_bpf_dsq_insert_vtime(struct task_struct *p, u64 dsq_id, u64 slice,
			      u64 vtime, u64 enq_flags) __ksym;
bool scx_bpf_dsq_move_to_local(u64 dsq_id) __ksym;
s32 scx_bpf_create_dsq(u64 dsq_id, s32 node) __ksym;
s32 scx_bpf_select_cpu_dfl(struct task_struct *p, s32 prev_cpu, u64 wake_flags,
			   bool *is_idle) __ksym;
void scx_bpf_error_bstr(char *fmt, unsigned long long *data, u32 data__sz) __ksym;

#define BPF_STRUCT_OPS(name, args...) \
	SEC("struct_ops/" #name) BPF_PROG(name, ##args)
#define BPF_STRUCT_OPS_SLEEPABLE(name, args...) \
	SEC("struct_ops.s/" #name) BPF_PROG(name, ##args)

/* scx_bpf_error("fmt", a, b...): at least one argument. The kernel
 * disables the scheduler and logs the formatted message. */
#define scx_bpf_error(fmt, args...)						\
	({									\
		static char ___fmt[] = fmt;					\
		unsigned long long ___param[___bpf_narg(args)];			\
		_Pragma("GCC diagnostic push")					\
		_Pragma("GCC diagnostic ignored \"-Wint-conversion\"")		\
		___bpf_fill(___param, args);					\
		_Pragma("GCC diagnostic pop")					\
		scx_bpf_error_bstr(___fmt, ___param, sizeof(___param));		\
	})

/* Common callbacks: pick an idle CPU on wakeup and, when one was found,
 * dispatch straight to its local queue. */
static __always_inline s32 scx_min_select_cpu(struct task_struct *p, s32 prev_cpu,
					      u64 wake_flags)
{
	bool is_idle = false;
	s32 cpu = scx_bpf_select_cpu_dfl(p, prev_cpu, wake_flags, &is_idle);

	if (is_idle)
		scx_bpf_dsq_insert(p, SCX_DSQ_LOCAL, SCX_SLICE_DFL, 0);
	return cpu;
}

#endif
