#!/bin/bash
# One fuzz target under ctest.
#   run-fuzz-test.sh regression BINARY SEEDS GENERATED          every corpus input once
#   run-fuzz-test.sh campaign BINARY SEEDS GENERATED SECONDS [-dict=FILE]
# A crash, leak, timeout or out-of-memory fails the test and prints the reproducer's path and bytes.
set -uo pipefail
mode=$1 bin=$2 seeds=$3 generated=$4
shift 4
dirs=()
for d in "$seeds" "$generated"; do [ -d "$d" ] && [ -n "$(ls -A "$d" 2>/dev/null)" ] && dirs+=("$d"); done
if [ ${#dirs[@]} -eq 0 ]; then
  echo "error: $(basename "$bin") has no seed corpus ($seeds, $generated)" >&2
  exit 1
fi
work=$(mktemp -d "${PFNSCAN_TEST_TMP:-${TMPDIR:-/tmp}}/fuzz-$(basename "$bin").XXXXXX")
limits=(-rss_limit_mb=2048 -timeout=10 -malloc_limit_mb=1024 -artifact_prefix="$work/")
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}:allocator_may_return_null=1
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
if [ "$mode" = regression ]; then
  "$bin" "${limits[@]}" -runs=0 "${dirs[@]}" >"$work/log" 2>&1
else
  seconds=$1
  shift
  mkdir -p "$work/corpus"
  "$bin" "${limits[@]}" -max_total_time="$seconds" -print_final_stats=1 "$@" "$work/corpus" "${dirs[@]}" >"$work/log" 2>&1
fi
rc=$?
grep -E '^(stat::number_of_executed_units|Done [0-9]+ runs|#[0-9]+.*DONE)' "$work/log" | tail -2
if [ $rc -ne 0 ]; then
  tail -60 "$work/log"
  for a in "$work"/crash-* "$work"/leak-* "$work"/timeout-* "$work"/oom-*; do
    [ -f "$a" ] || continue
    echo "reproducer: $a ($(stat -c %s "$a") bytes); run: $bin $a"
    head -c 512 "$a" | od -An -tx1 | head -8
  done
  echo "fuzz work directory kept: $work"
  exit 1
fi
rm -rf "$work"
