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


def kernel_args():
    """--kernel $KTSTR_KERNEL, if that is set."""
    return ["--kernel", os.environ["KTSTR_KERNEL"]] if os.environ.get("KTSTR_KERNEL") else []


def invoke(cmd, timeout, stderr_tail=None):
    """Run cmd, echo its output (the last stderr_tail characters of its
    stderr, if given) and how long it took. Returns (process, seconds)."""
    t0 = time.monotonic()
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    dt = time.monotonic() - t0
    sys.stdout.write(p.stdout)
    sys.stdout.write(p.stderr if stderr_tail is None else p.stderr[-stderr_tail:])
    print(f"exit {p.returncode} after {dt:.1f} s")
    return p, dt


def load_json(path):
    """The JSON document in path, or None if there is no such file."""
    if not os.path.exists(path):
        return None
    with open(path) as f:
        return json.load(f)


def written(res):
    """Check that a run wrote its JSON results; returns whether it did."""
    check(res is not None, "JSON written")
    return res is not None


def run(ktstr, scn, *args, timeout=600):
    """ktstr-run run --backend qemu on scn with --json into a fresh
    directory ($KTSTR_KERNEL, if set, as --kernel). Returns (process,
    results or None, output directory, seconds)."""
    out = tempfile.mkdtemp(prefix="ktstr-e2e-")
    temps.append(out)
    js = os.path.join(out, "r.json")
    p, dt = invoke([ktstr, "run", "--backend", "qemu", "--json", js, *kernel_args(), *args, scn],
                   timeout)
    return p, load_json(js), out, dt


def events(res, kind=None):
    evs = res.get("scheduler_events", []) if res else []
    return [e for e in evs if kind is None or e["kind"] == kind]


def sched_changes(res):
    """(kind, name) of each attach, replace and detach event, in order."""
    return [(e["kind"], e["name"]) for e in events(res)
            if e["kind"] in ("sched_attach", "sched_replace", "sched_detach")]


def checks_named(res, name):
    """The checks in res whose name starts with name."""
    return [c for c in res["checks"] if c["name"].startswith(name)] if res else []


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
