#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# The layer check can fail: on tests/layers/fixture, a tree of wrong-way
# includes, it must exit 1 and report exactly the lines of fixture.expected.
# usage: test_layers.sh CHECK_LAYERS_PY ARCHITECTURE_MD
set -u
dir=$(cd "$(dirname "$0")" && pwd)
out=$(python3 "$1" --rules "$2" "$dir/fixture")
rc=$?
if [ "$rc" != 1 ]; then
	echo "check-layers.py exited $rc on the fixture, want 1; it printed:"
	echo "$out"
	exit 1
fi
diff -u "$dir/fixture.expected" <(echo "$out") && echo "layers: the fixture's 11 wrong-way includes are all reported"
