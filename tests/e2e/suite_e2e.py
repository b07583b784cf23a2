#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""End-to-end tests of `ktstr-run suite`: stock scenarios on two topology
presets with two VMs at once, then what the suite leaves (index.json, one
results file per run as `run --json` writes it, JUnit XML) and its exit
code; bad input refused before any VM starts; --fail-fast stopping runs.

usage: suite_e2e.py KTSTR_RUN SCENARIO_DIR CASE
"""
import json
import os
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from ktstr_e2e import check, finish, starved, temps  # noqa: E402
import ktstr_e2e  # noqa: E402

KTSTR, SCN_DIR, CASE = sys.argv[1], sys.argv[2], sys.argv[3]


def outdir():
    d = tempfile.mkdtemp(prefix="ktstr-e2e-suite-")
    temps.append(d)
    return d


def suite(*args, timeout=900):
    """ktstr-run suite --backend qemu ARGS ($KTSTR_KERNEL as --kernel)."""
    cmd = [KTSTR, "suite", "--backend", "qemu", *ktstr_e2e.kernel_args(), *args]
    print("+", " ".join(cmd))
    return ktstr_e2e.invoke(cmd, timeout)


def load(path):
    with open(path) as f:
        return json.load(f)


def no_vm_left(out):
    """No process (QEMU names its console log, in out) outlives the suite."""
    left = subprocess.run(["pgrep", "-f", out], capture_output=True, text=True).stdout.split()
    check(not left, f"no VM of the suite is left running: {left}")


def case_suite():
    """Four stock scenarios on tiny-1llc and tiny-2llc, at the default -j
    (2 on the 2-CPU development machines, each VM pinned): every run is
    in the index, its results file is what `run --json` writes, the JUnit
    file has a testsuite per scenario x topology x scheduler and a testcase
    per check, and the exit code is 1 (starve is meant to fail)."""
    out = outdir()
    junit = os.path.join(out, "junit.xml")
    names = ["hello", "starve", "cpuset-resize", "sched-churn"]
    filters = [a for n in names for a in ("--filter", n)]
    p, dt = suite("--topology", "tiny-1llc,tiny-2llc", *filters, "--out", out,
                  "--junit", junit, SCN_DIR)
    # A run whose timing checks failed on a host that starved its VM is
    # inconclusive (exit 4), not failed: a busy host's doing.
    check(p.returncode in (1, 4), f"exit 1 (starve fails a check), got {p.returncode}")
    jobs = len(os.sched_getaffinity(0))
    check(f"-j {len(os.sched_getaffinity(0))}: this host gives ktstr-run" in p.stderr
          and "pinned to a CPU of its own" in p.stderr, "says what -j chose")
    finished = [ln for ln in p.stdout.splitlines() if ln.startswith("[") and "/7]" in ln]
    check(len(finished) == 7, f"a line per finished run: {len(finished)}")
    no_vm_left(out)
    idx = load(os.path.join(out, "index.json"))
    check(idx["exit_code"] == p.returncode and idx["jobs"] == len(os.sched_getaffinity(0)),
          "index: exit code and jobs")
    for r in idx["runs"]:
        if r["verdict"] != "skipped":
            with open(os.path.join(out, r["log"])) as f:
                log = f.read()
            check(" host CPUs " in log and "not pinned" not in log, f"{r['log']}: pinned")
    runs = idx["runs"]
    keys = {(r["key"]["scenario"], r["preset"]) for r in runs}
    want = {(n, t) for n in names for t in ("tiny-1llc", "tiny-2llc")}
    check(keys == want, f"the index names every scenario x topology: {sorted(keys ^ want)}")
    check(len(runs) == 8, f"8 runs in the index, got {len(runs)}")
    for r in runs:
        k = r["key"]
        check(set(k) == {"scenario", "topology", "scheduler", "kernel", "repeat"},
              f"key fields: {sorted(k)}")
        check(k["kernel"] == idx["kernel"]["release"] and k["repeat"] == 0, "key: kernel, repeat")
        check(k["topology"] == {"tiny-1llc": "1n1l4c1t", "tiny-2llc": "1n2l2c1t"}[r["preset"]],
              f"key topology is the preset's shape: {k['topology']}")
        want_sched = "scenario" if k["scenario"] == "sched-churn" else "eevdf"
        check(k["scheduler"] == want_sched, f"{k['scenario']}: scheduler {k['scheduler']}")
    skipped = [r for r in runs if r["verdict"] == "skipped"]
    check(len(skipped) == 1 and skipped[0]["key"]["scenario"] == "cpuset-resize"
          and skipped[0]["preset"] == "tiny-1llc" and "requires llcs>=2" in skipped[0]["reason"],
          f"cpuset-resize skipped on tiny-1llc with its requires: {skipped}")

    # Each run's results: the schema of `run --json`, the index's verdict.
    rp = subprocess.run([KTSTR, "run", "--backend", "qemu", "-q", "--json",
                         os.path.join(out, "single.json"), os.path.join(SCN_DIR, "hello.scn")],
                        capture_output=True, text=True, timeout=600)
    single = load(os.path.join(out, "single.json")) if rp.returncode == 0 else {}
    check(rp.returncode == 0, "run --json of hello for the schema")
    results = {}
    for r in runs:
        if r["verdict"] == "skipped":
            continue
        res = load(os.path.join(out, r["results"]))
        results[(r["key"]["scenario"], r["preset"])] = res
        check(set(res) == set(single), f"{r['results']}: the fields of run --json "
              f"({sorted(set(res) ^ set(single))})")
        check(res["verdict"] == r["verdict"] and res["exit_code"] == r["exit_code"],
              f"{r['results']}: verdict as in the index")
        check(os.path.getsize(os.path.join(out, r["console_log"])) > 0, "console log kept")
        shape = r["key"]["topology"]
        topo = res["topology"]
        check(f"{topo['numa']}n{topo['llcs']}l{topo['cores']}c{topo['threads']}t" == shape
              and topo["cpus"] == topo["requested_cpus"], f"{r['results']}: the guest ran {shape}")
        want = "fail" if r["key"]["scenario"] == "starve" else "pass"
        if r["verdict"] == "inconclusive" and starved(res):
            want = "inconclusive"
        check(r["verdict"] == want, f"{r['results']}: {r['verdict']}, expected {want}")
        check(os.path.isabs(res["file"]) or res["file"].endswith(r["key"]["scenario"] + ".scn"),
              "results name the scenario file")

    # JUnit: a testsuite per combination, a testcase per check.
    root = ET.parse(junit).getroot()
    suites = {s.get("name"): s for s in root.iter("testsuite")}
    check(len(suites) == 8, f"8 testsuites, got {len(suites)}")
    for (scn, preset), res in results.items():
        sched = "scenario" if scn == "sched-churn" else "eevdf"
        s = suites.get(f"{scn}/{preset}/{sched}")
        check(s is not None, f"testsuite {scn}/{preset}/{sched}")
        if s is None:
            continue
        cases = [c.get("name") for c in s.iter("testcase")]
        # An inconclusive run leads with a "run" testcase (an error: why).
        lead = ["run"] if res["verdict"] == "inconclusive" else []
        check(cases == lead + [c["name"] for c in res["checks"]],
              f"{scn}/{preset}: a testcase per check: {cases}")
        fails = sum(1 for c in s.iter("failure"))
        check(fails == sum(1 for c in res["checks"] if not c["pass"]),
              f"{scn}/{preset}: failures as in the results")
    s = suites.get("cpuset-resize/tiny-1llc/eevdf")
    check(s is not None and len(list(s.iter("skipped"))) == 1, "the skipped run is <skipped>")
    print(f"suite of 7 runs (+1 skipped) at -j {jobs}: {dt:.1f} s")


def case_suite_inputs():
    """Every bad input is an error before any VM starts (exit 2, each file's
    errors with FILE:LINE:COL); --list and --budget say what would run."""
    out = outdir()
    with open(os.path.join(out, "good.scn"), "w") as f:
        f.write("scenario good\nstep s 1s\n  workers - 1 spin\n")
    with open(os.path.join(out, "bad1.scn"), "w") as f:
        f.write("scenario bad1\nstep s 1s\n  worker - 1 spin\n")
    with open(os.path.join(out, "bad2.scn"), "w") as f:
        f.write("scenario bad2\nrequires cpus>=x\n")
    p, dt = suite("--out", os.path.join(out, "o"), out)
    check(p.returncode == 2, f"exit 2, got {p.returncode}")
    check(f"{out}/bad1.scn:3:3: unknown op 'worker'" in p.stderr, "bad1's error at 3:3")
    check(f"{out}/bad2.scn:2:16: cpus: expected an integer" in p.stderr, "bad2's error at 2:16")
    check("2 errors; no VM was started" in p.stderr, "says no VM started")
    check(not os.path.exists(os.path.join(out, "o")), "nothing written")
    check(dt < 20, f"refused in a moment ({dt:.1f} s)")
    good = os.path.join(out, "good.scn")
    for args, msg in ((["--topology", "tiny-1llc,huge"], "unknown topology 'huge'"),
                      (["--topology", "1n2l"], "'1n2l' is not a shape"),
                      (["--scheduler", "bpf=/nonexistent/x.bpf.o"], "/nonexistent/x.bpf.o"),
                      (["--scheduler", "bpf=fifo attach=start"], "attach= is the suite's"),
                      (["--filter", "nomatch*"], "--filter 'nomatch*' matches no scenario"),
                      (["--repeat", "0"], "--repeat 0: expected 1..1000"),
                      (["--budget", "5"], "--budget 5: expected a duration"),
                      (["-j", "0"], "-j 0: expected 1..1024")):
        p, _ = suite(*args, good)
        check(p.returncode == 2 and msg in p.stderr, f"{args}: exit 2 and '{msg}'")
    p, _ = suite("--list", "--topology", "tiny-1llc,numa2-4llc,max-cpu", "--repeat", "2", good)
    check(p.returncode == 0, "--list exits 0")
    lines = [ln.split() for ln in p.stdout.splitlines()]
    check(sum(1 for ln in lines if ln[:1] == ["run"]) == 4, f"--list: 4 runs\n{p.stdout}")
    check(any(ln[:3] == ["skip", "good", "max-cpu"] and "APIC" in " ".join(ln) for ln in lines),
          "max-cpu skipped on qemu with the reason")
    p, _ = suite("--list", "--budget", "6s", "--topology", "tiny-1llc,tiny-2llc",
                 "--scheduler", "eevdf", "--scheduler", "bpf=fifo", good)
    check(p.returncode == 0 and "--budget 6 s" in p.stderr and "left out by --budget" in p.stdout,
          "--budget says what it left out")


def case_suite_fail_fast():
    """--fail-fast: b-fails fails a check in a few seconds; a-long, in
    flight beside it, is stopped (its VM killed, its results still
    written), c and d never start; the exit code is b-fails's."""
    out, scn = outdir(), outdir()
    files = {
        "a-long": "step s 60s\n  workers - 1 spin\n",
        "b-fails": ("step s 1s\n  cgroup a\n  workers a 1 spin\n"
                    "check throughput min=1000000000000\n"),
        "c-later": "step s 1s\n  workers - 1 spin\n",
        "d-later": "step s 1s\n  workers - 1 spin\n",
    }
    for name, body in files.items():
        with open(os.path.join(scn, name + ".scn"), "w") as f:
            f.write(f"scenario {name}\n{body}")
    p, dt = suite("-j", "2", "--fail-fast", "--out", out, scn)
    check(p.returncode == 1, f"exit 1, got {p.returncode}")
    check(dt < 60, f"a-long did not run its minute ({dt:.1f} s)")
    no_vm_left(out)
    idx = load(os.path.join(out, "index.json"))
    v = {r["key"]["scenario"]: r for r in idx["runs"]}
    check(v["b-fails"]["verdict"] == "fail", "b-fails failed")
    check(v["a-long"]["verdict"] == "cancelled" and "--fail-fast" in v["a-long"]["reason"],
          f"a-long stopped: {v['a-long']}")
    check(os.path.exists(os.path.join(out, "a-long.own.eevdf.json")),
          "the stopped run's results are written")
    for n in ("c-later", "d-later"):
        check(v[n]["verdict"] == "cancelled" and v[n]["reason"].startswith("not run"),
              f"{n} never started: {v[n]}")
    check("--fail-fast: b-fails" in p.stderr, "says why it stopped")


{"suite": case_suite, "suite-inputs": case_suite_inputs,
 "suite-fail-fast": case_suite_fail_fast}[CASE]()
finish()
