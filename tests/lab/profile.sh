#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Where a guest boot's time went: symbolizes `vmm-boot --profile` samples
# ("VCPU MS RIP H|R" lines, other lines ignored) with the guest's
# /proc/kallsyms and prints, per vCPU, how often it was halted, then the
# functions the samples fell in, most first ("[H]": halted there).
# usage: tests/lab/profile.sh SAMPLES KALLSYMS [TOP (default 30)] [FROM_MS TO_MS]
# The kallsyms of the default kernel: boot it once with mini-init and
# "lab.kallsyms" (tests/lab/qemu-boot ... --accel tcg --echo; a vmlinux
# booted through PVH has no KASLR, so the addresses hold for every boot).
# Under the nested lab, samples land where TCG ends a translation block, so
# small functions that are often jumped to (__x86_return_thunk) gather more
# than their share.
set -euo pipefail
samples=${1:?usage: profile.sh SAMPLES KALLSYMS [TOP] [FROM_MS TO_MS]}
syms=${2:?usage: profile.sh SAMPLES KALLSYMS [TOP] [FROM_MS TO_MS]}
top=${3:-30}
from=${4:-0}
to=${5:-999999999}

tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
# One stream sorted by address: symbols (tag 0) before samples (tag 1) at
# the same address, so each sample follows the symbol that contains it.
{
	grep -aE '^[0-9a-f]{16} [tTwW] ' "$syms" | awk '{ print $1, 0, $3 }'
	tr -d '\r' < "$samples" | grep -aE '^[0-9]+ [0-9]+ [0-9a-f]+ [HR]$' |
		awk -v from="$from" -v to="$to" '$2 >= from && $2 < to {
			r = $3; while (length(r) < 16) r = "0" r; print r, 1, $1, $4 }'
} | sort -k1,1 -k2,2n | awk '
	$2 == 0 { sym = $3; next }
	{
		n++; cpu[$3]++
		if ($4 == "H") halted[$3]++
		if ($1 == "000000000000fff0") name = "[reset vector: AP before its SIPI]"
		else if (sym == "" || $1 < "ffff800000000000") name = "[user or unknown]"
		else name = sym
		hits[name ($4 == "H" ? " [H]" : "")]++
	}
	END {
		printf "#%d\n", n
		for (c in cpu)
			printf "#vCPU %s: %d samples, halted %.0f%%\n", c, cpu[c], 100 * halted[c] / cpu[c]
		for (f in hits) printf "%d %s\n", hits[f], f
	}' > "$tmp"
n=$(head -1 "$tmp" | tr -d '#')
[ "${n:-0}" -gt 0 ] || { echo "profile: no samples in $samples"; exit 1; }
echo "$n samples"
grep '^#vCPU' "$tmp" | cut -c2- | sort
grep -v '^#' "$tmp" | sort -rn | head -n "$top" |
	awk -v n="$n" '{ c = $1; $1 = ""; printf "%5.1f%%%s\n", 100 * c / n, $0 }'
