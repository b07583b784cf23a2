#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Guest end-to-end tests: run ktstr-run on real scenarios with the default
kernel under QEMU and check the verdict, the exit code and the JSON results.

usage: e2e.py KTSTR_RUN SCENARIO_DIR CASE
"""
import os
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from ktstr_e2e import check, finish  # noqa: E402
import ktstr_e2e  # noqa: E402

KTSTR, SCN_DIR, CASE = sys.argv[1], sys.argv[2], sys.argv[3]


def run(scn, *args, timeout=600):
    path = scn if os.path.isabs(scn) else os.path.join(SCN_DIR, scn)
    p, res, out, _ = ktstr_e2e.run(KTSTR, path, *args, timeout=timeout)
    return p, res, out


def workers(res, cgroup):
    for cg in res["cgroups"]:
        if cg["name"] == cgroup:
            return cg["workers"]
    return []


def check_by_name(res, name):
    return [c for c in res["checks"] if c["name"].split()[0] == name]


def case_hello():
    p, r, out = run("hello.scn")
    check(p.returncode == 0, "hello exits 0")
    check(r is not None, "hello writes JSON")
    if not r:
        return
    check(r["verdict"] == "pass", "verdict pass")
    check(r["scenario"] == "hello", "scenario name")
    check(r["kernel"]["release"].startswith("7."), "kernel release from the guest")
    check(r["topology"]["cpus"] == 2, f"guest sees 2 CPUs, got {r['topology']['cpus']}")
    g = r["guest"]
    check(g["sched_ext_state"] in ("disabled", "enabled"), "sched_ext state reported")
    check("cpuset" in g["cgroup_controllers"] and "cpu" in g["cgroup_controllers"].split(),
          "cgroup controllers reported")
    ws = workers(r, "a")
    check(len(ws) == 2, f"one report per worker: {len(ws)}")
    for w in ws:
        check(w["work_units"] > 0 and w["cpu_time_ns"] > 0, f"worker {w['tid']} worked")
        check(w["exit_info"]["kind"] == "exited", "worker exited normally")
    check(r["timings"]["boot_ms"] > 0 and r["timings"]["total_ms"] >= r["timings"]["boot_ms"],
          "timings")
    names = [c["name"] for c in r["checks"]]
    check(any(n.startswith("starvation") for n in names), "starvation check present")
    check(all(c["pass"] for c in r["checks"]), "all checks pass")
    check(os.path.getsize(os.path.join(out, "r.console.log")) > 1000, "console log kept")


def case_starve():
    p, r, _ = run("starve.scn")
    check(p.returncode == 1, f"starve exits 1, got {p.returncode}")
    if not r:
        return
    check(r["verdict"] == "fail", "verdict fail")
    st = check_by_name(r, "starvation")
    check(st and not st[0]["pass"], "starvation check fails")
    check(st and "worker normal/" in st[0]["detail"], "the normal worker is named")
    check(st and "worker rt/" not in st[0]["detail"], "the rt hog is not named")


def case_cpuset_swap():
    p, r, _ = run("cpuset-swap.scn")
    check(p.returncode == 0, f"cpuset-swap exits 0, got {p.returncode}")
    if not r:
        return
    for cg, allowed in (("a", {0, 1, 2, 3}), ("b", {0, 1, 2, 3})):
        ws = workers(r, cg)
        check(len(ws) == 2, f"2 workers in {cg}")
        sets = [set(parse_list(e["cpus"])) for e in r["events"]
                if e["kind"] == "cpuset" and e["cgroup"] == cg]
        union = set().union(*sets) if sets else set()
        check(len(sets) >= 4, f"{cg}: cpuset events for create + 3 swaps: {len(sets)}")
        for w in ws:
            check(set(w["cpus_used"]) <= union, f"{cg}: cpus_used {w['cpus_used']} within {union}")
    iso = check_by_name(r, "isolation")
    check(iso and iso[0]["pass"], "isolation passes")


def parse_list(s):
    cpus = []
    for part in filter(None, s.split(",")):
        a, _, b = part.partition("-")
        cpus += range(int(a), int(b or a) + 1)
    return cpus


def case_bad_kernel():
    with tempfile.NamedTemporaryFile(suffix=".img", delete=False) as f:
        f.write(os.urandom(1 << 20))
    t0 = time.monotonic()
    p, r, _ = run("hello.scn", "--kernel", f.name, timeout=60)
    dt = time.monotonic() - t0
    check(p.returncode == 2, f"random kernel file exits 2, got {p.returncode}")
    check(dt < 10, f"and quickly ({dt:.1f} s)")
    check(f.name in p.stderr and "not a kernel" in p.stderr, "error names the file")
    os.unlink(f.name)


def case_kernel_config():
    """A build tree whose .config lacks what the guest needs is refused in a
    moment, naming the options; with a complete .config it runs."""
    fetch = subprocess.run([KTSTR, "kernel", "fetch"], capture_output=True, text=True)
    vmlinux = [ln.split()[1] for ln in fetch.stdout.splitlines() if ln.split()[:1] == ["vmlinux"]]
    check(fetch.returncode == 0 and vmlinux, f"kernel fetch names the vmlinux: {fetch.stdout}")
    if not vmlinux:
        return
    tree = tempfile.mkdtemp(prefix="ktstr-e2e-tree-")
    ktstr_e2e.temps.append(tree)
    os.symlink(vmlinux[0], os.path.join(tree, "vmlinux"))
    need = ["CONFIG_BLK_DEV_INITRD=y", "CONFIG_DEVTMPFS=y", "CONFIG_CGROUPS=y",
            "CONFIG_VIRTIO_PCI=y"]
    with open(os.path.join(tree, ".config"), "w") as f:
        f.write("\n".join(need + ["CONFIG_VIRTIO_CONSOLE=m"]) + "\n")
    t0 = time.monotonic()
    p, r, _ = run("hello.scn", "--kernel", tree, timeout=60)
    dt = time.monotonic() - t0
    check(p.returncode == 2, f"incomplete .config exits 2, got {p.returncode}")
    check(dt < 10, f"and before booting ({dt:.1f} s)")
    check("CONFIG_VIRTIO_CONSOLE=m" in p.stderr and ".config" in p.stderr,
          f"the option and the file are named: {p.stderr.strip()}")
    check(r is None, "nothing booted")
    with open(os.path.join(tree, ".config"), "w") as f:
        f.write("\n".join(need + ["CONFIG_VIRTIO_CONSOLE=y"]) + "\n")
    p, r, _ = run("hello.scn", "--kernel", tree)
    check(p.returncode == 0, f"complete .config: hello passes, exit {p.returncode}")


def case_bad_scenario():
    scn = ktstr_e2e.scenario_file('scenario x "y"\nstep run 1s\n  cgroup a\n  wokers a 2 spin\n')
    p, r, _ = run(scn, timeout=30)
    check(p.returncode == 2, f"bad scenario exits 2, got {p.returncode}")
    check(f"{scn}:4:3:" in p.stderr, f"error has file:line:col: {p.stderr.strip()}")
    check(r is None, "nothing booted, no results")


def injected(fault, expect_reports=True, *extra):
    p, r, _ = run("hello.scn", "--inject-fault", fault, *extra)
    check(p.returncode == 3, f"{fault}: exits 3, got {p.returncode}")
    if not r:
        check(False, f"{fault}: JSON written")
        return None
    check(r["verdict"] == "error", f"{fault}: verdict error")
    if expect_reports:
        check(len(workers(r, "a")) == 2, f"{fault}: the 2 reports sent before the fault are kept")
    return r


def case_panic():
    r = injected("panic")
    if r:
        check("panic" in r["reason"], f"panic named in the reason: {r['reason']}")
        check("Kernel panic" in r.get("console_tail", ""), "kernel log tail kept")


def case_initcrash():
    r = injected("crash")
    if r:
        check("Attempted to kill init" in r.get("console_tail", ""),
              "the kernel's words about init dying are in the tail")


def case_no_channel():
    """A guest that finds no PCI (pci=off here; in practice a kernel without
    CONFIG_PCI_MMCONFIG on the kvm backend) has no report channel: the verdict
    says so and names the kernel options, instead of only "stopped"."""
    p, r, _ = run("hello.scn", "--append", "pci=off", timeout=120)
    check(p.returncode == 3, f"no channel: exits 3, got {p.returncode}")
    if not r:
        check(False, "no channel: JSON written")
        return
    check("no report channel" in r["reason"] and "CONFIG_VIRTIO_CONSOLE" in r["reason"],
          f"the reason names the cause and the kernel options: {r['reason']}")
    check(r["vm_end"]["timed_out"] is False, "ended by guest-init, not by the timeout")


def case_hang():
    r = injected("hang", True, "--timeout", "25")
    if r:
        check(r["vm_end"]["timed_out"], "timed out")
        check("did not finish in time" in r["reason"], f"hang named: {r['reason']}")


def case_garble():
    r = injected("garble")
    if r:
        check(any("CRC" in e for e in r["wire_errors"]), f"wire error reported: {r['wire_errors']}")


def case_truncate():
    r = injected("truncate")
    if r:
        check(any("truncated" in e for e in r["wire_errors"]),
              f"truncated frame reported: {r['wire_errors']}")


def case_flood():
    """A guest that floods the report port with a million small frames: the
    host keeps bounded memory, says what it dropped, exits 3 in time, and
    loses none of the frames (every one is counted)."""
    t0 = time.monotonic()
    r = injected("flood")
    took = time.monotonic() - t0
    if not r:
        return
    rss = r["host"]["peak_rss_kib"]
    print(f"flood: host peak RSS {rss} KiB, {took:.1f} s")
    check(0 < rss < 128 * 1024, f"host memory stays bounded: peak RSS {rss} KiB")
    errs = r["wire_errors"]
    check(len(errs) == 101, f"100 wire errors listed and one summary line, got {len(errs)}")
    check(errs[0] == "event frame without a kind", f"first wire error: {errs[0]}")
    check(errs[-1] == "999900 more wire errors not listed",
          f"every one of the 1000000 frames arrived and was counted: {errs[-1]}")
    check("report stream damaged" in r["reason"], f"reason: {r['reason']}")
    check(took < 120, f"within the run's timeout: {took:.1f} s")


def case_kvm_refused():
    """--backend kvm on a host whose KVM cannot boot Linux fails up front."""
    p, r, _ = run("hello.scn", "--backend", "kvm", timeout=60)
    if os.path.exists("/sys/module/kvm_pvm") or not os.path.exists("/dev/kvm"):
        check(p.returncode == 3, f"--backend kvm exits 3 here, got {p.returncode}")
        check("use --backend qemu" in p.stderr, f"and says what to do: {p.stderr.strip()}")
        check(r is None, "nothing booted")
    else:
        check(p.returncode == 0, f"--backend kvm runs hello here: {p.returncode}")


def case_hugepages_refused():
    """--hugepages is the own VMM's; a run that would use QEMU says so, exit 2."""
    p, r, _ = run("hello.scn", "--backend", "qemu", "--hugepages", timeout=60)
    check(p.returncode == 2, f"--hugepages with qemu exits 2, got {p.returncode}")
    check("--hugepages needs the kvm backend" in p.stderr, f"and says why: {p.stderr.strip()}")
    check(r is None, "nothing booted")


