#!/bin/bash
# The main job on a fresh Debian 12 machine: install, build, scan the bundled sample dump.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh >/dev/null
set +e
build/pfnscan scan tests/dumps/sample/collision-5.10.kdump "$@"
rc=$?
echo "(pfnscan exit code $rc: 1 means findings present, see README 'Exit codes')" >&2
[ "$rc" -le 1 ]
