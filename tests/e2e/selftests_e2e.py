#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""End-to-end tests of `ktstr-run selftests`: the kernel's own sched_ext
selftests built for the default kernel and run in a guest, one result per
test.

usage: selftests_e2e.py KTSTR_RUN CASE
  errors  bad options fail in a moment, before any build or boot
  one     -t minimal: one test, its result in the table, JSON and JUnit
          (builds the selftests first if they are not cached: minutes)
  all     every test passes or skips itself, 4 CPUs (about 10 minutes
          under TCG, plus the build)
'one' and 'all' run only with KTSTR_SLOW=1 (exit 77: skipped).
"""
import os
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from ktstr_e2e import check, finish  # noqa: E402
import ktstr_e2e  # noqa: E402

KTSTR, CASE = sys.argv[1], sys.argv[2]


def selftests(*args, timeout=3600):
    out = tempfile.mkdtemp(prefix="ktstr-e2e-selftests-")
    ktstr_e2e.temps.append(out)
    js, xml = os.path.join(out, "r.json"), os.path.join(out, "r.xml")
    cmd = [KTSTR, "selftests", "--backend", "qemu", "--json", js, "--junit", xml, *args]
    p, dt = ktstr_e2e.invoke(cmd, timeout, stderr_tail=6000)
    p.json_path = js
    res = ktstr_e2e.load_json(js)
    junit = ET.parse(xml).getroot() if os.path.exists(xml) else None
    return p, res, junit, dt


def case_errors():
    for args, want in (
            (["--topology", "cpus=4"], "--topology: 'cpus=4'; expected numa=N"),
            (["--topology", "numa=4 llcs=4 cores=4 threads=8"], "512 CPUs"),
            (["--source", "/nonexistent"], "--source /nonexistent:"),
            (["--kernel", "/nonexistent"], "/nonexistent"),
    ):
        p, r, _, dt = selftests(*args, timeout=120)
        check(p.returncode == 2, f"{args}: exit 2, got {p.returncode}")
        check(want in p.stderr, f"{args}: says {want!r}: {p.stderr.strip()}")
        check(dt < 10 and r is None, f"{args}: at once, nothing run ({dt:.1f} s)")
    # A vmlinux with no kernel tree around it: its source must be named.
    fetch = subprocess.run([KTSTR, "kernel", "fetch"], capture_output=True, text=True)
    vml = [ln.split()[1] for ln in fetch.stdout.splitlines() if ln.split()[:1] == ["vmlinux"]]
    if vml:
        p, r, _, _ = selftests("--kernel", vml[0], timeout=120)
        check(p.returncode == 2 and "give one with --source TREE" in p.stderr,
              f"a vmlinux alone: asks for --source: {p.returncode} {p.stderr.strip()}")


def slow():
    if os.environ.get("KTSTR_SLOW") != "1":
        print("skipped: set KTSTR_SLOW=1 (minutes: the build, then the tests under TCG)")
        sys.exit(77)


def check_results(r, junit, names):
    tests = {t["name"]: t for t in r["tests"]}
    check(sorted(tests) == sorted(names), f"one result per test: {sorted(tests)}")
    for t in r["tests"]:
        check(t["result"] in ("pass", "skip"),
              f"{t['name']}: {t['result']} {t.get('reason', '')}\n{t['output'][-2000:]}")
    cases = junit.findall(".//testcase") if junit is not None else []
    check(sorted(c.get("name") for c in cases) == sorted(names), "one JUnit testcase per test")
    check(not junit.findall(".//failure") and not junit.findall(".//error"),
          "no JUnit failure or error")
    check(r["kernel_release"].startswith("7."), f"kernel release: {r['kernel_release']}")
    check(r["run"]["verdict"] == "pass", f"the run's verdict: {r['run']['verdict']}")
    check(r.get("runner_exit") == 0, f"the runner exited 0: {r.get('runner_exit')}")


def case_one():
    slow()
    p, r, junit, _ = selftests("-t", "minimal")
    check(p.returncode == 0, f"exit 0, got {p.returncode}")
    if not r:
        return
    check_results(r, junit, ["minimal"])
    check("PASS    minimal" in p.stdout, "the table names it")
    checks = {c["name"]: c for c in r["run"]["checks"]}
    check(checks.get("payload selftests: minimal", {}).get("pass") is True,
          f"the run's own TAP check: {sorted(checks)}")
    log = os.path.join(os.path.dirname(p.json_path), "r.payload-selftests.log")
    check(os.path.exists(log) and "TEST: minimal" in open(log).read(),
          f"the runner's output in {log}")
    # A name no test has: refused before boot (the build is cached now).
    p2, r2, _, dt = selftests("-t", "no_such_test", timeout=300)
    check(p2.returncode == 2 and "no test's name holds it" in p2.stderr and r2 is None,
          f"unknown -t: exit 2, before boot: {p2.returncode} {p2.stderr.strip()[-300:]}")


def case_all():
    slow()
    p, r, junit, dt = selftests()
    check(p.returncode == 0, f"exit 0, got {p.returncode}")
    if not r:
        return
    names = [t["name"] for t in r["tests"]]
    check(len(names) >= 30, f"the whole runner ran: {len(names)} tests")
    check_results(r, junit, names)
    print(f"{r['passed']} passed, {r['skipped']} skipped, {r['failed']} failed in {dt:.0f} s")


{"errors": case_errors, "one": case_one, "all": case_all}[CASE]()
finish()
