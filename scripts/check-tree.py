#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Checks over the tracked files of the tree (git ls-files), run by the test
command as the 'tree' suite. usage: check-tree.py CHECK [SOURCE_DIR]

  style      what every file already follows (.editorconfig, .clang-format):
             LF line ends, a final newline, no trailing blanks; in C, tabs
             for indentation and at most 100 columns (tabs 8 wide) unless the
             line holds a string literal (kept whole to stay greppable)
  generated  no generated file is tracked (__pycache__, *.pyc, objects,
             build outputs)
  spdx       every C, header, meson, shell and Python file names its licence
             on its first line (after a #! line): SPDX-License-Identifier:
             GPL-2.0-only; `spdx --fix` adds the line where it is missing

Exits 0 when clean, 1 listing what is not, 77 (skip) outside a git checkout.
"""
import os
import re
import subprocess
import sys

COLUMNS = 100
TEXT = re.compile(r"(\.(c|h|py|sh|build|txt|md|scn|cfg|supp|json)|/run|meson_options\.txt"
                  r"|\.clang-format|\.editorconfig|\.gitignore)$")
C = re.compile(r"\.(c|h)$")
SPDX = "SPDX-License-Identifier: GPL-2.0-only"
SOURCE = re.compile(r"\.(c|h|py|sh)$|(^|/)meson\.build$|^meson_options\.txt$|^\.ci/run$")
GENERATED = re.compile(r"(^|/)(__pycache__/|build[^/]*/)|\.(pyc|pyo|o|a|so|d)$"
                       r"|(^|/)(compile_commands\.json|build\.ninja|config\.h)$")
FUZZ_DATA = ("tests/fuzz/corpus/", "tests/fuzz/repro/")  # inputs, not source


def tracked(src):
    try:
        out = subprocess.run(["git", "-C", src, "ls-files", "-z"], capture_output=True,
                             check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        print("check-tree: not a git checkout; skipped")
        sys.exit(77)
    return [f for f in out.decode().split("\0") if f]


def checked(src, files, pattern):
    """(name, path) of each file that pattern selects and that is there,
    the fuzz corpora and reproducers left out."""
    for f in files:
        if not pattern.search(f) or f.startswith(FUZZ_DATA):
            continue
        path = os.path.join(src, f)
        if os.path.isfile(path):
            yield f, path


def style(src, files):
    bad = []
    for f, path in checked(src, files, TEXT):
        data = open(path, "rb").read()
        if not data:
            continue
        if b"\r" in data:
            bad.append(f"{f}: CR line ends")
        if not data.endswith(b"\n"):
            bad.append(f"{f}: no newline at the end")
        for n, line in enumerate(data.decode("utf-8", "replace").split("\n"), 1):
            if line != line.rstrip():
                bad.append(f"{f}:{n}: trailing blanks")
            if not C.search(f):
                continue
            if re.match(r" +[^ *]", line) or re.match(r"\t* +\t", line):
                bad.append(f"{f}:{n}: indented with spaces (tabs, 8 wide)")
            width = len(line.expandtabs(8))
            if width > COLUMNS and '"' not in line:
                bad.append(f"{f}:{n}: {width} columns (at most {COLUMNS})")
    return bad


def generated(src, files):
    return [f"{f}: a generated file is tracked (git rm --cached it; .gitignore)"
            for f in files if GENERATED.search(f)
            and not f.startswith(FUZZ_DATA)]


def spdx_line(f):
    if f.endswith(".c"):
        return f"// {SPDX}\n"
    if f.endswith(".h"):
        return f"/* {SPDX} */\n"
    return f"# {SPDX}\n"


def spdx(src, files, fix=False):
    bad = []
    for f, path in checked(src, files, SOURCE):
        with open(path, errors="replace") as fh:
            lines = [fh.readline(), fh.readline()]
        first = lines[1] if lines[0].startswith("#!") else lines[0]
        if SPDX in first:
            continue
        if fix:
            with open(path) as fh:
                text = fh.read()
            at = text.index("\n") + 1 if text.startswith("#!") else 0
            with open(path, "w") as fh:
                fh.write(text[:at] + spdx_line(f) + text[at:])
            print(f"{f}: SPDX line added")
        else:
            bad.append(f"{f}: no '{SPDX}' on its first line")
    return bad


def main():
    if len(sys.argv) < 2 or sys.argv[1] not in ("style", "generated", "spdx"):
        print(__doc__)
        return 2
    args = [a for a in sys.argv[2:] if a != "--fix"]
    src = args[0] if args else os.path.join(os.path.dirname(__file__), "..")
    files = tracked(src)
    if sys.argv[1] == "spdx" and "--fix" in sys.argv:
        bad = spdx(src, files, fix=True)
    else:
        bad = {"style": style, "generated": generated, "spdx": spdx}[sys.argv[1]](src, files)
    for b in bad:
        print(b)
    print(f"check-tree {sys.argv[1]}: {len(files)} tracked files, {len(bad)} problem(s)")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
