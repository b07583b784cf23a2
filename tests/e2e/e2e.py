#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Guest end-to-end tests: run ktstr-run on real scenarios with the default
kernel under QEMU and check the verdict, the exit code and the JSON results.

usage: e2e.py KTSTR_RUN SCENARIO_DIR CASE
"""
import json
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from ktstr_e2e import check, finish, load_json as load  # noqa: E402
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


def starved(r):
    """The host starved this run's VM (docs/results.md, dilation)."""
    return bool(r and r.get("dilation", {}).get("starved"))


def case_starve():
    p, r, _ = run("starve.scn")
    # A host that starved the VM makes the failed timing check inconclusive.
    want = (1, "fail") if not starved(r) else (4, "inconclusive")
    check(p.returncode == want[0], f"starve exits {want[0]}, got {p.returncode}")
    if not r:
        return
    check(r["verdict"] == want[1], f"verdict {want[1]}: {r['verdict']} ({r['reason']})")
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


def case_guest_files():
    """A file directive puts a host directory into the guest (mode, symlink
    kept), and the guest finds its kernel's config at /boot/config-$(uname
    -r), as libbpf looks for it."""
    d = tempfile.mkdtemp(prefix="ktstr-e2e-files-")
    ktstr_e2e.temps.append(d)
    os.makedirs(os.path.join(d, "data", "sub"))
    with open(os.path.join(d, "data", "sub", "x"), "w") as f:
        f.write("x\n")
    os.symlink("sub/x", os.path.join(d, "data", "link"))
    check_sh = os.path.join(d, "check.sh")
    with open(check_sh, "w") as f:
        f.write("""read rel </proc/sys/kernel/osrelease
cfg=0
if [ -s /boot/config-$rel ]; then
  while IFS= read -r l; do [ "$l" = CONFIG_SCHED_CLASS_EXT=y ] && cfg=1; done </boot/config-$rel
fi
tree=0
[ -f /opt/t/data/sub/x ] && [ -L /opt/t/data/link ] && [ -x /opt/t/check.sh ] && tree=1
echo "{\\"config\\":$cfg,\\"tree\\":$tree}"
""")
    scn = ktstr_e2e.scenario_file(f"""scenario guest-files "file directive and kernel config"
file {d}/data to=/opt/t/data
file {check_sh} to=/opt/t/check.sh mode=755
step run 1s
  payload-run c /bin/sh args="/opt/t/check.sh"
  payload-wait c timeout=10s
""")
    p, r, _ = run(scn)
    check(p.returncode == 0, f"exit 0, got {p.returncode}")
    if r:
        ends = [e for e in r["events"] if e["kind"] == "payload_end"]
        m = ends[0].get("metrics", {}) if ends else {}
        check(m.get("tree") == 1, f"the directory arrived whole: {ends}")
        check(m.get("config") == 1, f"/boot/config-$(uname -r) holds the kernel's config: {ends}")
    # A missing file is an error at its line and column, before any boot.
    scn = ktstr_e2e.scenario_file(f"""scenario guest-files "missing"
file {d}/nope to=/opt/nope
step run 1s
""")
    t0 = time.monotonic()
    p, r, _ = run(scn, timeout=60)
    check(p.returncode == 2, f"missing file: exit 2, got {p.returncode}")
    check(f"{scn}:2:6: file '{d}/nope': No such file or directory" in p.stderr,
          f"named with line:col: {p.stderr.strip()}")
    check(time.monotonic() - t0 < 10 and r is None, "before booting")


