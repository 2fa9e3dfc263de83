#!/bin/bash
# A fuzz campaign of one target, longer than the suite's bounded run:
#   scripts/fuzz.sh TARGET SECONDS [JOBS]     e.g. scripts/fuzz.sh vmcoreinfo 3600
#   scripts/fuzz.sh list
# Builds build-fuzz (clang, libFuzzer, ASan+UBSan), seeds from tests/fuzz/corpus/TARGET and the
# generated seeds, keeps its growing corpus in out/fuzz/TARGET and any reproducer in out/fuzz/.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD_DIR:-build-fuzz}
if [ ! -f "$BUILD/CMakeCache.txt" ]; then
  CC=clang CXX=clang++ cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPFNSCAN_FUZZ=ON -DPFNSCAN_WERROR=ON >/dev/null
fi
cmake --build "$BUILD" -j"$(nproc)" >/dev/null
if [ "${1:-}" = list ] || [ $# -lt 2 ]; then
  ls "$BUILD"/tests/fuzz/ | sed -n 's/^fuzz_//p' | grep -v '\.' || true
  [ "${1:-}" = list ] && exit 0
  echo "usage: scripts/fuzz.sh TARGET SECONDS [JOBS]" >&2
  exit 3
fi
target=$1 seconds=$2 jobs=${3:-1}
bin="$BUILD/tests/fuzz/fuzz_$target"
[ -x "$bin" ] || { echo "error: no fuzz target '$target' (scripts/fuzz.sh list)" >&2; exit 3; }
# Generated seeds come from the suite's seed fixtures (ctest -L fuzz-seeds), when the target has them.
(cd "$BUILD" && ctest -L fuzz-seeds >/dev/null 2>&1) || true
mkdir -p "out/fuzz/$target"
dict=()
[ -f "tests/fuzz/dict/$target.dict" ] && dict=(-dict="tests/fuzz/dict/$target.dict")
seeds=("tests/fuzz/corpus/$target")
[ -d "$BUILD/tests/fuzz/seeds/$target" ] && seeds+=("$BUILD/tests/fuzz/seeds/$target")
ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  "$bin" -max_total_time="$seconds" -rss_limit_mb=2048 -malloc_limit_mb=1024 -timeout=10 -print_final_stats=1 \
  -jobs="$jobs" -workers="$jobs" -artifact_prefix="out/fuzz/" "${dict[@]}" "out/fuzz/$target" "${seeds[@]}"
