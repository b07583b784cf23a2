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
from ktstr_e2e import check, checks_named, events, finish, scenario_file, written  # noqa: E402,F401
import ktstr_e2e  # noqa: E402

KTSTR, SCN_DIR, CASE = sys.argv[1], sys.argv[2], sys.argv[3]


def run(scn, timeout=600):
    path = scn if os.path.isabs(scn) else os.path.join(SCN_DIR, scn)
    p, res, _, dt = ktstr_e2e.run(KTSTR, path, timeout=timeout)
    return p, res, dt


def case_replace():
    p, r, _ = run("sched-replace.scn")
    if not written(r):
        return
    check(r["verdict"] == "pass" and p.returncode == 0, "verdict pass, exit 0")
    ops = ktstr_e2e.sched_changes(r)
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
    alive = checks_named(r, "scheduler alive")
    check(alive and alive[0]["pass"], "scheduler alive passes")
    check(not events(r, "sched_died"), "no death")


def case_stall():
    p, r, _ = run("sched-stall.scn")
    if not written(r):
        return
    died = events(r, "sched_died")
    check(died and died[0]["name"] == "stall", "stall scheduler reported dead")
    check(died and died[0]["exit_kind"] == "stall", "exit kind stall")
    check(died and "failed to run" in died[0]["reason"], "kernel's stall reason kept")
    dies = checks_named(r, "scheduler dies")
    check(dies and dies[0]["pass"], "expected death passes the dies check")
    check(r["verdict"] == "pass" and p.returncode == 0, "verdict pass, exit 0")


def case_error():
    p, r, _ = run("sched-error.scn")
    if not written(r):
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
    if not written(r):
        return
    check(r["verdict"] == "fail" and p.returncode == 1, "verdict fail, exit 1")
    bad = [c for c in r["checks"] if not c["pass"]]
    check(any("stall" in c["detail"] for c in bad), "failure names the stall")
    deaths = checks_named(r, "scheduler deaths")
    check(deaths and not deaths[0]["pass"], "unexpected death fails on its own")


def case_partial():
    p, r, _ = run("sched-partial.scn")
    if not written(r):
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


def attach_check(r):
    c = checks_named(r, "scheduler attach")
    return c[0] if c else {}


def case_exec_exits():
    # /bin/false is dynamically linked: its libraries travel too, it runs
    # and exits 1 at once. The scheduler under test failed, not the harness:
    # a failed check, exit 1, with the reason.
    scn = scenario_file("""scenario exits "loader that exits at once"
scheduler bad exec=/bin/false
step a 1s
  cgroup w
  workers w 2 spin
  attach bad
check starvation
""")
    p, r, dt = run(scn, timeout=300)
    if not written(r):
        return
    check(r["verdict"] == "fail" and p.returncode == 1,
          f"verdict fail, exit 1 (got {r['verdict']}, {p.returncode})")
    check(not r["errors"], f"no guest error: {r['errors']}")
    a = attach_check(r)
    check(not a.get("pass", True) and "'bad'" in a.get("detail", "") and
          "exited with status 1" in a.get("detail", "") and "(exited)" in a.get("detail", ""),
          f"scheduler attach fails, naming the scheduler and its exit: {a}")
    st = checks_named(r, "starvation")
    check(st and st[0]["skipped"] and st[0]["detail"].startswith("not judged: scheduler 'bad'"),
          f"the scenario's check is not judged: {st}")
    failed = events(r, "sched_attach_failed")
    check(failed and failed[0]["phase"] == "exited" and failed[0].get("exit_code") == 1,
          f"sched_attach_failed event: {failed}")
    check("FAIL scheduler attach" in p.stdout and "SKIP starvation" in p.stdout,
          "the summary says so")


def case_reject():
    # A bpf= object the kernel's verifier refuses: its log reaches the user.
    scn = scenario_file("""scenario reject "a scheduler the verifier refuses"
scheduler bad bpf=reject
step a 1s
  attach bad
check scheduler alive
""")
    p, r, dt = run(scn, timeout=300)
    if not written(r):
        return
    check(r["verdict"] == "fail" and p.returncode == 1,
          f"verdict fail, exit 1 (got {r['verdict']}, {p.returncode})")
    a = attach_check(r)
    check(not a.get("pass", True) and "did not come up (load)" in a.get("detail", ""),
          f"scheduler attach fails at load: {a}")
    out = [o for o in r.get("scheduler_output", []) if o["name"] == "bad"]
    check(out and "map_value_or_null" in out[0]["output"],
          f"the verifier's log is kept: {out and out[0]['output'][-300:]}")
    check(out and out[0].get("log") and os.path.exists(out[0]["log"]),
          f"and written to its log: {out and out[0].get('log')}")
    check("--- scheduler bad (did not come up): the end of its output" in p.stdout,
          "the summary shows the end of it")


def case_enable_timeout():
    # A loader that never enables sched_ext: the scheduler's own
    # enable-timeout, not a fixed one, ends the wait.
    scn = scenario_file("""scenario slow "a loader that never enables"
scheduler slow exec=/bin/sleep args="60" enable-timeout=2s
step a 1s
  attach slow
""")
    p, r, dt = run(scn, timeout=300)
    if not written(r):
        return
    check(p.returncode == 1, f"exit 1, got {p.returncode}")
    failed = events(r, "sched_attach_failed")
    check(failed and failed[0]["phase"] == "timeout" and
          "not enabled after 2s" in failed[0]["reason"], f"timed out after 2s: {failed}")
    check(failed and 1900 <= failed[0]["load_ms"] < 10000, f"waited ~2 s: {failed}")


def case_cgroup_refused():
    # A scheduler whose ops.cgroup_init refuses new cgroups: the error keeps
    # the errno and names the scheduler.
    scn = scenario_file("""scenario refused "a scheduler refuses a cgroup"
scheduler ref bpf=cgrefuse
step a 1s
  attach ref
  cgroup x
""")
    p, r, dt = run(scn, timeout=300)
    if not written(r):
        return
    errs = [e["msg"] for e in r["errors"]]
    check(any("cgroup 'x': creating /sys/fs/cgroup/ktstr/x: Operation not supported "
              "(EOPNOTSUPP)" in m and "sched_ext scheduler 'ref' (ops cgrefuse) was attached"
              in m for m in errs), f"the error says errno and scheduler: {errs}")


CASES = {
    "sched-replace": case_replace,
    "sched-stall": case_stall,
    "sched-error": case_error,
    "sched-unexpected": case_unexpected,
    "sched-partial": case_partial,
    "sched-missing": case_missing,
    "sched-notsched": case_notsched,
    "sched-exec-exits": case_exec_exits,
    "sched-reject": case_reject,
    "sched-enable-timeout": case_enable_timeout,
    "sched-cgroup-refused": case_cgroup_refused,
}

if __name__ == "__main__":
    CASES[CASE]()
    finish()
