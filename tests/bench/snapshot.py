#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Benchmark: a ready guest booted against one restored from its snapshot.

Runs hello.scn in pairs under QEMU: once with --cold (boots) and once
restoring the snapshot (saved by a first, unmeasured run), and prints, pair
by pair, the wall time from starting ktstr-run to the guest's first report
(its HELLO: the '[ktstr-run] guest up' line), then ratio= the median of the
pairs' restored/cold ratios (the pairs share the host's speed at the
moment). Also the VM's peak resident memory against its RAM size.

usage: snapshot.py KTSTR_RUN SCENARIO_DIR [PAIRS]
"""
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

KTSTR, SCN_DIR = sys.argv[1], sys.argv[2]
PAIRS = int(sys.argv[3]) if len(sys.argv) > 3 else int(os.environ.get("KTSTR_BENCH_PAIRS", "7"))


def first_report(*args):
    """Seconds from starting ktstr-run to its 'guest up' line, and the JSON."""
    out = tempfile.mkdtemp(prefix="ktstr-bench-")
    js = os.path.join(out, "r.json")
    t0 = time.monotonic()
    p = subprocess.Popen([KTSTR, "run", "--backend", "qemu", "--json", js, *args,
                          os.path.join(SCN_DIR, "hello.scn")],
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    up = None
    for line in p.stderr:
        if up is None and "guest up" in line:
            up = time.monotonic() - t0
    p.wait()
    with open(js) as f:
        r = json.load(f)
    subprocess.run(["rm", "-rf", out])
    if p.returncode != 0 or up is None:
        sys.exit(f"run failed: exit {p.returncode}")
    return up, r


def main():
    cache = tempfile.mkdtemp(prefix="ktstr-bench-cache-")
    fetch = subprocess.run([KTSTR, "kernel", "fetch"], capture_output=True, text=True, check=True)
    vmlinux = [ln.split()[1] for ln in fetch.stdout.splitlines() if ln.split()[:1] == ["vmlinux"]][0]
    os.environ["XDG_CACHE_HOME"] = cache
    try:
        _, r = first_report("--kernel", vmlinux)      # saves the snapshot
        assert r["boot"]["snapshot_saved"], r["boot"]
        ratios = []
        cold_s, warm_s = [], []
        print(f"{'pair':>4} {'cold s':>8} {'restored s':>11} {'ratio':>7}  (launch->HELLO: cold / restored ms)")
        for i in range(PAIRS):
            c, rc = first_report("--kernel", vmlinux, "--cold")
            w, rw = first_report("--kernel", vmlinux)
            assert rw["boot"]["kind"] == "restored", rw["boot"]
            ratios.append(w / c)
            cold_s.append(c)
            warm_s.append(w)
            print(f"{i + 1:>4} {c:8.3f} {w:11.3f} {w / c:7.3f}  ({rc['timings']['boot_ms']} / "
                  f"{rw['timings']['boot_ms']}; restore {rw['timings']['restore_ms']} ms)")
        ram = 512 * 1024
        print(f"cold median {statistics.median(cold_s):.3f} s, restored median "
              f"{statistics.median(warm_s):.3f} s; ratio of medians "
              f"{statistics.median(warm_s) / statistics.median(cold_s):.3f}")
        print(f"VM peak RSS: cold {rc['host']['vm_peak_rss_kib'] // 1024} MiB, restored "
              f"{rw['host']['vm_peak_rss_kib'] // 1024} MiB, of {ram // 1024} MiB guest RAM")
        print("own VMM (kvm backend): no snapshots yet; nothing measured")
        print(f"ratio={statistics.median(ratios):.3f}")
    finally:
        subprocess.run(["rm", "-rf", cache])


main()