def case_payload():
    """A payload's JSON numbers become metrics; one that fails fails the run."""
    scn = ktstr_e2e.scenario_file("""scenario payload-e2e "payload metrics"
topology numa=1 llcs=1 cores=2 threads=1
step run 1s
  cgroup app
  payload-run good /bin/echo args="{\\"ops\\":42,\\"p99_us\\":1.5,\\"name\\":\\"x\\"}" cgroup=app
  payload-wait good timeout=5s
  payload-run bad /bin/false
  payload-wait bad timeout=5s
""")
    p, r, _ = run(scn)
    check(p.returncode == 1, f"a failing payload fails the run: exit {p.returncode}")
    if not r:
        return
    ends = {e["id"]: e for e in r["events"] if e["kind"] == "payload_end"}
    good, bad = ends.get("good", {}), ends.get("bad", {})
    check(good.get("exit_code") == 0, f"good exited 0: {good}")
    check(good.get("metrics") == {"ops": 42, "p99_us": 1.5}, f"numbers kept as metrics: {good}")
    check(bad.get("exit_code") == 1, f"bad exited 1: {bad}")
    pc = check_by_name(r, "payloads")
    check(pc and not pc[0]["pass"] and "payload bad exited with 1" in pc[0]["detail"],
          f"payloads check names the failing one: {pc}")


