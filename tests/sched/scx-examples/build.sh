#!/bin/sh
# Builds the kernel's own example schedulers (tools/sched_ext: scx_simple,
# scx_qmap, scx_central, scx_flatcg, scx_pair, scx_cpu0, scx_sdt,
# scx_userland) from Debian's linux-source package matching the default
# kernel.
#
# Usage: build.sh OUTDIR VMLINUX_H KTSTR_RUN [SCHED...]
#   OUTDIR     where the loaders go (OUTDIR/scx_simple, ...)
#   VMLINUX_H  the project's vmlinux.h (tests/sched/gen-vmlinux-h.sh)
#   KTSTR_RUN  "kernel fetch": the default kernel's release (and the private
#              apt state)
#   SCHED      the schedulers to build (default: all eight)
#
# Steps, each cached:
#  1. apt-get download linux-source-X.Y (the version matching the default
#     kernel, e.g. 7.3.4 from linux-source-7.3) through ktstr-run's private apt state, into
#     ~/.cache/ktstr-run/src/.
#  2. Extract only what the build needs from the source tarball:
#     tools/sched_ext, tools/lib/bpf, tools/bpf/bpftool, tools/include,
#     tools/build, tools/scripts, tools/arch/x86, scripts/bpf_doc.py,
#     kernel/bpf/disasm.[ch] (~20 s: the whole .tar.xz is decompressed).
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
apt_root=$cache/apt
src_cache=$cache/src

die() {
	echo "scx-examples: $*" >&2
	exit 1
}

# The default kernel's upstream version ("7.3.4" of 7.3.4+deb13-cloud-amd64),
# whichever release ktstr-run has cached (fetched here when missing), and its
# linux-source package's series ("7.3").
rel=$("$ktstr_run" kernel fetch | head -n 1) || die "ktstr-run kernel fetch failed"
want=${rel%%[+-]*}
kver=$(echo "$want" | cut -d. -f1,2)
case $kver in
[0-9]*.[0-9]*) ;;
*) die "cannot tell the kernel version from release '$rel'" ;;
esac

# ---- 1. the package --------------------------------------------------------

apt_q() {
	tool=$1
	shift
	r=$apt_root
	sandbox=
	[ "$(id -u)" = 0 ] && sandbox="-o APT::Sandbox::User=root"
	# shellcheck disable=SC2086
	"$tool" -q \
		-o "Dir::Etc::SourceList=$r/etc/sources.list" \
		-o "Dir::Etc::SourceParts=$r/etc/sources.list.d" \
		-o "Dir::Etc::Preferences=$r/etc/preferences" \
		-o "Dir::Etc::PreferencesParts=$r/etc/preferences.d" \
		-o "Dir::State=$r/state" -o "Dir::Cache=$r/cache" \
		-o "Dir::State::status=/var/lib/dpkg/status" \
		-o "APT::Architectures=amd64" -o "Acquire::Languages=none" \
		$sandbox "$@"
}

# Versions of linux-source-$kver known to the private state, newest first.
versions() {
	apt_q apt-cache show "linux-source-$kver" 2>/dev/null |
		sed -n 's/^Version: //p' | sort -r -V
}

pick_version() {
	v=$(versions | grep "^$want-" | head -n 1 || true)
	[ -n "$v" ] || v=$(versions | head -n 1)
	echo "$v"
}

fetch_deb() {
	if [ ! -f "$apt_root/etc/sources.list.d/ktstr-run.sources" ]; then
		echo "scx-examples: no private apt state yet; running ktstr-run kernel fetch" >&2
		"$ktstr_run" kernel fetch >&2
	fi
	[ -f "$apt_root/etc/sources.list.d/ktstr-run.sources" ] ||
		die "no private apt state in $apt_root (ktstr-run kernel fetch failed?)"
	ver=$(pick_version)
	if [ -z "$ver" ] || [ "${ver#"$want"-}" = "$ver" ]; then
		apt_q apt-get update >&2 || die "apt-get update (private state in $apt_root) failed"
		ver=$(pick_version)
	fi
	[ -n "$ver" ] || die "linux-source-$kver not found in trixie or trixie-backports"
	[ "${ver#"$want"-}" != "$ver" ] ||
		echo "scx-examples: warning: no linux-source-$kver $want, using $ver" >&2
	deb=$src_cache/linux-source-${kver}_$(echo "$ver" | sed 's/:/%3a/')_all.deb
	if [ ! -f "$deb" ]; then
		mkdir -p "$src_cache"
		(cd "$src_cache" && apt_q apt-get download "linux-source-$kver=$ver" >&2) ||
			die "apt-get download linux-source-$kver=$ver failed"
	fi
	[ -f "$deb" ] || die "downloaded, but $deb is not there"
}

# ---- 2. the sources --------------------------------------------------------

extract() {
	tree=$src_cache/linux-source-$ver
	[ -f "$tree/.ktstr-extracted" ] && return 0
	echo "scx-examples: extracting tools/sched_ext and friends from $(basename "$deb")" >&2
	rm -rf "$tree" "$tree.tmp"
	mkdir -p "$tree.tmp"
	p=linux-source-$kver
	dpkg-deb --fsys-tarfile "$deb" |
		tar -xO "./usr/src/$p.tar.xz" |
		tar -xJ -C "$tree.tmp" --strip-components=1 --wildcards \
			"$p/tools/sched_ext/*" "$p/tools/lib/bpf/*" \
			"$p/tools/bpf/bpftool/*" "$p/tools/include/*" \
			"$p/tools/build/*" "$p/tools/scripts/*" \
			"$p/tools/arch/x86/*" "$p/scripts/bpf_doc.py" \
			"$p/kernel/bpf/disasm.*" ||
		die "extracting $p.tar.xz from $deb failed"
	touch "$tree.tmp/.ktstr-extracted"
	mv "$tree.tmp" "$tree"
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
fetch_deb
extract
build_bpftool
mkdir -p "$outdir"
work=$outdir/work
mkdir -p "$work"
cp "$vmlinux_h" "$work/vmlinux.h"
for s in $scheds; do
	build_sched "$s"
done
echo "scx-examples: built $scheds from linux-source-$kver $ver with $clang" >&2
