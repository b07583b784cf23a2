#!/bin/sh
# Writes vmlinux.h (all kernel types, as C) from the default guest kernel's
# BTF, for the test schedulers. Usage: gen-vmlinux-h.sh OUT KTSTR_RUN
# The kernel is $KTSTR_VMLINUX if set, else the default kernel, whichever
# release "ktstr-run kernel fetch" has cached (it fetches it when missing,
# and prints its vmlinux path).
set -eu
PATH=$PATH:/usr/sbin:/sbin
out=$1
ktstr_run=$2

if [ -n "${KTSTR_VMLINUX:-}" ]; then
	vmlinux=$KTSTR_VMLINUX
else
	vmlinux=$("$ktstr_run" kernel fetch | awk '$1 == "vmlinux" { print $2 }')
fi
if [ -z "$vmlinux" ] || [ ! -f "$vmlinux" ]; then
	echo "gen-vmlinux-h: no vmlinux with BTF (set KTSTR_VMLINUX or run ktstr-run kernel fetch)" >&2
	exit 1
fi
bpftool btf dump file "$vmlinux" format c > "$out.tmp"
mv "$out.tmp" "$out"
