#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Installed, it works: `meson install --destdir` into a temporary directory,
then the installed ktstr-run, run from there with no build tree to lean on,
finds its guest-init and shipped schedulers relative to itself (the layout
of the top-level meson.build) and passes a stock scenario; without its
guest-init it says where it looked, none of it in the build tree.

usage: install_e2e.py MESON BUILD_ROOT PREFIX BINDIR LIBEXECDIR DATADIR DOCDIR SCHEDS
(directories as meson's options give them, relative to PREFIX or absolute;
SCHEDS is 1 when the BPF schedulers are built, and the stock scenario is
then sched-replace.scn, which needs two of them, else hello.scn)
$KTSTR_KERNEL, if set, is passed as --kernel.
"""
import glob
import json
import os
import shutil
import subprocess
import sys
import tempfile

meson, build, prefix, bindir, libexecdir, datadir, docdir, scheds = sys.argv[1:9]
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what)


def under(root, d):
    return os.path.join(root, os.path.join(prefix, d).lstrip("/"))


dest = tempfile.mkdtemp(prefix="ktstr-install-")
p = subprocess.run([meson, "install", "-C", build, "--no-rebuild", "--quiet",
                    "--destdir", dest], capture_output=True, text=True)
sys.stdout.write(p.stdout + p.stderr)
check(p.returncode == 0, f"meson install --destdir exits 0 (got {p.returncode})")

exe = os.path.join(under(dest, bindir), "ktstr-run")
guest_init = os.path.join(under(dest, libexecdir), "ktstr-run", "guest-init")
data = os.path.join(under(dest, datadir), "ktstr-run")
doc = under(dest, docdir)
wanted_scheds = ["fifo", "vtime", "stall", "error"] if scheds == "1" else []
for f in [exe, guest_init, os.path.join(data, "scenarios", "hello.scn"),
          os.path.join(doc, "README.md"), os.path.join(doc, "LICENSE"),
          os.path.join(doc, "docs", "scenario-language.md")] + \
        [os.path.join(data, "scheds", s + ".bpf.o") for s in wanted_scheds]:
    check(os.path.isfile(f), f"installed: {os.path.relpath(f, dest)}")
check(not glob.glob(os.path.join(data, "scheds", "notsched*")),
      "the notsched test fixture is not installed")

# The installed binary alone: no build-tree overrides, run from the
# temporary directory.
env = {k: v for k, v in os.environ.items()
       if k not in ("KTSTR_GUEST_INIT", "KTSTR_SCHED_DIR")}
scns = sorted(glob.glob(os.path.join(data, "scenarios", "*.scn")))
if os.path.isfile(exe) and scns:
    v = subprocess.run([exe, "validate", *scns], capture_output=True, text=True,
                       cwd=dest, env=env)
    check(v.returncode == 0, f"installed scenarios validate: {v.stdout}{v.stderr}")

    scn = os.path.join(data, "scenarios",
                       "sched-replace.scn" if wanted_scheds else "hello.scn")
    js = os.path.join(dest, "r.json")
    kernel = ["--kernel", env["KTSTR_KERNEL"]] if env.get("KTSTR_KERNEL") else []
    r = subprocess.run([exe, "run", "--backend", "qemu", "--json", js, *kernel, scn],
                       capture_output=True, text=True, cwd=dest, env=env, timeout=600)
    sys.stdout.write(r.stdout + r.stderr)
    check(r.returncode == 0, f"installed ktstr-run passes {os.path.basename(scn)} "
          f"(exit {r.returncode})")
    if os.path.exists(js):
        with open(js) as f:
            check(json.load(f).get("verdict") == "pass", "verdict pass")

    # Without its guest-init it must not fall back on the build tree.
    os.rename(guest_init, guest_init + ".away")
    r = subprocess.run([exe, "run", "--backend", "qemu", scn], capture_output=True,
                       text=True, cwd=dest, env=env, timeout=120)
    check(r.returncode == 2 and "guest-init not found" in r.stderr and
          guest_init in r.stderr and os.path.abspath(build) not in r.stderr,
          f"no installed guest-init: exit 2 naming {guest_init} only: {r.stderr}")

if failures:
    print(f"{len(failures)} assertion(s) failed; kept: {dest}")
    sys.exit(1)
shutil.rmtree(dest, ignore_errors=True)
print("ok")
