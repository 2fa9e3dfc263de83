#!/bin/bash
# Every test on a fresh Debian 12 machine: install, build with warnings as errors, run the suite
# plain and again under AddressSanitizer + UndefinedBehaviorSanitizer. The real-dump stage (label
# realdump: Debian kernels under QEMU, compared with crash and drgn) runs in the plain pass, and
# its pfnscan-only tests again under the sanitizers; the dumps are made once (out/real-dumps).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
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
# crash and drgn are not ours to sanitize: their comparisons ran in the plain pass. The fleet
# tests limit each worker's address space, which the sanitizer runtime cannot live in (its
# shadow memory alone reserves terabytes); the batch code they drive is unit-tested here too.
(cd build-asan && ctest --output-on-failure -j"$JOBS" -E 'SectionTableAndLogEqualCrash|RealDumpDrgn|Fleet|RealDumpBatch')
