#!/usr/bin/env bash
# Installs what ktstr-run needs to build and test on Debian 12, if missing.
# Sourced by setup-and-run.sh and test.sh; safe to run again.
set -euo pipefail

KTSTR_PACKAGES=(
	gcc libc6-dev meson ninja-build pkg-config
	libjansson-dev libzstd-dev zlib1g-dev liblzma-dev libelf-dev
	libcgroup-dev libcriterion-dev
	qemu-system-x86 cpio acpica-tools clang clang-19 llvm bpftool python3 xz-utils
	dpkg ca-certificates
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
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends \
		-t bookworm-backports "${KTSTR_BACKPORTS_PACKAGES[@]}" >&2
}

ktstr_install_deps() {
	ktstr_install_libbpf
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
