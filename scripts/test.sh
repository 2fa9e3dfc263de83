#!/bin/bash
# Every test on a fresh Debian 12 machine: install, build with warnings as errors, run the suite
# plain and again under AddressSanitizer + UndefinedBehaviorSanitizer. The real-dump stage (label
# realdump: Debian kernels under QEMU, compared with crash and drgn) runs in the plain pass, and
# its pfnscan-only tests again under the sanitizers; the dumps are made once (out/real-dumps).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
# The suite needs about 4.7 GiB of disk at its peak (measured on a clean clone: 1.2 GiB of builds,
# 1.5 GiB of real dumps plus one 1 GiB QEMU dump while it is made sparse, 1.4 GiB of kernels and
# debug info in the cache). A nearly full disk fails here, saying so, instead of an hour later.
need_gib=${PFNSCAN_MIN_FREE_GIB:-5}
free_gib=$(( $(df -Pk . | awk 'NR == 2 { print $4 }') / 1024 / 1024 ))
echo "== disk: ${free_gib} GiB free in $(df -P . | awk 'NR == 2 { print $6 }'), ${need_gib} GiB needed"
if [ "$free_gib" -lt "$need_gib" ]; then
  echo "error: not enough disk space for the test suite: ${free_gib} GiB free, ${need_gib} GiB needed" >&2
  df -h . "${TMPDIR:-/tmp}" "$HOME" >&2
  exit 1
fi
JOBS=$(nproc)
export PFNSCAN_TEST_TMP=${PFNSCAN_TEST_TMP:-$(mktemp -d)}
trap 'rm -rf "$PFNSCAN_TEST_TMP"' EXIT

echo "== plain build"
scripts/build.sh >/dev/null
(cd build && ctest --output-on-failure -j"$JOBS")

echo "== ASan + UBSan build"
BUILD_DIR=build-asan scripts/build.sh -DPFNSCAN_SANITIZE=ON >/dev/null
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export LSAN_OPTIONS=suppressions=$PWD/tests/lsan.supp:print_suppressions=0
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
# crash and drgn are not ours to sanitize (nor can the plugins be loaded with the sanitizer
# runtime): their comparisons ran in the plain pass. The fleet
# tests limit each worker's address space, which the sanitizer runtime cannot live in (its
# shadow memory alone reserves terabytes); the batch code they drive is unit-tested here too.
(cd build-asan && ctest --output-on-failure -j"$JOBS" -E 'SectionTableAndLogEqualCrash|RealDumpDrgn|RealLiveDebuggers|Fleet|RealDumpBatch')
