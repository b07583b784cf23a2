#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Makes the seed corpus of the `collect` fuzz target from real runs: each
# scenario runs under QEMU with KTSTR_REPORT_TEE, and a seed is the
# scenario text (after a little-endian u16 length) followed by the raw
# report stream the guest sent. Needs a build and the cached kernel.
#
# usage: tests/fuzz/seeds/collect.sh [BUILD_DIR]
set -euo pipefail
cd "$(dirname "$0")/../../.."
build=${1:-build}
out=tests/fuzz/corpus/collect
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$out"

seed() { # NAME SCENARIO [ktstr-run options...]
	local name=$1 scn=$2
	shift 2
	KTSTR_REPORT_TEE="$tmp/stream" "$build/ktstr-run" run -q --json "$tmp/r.json" "$@" \
		"$scn" >/dev/null 2>&1 || true
	python3 - "$scn" "$tmp/stream" "$out/$name" <<'PY'
# Reports' sample reservoirs are cut to 16 entries (a real run's are up to
# 100000, ~1 MB of JSON per run) and their frames re-made; damaged frames
# are kept as they are.
import json, struct, sys, zlib
scn = open(sys.argv[1], "rb").read()
s = open(sys.argv[2], "rb").read()
out, i = bytearray(), 0
while i < len(s):
    h = s[i:i + 24]
    ok = len(h) == 24 and h[:4] == b"KTSF"
    if ok:
        magic, ver, typ, seq, ln, hcrc, pcrc = struct.unpack("<IHHIIII", h)
        payload = s[i + 24:i + 24 + ln]
        ok = (zlib.crc32(h[:16]) == hcrc and len(payload) == ln
              and zlib.crc32(payload) == pcrc)
    if not ok:
        out += s[i:i + 1]
        i += 1
        continue
    if typ == 3:
        rep = json.loads(payload)
        for k in ("resume_latencies_ns", "iteration_costs_ns"):
            rep[k] = rep.get(k, [])[:16]
        rep["migrations"] = rep.get("migrations", [])[:16]
        payload = json.dumps(rep, separators=(",", ":")).encode()
        h = struct.pack("<IHHII", magic, ver, typ, seq, len(payload))
        h += struct.pack("<II", zlib.crc32(h), zlib.crc32(payload))
    out += h + payload
    i += 24 + ln
open(sys.argv[3], "wb").write(struct.pack("<H", len(scn)) + scn + bytes(out))
PY
	echo "$out/$name: $(stat -c %s "$out/$name") bytes" >&2
}

for s in hello cpuset-swap move-tasks weights wake-latency payload starve uncgrouped \
	sched-replace sched-stall sched-error; do
	seed "$s" "scenario/stock/$s.scn"
done
for f in garble truncate crash; do
	seed "hello-$f" scenario/stock/hello.scn --inject-fault "$f"
done
# A payload that prints TAP and fails; a scheduler the verifier refuses.
printf '%s\n' 'scenario tap "TAP"' 'step run 1s' \
	'  payload-run sel /bin/sh args="-c \"printf '"'"'ok 1 a # \\nnot ok 2 b # \\nok 3 c # SKIP \\n'"'"'; echo e >&2; exit 1\""' \
	'  payload-wait sel timeout=20s' >"$tmp/tap.scn"
seed payload-tap "$tmp/tap.scn"
printf '%s\n' 'scenario reject "verifier"' 'scheduler bad bpf=reject' 'step a 1s' \
	'  attach bad' 'check scheduler alive' >"$tmp/reject.scn"
seed sched-reject "$tmp/reject.scn"
