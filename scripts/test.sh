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
# Nothing of this machine's or this user's set-up goes into what is built and tested: no locale,
# no time zone, no dot files (crash's .crashrc, gdb's .gdbinit, Python's user site, CMake's user
# package registry). Only the kernel download cache stays where it is.
export PFNSCAN_CACHE=${PFNSCAN_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/pfnscan}
export HOME=$PFNSCAN_TEST_TMP/home
mkdir -p "$HOME"
unset XDG_CACHE_HOME XDG_CONFIG_HOME XDG_DATA_HOME PYTHONPATH PYTHONHOME PYTHONSTARTUP PYTHONUSERBASE \
      MODPROBE_OPTIONS CRASH_EXTENSIONS CRASHPAGER LANG LANGUAGE
export LC_ALL=C TZ=UTC
# QEMU's accelerator is chosen once for the whole run (qemu_driver.py probes KVM with a real
# guest; PFNSCAN_QEMU_ACCEL=auto|kvm|tcg overrides) and every boot of both passes reuses it.
export PFNSCAN_QEMU_ACCEL_STATE=$PFNSCAN_TEST_TMP/qemu-accel

# real_dumps_summary: which kernels and accelerator the real dumps used (loud on a fallback).
real_dumps_summary() {
  local v=out/real-dumps/versions.txt
  [ -f "$v" ] || { echo "== real dumps: none made"; return; }
  echo "== real dumps: $(grep -E '^(kernel|qemu accelerator)' "$v" | paste -sd';' | sed 's/;/; /g')"
  if grep -q "(fallback:" "$v"; then
    echo "WARNING: a pinned kernel is gone from the archive; the real dumps are of another one (scripts/real-dumps/kernels.sh update)"
  fi
}

echo "== plain build"
SECONDS=0
scripts/build.sh >/dev/null
echo "== plain build took ${SECONDS}s"
SECONDS=0
rc=0
(cd build && ctest --output-on-failure -j"$JOBS") || rc=$?
echo "== plain tests took ${SECONDS}s"
real_dumps_summary
[ $rc -eq 0 ] || exit $rc

echo "== ASan + UBSan build"
SECONDS=0
BUILD_DIR=build-asan scripts/build.sh -DPFNSCAN_SANITIZE=ON >/dev/null
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export LSAN_OPTIONS=suppressions=$PWD/tests/lsan.supp:print_suppressions=0
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
# crash and drgn are not ours to sanitize (nor can the plugins be loaded with the sanitizer
# runtime): their comparisons ran in the plain pass. The fleet
# tests limit each worker's address space, which the sanitizer runtime cannot live in (its
# shadow memory alone reserves terabytes); the batch code they drive is unit-tested here too.
# The boot machinery's own tests (label infra) have nothing to sanitize: they ran in the plain pass.
(cd build-asan && ctest --output-on-failure -j"$JOBS" -LE infra -E 'SectionTableAndLogEqualCrash|RealDumpDrgn|RealLiveDebuggers|Fleet|RealDumpBatch')
echo "== sanitizer build and tests took ${SECONDS}s"

# The fuzz stage (tests/fuzz): every libFuzzer target (clang, ASan+UBSan) runs its checked-in and
# generated corpus once as regression inputs, then a bounded campaign of PFNSCAN_FUZZ_SECONDS each
# (scripts/fuzz.sh runs the long campaigns). A crash fails the run and prints its reproducer.
echo "== fuzz build"
SECONDS=0
CC=clang CXX=clang++ BUILD_DIR=build-fuzz scripts/build.sh -DPFNSCAN_FUZZ=ON \
  -DPFNSCAN_FUZZ_SECONDS="${PFNSCAN_FUZZ_SECONDS:-45}" >/dev/null
(cd build-fuzz && ctest --output-on-failure -j"$JOBS" -L 'fuzz|fuzz-regression|fuzz-seeds')
echo "== fuzz build and runs took ${SECONDS}s"
