#!/bin/bash
# Batch throughput and the cost of isolation, measured side by side in one run:
#  1. pfnscan batch -j 1 and -j $(nproc) over N generated dumps (dumps per minute, median per dump)
#  2. the same dumps scanned by a plain shell loop of `pfnscan scan --json` (no limits, no
#     records): batch -j 1 / loop is the overhead of isolation and recording.
# usage: scripts/bench-batch.sh [N]   (default 200; builds first)
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-200}
scripts/build.sh >/dev/null
B=build/pfnscan
G=build/tests/pfnscan-mkdump
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
mkdir -p "$W/base" "$W/fleet"
i=0
for s in collision-mapped-5.10 collision-6.1 oops-explained-5.10 quirk-5.4 hole-5.10; do
  for f in kdump-zlib kdump-zstd elf; do
    $G tests/dumps/scenarios/$s.json -o "$W/base/$s.$f" --format $f 2>/dev/null && i=$((i + 1))
  done
done
bases=("$W"/base/*)
for n in $(seq 0 $((N - 1))); do cp "${bases[$((n % ${#bases[@]}))]}" "$W/fleet/dump-$n"; done
now() { date +%s.%N; }
t0=$(now); $B batch "$W/fleet" -o "$W/j1.jsonl" -j 1 -q; t1=$(now)
$B batch "$W/fleet" -o "$W/jn.jsonl" -j "$(nproc)" -q; t2=$(now)
for f in "$W"/fleet/*; do $B scan "$f" --json >/dev/null || true; done; t3=$(now)
/usr/bin/python3 - "$N" "$t0" "$t1" "$t2" "$t3" "$W/j1.jsonl" "$W/jn.jsonl" "$(nproc)" <<'PY'
import json, statistics, sys
n = int(sys.argv[1]); t0, t1, t2, t3 = map(float, sys.argv[2:6]); cpus = sys.argv[8]
def med(path):
    return statistics.median(json.loads(l)["seconds"] for l in open(path) if l.strip())
j1, jn, loop = t1 - t0, t2 - t1, t3 - t2
print(f"{n} dumps ({len(set(json.loads(l)['format'] for l in open(sys.argv[6])))} formats, 5 scenarios)")
print(f"batch -j 1      : {j1:6.2f} s  {n / j1 * 60:7.0f} dumps/min  median {med(sys.argv[6]) * 1000:.0f} ms per dump")
print(f"batch -j {cpus:<6} : {jn:6.2f} s  {n / jn * 60:7.0f} dumps/min  median {med(sys.argv[7]) * 1000:.0f} ms per dump")
print(f"shell loop      : {loop:6.2f} s  {n / loop * 60:7.0f} dumps/min  (pfnscan scan per dump, no isolation or records)")
print(f"isolation + recording overhead (batch -j 1 / loop): x{j1 / loop:.2f}")
PY
