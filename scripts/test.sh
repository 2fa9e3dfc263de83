#!/bin/bash
# Every test on a fresh Debian 12 machine: install, build with warnings as errors, run the suite
# plain and again under AddressSanitizer + UndefinedBehaviorSanitizer.
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
(cd build-asan && ctest --output-on-failure -j"$JOBS")
