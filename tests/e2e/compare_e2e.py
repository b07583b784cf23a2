#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Baselines and A/B comparison end to end, with real guests under QEMU:
`compare` finds no regression in an unchanged rerun and flags a variant
whose cgroup really gets less CPU (a lower cpu.weight), with its metric and
numbers; and a run whose host CPU is taken on purpose (hogs pinned to the
CPU QEMU is pinned to) is inconclusive, not a false fail, when only a
timing check fails, and still a fail when a correctness check does.

usage: compare_e2e.py KTSTR_RUN CASE
$KTSTR_KERNEL, if set, is passed as --kernel.
"""
import json
import os
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from ktstr_e2e import check, finish, kernel_args, load_json, scenario_file  # noqa: E402
import ktstr_e2e  # noqa: E402

KTSTR, CASE = sys.argv[1], sys.argv[2]

# The measured cgroup's weight is the knob: 100 against 100 in the base
# and the rerun, 25 against 100 in the variant (about 20% of the CPU
# instead of 50%). The checks are lenient: every run should pass.
WEIGHTS = """scenario cmp-weights "two cgroups share two CPUs by cpu.weight"
topology numa=1 llcs=1 cores=2 threads=1
memory 512M

backdrop
  cgroup measured weight={weight} cpus=0-1
  cgroup other weight=100 cpus=0-1
  workers measured 2 spin
  workers other 2 spin

step measure 1500ms

