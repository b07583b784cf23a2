#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""End-to-end tests with real schedulers nobody here wrote: the kernel's own
tools/sched_ext examples (built by tests/sched/scx-examples/build.sh) run as
exec= schedulers in a guest under load.

usage: scx_examples_e2e.py KTSTR_RUN SCX_DIR CASE
  simple-qmap  scx_simple replaced by scx_qmap
  central      scx_central, whose BPF side reads a CONFIG_* extern (libbpf
               needs /boot/config-$(uname -r) in the guest to load it)
  all          all eight, one after the other (slow: only with KTSTR_SLOW=1)
SCX_DIR holds the scx_* binaries. $KTSTR_KERNEL, if set, is passed as --kernel.
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__))))
from ktstr_e2e import (check, checks_named, events, failures, finish,  # noqa: E402
                       scenario_file, written)
import ktstr_e2e  # noqa: E402

KTSTR, SCX_DIR, CASE = sys.argv[1], os.path.abspath(sys.argv[2]), sys.argv[3]


def run(text, timeout=540):
    p, res, _, _ = ktstr_e2e.run(KTSTR, scenario_file(text, "ktstr-scx-"), timeout=timeout)
    return p, res


def show(r):
    """Print the checks, and the attach, replace and detach events with their
    timings."""
    for c in r["checks"]:
        print(f"  {'PASS' if c['pass'] else 'FAIL'} {c['name']}: {c['detail']}")
    for e in events(r):
        if e["kind"] in ("sched_attach", "sched_replace", "sched_detach"):
            ms = {k: round(e[k]) for k in ("load_ms", "gap_ms", "unload_ms") if k in e}
            print(f"  {e['kind']} {e['name']} ops={e['ops']!r} {ms}")


def written_and_passed(p, r):
    """Check that the run wrote its results and passed (ktstr_e2e.passed);
    returns whether there are results to look at."""
    if not written(r):
        return False
    check(ktstr_e2e.passed(p, r), f"verdict pass, exit 0 (got {r['verdict']}, {p.returncode})")
    return True


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
    if not written_and_passed(p, r):
        return
    ops = ktstr_e2e.sched_changes(r)
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
    alive = checks_named(r, "scheduler alive")
    check(alive and alive[0]["pass"], "scheduler alive passes")
    starv = checks_named(r, "starvation")
    check(starv and starv[0]["pass"], "starvation passes")
    show(r)


def check_ran(r, names, min_ms=1000):
    """Every scheduler of names attached (or replaced in) in order, the
    kernel ran its ops at the end of its step, none died, and each ran at
    least min_ms."""
    ops = [e["name"] for e in events(r) if e["kind"] in ("sched_attach", "sched_replace")]
    check(ops == names, f"attached in order: {ops}")
    step_ops = [e["ops"] for e in events(r, "sched_step")]
    for n in names:
        check(n in step_ops, f"the kernel ran ops '{n}' at a step end: {step_ops}")
    died = events(r, "sched_died")
    check(not died, f"no death: {[(e['name'], e.get('exit_reason'), e.get('reason')) for e in died]}")
    ts = [e["t_ms"] for e in events(r) if e["kind"] in ("sched_attach", "sched_replace",
                                                         "sched_detach")]
    for i, n in enumerate(names):
        if i + 1 < len(ts):
            check(ts[i + 1] - ts[i] >= min_ms, f"{n} ran >= {min_ms} ms: {ts[i + 1] - ts[i]:.0f}")
    alive = checks_named(r, "scheduler alive")
    check(alive and alive[0]["pass"], "scheduler alive passes")
    show(r)


def case_central():
    """scx_central could not load without the kernel's config in the guest
    ("failed to open system Kconfig"): its BPF side reads CONFIG_PREEMPT_RCU."""
    b = os.path.join(SCX_DIR, "scx_central")
    check(os.access(b, os.X_OK), f"scx_central built in {SCX_DIR}")
    if failures:
        return
    p, r = run(f"""scenario scx-central "the kernel's scx_central under load"
topology numa=1 llcs=1 cores=4 threads=1
memory 512M

scheduler central exec={b}

backdrop
  cgroup load
  workers load 4 bursty clone=fork
  workers load 2 futex-pingpong

step attach 1s
  attach central
step central 2s
step back 1s
  detach

check scheduler alive
""")
    if not written_and_passed(p, r):
        return
    check_ran(r, ["central"], 2000)
    att = events(r, "sched_attach")
    check(att and att[0]["ops"] == "central" and att[0]["state"] == "enabled",
          "kernel runs ops 'central' after attach")


# The kernel's eight examples, each with arguments that suit a small TCG
# guest (scx_qmap's slice as in simple-qmap). scx_pair comes first and is
# attached before the load starts: it creates 4096 BPF queue maps before it
# attaches, which took about 76 s under TCG with the load running (past the
# 60 s guest-init then waited for 'enabled'; enable-timeout is 120 s by
# default now), about half that without.
ALL = [("pair", ""), ("simple", ""), ("qmap", "-s 20000"), ("central", ""), ("flatcg", ""),
       ("cpu0", ""), ("sdt", ""), ("userland", "")]


def case_all():
    """Every example scheduler of the kernel tree attaches and stays alive
    under load, one replacing the other."""
    if os.environ.get("KTSTR_SLOW") != "1":
        print("skipped: set KTSTR_SLOW=1 (about 3 minutes)")
        sys.exit(77)
    for n, _ in ALL:
        check(os.access(os.path.join(SCX_DIR, "scx_" + n), os.X_OK), f"scx_{n} built in {SCX_DIR}")
    if failures:
        return
    decl = "\n".join(f"scheduler {n} exec={SCX_DIR}/scx_{n}" + (f' args="{a}"' if a else "")
                      for n, a in ALL)
    steps = [f"step {ALL[0][0]} 2s"]
    for n, _ in ALL[1:]:
        steps.append(f"step load-{n} 1s\n  replace {n}\nstep {n} 2s")
    p, r = run(f"""scenario scx-all "the kernel's eight example schedulers under load"
topology numa=1 llcs=1 cores=4 threads=1
memory 512M

{decl}

backdrop
  attach {ALL[0][0]}
  cgroup load
  workers load 4 bursty clone=fork
  workers load 2 futex-pingpong

{chr(10).join(steps)}
step back 1s
  detach

check scheduler alive
""", timeout=1500)
    if not written_and_passed(p, r):
        return
    check_ran(r, [n for n, _ in ALL], 2000)


CASES = {
    "simple-qmap": case_simple_qmap,
    "central": case_central,
    "all": case_all,
}

if __name__ == "__main__":
    CASES[CASE]()
    finish()
