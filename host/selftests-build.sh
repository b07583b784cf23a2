#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# The kernel's sched_ext selftests (tools/testing/selftests/sched_ext) for
# `ktstr-run selftests`: the sources of a Debian kernel, and the runner built
# from a kernel tree with the tree's own Makefile, unmodified.
#
# Usage:
#   selftests-build.sh source RELEASE CACHE
#       Prints the directory of a kernel tree holding the tools/ parts the
#       selftests and the example schedulers need, for the Debian kernel
#       RELEASE ("7.3.4+deb13-cloud-amd64"): linux-source-X.Y of version X.Y.Z
#       downloaded (apt-get download, through ktstr-run's private apt state
#       in CACHE/apt, made by 'ktstr-run kernel fetch') into CACHE/src/, and
#       those parts extracted into CACHE/src/linux-source-VERSION-tools/
#       (once; about 25 s: the whole .tar.xz is decompressed).
#   selftests-build.sh build TREE VMLINUX OUTDIR
#       Builds TREE/tools/testing/selftests/sched_ext's runner (with every
#       test in it) against VMLINUX's BTF, the way the tree's Makefile does
#       (it builds its own libbpf and bpftool first), into OUTDIR/build/;
#       the runner ends up as OUTDIR/runner. Minutes the first time; make
#       redoes only what changed.
#
# Progress goes to stderr. The BPF side needs clang >= 16 (clang 14 emits no
# BTF for the __weak __ksym kfunc externs); the newest clang-NN found is
# used, $KTSTR_CLANG overrides.
set -eu
PATH=$PATH:/usr/sbin:/sbin

die() {
	echo "selftests: $*" >&2
	exit 1
}

say() {
	echo "selftests: $*" >&2
}

# ---- source: Debian's linux-source package --------------------------------

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
	[ -f "$apt_root/etc/sources.list.d/ktstr-run.sources" ] ||
		die "no private apt state in $apt_root: run 'ktstr-run kernel fetch' first"
	ver=$(pick_version)
	if [ -z "$ver" ] || [ "${ver#"$want"-}" = "$ver" ]; then
		say "updating package lists (private apt state in $apt_root)"
		apt_q apt-get update >&2 || die "apt-get update (private state in $apt_root) failed"
		ver=$(pick_version)
	fi
	[ -n "$ver" ] || die "linux-source-$kver not found in trixie or trixie-backports"
	[ "${ver#"$want"-}" != "$ver" ] ||
		say "warning: no linux-source-$kver $want, using $ver"
	deb=$src_cache/linux-source-${kver}_$(echo "$ver" | sed 's/:/%3a/')_all.deb
	if [ ! -f "$deb" ]; then
		mkdir -p "$src_cache"
		say "downloading linux-source-$kver $ver (about 170 MB)"
		(cd "$src_cache" && apt_q apt-get download "linux-source-$kver=$ver" >&2) ||
			die "apt-get download linux-source-$kver=$ver failed"
	fi
	[ -f "$deb" ] || die "downloaded, but $deb is not there"
}

# What the selftests' and the example schedulers' Makefiles read: tools/
# and the two files of the kernel proper that bpftool and libbpf take.
extract() {
	tree=$src_cache/linux-source-$ver-tools
	[ -f "$tree/.ktstr-extracted" ] && return 0
	say "extracting tools/ from $(basename "$deb")"
	rm -rf "$tree.tmp.$$"
	mkdir -p "$tree.tmp.$$"
	p=linux-source-$kver
	dpkg-deb --fsys-tarfile "$deb" |
		tar -xO "./usr/src/$p.tar.xz" |
		tar -xJ -C "$tree.tmp.$$" --strip-components=1 --wildcards \
			"$p/tools/sched_ext/*" "$p/tools/lib/*" "$p/tools/bpf/*" \
			"$p/tools/include/*" "$p/tools/build/*" "$p/tools/scripts/*" \
			"$p/tools/arch/x86/*" "$p/tools/testing/selftests/sched_ext/*" \
			"$p/tools/testing/selftests/lib.mk" \
			"$p/tools/testing/selftests/kselftest*" \
			"$p/scripts/bpf_doc.py" "$p/kernel/bpf/disasm.*" ||
		{ rm -rf "$tree.tmp.$$"; die "extracting $p.tar.xz from $deb failed"; }
	touch "$tree.tmp.$$/.ktstr-extracted"
	# Another ktstr-run may have finished first: theirs is as good.
	mv -T "$tree.tmp.$$" "$tree" 2>/dev/null || rm -rf "$tree.tmp.$$"
	[ -f "$tree/.ktstr-extracted" ] || die "$tree: extraction did not complete"
}

