#!/usr/bin/env bash
# The whole test suite: installs what is missing, builds (warnings are
# errors), fetches the default kernel and builds the BPF schedulers and the
# kernel's example schedulers against it, runs the unit tests under ASan/UBSan and the
# unit + guest end-to-end tests in a plain build, then prints one summary
# line "N passed, N failed".
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
set +e

status=0
export LSAN_OPTIONS="suppressions=$PWD/tests/lsan.supp:print_suppressions=0"
# UBSan only prints by default: a runtime error must fail its test.
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1"
# One test at a time in both builds: the workload tests spawn spinning
# workers, and on a 2-core CI machine two of them side by side starve each
# other (ASan makes it worse) until time bounds meant for one test fail.
meson test -C build-asan --suite unit --print-errorlogs \
	--num-processes "${KTSTR_TEST_JOBS:-1}" || status=1
meson test -C build --suite unit --suite e2e --print-errorlogs \
	--num-processes "${KTSTR_TEST_JOBS:-1}" || status=1

# One closing line over both runs, from meson's own logs.
python3 - build-asan/meson-logs/testlog.json build/meson-logs/testlog.json <<'PY'
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
