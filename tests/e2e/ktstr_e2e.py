# SPDX-License-Identifier: GPL-2.0-only
"""Shared helpers of the guest end-to-end test scripts: run ktstr-run on a
scenario, keep its JSON results, and collect failed assertions."""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

failures = []
temps = []  # scenario files and output directories, removed by finish()


def check(cond, what):
    """Record an assertion; the script fails at the end if any failed."""
    if not cond:
        failures.append(what)
        print("FAIL:", what)


def finish():
    """Exit 1 if any check failed (keeping the temporary files for a look),
    else remove them and say ok."""
    if failures:
        print(f"{len(failures)} e2e assertion(s) failed; kept: {' '.join(temps)}")
        sys.exit(1)
    for t in temps:
        if os.path.isdir(t):
            shutil.rmtree(t, ignore_errors=True)
        elif os.path.exists(t):
            os.unlink(t)
    print("ok")


def scenario_file(text, prefix="ktstr-e2e-"):
    fd, path = tempfile.mkstemp(prefix=prefix, suffix=".scn")
    temps.append(path)
    with os.fdopen(fd, "w") as f:
        f.write(text)
    return path


def run(ktstr, scn, *args, timeout=600):
    """ktstr-run run --backend qemu on scn with --json into a fresh
    directory ($KTSTR_KERNEL, if set, as --kernel). Returns (process,
    results or None, output directory, seconds)."""
    out = tempfile.mkdtemp(prefix="ktstr-e2e-")
    temps.append(out)
    js = os.path.join(out, "r.json")
    kernel = ["--kernel", os.environ["KTSTR_KERNEL"]] if os.environ.get("KTSTR_KERNEL") else []
    cmd = [ktstr, "run", "--backend", "qemu", "--json", js, *kernel, *args, scn]
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
    return p, res, out, dt


def events(res, kind=None):
    evs = res.get("scheduler_events", []) if res else []
    return [e for e in evs if kind is None or e["kind"] == kind]


def starved(r):
    """The host starved this run's VM (docs/results.md, dilation)."""
    return bool(r and r.get("dilation", {}).get("starved"))


def passed(p, r):
    """The run passed, or only its timing checks failed on a host that
    starved the VM (inconclusive, exit 4): on a busy machine that is the
    host's doing, not the scheduler's."""
    if not r:
        return False
    return (r["verdict"] == "pass" and p.returncode == 0) or \
        (r["verdict"] == "inconclusive" and p.returncode == 4 and starved(r))