def case_snapshot():
    """A scenario's results are the same whether its guest booted or was
    restored from a snapshot of a ready guest; a truncated, corrupt,
    mismatched or unwritable snapshot makes the run boot with a notice and
    exit as a cold run does."""
    fetch = subprocess.run([KTSTR, "kernel", "fetch"], capture_output=True, text=True)
    vmlinux = [ln.split()[1] for ln in fetch.stdout.splitlines() if ln.split()[:1] == ["vmlinux"]]
    check(bool(vmlinux), f"kernel fetch names the vmlinux: {fetch.stdout}")
    if not vmlinux:
        return
    os.environ.setdefault("KTSTR_KERNEL", vmlinux[0])
    cache = tempfile.mkdtemp(prefix="ktstr-e2e-snap-")
    ktstr_e2e.temps.append(cache)
    os.environ["XDG_CACHE_HOME"] = cache
    store = os.path.join(cache, "ktstr-run", "snapshots")

    def go(what, *args):
        p, r, _ = run("hello.scn", *args)
        check(p.returncode == 0, f"{what}: exit 0, got {p.returncode}")
        return p, r or {"boot": {}, "checks": [], "topology": {}, "guest": {}}

    def state():
        ids = [d for d in os.listdir(store) if not d.startswith(("tmp-", "memo-"))]
        check(len(ids) == 1, f"one snapshot in the store: {ids}")
        return os.path.join(store, ids[0]) if ids else store

    _, cold = go("cold")
    check(cold["boot"].get("kind") == "cold" and cold["boot"].get("snapshot_saved"),
          f"the first run boots and saves a snapshot: {cold['boot']}")
    _, warm = go("restored")
    check(warm["boot"].get("kind") == "restored", f"the second restores it: {warm['boot']}")
    check(warm["timings"]["restore_ms"] > 0, "restore_ms recorded")
    for k in ("topology",):
        check(cold[k] == warm[k], f"{k} equal: {cold[k]} / {warm[k]}")
    for k in ("cpus_online", "cpus_online_list", "kernel_release", "cgroup_controllers"):
        check(cold["guest"].get(k) == warm["guest"].get(k),
              f"guest {k} equal: {cold['guest'].get(k)} / {warm['guest'].get(k)}")
    verdicts = [[(c["name"], c["pass"]) for c in r["checks"]] for r in (cold, warm)]
    check(verdicts[0] == verdicts[1], f"the checks' verdicts are equal: {verdicts}")

    def damaged(what, damage, notice):
        damage(state())
        p, r = go(what)
        check(r["boot"].get("kind") == "cold", f"{what}: boots cold: {r['boot']}")
        check(notice in p.stderr, f"{what}: the notice says '{notice}': {p.stderr}")

    def truncate(d):
        with open(os.path.join(d, "state"), "r+b") as f:
            f.truncate(os.path.getsize(os.path.join(d, "state")) // 2)

    def flip(d):
        with open(os.path.join(d, "state"), "r+b") as f:
            f.seek(os.path.getsize(os.path.join(d, "state")) // 3)
            b = f.read(1)
            f.seek(-1, 1)
            f.write(bytes([b[0] ^ 0x40]))

    def rekey(d):
        meta = os.path.join(d, "meta.json")
        with open(meta) as f:
            m = json.load(f)
        m["key"] = m["key"].replace("memory=", "memory=1")
        with open(meta, "w") as f:
            json.dump(m, f)

    damaged("truncated", truncate, "truncated")
    damaged("flipped byte", flip, "corrupt")
    damaged("key mismatch", rekey, "key does not match")
    shutil.rmtree(store)
    with open(store, "w") as f:
        f.write("not a directory\n")
    p, r = go("unwritable store")
    check(r["boot"].get("kind") == "cold" and not r["boot"].get("snapshot_saved"),
          f"unwritable store: boots cold, saves none: {r['boot']}")
    check("this run saves none" in p.stderr, f"unwritable store: says so: {p.stderr}")
    os.unlink(store)
    p, r = go("--cold", "--cold")
    check(r["boot"].get("kind") == "cold" and not r["boot"].get("snapshot_saved") and
          not os.path.exists(store) or not os.listdir(store),
          f"--cold boots and saves none: {r['boot']}")


def key_paths(o, p=""):
    """Every key path of a JSON value, array elements written []."""
    out = set()
    if isinstance(o, dict):
        for k, v in o.items():
            q = f"{p}.{k}" if p else k
            out.add(q)
            out |= key_paths(v, q)
    elif isinstance(o, list):
        for v in o:
            out |= key_paths(v, p + "[]")
    return out


def case_results_keys():
    """The results of stock runs have the keys docs/results-keys.json lists:
    none missing that every run has, none that is not listed."""
    with open(os.path.join(SCN_DIR, "..", "..", "docs", "results-keys.json")) as f:
        schema = json.load(f)
    required, allowed = set(schema["required"]), set(schema["allowed"])
    for name in ("hello", "payload", "sched-replace"):
        _, r = run(f"{name}.scn")[:2]
        if not r:
            check(False, f"{name}: results written")
            continue
        keys = key_paths(r)
        check(not required - keys, f"{name}: keys missing: {sorted(required - keys)}")
        check(not keys - allowed, f"{name}: keys not in docs/results-keys.json: "
              f"{sorted(keys - allowed)}")


# Stock scenarios and the exit code each must give (default 0).
STOCK_EXPECT = {"starve": 1}


def case_stock():
    names = sorted(f[:-4] for f in os.listdir(SCN_DIR) if f.endswith(".scn"))
    for name in names:
        p, r, _ = run(name + ".scn")
        want = STOCK_EXPECT.get(name, 0)
        # Only timing checks failed, on a host that starved the VM.
        ok = p.returncode == want or (p.returncode == 4 and starved(r))
        check(ok, f"{name}: exit {p.returncode}, expected {want}")
        if r:
            check(r["checks"][0]["pass"], f"{name}: every worker report arrived")


def work_types():
    """(name, count rule) from docs/work-types.md (which the unit test
    workload-docs checks against the workload library's table)."""
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
    # Types that first fill an 8 MiB buffer or file: under TCG on a loaded
    # 2-core host that setup alone can outlast an 800 ms step.
    small = {"io-rand-read": " size=1M", "io-sync-write": " size=1M",
             "cache-pressure": " size=1M", "cache-yield": " size=1M"}
    for i, (t, n) in enumerate(types):
        clone = "thread" if i % 2 else "fork"
        lines += [f"step s{i} 800ms", f"  cgroup g{i}",
                  f"  workers g{i} {n} {t} clone={clone}{small.get(t, '')}"]
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


def ktstr(*args, stdin=None, timeout=120, stdout=subprocess.PIPE):
    """ktstr-run with exactly these arguments (no --json added)."""
    if args[0] == "run":
        args = ("run", "--backend", "qemu", *ktstr_e2e.kernel_args(), *args[1:])
    t0 = time.monotonic()
    try:
        p = subprocess.run([KTSTR, *args], stdin=stdin, stdout=stdout,
                           stderr=subprocess.PIPE, text=True, timeout=timeout)
    except subprocess.TimeoutExpired as e:
        check(False, f"{' '.join(args)}: still running after {timeout} s")
        return subprocess.CompletedProcess(e.cmd, -1, "", ""), timeout
    dt = time.monotonic() - t0
    sys.stdout.write(p.stdout or "")
    sys.stdout.write(p.stderr)
    print(f"exit {p.returncode} after {dt:.1f} s")
    return p, dt


def outdir():
    d = tempfile.mkdtemp(prefix="ktstr-e2e-")
    ktstr_e2e.temps.append(d)
    return d


def hello_text():
    with open(os.path.join(SCN_DIR, "hello.scn")) as f:
        return f.read()


def case_stdin_pipe():
    """A scenario read from a pipe (run /dev/stdin) is read once: the guest
    runs the bytes the host validated, not an empty second read."""
    out = outdir()
    js = os.path.join(out, "r.json")
    proc = subprocess.run([KTSTR, "run", "--backend", "qemu", "--json", js, "/dev/stdin"],
                          input=hello_text(), capture_output=True, text=True, timeout=300)
    sys.stdout.write(proc.stdout + proc.stderr)
    check(proc.returncode == 0, f"hello from a pipe exits 0, got {proc.returncode}")
    r = load(js)
    check(r is not None and r["verdict"] == "pass" and r["scenario"] == "hello",
          f"the guest ran hello: {r and r['reason']}")


def case_fifo():
    """A FIFO is read once (its writer writes it once): validate and run both
    finish instead of waiting for a second writer."""
    out = outdir()
    fifo = os.path.join(out, "s.scn")
    os.mkfifo(fifo)

    def writer():
        with open(fifo, "w") as f:
            f.write(hello_text())

    for cmd in (["validate", fifo], ["run", "--json", os.path.join(out, "r.json"), fifo]):
        t = threading.Thread(target=writer, daemon=True)
        t.start()
        p, _ = ktstr(*cmd, timeout=300)
        check(p.returncode == 0, f"{cmd[0]} on a FIFO exits 0, got {p.returncode}")
        if t.is_alive():
            with open(fifo) as f:  # unblock the writer
                f.read()
    r = load(os.path.join(out, "r.json"))
    check(r is not None and r["verdict"] == "pass", "run on a FIFO passes")


def case_bad_inputs():
    """Bad files and numbers are refused in a moment with exit 2, naming
    what was wrong (nothing boots)."""
    out = outdir()
    hello = os.path.join(SCN_DIR, "hello.scn")
    big = os.path.join(out, "big.scn")
    with open(big, "w") as f:
        f.write("# x\n" * ((4 << 20) // 4 + 1))
    smt16 = ktstr_e2e.scenario_file('scenario smt16 "16 threads a core"\n'
                                    'topology cores=2 threads=16\nstep s 1s\n')
    wide = ktstr_e2e.scenario_file('scenario wide "APIC IDs past 254"\n'
                                   'topology numa=3 cores=65\nstep s 1s\n')
    for what, args, words in (
            ("a directory", ["run", out], [out, "is a directory"]),
            ("a device", ["validate", "/dev/zero"], ["/dev/zero", "character device"]),
            ("an oversized file", ["validate", big], [big, "expected at most 4194304"]),
            ("timeout -1", ["run", "--timeout", "-1", hello], ["--timeout", "-1"]),
            ("timeout nan", ["run", "--timeout", "nan", hello], ["--timeout", "nan"]),
            ("timeout inf", ["run", "--timeout", "inf", hello], ["--timeout", "inf"]),
            ("timeout too long", ["run", "--timeout", "1e300", hello], ["--timeout", "1e300"]),
            ("timeout 0", ["run", "--timeout", "0", hello], ["--timeout", "0"]),
            ("seed -1", ["run", "--seed", "-1", hello], ["--seed", "-1"]),
            ("seed too big", ["run", "--seed", "18446744073709551616", hello],
             ["--seed", "18446744073709551616"]),
            ("seed empty", ["run", "--seed", "", hello], ["--seed"]),
            ("kvm topology", ["validate", "--backend", "kvm", smt16],
             [f"{smt16}:2:1:", "threads=16 is out of range for the kvm backend"]),
            ("qemu topology", ["run", wide], [f"{wide}:2:1:", "needs APIC ID 320"]),
            ("validate backend", ["validate", "--backend", "xen", hello], ["--backend xen"])):
        p, dt = ktstr(*args, timeout=30)
        check(p.returncode == 2, f"{what}: exits 2, got {p.returncode}")
        check(dt < 10, f"{what}: and at once ({dt:.1f} s)")
        check(all(w in p.stderr for w in words), f"{what}: names {words}: {p.stderr.strip()}")


def case_comma_paths():
    """--json and --log paths with commas reach QEMU's -chardev intact."""
    out = os.path.join(outdir(), "a,b")
    os.mkdir(out)
    js, log = os.path.join(out, "r,1.json"), os.path.join(out, "c,1.log")
    p, _ = ktstr("run", "--json", js, "--log", log, os.path.join(SCN_DIR, "hello.scn"),
                 timeout=300)
    check(p.returncode == 0, f"hello with commas in its paths exits 0, got {p.returncode}")
    check(load(js) is not None, "JSON written")
    check(os.path.exists(log) and os.path.getsize(log) > 1000, "console log written there")


def case_log_pipe():
    """--log to a pipe: the console log still arrives there, and the console
    tail of a crashed guest is still in the verdict."""
    out = outdir()
    js = os.path.join(out, "r.json")
    p, _ = ktstr("run", "--json", js, "--log", "/dev/stdout", "--inject-fault", "panic",
                 os.path.join(SCN_DIR, "hello.scn"), timeout=300)
    check(p.returncode == 3, f"panic exits 3, got {p.returncode}")
    check("Linux version" in p.stdout, "the console log went to the pipe")
    check("last lines of the kernel console" in p.stdout and "Kernel panic" in p.stdout,
          "the summary shows the console tail")
    r = load(js)
    check(r is not None and "Kernel panic" in r.get("console_tail", ""), "JSON has the tail")
    check(r is not None and r.get("console_log") == "/dev/stdout",
          f"JSON names the user's log: {r and r.get('console_log')}")


def case_json_tmp_link():
    """A link planted at the results' PATH.tmp is neither followed nor
    truncated."""
    out = outdir()
    js, victim = os.path.join(out, "r.json"), os.path.join(out, "victim")
    with open(victim, "w") as f:
        f.write("precious\n")
    os.symlink(victim, js + ".tmp")
    p, _ = ktstr("run", "--json", js, os.path.join(SCN_DIR, "hello.scn"), timeout=300)
    check(p.returncode == 0, f"hello exits 0, got {p.returncode}")
    with open(victim) as f:
        check(f.read() == "precious\n", "the link's target is untouched")
    check(load(js) is not None, "the results are written")


# The sched_ext selftest runner's shapes (tools/testing/selftests/sched_ext/
# runner.c): no version line, no plan, "ok N name # " and "# SKIP ".
TAP_SCENARIO = r"""scenario payload-tap "a payload that prints TAP"
topology numa=1 llcs=1 cores=2 threads=1
step run 1s
  payload-run sel /bin/sh args="-c \"printf '===== START =====\\nTEST: create_dsq\\nok 1 create_dsq # \\n=====  END  =====\\nTEST: ddsp_bogus\\nERR: ddsp_bogus.c:45\\nnot ok 2 ddsp_bogus # \\nok 3 dsp_local_on # SKIP \\n'; echo runner-stderr >&2; exit 1\""
  payload-wait sel timeout=20s
"""


def case_payload_tap():
    """A payload that prints TAP gets a check per test, in the results and
    the JUnit (a skip as <skipped/>); its output is kept and the summary
    shows its end."""
    import xml.etree.ElementTree as ET

    out = tempfile.mkdtemp(prefix="ktstr-e2e-")
    ktstr_e2e.temps.append(out)
    junit = os.path.join(out, "r.xml")
    p, r, _ = run(ktstr_e2e.scenario_file(TAP_SCENARIO), "--junit", junit)
    check(p.returncode == 1, f"a not ok test fails the run: exit {p.returncode}")
    if not r:
        check(False, "JSON written")
        return
    by = {c["name"]: c for c in r["checks"]}
    c1, c2, c3 = (by.get(f"payload sel: {n}") for n in ("create_dsq", "ddsp_bogus",
                                                        "dsp_local_on"))
    check(c1 and c1["pass"] and not c1["skipped"], f"ok 1 passes: {c1}")
    check(c2 and not c2["pass"] and c2["detail"] == "not ok 2", f"not ok 2 fails: {c2}")
    check(c3 and c3["skipped"], f"ok 3 # SKIP is skipped: {c3}")
    cases = {tc.get("name"): tc for tc in ET.parse(junit).getroot().iter("testcase")}
    check("payload sel: create_dsq" in cases, f"JUnit testcases: {list(cases)}")
    bogus, skip = cases.get("payload sel: ddsp_bogus"), cases.get("payload sel: dsp_local_on")
    check(bogus is not None and bogus.find("failure") is not None, "JUnit: not ok is a failure")
    check(skip is not None and skip.find("skipped") is not None, "JUnit: SKIP is <skipped/>")
    suite = ET.parse(junit).getroot().find("testsuite")
    check(suite is not None and suite.get("skipped") == "1", "JUnit suite counts the skip")
    pl = r.get("payloads", [])
    check(len(pl) == 1 and "ERR: ddsp_bogus.c:45" in pl[0].get("stdout", ""),
          f"stdout in payloads[]: {pl}")
    check(pl and pl[0].get("stderr") == "runner-stderr\n", "stderr in payloads[]")
    check("--- payload sel (exit 1): the end of its stdout" in p.stdout and
          "  | ERR: ddsp_bogus.c:45" in p.stdout and "  | runner-stderr" in p.stdout,
          "the summary shows the end of the failed payload's output")


def case_payload_output():
    """A payload's stdout and stderr reach the results and NAME.payload-ID.log
    bounded: the start and the exact end of a long output; JSON lines are
    still metrics."""
    # (split_args groups with double quotes and has no escapes: printf's
    # octal \042 writes the JSON's quotes.)
    scn = ktstr_e2e.scenario_file(r"""scenario payload-out "payload output"
topology numa=1 llcs=1 cores=2 threads=1
step run 2s
  payload-run many /usr/bin/seq args="1 100000"
  payload-wait many timeout=30s
  payload-run both /bin/sh args="-c \"printf '{\\042n\\042:7}\\n'; echo oops >&2\""
  payload-wait both timeout=10s
""")
    p, r, out = run(scn)
    check(p.returncode == 0, f"exit 0: {p.returncode}")
    if not r:
        return
    pl = {x["id"]: x for x in r.get("payloads", [])}
    many, both = pl.get("many", {}), pl.get("both", {})
    seq = "".join(f"{i}\n" for i in range(1, 100001))
    check(many.get("stdout_bytes") == len(seq), f"all {len(seq)} bytes counted: {many.get('stdout_bytes')}")
    text = many.get("stdout", "")
    check(len(text.encode()) <= 64 << 10, f"at most 64 KiB kept: {len(text)}")
    check(text.startswith("1\n2\n3\n") and text.endswith("99999\n100000\n"),
          "the start and the end kept")
    check("bytes not kept]" in text, "a line says what is not kept")
    check(both.get("stdout") == '{"n":7}\n' and both.get("stderr") == "oops\n",
          f"stdout and stderr apart: {both}")
    check(both.get("metrics") == {"n": 7}, f"JSON lines are metrics: {both.get('metrics')}")
    log = os.path.join(out, "r.payload-many.log")
    check(many.get("log") == log, f"results name the log: {many.get('log')}")
    if os.path.exists(log):
        with open(log) as f:
            body = f.read()
        check(body.startswith("=== payload many, run 1: /usr/bin/seq, exited with 0"),
              f"log header: {body[:80]!r}")
        check("99999\n100000\n--- stderr (0 bytes) ---\n" in body, "log holds the end")
    else:
        check(False, f"{log} written")
    check(os.path.exists(os.path.join(out, "r.payload-both.log")), "a log per payload")


globals()["case_" + CASE.replace("-", "_")]()
finish()
