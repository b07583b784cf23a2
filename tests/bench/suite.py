#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Benchmark: `ktstr-run suite` against the same runs one by one with
`ktstr-run run`.

Six stock scenarios on their own topology (one VM shape, so every run
restores the same snapshot, saved by a first unmeasured run), under QEMU:
run one by one with `run`, then as one suite with -j 1 and with the
default -j. Prints the wall times; the suite's overhead per run at -j 1
(the run's time in the suite not spent with its guest running the
scenario, i.e. before its HELLO or after its VM ended: fork, initramfs,
restore, results) against a cold boot (launch to HELLO of a first run);
and ratio= the suite's wall time at the default -j over the one-by-one
wall time. On a busy 2-CPU host the numbers move by a second or more
from run to run.

usage: suite.py KTSTR_RUN SCENARIO_DIR
"""
import json
import os
import subprocess
import sys
import tempfile
import time

KTSTR, SCN_DIR = sys.argv[1], sys.argv[2]
NAMES = ["hello", "cpu-max", "uncgrouped", "weights", "policies", "cgroup-churn"]


def timed(cmd):
    t0 = time.monotonic()
    p = subprocess.run(cmd, capture_output=True, text=True)
    return time.monotonic() - t0, p


def in_guest_s(results):
    """Seconds a guest spent running its scenario: HELLO to the VM's end."""
    t = results["timings"]
    return (t["total_ms"] - t["boot_ms"]) / 1e3


def suite(kernel, out, *args):
    filters = [a for n in NAMES for a in ("--filter", n)]
    dt, p = timed([KTSTR, "suite", "--backend", "qemu", "--kernel", kernel, "-q", "--out", out,
                   *args, *filters, SCN_DIR])
    if p.returncode not in (0, 1):  # timing checks may fail on a busy host
        sys.exit(f"suite failed: exit {p.returncode}\n{p.stdout}\n{p.stderr}")
    with open(os.path.join(out, "index.json")) as f:
        idx = json.load(f)
    res = []
    for r in idx["runs"]:
        with open(os.path.join(out, r["results"])) as f:
            res.append(json.load(f))
    return dt, idx, res


def main():
    cache = tempfile.mkdtemp(prefix="ktstr-bench-cache-")
    work = tempfile.mkdtemp(prefix="ktstr-bench-suite-")
    fetch = subprocess.run([KTSTR, "kernel", "fetch"], capture_output=True, text=True, check=True)
    vmlinux = [ln.split()[1] for ln in fetch.stdout.splitlines() if ln.split()[:1] == ["vmlinux"]][0]
    os.environ["XDG_CACHE_HOME"] = cache
    try:
        js = os.path.join(work, "cold.json")
        _, p = timed([KTSTR, "run", "--backend", "qemu", "--kernel", vmlinux, "-q", "--json", js,
                      os.path.join(SCN_DIR, "hello.scn")])  # boots, saves the snapshot
        with open(js) as f:
            cold = json.load(f)
        assert cold["boot"]["snapshot_saved"], cold["boot"]
        cold_boot_s = cold["timings"]["boot_ms"] / 1e3

        one_by_one, seq_guest = 0.0, 0.0
        print(f"{'scenario':<14} {'run s':>7} {'in guest s':>11} {'boot':>9}")
        for n in NAMES:
            js = os.path.join(work, n + ".json")
            dt, p = timed([KTSTR, "run", "--backend", "qemu", "--kernel", vmlinux, "-q",
                           "--json", js, os.path.join(SCN_DIR, n + ".scn")])
            with open(js) as f:
                r = json.load(f)
            if r["verdict"] == "error":  # a failed timing check still measures
                sys.exit(f"{n}: {r['verdict']}: {r['reason']}")
            one_by_one += dt
            seq_guest += in_guest_s(r)
            print(f"{n:<14} {dt:7.2f} {in_guest_s(r):11.2f} {r['boot']['kind']:>9}")

        j1, idx1, res1 = suite(vmlinux, os.path.join(work, "j1"), "-j", "1")
        jd, idx, resd = suite(vmlinux, os.path.join(work, "jd"))
        n = len(NAMES)
        kinds = sorted({r["boot"]["kind"] for r in res1 + resd})
        over_seq = (one_by_one - seq_guest) / n
        secs = [r["seconds"] for r in idx1["runs"]]
        over_j1 = (sum(secs) - sum(in_guest_s(r) for r in res1)) / n
        outside_vm = (sum(secs) - sum(r["timings"]["total_ms"] / 1e3 for r in res1)) / n
        restore = sum(r["timings"]["restore_ms"] for r in res1) / n / 1e3
        print(f"one by one with run: {one_by_one:.2f} s ({over_seq:.2f} s a run besides its "
              f"scenario, process start included)")
        print(f"suite -j 1:          {j1:.2f} s ({over_j1:.2f} s a run besides its scenario: "
              f"restore {restore:.2f} s, outside the VM {outside_vm:.2f} s; boots: "
              f"{', '.join(kinds)})")
        print(f"suite -j {idx['jobs']} (default): {jd:.2f} s")
        print(f"a cold boot (launch to HELLO): {cold_boot_s:.2f} s; the suite's overhead per "
              f"run is {over_j1 / cold_boot_s:.2f} of it")
        print(f"ratio={jd / one_by_one:.3f}")
    finally:
        subprocess.run(["rm", "-rf", cache, work])


main()
