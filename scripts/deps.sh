#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Installs what ktstr-run needs to build and test on Debian 12, if missing.
# Sourced by setup-and-run.sh and test.sh; safe to run again.
set -euo pipefail

KTSTR_PACKAGES=(
	gcc libc6-dev meson ninja-build pkg-config
	libjansson-dev libzstd-dev zlib1g-dev liblzma-dev libelf-dev
	libcgroup-dev libcriterion-dev libexpat1-dev libxxhash-dev
	qemu-system-x86 cpio acpica-tools clang clang-19 llvm bpftool python3 xz-utils
	dpkg ca-certificates cppcheck git
)

# sched_ext schedulers need libbpf >= 1.2 (sleepable struct_ops programs);
# bookworm has 1.1, bookworm-backports 1.4.
KTSTR_BACKPORTS_PACKAGES=(libbpf-dev libbpf1)

# The machine's own Debian archive URI: the first entry (deb822 .sources or
# one-line .list) whose suites include bookworm and whose URI is not the
# security archive. Third-party repositories name other suites.
ktstr_debian_uri() {
	local f uri
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -r "$f" ] || continue
		uri=$(awk '
			/^[[:space:]]*$/ { if (ok && u != "") { print u; exit } ok = 0; u = "" ; next }
			/^URIs:/ { for (i = 2; i <= NF; i++) if ($i !~ /security/) { u = $i; break } }
			/^Suites:/ { for (i = 2; i <= NF; i++) if ($i == "bookworm") ok = 1 }
			END { if (ok && u != "") print u }' "$f" | head -n 1)
		[ -n "$uri" ] && { echo "$uri"; return 0; }
	done
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
		[ -r "$f" ] || continue
		uri=$(awk '$1 == "deb" && $0 !~ /security/ {
			for (i = 2; i <= NF; i++) if ($i ~ /:\/\//) { u = $i; s = $(i + 1); break }
			if (s == "bookworm") { print u; exit } }' "$f")
		[ -n "$uri" ] && { echo "$uri"; return 0; }
	done
	return 1
}

# libbpf >= 1.2 from bookworm-backports, with the archive taken from the
# machine's own apt sources.
ktstr_install_libbpf() {
	local have sudo="" uri list=/etc/apt/sources.list.d/ktstr-backports.sources
	have=$(dpkg-query -W -f='${Version}' libbpf-dev 2>/dev/null || true)
	if [ -n "$have" ] && dpkg --compare-versions "$have" ge 1:1.2; then
		return 0
	fi
	[ "$(id -u)" -eq 0 ] || sudo="sudo"
	if ! grep -rqs bookworm-backports /etc/apt/sources.list /etc/apt/sources.list.d/; then
		uri=$(ktstr_debian_uri) || {
			echo "[setup] no Debian archive in the apt sources; cannot add bookworm-backports" >&2
			return 1
		}
		echo "[setup] adding bookworm-backports from $uri" >&2
		printf 'Types: deb\nURIs: %s\nSuites: bookworm-backports\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
			"$uri" | $sudo tee "$list" >/dev/null
	fi
	$sudo apt-get update -qq
	# Only libbpf comes from backports (pkg/suite): `-t bookworm-backports`
	# would also take elfutils 0.192 from there, whose static libelf.a needs
	# eu_search_tree_init from a library Debian does not ship, and
	# guest-init (static) fails to link.
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends \
		"${KTSTR_BACKPORTS_PACKAGES[@]/%//bookworm-backports}" >&2
}

# A libelf-dev from bookworm-backports (0.192) has a static libelf.a that
# cannot be linked; go back to bookworm's elfutils if one got installed.
ktstr_fix_libelf() {
	local have sudo=""
	have=$(dpkg-query -W -f='${Version}' libelf-dev 2>/dev/null || true)
	[ -n "$have" ] && dpkg --compare-versions "$have" ge 0.190 || return 0
	[ "$(id -u)" -eq 0 ] || sudo="sudo"
	echo "[setup] libelf-dev $have has an unlinkable libelf.a; installing bookworm's elfutils" >&2
	local pkgs=() p
	for p in libelf1 libelf-dev libdw1 libdw-dev libdebuginfod1 libdebuginfod-common; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" &&
			pkgs+=("$p/bookworm")
	done
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends \
		--allow-downgrades "${pkgs[@]}" >&2
}

ktstr_install_deps() {
	ktstr_install_libbpf
	ktstr_fix_libelf
	local missing=()
	for p in "${KTSTR_PACKAGES[@]}"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
			missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	local sudo=""
	[ "$(id -u)" -eq 0 ] || sudo="sudo"
	echo "[setup] installing: ${missing[*]}" >&2
	$sudo apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends \
		"${missing[@]}" >&2
}

# Configures DIR (meson setup, or meson configure with the given options if
# it is configured already) and builds it.
ktstr_build() {
	local dir=${1:-build}
	shift || true
	if [ ! -f "$dir/build.ninja" ]; then
		meson setup "$dir" "$@" >&2
	elif [ $# -gt 0 ]; then
		meson configure "$dir" "$@" >&2
	fi
	ninja -C "$dir" >&2
}

# The second step of a build that needs the default kernel: fetches it into
# the cache (the default build never downloads one), then builds the BPF
# schedulers against its BTF, with any further options (-Dscx_examples=...).
ktstr_build_scheds() {
	local dir=${1:-build}
	shift || true
	"$dir/ktstr-run" kernel fetch >&2
	meson configure "$dir" -Dscheds=enabled "$@" >&2
	ninja -C "$dir" >&2
}
