#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# A fuzzing campaign: builds the libFuzzer targets of tests/fuzz with clang
# (ASan + UBSan) into build-fuzz/ and runs each for SECONDS (default 60).
#
# usage: scripts/fuzz.sh [TARGET|all] [SECONDS]
#   KTSTR_FUZZ_JOBS=N   targets run N at a time (default: the CPU count)
#
# New inputs that add coverage go to build-fuzz/fuzz-work/TARGET/corpus;
# crashes, leaks and timeouts to build-fuzz/fuzz-work/TARGET/ as
# crash-*/leak-*/timeout-*. A finding becomes a regression test by copying
# it into tests/fuzz/repro/TARGET/ (the test command replays that folder).
# Prints, per target, the executions, the coverage and what was found; exits
# 1 if anything was found.
set -uo pipefail
cd "$(dirname "$0")/.."
target=${1:-all}
secs=${2:-60}
case $secs in '' | *[!0-9]*) echo "fuzz.sh: SECONDS must be a whole number, got '$secs'" >&2; exit 2 ;; esac

. scripts/deps.sh
set -e
ktstr_install_deps
if ! ls /usr/lib/llvm-*/lib/clang/*/lib/linux/libclang_rt.fuzzer-x86_64.a >/dev/null 2>&1; then
	sudo=""
	[ "$(id -u)" -eq 0 ] || sudo="sudo"
	echo "[fuzz] installing libclang-rt-dev (libFuzzer)" >&2
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends \
		libclang-rt-dev >&2
fi
if [ ! -f build-fuzz/build.ninja ]; then
	CC=clang meson setup build-fuzz -Dfuzz=true -Dguest=false -Dwerror=false \
		-Db_sanitize=address,undefined -Db_lundef=false -Dbuildtype=debugoptimized >&2
fi
ninja -C build-fuzz >&2
set +e

targets=()
for f in build-fuzz/tests/fuzz/fuzz-*; do
	n=${f##*/fuzz-}
	case $n in replay-*) continue ;; esac
	[ -x "$f" ] && { [ "$target" = all ] || [ "$target" = "$n" ]; } && targets+=("$n")
done
if [ ${#targets[@]} -eq 0 ]; then
	echo "fuzz.sh: no target '$target'; targets:" $(ls build-fuzz/tests/fuzz | sed -n 's/^fuzz-\([a-z0-9_-]*\)$/\1/p' | grep -v '^replay-') >&2
	exit 2
fi

export ASAN_OPTIONS="detect_leaks=1:allocator_may_return_null=1:${ASAN_OPTIONS:-}"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:${UBSAN_OPTIONS:-}"

run_one() {
	local n=$1 work=build-fuzz/fuzz-work/$1 opts=() dict=tests/fuzz/$1.dict
	mkdir -p "$work/corpus"
	[ -f "$dict" ] && opts+=("-dict=$dict")
	[ -f "tests/fuzz/$n.options" ] && read -r -a extra <"tests/fuzz/$n.options" && opts+=("${extra[@]}")
	"build-fuzz/tests/fuzz/fuzz-$n" -max_total_time="$secs" -timeout=10 -rss_limit_mb=4096 \
		-print_final_stats=1 -artifact_prefix="$work/" "${opts[@]}" \
		"$work/corpus" "tests/fuzz/corpus/$n" >"$work/log" 2>&1
	echo $? >"$work/rc"
}

jobs=${KTSTR_FUZZ_JOBS:-$(nproc)}
echo "[fuzz] ${#targets[@]} target(s), ${secs} s each, $jobs at a time: ${targets[*]}" >&2
running=0
for n in "${targets[@]}"; do
	rm -f "build-fuzz/fuzz-work/$n/rc"
	run_one "$n" &
	running=$((running + 1))
	if [ "$running" -ge "$jobs" ]; then
		wait -n
		running=$((running - 1))
	fi
done
wait

status=0
printf '%-12s %12s %8s %8s %8s  %s\n' target execs exec/s cov ft found
for n in "${targets[@]}"; do
	work=build-fuzz/fuzz-work/$n
	log=$work/log
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
	rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
	cov=$(grep -o 'cov: [0-9]*' "$log" | tail -n 1 | cut -d' ' -f2)
	ft=$(grep -o 'ft: [0-9]*' "$log" | tail -n 1 | cut -d' ' -f2)
	found=$(ls "$work" | grep -E '^(crash|leak|timeout|oom|slow-unit)-' | tr '\n' ' ')
	rc=$(cat "$work/rc" 2>/dev/null || echo '?')
	[ "$rc" = 0 ] && [ -z "$found" ] || status=1
	printf '%-12s %12s %8s %8s %8s  %s\n' "$n" "${execs:-?}" "${rate:-?}" "${cov:-?}" \
		"${ft:-?}" "${found:-none}${rc:+ (rc $rc)}"
done
[ $status -eq 0 ] || echo "[fuzz] findings are in build-fuzz/fuzz-work/TARGET/ (logs in .../log)" >&2
exit $status
