#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Builds the kernel's own example schedulers (tools/sched_ext: scx_simple,
# scx_qmap, scx_central, scx_flatcg, scx_pair, scx_cpu0, scx_sdt,
# scx_userland) from Debian's linux-source package matching the default
# kernel.
#
# Usage: build.sh OUTDIR VMLINUX_H KTSTR_RUN [SCHED...]
#   OUTDIR     where the loaders go (OUTDIR/scx_simple, ...)
#   VMLINUX_H  the project's vmlinux.h (scheds/vmlinux-h.sh)
#   KTSTR_RUN  "kernel fetch": the default kernel's release (and the private
#              apt state)
#   SCHED      the schedulers to build (default: all eight)
#
# Steps, each cached:
#  1, 2. host/selftests-build.sh source (ktstr-run's own): apt-get download
#     linux-source-X.Y (the version matching the default kernel, e.g. 7.3.4
#     from linux-source-7.3) through ktstr-run's private apt state into
#     ~/.cache/ktstr-run/src/, and the tools/ parts extracted into
#     linux-source-VERSION-tools/ (~25 s: the whole .tar.xz is decompressed).
#  3. Build the kernel's bootstrap bpftool and its libbpf.a (~30 s): the
#     distribution's bpftool 7.1 / libbpf 1.1 can neither link nor open
#     these objects (64-bit enum attributes, .struct_ops.link, arena maps).
#  4. clang -target bpf, bpftool gen object (x3) + gen skeleton, then the
#     userspace loader linked with that libbpf.a (libelf, libz dynamic), like
#     tools/sched_ext/Makefile does.
# Needs clang >= 16 for the BPF side (tools/sched_ext/README.md; clang 14
# emits no BTF for the __weak __ksym externs: "failed to find BTF info for
# global/extern symbol"), e.g. clang-19 from bookworm; $SCX_CLANG overrides
# the choice. Before clang 20, -fno-builtin: clang 19 merges stores through
# arena (__arena, address space 1) pointers into llvm.memset, which its BPF
# backend lowers without addr_space_cast, and the verifier rejects the
# result (scx_qmap's qmap_dequeue: stores through a scalar).
set -eu
PATH=$PATH:/usr/sbin:/sbin

outdir=$1
vmlinux_h=$2
ktstr_run=$3
shift 3
scheds=${*:-scx_simple scx_qmap scx_central scx_flatcg scx_pair scx_cpu0 scx_sdt scx_userland}

cache=${XDG_CACHE_HOME:-$HOME/.cache}/ktstr-run

die() {
	echo "scx-examples: $*" >&2
	exit 1
}

# The default kernel's release, whichever ktstr-run has cached (fetched
# here when missing, with the private apt state the sources come through).
rel=$("$ktstr_run" kernel fetch | head -n 1) || die "ktstr-run kernel fetch failed"

# ---- 1, 2. the package and the sources: ktstr-run's own script -------------

# host/selftests-build.sh source: the same tree `ktstr-run selftests` builds
# from (the tools/ parts of linux-source-X.Y, extracted once).
get_tree() {
	script=$(dirname "$0")/../../../host/selftests-build.sh
	[ -f "$script" ] || die "no $script"
	tree=$(sh "$script" source "$rel" "$cache") || die "getting the kernel's sources failed"
	[ -d "$tree/tools/sched_ext" ] || die "$tree has no tools/sched_ext"
}

# ---- 3. bpftool and libbpf from the same tree ------------------------------

build_bpftool() {
	bt=$tree/.ktstr-bpftool/
	bpftool=${bt}bootstrap/bpftool
	libbpf=${bt}bootstrap/libbpf
	[ -x "$bpftool" ] && [ -f "$libbpf/libbpf.a" ] && return 0
	echo "scx-examples: building the kernel's bootstrap bpftool and libbpf" >&2
	mkdir -p "$bt"
	make -s -C "$tree/tools/bpf/bpftool" bootstrap SKIP_CRYPTO=1 \
		OUTPUT="$bt" -j"$(nproc)" >"$bt/build.log" 2>&1 ||
		{ tail -n 20 "$bt/build.log" >&2; die "bpftool bootstrap build failed (log: $bt/build.log)"; }
}

# ---- 4. the schedulers -----------------------------------------------------

pick_clang() {
	if [ -n "${SCX_CLANG:-}" ]; then
		echo "$SCX_CLANG"
		return
	fi
	for c in clang-21 clang-20 clang-19 clang-18 clang-17 clang-16 clang-15 clang; do
		if command -v "$c" >/dev/null; then
			echo "$c"
			return
		fi
	done
}

check_clang() {
	[ -n "$clang" ] || die "no clang found (apt-get install clang-19)"
	major=$("$clang" -dumpversion | cut -d. -f1)
	[ "$major" -ge 16 ] ||
		die "$clang is clang $major: the kernel's sched_ext examples need clang >= 16 (clang 14 emits no BTF for __weak __ksym externs); apt-get install clang-19 or set SCX_CLANG"
	nobuiltin=
	[ "$major" -ge 20 ] || nobuiltin=-fno-builtin
}

sys_includes() {
	"$clang" -v -E - </dev/null 2>&1 |
		sed -n '/<...> search starts here:/,/End of search list./{ s| \(/.*\)|-idirafter \1|p }'
}

build_sched() {
	s=$1
	sx=$tree/tools/sched_ext
	obj=$work/$s.bpf.o
	[ -f "$sx/$s.bpf.c" ] || die "no $s.bpf.c in $sx"
	# shellcheck disable=SC2046
	"$clang" -g -O2 -mcpu=v3 -target bpf -D__TARGET_ARCH_x86 -mlittle-endian \
		-I"$work" -I"$libbpf/include" -I"$sx/include" \
		-I"$sx/include/bpf-compat" -I"$tree/tools/include/uapi" \
		$(sys_includes) \
		-Wall -Wno-compare-distinct-pointer-types \
		-Wno-microsoft-anon-tag -fms-extensions $nobuiltin \
		-c "$sx/$s.bpf.c" -o "$obj" || die "$s.bpf.c: clang failed"
	# Linked three times, like the Makefile: the last two must agree.
	if ! { "$bpftool" gen object "$work/$s.l1.o" "$obj" &&
		"$bpftool" gen object "$work/$s.l2.o" "$work/$s.l1.o" &&
		"$bpftool" gen object "$work/$s.l3.o" "$work/$s.l2.o" &&
		cmp -s "$work/$s.l2.o" "$work/$s.l3.o"; }; then
		die "$s: bpftool gen object failed"
	fi
	"$bpftool" gen skeleton "$work/$s.l3.o" name "$s" >"$work/$s.bpf.skel.h" ||
		die "$s: bpftool gen skeleton failed"
	cc -g -O2 -rdynamic -pthread -Wall -Werror \
		-I"$work" -I"$libbpf/include" -I"$tree/tools/include" \
		-I"$tree/tools/include/uapi" -I"$sx/include" -I"$sx" \
		-o "$work/$s" "$sx/$s.c" "$libbpf/libbpf.a" -lelf -lz -lpthread ||
		die "$s.c: cc failed"
	mv "$work/$s" "$outdir/$s"
}

[ -f "$vmlinux_h" ] || die "no vmlinux.h at $vmlinux_h"
clang=$(pick_clang)
check_clang
get_tree
build_bpftool
mkdir -p "$outdir"
work=$outdir/work
mkdir -p "$work"
cp "$vmlinux_h" "$work/vmlinux.h"
for s in $scheds; do
	build_sched "$s"
done
echo "scx-examples: built $scheds from $tree with $clang" >&2
