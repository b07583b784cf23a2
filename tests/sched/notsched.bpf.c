// SPDX-License-Identifier: GPL-2.0-only
/* notsched: a valid BPF object with no sched_ext struct_ops map, for the
 * "bpf= object is not a scheduler" error path. */
/* bpftool 7.1 writes some anonymous members as bare forward declarations. */
#pragma clang diagnostic push
#pragma clang diagnostic ignored "-Wmissing-declarations"
#include "vmlinux.h"
#pragma clang diagnostic pop
#include <bpf/bpf_helpers.h>

char _license[] SEC("license") = "GPL";

SEC("tracepoint/syscalls/sys_enter_getpid")
int notsched_getpid(void *ctx)
{
	return 0;
}
