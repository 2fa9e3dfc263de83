#!/bin/bash
# Scan time and peak memory, quick vs full, on the largest generated dump (bench/large-5.10.json:
# 32 GiB of RAM, 256 sections, 512 MiB of memmap), in three formats, measured side by side in one
# run. Prints a table with the full/quick ratios. Needs a build (scripts/build.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${BENCH_DIR:-$(mktemp -d)}
mkdir -p "$OUT"
MKDUMP=build/tests/pfnscan-mkdump
PFNSCAN=build/pfnscan
[ -x "$MKDUMP" ] && [ -x "$PFNSCAN" ] || { echo "build first: scripts/build.sh" >&2; exit 2; }
echo "generating dumps in $OUT ..." >&2
$MKDUMP bench/large-5.10.json -o "$OUT/large.elf" --format elf
$MKDUMP bench/large-5.10.json -o "$OUT/large.zlib" --format kdump-zlib --exclude-zero
$MKDUMP bench/large-5.10.json -o "$OUT/large.zstd" --format kdump-zstd --exclude-zero
REPEAT=${REPEAT:-3} /usr/bin/python3 - "$PFNSCAN" "$OUT" <<'PY'
import json, os, resource, subprocess, sys, time
pfnscan, out = sys.argv[1], sys.argv[2]
repeat = int(os.environ.get("REPEAT", "3"))

def run(args):
    """Best wall time of `repeat` runs and the peak RSS of the child (KiB)."""
    best, rss, report = None, 0, None
    for _ in range(repeat):
        t0 = time.perf_counter()
        p = subprocess.run([pfnscan, "scan", *args, "--json"], capture_output=True, text=True)
        dt = time.perf_counter() - t0
        report = json.loads(p.stdout)
        best = dt if best is None else min(best, dt)
    # ru_maxrss of children is the maximum over every child so far, so measure each mode in a
    # fresh process tree.
    return best, report

def peak_rss(args):
    code = ("import resource,subprocess,sys;subprocess.run(sys.argv[1:],stdout=subprocess.DEVNULL);"
            "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")
    p = subprocess.run([sys.executable, "-c", code, pfnscan, "scan", *args, "--json"], capture_output=True, text=True)
    return int(p.stdout.strip())

print(f"{'dump':<12} {'size MiB':>9} {'mode':<6} {'seconds':>8} {'peak RSS MiB':>13} {'struct pages':>13} {'findings':>9}")
for name in ("large.elf", "large.zlib", "large.zstd"):
    path = os.path.join(out, name)
    size = os.stat(path).st_blocks * 512 / 2**20
    rows = {}
    for mode, extra in (("quick", []), ("full", ["--full"])):
        secs, rep = run([path, *extra])
        rss = peak_rss([path, *extra]) / 1024
        rows[mode] = (secs, rss)
        keys = [(f["start_pfn"], f["end_pfn"], f["category"]) for f in rep["findings"]]
        print(f"{name:<12} {size:>9.0f} {mode:<6} {secs:>8.3f} {rss:>13.1f} {rep['stats']['struct_pages_read']:>13} {len(keys):>9}")
        rows[mode + "_keys"] = keys
    same = "same findings" if rows["quick_keys"] == rows["full_keys"] else "FINDINGS DIFFER"
    print(f"{'':<12} {'':>9} full/quick: time x{rows['full'][0] / rows['quick'][0]:.1f}, "
          f"memory x{rows['full'][1] / rows['quick'][1]:.2f}; {same}")
PY
