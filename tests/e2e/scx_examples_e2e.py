#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""End-to-end test with real schedulers nobody here wrote: the kernel's own
tools/sched_ext examples (scx_simple, scx_qmap, built by
tests/sched/scx-examples/build.sh) run as exec= schedulers in a guest, the
first replaced by the second under load.

usage: scx_examples_e2e.py KTSTR_RUN SCX_DIR CASE
SCX_DIR holds the scx_simple and scx_qmap binaries.
$KTSTR_KERNEL, if set, is passed as --kernel.
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__))))
from ktstr_e2e import check, events, failures, finish, scenario_file  # noqa: E402
import ktstr_e2e  # noqa: E402

KTSTR, SCX_DIR, CASE = sys.argv[1], os.path.abspath(sys.argv[2]), sys.argv[3]


def run(text, timeout=540):
    p, res, _, _ = ktstr_e2e.run(KTSTR, scenario_file(text, "ktstr-scx-"), timeout=timeout)
    return p, res


def check_named(res, name):
    return [c for c in res["checks"] if c["name"].startswith(name)] if res else []


# Step durations include the ops: a loader that takes long to load (scx_qmap's
# BPF verification takes ~15 s under TCG) would eat its step. The op-less
# steps after attach and replace give each scheduler 2 s of real load.
SCENARIO = """scenario scx-examples "the kernel's scx_simple replaced by scx_qmap under load"
topology numa=1 llcs=1 cores=2 threads=1
memory 512M

scheduler simple exec={dir}/scx_simple
scheduler qmap   exec={dir}/scx_qmap args="-s 20000"

backdrop
  cgroup load
  workers load 4 bursty clone=fork
  workers load 2 futex-pingpong

step eevdf 1s
step attach 1s
  attach simple
step simple 2s
step replace 1s
  replace qmap
step qmap 2s
step back 1s
  detach

check scheduler alive
check starvation max-gap=1s
"""


def case_simple_qmap():
    for b in ("scx_simple", "scx_qmap"):
        check(os.access(os.path.join(SCX_DIR, b), os.X_OK), f"{b} built in {SCX_DIR}")
    if failures:
        return
    p, r = run(SCENARIO.format(dir=SCX_DIR))
    check(r is not None, "JSON written")
    if not r:
        return
    check(ktstr_e2e.passed(p, r),
          f"verdict pass, exit 0 (got {r['verdict']}, {p.returncode})")
    ops = [(e["kind"], e["name"]) for e in events(r)
           if e["kind"] in ("sched_attach", "sched_replace", "sched_detach")]
    check(ops == [("sched_attach", "simple"), ("sched_replace", "qmap"),
                  ("sched_detach", "qmap")], f"attach, replace, detach in order: {ops}")
    att = events(r, "sched_attach")
    check(att and att[0]["type"] == "exec", "attached as an exec= loader")
    # root/ops is the name the kernel got from the BPF side: the real ones.
    check(att and att[0]["ops"] == "simple" and att[0]["state"] == "enabled",
          "kernel runs ops 'simple' after attach")
    rep = events(r, "sched_replace")
    check(rep and rep[0]["from"] == "simple", "replace says it replaced simple")
    check(rep and rep[0]["ops"] == "qmap" and rep[0]["state"] == "enabled",
          "kernel runs ops 'qmap' after replace")
    # Steps attach, simple, replace, qmap, back end with these root/ops.
    step_ops = [e["ops"] for e in events(r, "sched_step")]
    check(step_ops == ["simple", "simple", "qmap", "qmap", ""],
          f"root/ops at the step ends: {step_ops}")
    ts = {e["kind"]: e["t_ms"] for e in events(r)
          if e["kind"] in ("sched_attach", "sched_replace", "sched_detach")}
    if len(ts) == 3:
        check(ts["sched_replace"] - ts["sched_attach"] >= 2000, "simple ran >= 2 s")
        check(ts["sched_detach"] - ts["sched_replace"] >= 2000, "qmap ran >= 2 s")
    logs = [e["reason"] for e in events(r, "sched_log")]
    for n in ("simple", "qmap"):
        check(any(f'"{n}" enabled' in m for m in logs), f"kernel log: {n} enabled")
    check(not events(r, "sched_died"), "no death")
    # What the healthy schedulers printed (their stats lines) is kept.
    outs = {o["name"]: o for o in r.get("scheduler_output", [])}
    simple, qmap = outs.get("simple", {}), outs.get("qmap", {})
    check("local=" in simple.get("output", ""), f"scx_simple's stats lines kept: {simple}")
    check("stats  : enq=" in qmap.get("output", ""),
          f"scx_qmap's stats lines kept: {qmap.get('output', '')[-300:]}")
    for o in (simple, qmap):
        check(o.get("log") and os.path.exists(o["log"]), f"its log written: {o.get('log')}")
    alive = check_named(r, "scheduler alive")
    check(alive and alive[0]["pass"], "scheduler alive passes")
    starv = check_named(r, "starvation")
    check(starv and starv[0]["pass"], "starvation passes")
    for c in r["checks"]:
        print(f"  {'PASS' if c['pass'] else 'FAIL'} {c['name']}: {c['detail']}")
    for e in events(r):
        if e["kind"] in ("sched_attach", "sched_replace", "sched_detach"):
            ms = {k: round(e[k]) for k in ("load_ms", "gap_ms", "unload_ms") if k in e}
            print(f"  {e['kind']} {e['name']} ops={e['ops']!r} {ms}")


CASES = {
    "simple-qmap": case_simple_qmap,
}

if __name__ == "__main__":
    CASES[CASE]()
    finish()
