#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Static analysis of the project's C sources with cppcheck (warning,
# portability and performance checks; the library macros it cannot see in
# scripts/cppcheck/ktstr.cfg, the findings that are not bugs in
# scripts/cppcheck/suppressions.txt, each with its reason).
# usage: scripts/cppcheck.sh [BUILD_DIR]   (BUILD_DIR has config.h; default build)
# Exits 1 and lists the findings if there are any; about 10 s on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
command -v cppcheck >/dev/null || { echo "cppcheck.sh: cppcheck is not installed (apt-get install cppcheck)" >&2; exit 2; }
[ -f "$build/config.h" ] || { echo "cppcheck.sh: no $build/config.h (run meson setup $build)" >&2; exit 2; }
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	mapfile -t files < <(git ls-files '*.c' | grep -v '\.bpf\.c$')
else
	mapfile -t files < <(find . -name '*.c' ! -name '*.bpf.c' ! -path './build*' | sed 's|^\./||' | sort)
fi
out=$(mktemp)
trap 'rm -f "$out"' EXIT
# Only the one configuration the build uses (-D...): cppcheck would
# otherwise try every #ifdef combination.
cppcheck -j "$(nproc)" --std=c11 -I. -I"$build" \
	-D_GNU_SOURCE -D__x86_64__ -D__linux__ -D__GNUC__ \
	--library=posix,gnu,scripts/cppcheck/ktstr.cfg \
	--enable=warning,portability,performance \
	--suppressions-list=scripts/cppcheck/suppressions.txt --inline-suppr \
	--error-exitcode=1 --quiet \
	--template='{file}:{line}: {severity}: {message} [{id}]' \
	"${files[@]}" 2>"$out" && rc=0 || rc=$?
cat "$out"
n=$(grep -c '\[[A-Za-z_]*\]$' "$out" || true)
if [ "$rc" -ne 0 ] || [ "$n" -ne 0 ]; then
	echo "cppcheck: $n finding(s) in ${#files[@]} files (a false positive goes in scripts/cppcheck/suppressions.txt with its reason)" >&2
	exit 1
fi
echo "cppcheck: ${#files[@]} files, no findings"
