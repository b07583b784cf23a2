#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# One command from a fresh Debian 12 machine to a verdict: installs what is
# missing, builds, fetches the default kernel into the cache, builds the BPF
# schedulers against it and runs scenario/stock/hello.scn (or the scenario
# given as $1).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/deps.sh
ktstr_install_deps
ktstr_build build
ktstr_build_scheds build
exec build/ktstr-run run --json hello.json "${1:-scenario/stock/hello.scn}"
