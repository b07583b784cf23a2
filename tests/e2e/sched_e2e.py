#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""sched_ext end-to-end tests: attach/replace/detach of the project's test
schedulers in a real guest, deaths (watchdog stall, scx_bpf_error) reported
with their reasons, and the error paths (missing object, object that is no
scheduler, loader that exits at once) caught with the scheduler's name.

usage: sched_e2e.py KTSTR_RUN SCENARIO_DIR CASE
$KTSTR_KERNEL, if set, is passed as --kernel.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from ktstr_e2e import check, events, finish, scenario_file  # noqa: E402,F401
import ktstr_e2e  # noqa: E402

KTSTR, SCN_DIR, CASE = sys.argv[1], sys.argv[2], sys.argv[3]


def run(scn, timeout=600):
    path = scn if os.path.isabs(scn) else os.path.join(SCN_DIR, scn)
    p, res, _, dt = ktstr_e2e.run(KTSTR, path, timeout=timeout)
    return p, res, dt


def check_named(res, name):
    return [c for c in res["checks"] if c["name"].startswith(name)] if res else []


def case_replace():
    p, r, _ = run("sched-replace.scn")
    check(r is not None, "JSON written")
    if not r:
        return
    check(r["verdict"] == "pass" and p.returncode == 0, "verdict pass, exit 0")
    ops = [(e["kind"], e["name"]) for e in events(r)
           if e["kind"] in ("sched_attach", "sched_replace", "sched_detach")]
    check(ops == [("sched_attach", "fifo"), ("sched_replace", "vtime"),
                  ("sched_detach", "vtime")], f"attach, replace, detach in order: {ops}")
    rep = events(r, "sched_replace")
    check(rep and rep[0]["from"] == "fifo", "replace says it replaced fifo")
    check(rep and 0 < rep[0]["gap_ms"] < 5000, "replace gap measured")
    att = events(r, "sched_attach")
    check(att and att[0]["ops"] == "fifo" and att[0]["state"] == "enabled",
          "root/ops and state after attach")
    for e in events(r):
        check(all(k in e for k in ("t_ms", "kind", "name", "state", "reason")),
              f"event fields in {e['kind']}")
    alive = check_named(r, "scheduler alive")
    check(alive and alive[0]["pass"], "scheduler alive passes")
    check(not events(r, "sched_died"), "no death")


def case_stall():
    p, r, _ = run("sched-stall.scn")
    check(r is not None, "JSON written")
    if not r:
        return
    died = events(r, "sched_died")
    check(died and died[0]["name"] == "stall", "stall scheduler reported dead")
    check(died and died[0]["exit_kind"] == "stall", "exit kind stall")
    check(died and "failed to run" in died[0]["reason"], "kernel's stall reason kept")
    dies = check_named(r, "scheduler dies")
    check(dies and dies[0]["pass"], "expected death passes the dies check")
    check(r["verdict"] == "pass" and p.returncode == 0, "verdict pass, exit 0")


def case_error():
    p, r, _ = run("sched-error.scn")
    check(r is not None, "JSON written")
    if not r:
        return
    died = events(r, "sched_died")
    check(died and died[0]["exit_kind"] == "error", "exit kind error")
    check(died and "failing on purpose" in died[0]["reason"], "BPF error message kept")
    check(r["verdict"] == "pass" and p.returncode == 0, "verdict pass, exit 0")


def case_unexpected():
    # The same stall, not expected by the scenario: the verdict must fail.
    scn = scenario_file("""scenario unexpected "a stall nobody expected"
topology numa=1 llcs=1 cores=2 threads=1
scheduler stall bpf=stall
step attach 5s
  cgroup load
  workers load 2 bursty
  attach stall
check scheduler alive
""")
    p, r, _ = run(scn)
    check(r is not None, "JSON written")
    if not r:
        return
    check(r["verdict"] == "fail" and p.returncode == 1, "verdict fail, exit 1")
    bad = [c for c in r["checks"] if not c["pass"]]
    check(any("stall" in c["detail"] for c in bad), "failure names the stall")
    deaths = check_named(r, "scheduler deaths")
    check(deaths and not deaths[0]["pass"], "unexpected death fails on its own")


def case_partial():
    p, r, _ = run("sched-partial.scn")
    check(r is not None, "JSON written")
    if not r:
        return
    att = events(r, "sched_attach")
    check(att and att[0]["partial"] is True, "partial requested")
    check(att and att[0]["switch_all"] == 0, "kernel says switch_all 0")
    check(r["verdict"] == "pass" and p.returncode == 0, "verdict pass, exit 0")


def host_error(decl, want):
    scn = scenario_file(f"""scenario bad "bad scheduler"
{decl}
step a 1s
  attach bad
""")
    p, r, dt = run(scn, timeout=60)
    check(p.returncode == 2, "exit 2")
    check("'bad'" in p.stderr and want in p.stderr, f"error names scheduler and says '{want}'")
    check(dt < 10, "caught before boot")


def case_missing():
    host_error("scheduler bad bpf=/nonexistent/bad.bpf.o", "No such file")


def case_notsched():
    host_error("scheduler bad bpf=notsched", "no sched_ext struct_ops map")


def case_exec_exits():
    # /bin/false is dynamically linked: its libraries travel too, it runs
    # and exits 1 at once.
    scn = scenario_file("""scenario exits "loader that exits at once"
scheduler bad exec=/bin/false
step a 1s
  attach bad
""")
    p, r, dt = run(scn, timeout=300)
    check(r is not None, "JSON written")
    if not r:
        return
    errs = [e["msg"] for e in r["errors"]]
    check(any("'bad'" in m and "exited with status 1" in m for m in errs),
          f"guest error names the scheduler and its exit: {errs}")
    check(r["verdict"] == "error" and p.returncode == 2, "verdict error, exit 2")


CASES = {
    "sched-replace": case_replace,
    "sched-stall": case_stall,
    "sched-error": case_error,
    "sched-unexpected": case_unexpected,
    "sched-partial": case_partial,
    "sched-missing": case_missing,
    "sched-notsched": case_notsched,
    "sched-exec-exits": case_exec_exits,
}

if __name__ == "__main__":
    CASES[CASE]()
    finish()
