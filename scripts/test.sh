#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# The whole test suite: installs what is missing; builds with warnings as
# errors; fetches the default kernel and builds the BPF schedulers and the
# kernel's example schedulers against it; then runs
#   - the tree checks (style, no tracked build outputs, cppcheck),
#   - the unit tests under ASan/UBSan (build-asan),
#   - the threaded unit tests (suite 'threads': tests/vmm, tests/workload)
#     under TSan (build-tsan),
#   - the unit and guest end-to-end tests in the plain build (e2e-install
#     among them: meson install into a temporary directory),
# and prints one summary line "N passed, N failed, N skipped".
set -uo pipefail
cd "$(dirname "$0")/.."
. scripts/deps.sh
set -e
ktstr_install_deps
# -Dwerror=true here (and so in CI) only: users build with werror off.
ktstr_build build -Dwerror=true
ktstr_build_scheds build -Dscx_examples=enabled
ktstr_build build-asan -Db_sanitize=address,undefined -Db_lundef=false -Dbuildtype=debug \
	-Dguest=false -Dwerror=true
ktstr_build build-tsan -Db_sanitize=thread -Db_lundef=false -Dbuildtype=debugoptimized \
	-Dguest=false -Dwerror=true
set +e

status=0
export LSAN_OPTIONS="suppressions=$PWD/tests/lsan.supp:print_suppressions=0"
# UBSan only prints by default: a runtime error must fail its test.
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1"
export TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1"
# One test at a time in every build: the workload tests spawn spinning
# workers, and on a 2-core CI machine two of them side by side starve each
# other (the sanitizers make it worse) until time bounds meant for one test
# fail. Each run's meson log is renamed so that the summary sees them all.
jobs=${KTSTR_TEST_JOBS:-1}
logs=()
run() {
	local dir=$1 name=$2
	shift 2
	meson test -C "$dir" --print-errorlogs --num-processes "$jobs" "$@" || status=1
	mv "$dir/meson-logs/testlog.json" "$dir/meson-logs/testlog-$name.json"
	logs+=("$dir/meson-logs/testlog-$name.json")
}
run build tree --suite tree
run build-asan asan --suite unit
run build-tsan tsan --suite threads
run build plain --suite unit --suite e2e

# One closing line over all runs, from meson's own logs.
python3 - "${logs[@]}" <<'PY'
import json, sys
ok = bad = skip = 0
for path in sys.argv[1:]:
    try:
        lines = open(path).read().splitlines()
    except OSError:
        bad += 1
        continue
    for line in lines:
        line = line.strip("\0 \t")
        if not line:
            continue
        r = json.loads(line).get("result")
        if r in ("OK", "EXPECTEDFAIL"):
            ok += 1
        elif r == "SKIP":
            skip += 1
        else:
            bad += 1
print(f"{ok} passed, {bad} failed, {skip} skipped")
PY
exit $status
