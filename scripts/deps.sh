#!/usr/bin/env bash
# Installs what ktstr-run needs to build and test on Debian 12, if missing.
# Sourced by setup-and-run.sh and test.sh; safe to run again.
set -euo pipefail

KTSTR_PACKAGES=(
	gcc libc6-dev meson ninja-build pkg-config
	libjansson-dev libzstd-dev zlib1g-dev liblzma-dev libelf-dev
	libbpf-dev libcgroup-dev libcriterion-dev
	qemu-system-x86 cpio acpica-tools clang llvm bpftool
	dpkg ca-certificates
)

ktstr_install_deps() {
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

ktstr_build() {
	local dir=${1:-build}
	shift || true
	if [ ! -f "$dir/build.ninja" ]; then
		meson setup "$dir" "$@" >&2
	fi
	ninja -C "$dir" >&2
}
