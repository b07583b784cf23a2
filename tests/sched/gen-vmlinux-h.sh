#!/bin/sh
# Writes vmlinux.h (all kernel types, as C) from the default guest kernel's
# BTF, for the test schedulers. Usage: gen-vmlinux-h.sh OUT KTSTR_RUN
# The kernel is $KTSTR_VMLINUX if set, else the cached default kernel,
# fetched with "ktstr-run kernel fetch" when missing.
set -eu
PATH=$PATH:/usr/sbin:/sbin
out=$1
ktstr_run=$2
release=7.3.4+deb13-cloud-amd64
cache=${XDG_CACHE_HOME:-$HOME/.cache}/ktstr-run/kernels

find_vmlinux() {
	if [ -n "${KTSTR_VMLINUX:-}" ]; then
		echo "$KTSTR_VMLINUX"
	elif [ -f "$cache/$release/vmlinux" ]; then
		echo "$cache/$release/vmlinux"
	fi
}

vmlinux=$(find_vmlinux)
if [ -z "$vmlinux" ]; then
	echo "gen-vmlinux-h: the default kernel is not cached; fetching it" >&2
	"$ktstr_run" kernel fetch >&2
	vmlinux=$(find_vmlinux)
fi
if [ -z "$vmlinux" ] || [ ! -f "$vmlinux" ]; then
	echo "gen-vmlinux-h: no vmlinux with BTF (set KTSTR_VMLINUX or run ktstr-run kernel fetch)" >&2
	exit 1
fi
bpftool btf dump file "$vmlinux" format c > "$out.tmp"
mv "$out.tmp" "$out"