def case_payload_tmp():
    """A payload built under /tmp runs: the run plan is unpacked after
    guest-init mounts its tmpfs there (it used to be hidden: exit 127)."""
    d = tempfile.mkdtemp(prefix="ktstr-e2e-payload-", dir="/tmp")
    try:
        exe = os.path.join(d, "echo-copy")
        subprocess.run(["cp", "/bin/echo", exe], check=True)
        scn = ktstr_e2e.scenario_file(f"""scenario payload-tmp "a payload under /tmp"
topology numa=1 llcs=1 cores=2 threads=1
step run 1s
  payload-run p {exe} args="{{\\"ok\\":1}}"
  payload-wait p timeout=5s
""")
        p, r, _ = run(scn)
        check(p.returncode == 0, f"a payload under /tmp runs: exit {p.returncode}")
        if r:
            ends = [e for e in r["events"] if e["kind"] == "payload_end"]
            check(ends and ends[0].get("exit_code") == 0, f"it exited 0: {ends}")
            check(ends and ends[0].get("metrics") == {"ok": 1}, f"its output came back: {ends}")
    finally:
        subprocess.run(["rm", "-rf", d])


# Stock scenarios and the exit code each must give (default 0).
STOCK_EXPECT = {"starve": 1}


def case_stock():
    names = sorted(f[:-4] for f in os.listdir(SCN_DIR) if f.endswith(".scn"))
    for name in names:
        p, r, _ = run(name + ".scn")
        want = STOCK_EXPECT.get(name, 0)
        check(p.returncode == want, f"{name}: exit {p.returncode}, expected {want}")
        if r:
            check(r["checks"][0]["pass"], f"{name}: every worker report arrived")