check starvation max-gap=30s
"""


def outdir():
    d = tempfile.mkdtemp(prefix="ktstr-e2e-cmp-")
    ktstr_e2e.temps.append(d)
    return d


def run_to(scn, js, timeout=600):
    """run --json js; returns (exit code, results or None)."""
    p = subprocess.run([KTSTR, "run", "--backend", "qemu", "-q", "--json", js,
                        *kernel_args(), scn], capture_output=True, text=True, timeout=timeout)
    res = load_json(js)
    d = (res or {}).get("dilation", {})
    print(f"{os.path.basename(os.path.dirname(js))}/{os.path.basename(js)}: exit "
          f"{p.returncode}, {res and res['verdict']}, host starved "
          f"{d.get('starved_pct', 0):.0f}% (factor {d.get('factor', 0):.2f})")
    if p.returncode not in (0, 4):
        sys.stdout.write(p.stdout[-3000:] + p.stderr[-3000:])
    return p.returncode, res


def compare(*args):
    p = subprocess.run([KTSTR, "compare", *args], capture_output=True, text=True,
                       timeout=120)
    print(f"$ ktstr-run compare {' '.join(args)}  -> exit {p.returncode}")
    sys.stdout.write(p.stdout)
    sys.stdout.write(p.stderr)
    return p


def rows(js, metric=None, instance=None, verdict=None):
    with open(js) as f:
        c = json.load(f)
    return [r for r in c["rows"] if (metric is None or r["metric"] == metric) and
            (instance is None or r["instance"] == instance) and
            (verdict is None or r["verdict"] == verdict)]


def case_compare():
    base, rerun, variant = outdir(), outdir(), outdir()
    same = scenario_file(WEIGHTS.format(weight=100))
    less = scenario_file(WEIGHTS.format(weight=25))
    # Interleaved, so a change in the host's load falls on every side alike.
    for i in range(3):
        for d, scn in ((base, same), (rerun, same), (variant, less)):
            code, res = run_to(scn, os.path.join(d, f"r{i}.json"))
            check(code in (0, 4) and res is not None,
                  f"{d} run {i}: exit {code} (the checks are lenient)")
    # The key pairs them: same scenario name, topology, scheduler, kernel.
    js = os.path.join(outdir(), "rerun.json")
    p = compare("--json", js, base, rerun)
    check(p.returncode in (0, 4), f"an unchanged rerun is no regression: exit {p.returncode}")
    if os.path.exists(js):
        reg = rows(js, verdict="regression")
        check(not reg, f"no regression row: {[(r['metric'], r['instance']) for r in reg]}")
        share = rows(js, "cpu_share", "measured")
        check(share and share[0]["base"]["n"] == 3 and share[0]["new"]["n"] == 3,
              "3 repeats a side were compared")
        check(share and share[0]["test"] == "welch" and share[0]["p"] is not None,
              "with a p-value")
        check(share and share[0]["family"] > 1 and share[0]["p_holm"] >= share[0]["p"],
              f"Holm's correction over the key's metrics: {share and share[0]['family']}")
    js = os.path.join(outdir(), "variant.json")
    p = compare("--json", js, base, variant)
    check(p.returncode == 1, f"a lower cpu.weight is a regression: exit {p.returncode}")
    check("regression" in p.stdout and "cpu_share[measured] %" in p.stdout,
          "the table names the metric")
    first = p.stdout.split("verdict\n", 1)[-1].splitlines()[0] if "verdict\n" in p.stdout else ""
    check("regression" in first, f"regressions first: {first}")
    if os.path.exists(js):
        share = rows(js, "cpu_share", "measured")
        if share:
            s = share[0]
            print(f"cpu_share[measured]: base {s['base']['values']} new {s['new']['values']} "
                  f"delta {s['delta_pct']:.1f}% p {s['p']}")
            check(s["verdict"] == "regression", f"cpu_share[measured] regressed: {s['why']}")
            check(40 < s["base"]["mean"] < 60, f"base share near 50%: {s['base']['mean']}")
            check(s["new"]["mean"] < s["base"]["mean"] - 15,
                  f"the variant's share is much lower: {s['new']['mean']}")
            check(s["p"] is not None and s["p"] < 0.05, f"significant: p {s['p']}")
        else:
            check(False, "a cpu_share[measured] row")
        other = rows(js, "cpu_share", "other")
        check(other and other[0]["verdict"] == "improvement",
              f"the other cgroup gained: {other and other[0]['verdict']}")
    # One file a side: the gates alone decide.
    p = compare(os.path.join(base, "r0.json"), os.path.join(variant, "r0.json"))
    check(p.returncode == 1 and "no test" in p.stdout,
          f"one run a side: a regression by the gates, no test: exit {p.returncode}")
    # A bad gate is refused up front.
    p = compare("--threshold", "cpu_share=5", base, variant)
    check(p.returncode == 2 and "cpu_share=ABS,REL%" in p.stderr,
          f"a bad --threshold: exit 2 and says why: {p.stderr.strip()}")


# A spinner's throughput check and, optionally, a payload that fails: the
# correctness check the host's starvation must not excuse.
THROUGHPUT = """scenario cmp-starved "spinners whose host CPU is taken"
topology numa=1 llcs=1 cores=2 threads=1
memory 512M

step measure 2s
  cgroup a cpus=0-1
  workers a 2 spin
{payload}
check throughput min={rate}
check isolation
"""
FAILING_PAYLOAD = """  payload-run bad /bin/false
  payload-wait bad timeout=10s
