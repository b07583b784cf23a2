#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Writes vmlinux.h (all kernel types, as C) from a vmlinux's BTF, for the BPF
# schedulers. Usage: vmlinux-h.sh BPFTOOL VMLINUX OUT
# The vmlinux is the one scheds/find-vmlinux.sh chose at configure time; this
# step never downloads a kernel.
set -eu
bpftool=$1
vmlinux=$2
out=$3
if ! "$bpftool" btf dump file "$vmlinux" format c >"$out.tmp"; then
	rm -f "$out.tmp"
	echo "vmlinux-h: bpftool cannot read BTF from $vmlinux (a kernel built without CONFIG_DEBUG_INFO_BTF?)" >&2
	exit 1
fi
mv "$out.tmp" "$out"
