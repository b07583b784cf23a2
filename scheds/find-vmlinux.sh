#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Prints the vmlinux whose BTF the schedulers' vmlinux.h is dumped from,
# without downloading anything (meson runs it at configure time):
#   $1 (the `vmlinux` build option) if not empty, else $KTSTR_VMLINUX, else
#   the default kernel of ktstr-run's cache: the newest release (Debian
#   version order, as kernels/cache.c picks it) with an OK marker in
#   $XDG_CACHE_HOME/ktstr-run/kernels (default ~/.cache/ktstr-run/kernels).
# Prints nothing and says why on stderr when there is none; exits 0 either way.
set -u
why() {
	echo "$*" >&2
	exit 0
}

want=${1:-${KTSTR_VMLINUX:-}}
if [ -n "$want" ]; then
	from=${1:+"-Dvmlinux"}
	from=${from:-KTSTR_VMLINUX}
	[ -r "$want" ] || why "$from=$want: not a readable file"
	echo "$want"
	exit 0
fi

case ${XDG_CACHE_HOME:-} in
/*) cache=$XDG_CACHE_HOME/ktstr-run ;;
*)
	home=${HOME:-}
	case $home in
	/*) ;;
	*) home=$(getent passwd "$(id -u)" 2>/dev/null | cut -d: -f6) ;;
	esac
	case $home in
	/*) cache=$home/.cache/ktstr-run ;;
	*) why "no kernel cache: neither XDG_CACHE_HOME nor HOME is an absolute path" ;;
	esac
	;;
esac

best=
for d in "$cache"/kernels/*/; do
	[ -f "$d/OK" ] && [ -r "$d/vmlinux" ] || continue
	rel=$(basename "$d")
	if [ -z "$best" ]; then
		best=$rel
	elif command -v dpkg >/dev/null 2>&1; then
		dpkg --compare-versions "$rel" gt "$best" && best=$rel
	else
		best=$(printf '%s\n%s\n' "$best" "$rel" | sort -V | tail -n 1)
	fi
done
[ -n "$best" ] || why "no kernel in $cache/kernels (nothing cached by ktstr-run kernel fetch), KTSTR_VMLINUX unset and -Dvmlinux empty"
echo "$cache/kernels/$best/vmlinux"