"""


def pinned_run(cpu, scn, js, hogs=0, hog_s=1.8):
    """ktstr-run pinned to cpu with taskset (QEMU inherits it); hogs busy
    loops pinned to the same CPU for hog_s seconds from the moment the step
    starts (the workers' stop after it is left alone: starved far enough,
    they would not stop in time, and that is a correctness check). Returns
    (exit code, results)."""
    cmd = ["taskset", "-c", str(cpu), KTSTR, "run", "--backend", "qemu", "--json", js,
           *kernel_args(), scn]
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    spawned, err = [], []

    def stop_hogs():
        for h in spawned:
            if h.poll() is None:
                h.kill()
                h.wait()

    def watch():
        for line in p.stderr:
            err.append(line)
            if "step measure" in line and hogs and not spawned:
                for _ in range(hogs):
                    spawned.append(subprocess.Popen(
                        ["taskset", "-c", str(cpu), "sh", "-c", "while :; do :; done"]))
                threading.Timer(hog_s, stop_hogs).start()
    t = threading.Thread(target=watch, daemon=True)
    t.start()
    try:
        out = p.stdout.read()  # stderr is the watcher's
        p.wait(timeout=600)
    finally:
        if p.poll() is None:
            p.kill()
        t.join(5)
        stop_hogs()
    res = load_json(js)
    d = (res or {}).get("dilation", {})
    print(f"{len(spawned)} hogs: exit {p.returncode}, {res and res['verdict']}: "
          f"{res and res['reason']}\n  dilation {d}")
    for cg in (res or {}).get("cgroups", []):
        for w in cg["workers"]:
            print(f"  worker {cg['name']}/{w['index']}: {w['work_units']} units in "
                  f"{w['wall_time_ns'] / 1e6:.0f} ms, cpu {w['cpu_time_ns'] / 1e6:.0f} ms")
    if res is None:
        sys.stdout.write(out[-3000:] + "".join(err)[-3000:])
    return p.returncode, res


def slowest_rate(res):
    rates = [w["work_units"] / (w["wall_time_ns"] / 1e9)
             for cg in res["cgroups"] for w in cg["workers"] if w["wall_time_ns"]]
    return min(rates) if rates else 0


def case_inconclusive():
    cpu = max(os.sched_getaffinity(0))
    d = outdir()
    # Calibrate: what a spinner does here on that one CPU, no hog.
    code, res = pinned_run(cpu, scenario_file(THROUGHPUT.format(payload="", rate=1)),
                           os.path.join(d, "calibrate.json"))
    check(code == 0 and res is not None, f"calibration passes: exit {code}")
    if not res:
        return
    rate = slowest_rate(res)
    check(rate > 0, f"calibration rate {rate:.1f} units/s")
    check(res["dilation"]["measured"], "dilation measured")
    # The same bar, 80% of what it did, with four hogs on its CPU: the
    # throughput check fails because the host took the CPU.
    hogs = 4
    scn = scenario_file(THROUGHPUT.format(payload="", rate=f"{0.8 * rate:.1f}"))
    code, res = pinned_run(cpu, scn, os.path.join(d, "starved.json"), hogs)
    if res:
        dil = res["dilation"]
        check(dil["starved"], f"the host starved the VM: {dil}")
        tp = [c for c in res["checks"] if c["name"].startswith("throughput")]
        check(tp and not tp[0]["pass"], f"the throughput check failed: {tp}")
        iso = [c for c in res["checks"] if c["name"].startswith("isolation")]
        check(iso and iso[0]["pass"], "isolation (correctness) passed")
        check(res["verdict"] == "inconclusive" and code == 4,
              f"inconclusive, exit 4, not a false fail: {res['verdict']}, exit {code}")
        check("starved the VM" in res["reason"] and "throughput" in res["reason"],
              f"the reason says why: {res['reason']}")
    else:
        check(False, "starved run: JSON written")
    # A payload that fails is a correctness failure: a fail however starved.
    scn = scenario_file(THROUGHPUT.format(payload=FAILING_PAYLOAD, rate=f"{0.8 * rate:.1f}"))
    code, res = pinned_run(cpu, scn, os.path.join(d, "starved-fail.json"), hogs)
    if res:
        check(res["dilation"]["starved"], f"starved again: {res['dilation']}")
        check(res["verdict"] == "fail" and code == 1,
              f"a failed payload stays a fail: {res['verdict']}, exit {code}")
        check("payloads" in res["reason"], f"and names it: {res['reason']}")
    else:
        check(False, "starved failing run: JSON written")


t0 = time.monotonic()
globals()["case_" + CASE.replace("-", "_")]()
print(f"{CASE}: {time.monotonic() - t0:.0f} s")
finish()