cmd_source() {
	[ $# = 2 ] || die "usage: selftests-build.sh source RELEASE CACHE"
	rel=$1
	cache=$2
	apt_root=$cache/apt
	src_cache=$cache/src
	# "7.3.4" of 7.3.4+deb13-cloud-amd64, and its series "7.3".
	want=${rel%%[+-]*}
	kver=$(echo "$want" | cut -d. -f1,2)
	case $kver in
	[0-9]*.[0-9]*) ;;
	*) die "cannot tell the kernel version from release '$rel'" ;;
	esac
	fetch_deb
	extract
	echo "$tree"
}

# ---- build: the tree's own Makefile ----------------------------------------

pick_clang() {
	if [ -n "${KTSTR_CLANG:-}" ]; then
		echo "$KTSTR_CLANG"
		return
	fi
	for c in clang-21 clang-20 clang-19 clang-18 clang-17 clang-16 clang; do
		if command -v "$c" >/dev/null; then
			echo "$c"
			return
		fi
	done
}

cmd_build() {
	[ $# = 3 ] || die "usage: selftests-build.sh build TREE VMLINUX OUTDIR"
	tree=$1
	vmlinux=$2
	out=$3
	dir=$tree/tools/testing/selftests/sched_ext
	[ -f "$dir/Makefile" ] || die "$tree has no tools/testing/selftests/sched_ext/Makefile"
	[ -f "$vmlinux" ] || die "no vmlinux at $vmlinux"
	clang=$(pick_clang)
	[ -n "$clang" ] || die "no clang found (apt-get install clang-19)"
	major=$("$clang" -dumpversion | cut -d. -f1)
	[ "$major" -ge 16 ] ||
		die "$clang is clang $major: the sched_ext selftests need clang >= 16 (clang 14 emits no BTF for __weak __ksym externs); apt-get install clang-19 or set KTSTR_CLANG"
	mkdir -p "$out/build"
	log=$out/build.log
	say "building $dir with $clang against $vmlinux (log: $log)"
	# make's exit status through the pipe: dash has no pipefail.
	rc_file=$out/build.rc
	rm -f "$rc_file"
	{
		make -C "$dir" OUTPUT="$out/build" CLANG="$clang" \
			VMLINUX_BTF="$vmlinux" -j"$(nproc)" 2>&1
		echo $? >"$rc_file"
	} | tee "$log" | awk '
		function say(m) { printf "selftests: %s\n", m > "/dev/stderr"; fflush("/dev/stderr") }
		NR == 1 { say("libbpf and bpftool first, then every test'"'"'s BPF object and C file") }
		/LINK .*obj\/libbpf\/libbpf\.a$/ { say("libbpf built") }
		/LINK .*bpftool$/ { say("bpftool built") }
		/CLNG-BPF/ { bpf++; if (bpf % 10 == 0) say(bpf " BPF objects compiled") }
		/^(gcc|cc|clang)/ && / -c [a-z_0-9]+\.c / { c++; if (c % 10 == 0) say(c " C files compiled") }'
	rc=$(cat "$rc_file" 2>/dev/null || echo 1)
	if [ "$rc" != 0 ]; then
		tail -n 25 "$log" >&2
		die "make failed (exit $rc); the whole log is $log"
	fi
	[ -x "$out/build/runner" ] || die "make succeeded but left no $out/build/runner"
	cp "$out/build/runner" "$out/runner.tmp.$$"
	mv "$out/runner.tmp.$$" "$out/runner"
	say "built $out/runner"
}

[ $# -ge 1 ] || die "usage: selftests-build.sh source RELEASE CACHE | build TREE VMLINUX OUTDIR"
cmd=$1
shift
case $cmd in
source) cmd_source "$@" ;;
build) cmd_build "$@" ;;
*) die "unknown command '$cmd'; expected source or build" ;;
esac
