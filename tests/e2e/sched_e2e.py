#!/usr/bin/env python3
"""sched_ext end-to-end tests: attach/replace/detach of the project's test
schedulers in a real guest, deaths (watchdog stall, scx_bpf_error) reported
with their reasons, and the error paths (missing object, object that is no
scheduler, loader that exits at once) caught with the scheduler's name.

usage: sched_e2e.py KTSTR_RUN SCENARIO_DIR CASE
$KTSTR_KERNEL, if set, is passed as --kernel.
"""
import json
import os
import subprocess
import sys
import tempfile
import time

KTSTR, SCN_DIR, CASE = sys.argv[1], sys.argv[2], sys.argv[3]
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what)


def scenario_file(text):
    fd, path = tempfile.mkstemp(prefix="ktstr-sched-", suffix=".scn")
    with os.fdopen(fd, "w") as f:
        f.write(text)
    return path


def run(scn, timeout=600):
    out = tempfile.mkdtemp(prefix="ktstr-e2e-")
    js = os.path.join(out, "r.json")
    path = scn if os.path.isabs(scn) else os.path.join(SCN_DIR, scn)
    kernel = ["--kernel", os.environ["KTSTR_KERNEL"]] if os.environ.get("KTSTR_KERNEL") else []
    cmd = [KTSTR, "run", "--backend", "qemu", "--json", js, *kernel, path]
    t0 = time.monotonic()
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    dt = time.monotonic() - t0
    sys.stdout.write(p.stdout)
    sys.stdout.write(p.stderr)
    print(f"exit {p.returncode} after {dt:.1f} s")
    res = None
    if os.path.exists(js):
        with open(js) as f:
            res = json.load(f)
    return p, res, dt


def events(res, kind=None):
    evs = res.get("scheduler_events", []) if res else []
    return [e for e in evs if kind is None or e["kind"] == kind]


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
    if failures:
        print(f"{len(failures)} failure(s)")
        sys.exit(1)
    print("ok")