def work_types():
    """(name, count rule) from docs/work-types.md, which the workload
    library's table generates."""
    doc = os.path.join(SCN_DIR, "..", "..", "docs", "work-types.md")
    types, name = [], None
    for line in open(doc):
        if line.startswith("## ") and " " not in line[3:].strip():
            name = line[3:].strip()
        elif name and line.startswith("- Count:"):
            types.append((name, 6 if "multiple of 3" in line else 4))
            name = None
    return types


def case_worktypes():
    types = work_types()
    check(len(types) >= 39, f"docs list every work type: {len(types)}")
    lines = ['scenario worktypes "every work type briefly"',
             "topology numa=2 llcs=1 cores=2 threads=1", "memory 1G"]
    for i, (t, n) in enumerate(types):
        clone = "thread" if i % 2 else "fork"
        lines += [f"step s{i} 800ms", f"  cgroup g{i}", f"  workers g{i} {n} {t} clone={clone}"]
    p, r, _ = run(ktstr_e2e.scenario_file("\n".join(lines) + "\n"))
    check(p.returncode == 0, f"every work type runs and stops cleanly: exit {p.returncode}")
    if not r:
        return
    for i, (t, n) in enumerate(types):
        ws = workers(r, f"g{i}")
        check(len(ws) == n, f"{t}: {n} reports, got {len(ws)}")
        # rt-starvation's odd workers are the ones meant to starve.
        idle = [w["index"] for w in ws if w["work_units"] == 0 and
                not (t == "rt-starvation" and w["index"] % 2)]
        check(not idle, f"{t}: workers {idle} did no work")
        check(all(w["type"] == t for w in ws), f"{t}: reports carry the type")


globals()["case_" + CASE.replace("-", "_")]()
finish()
