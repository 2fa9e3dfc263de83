#!/bin/bash
# Slurm array job: each task scans one shard of the fleet. Submit with
#   sbatch --array=0-(N-1) scripts/fleet/slurm-array.sh INPUT... 
# and set PFNSCAN_OUT (a directory shared by the tasks), then merge:
#   pfnscan merge "$PFNSCAN_OUT"/shard-*.jsonl -o fleet.jsonl
# Environment: PFNSCAN (the binary, default pfnscan), PFNSCAN_OUT (default ./pfnscan-shards),
# PFNSCAN_BATCH_ARGS (extra batch options, e.g. "--debuginfo /srv/debug --timeout 600").
#SBATCH --job-name=pfnscan
#SBATCH --cpus-per-task=2
#SBATCH --output=pfnscan-%A_%a.log
set -euo pipefail
: "${SLURM_ARRAY_TASK_ID:?run me with sbatch --array}"
COUNT=${SLURM_ARRAY_TASK_COUNT:-$(( ${SLURM_ARRAY_TASK_MAX:-0} + 1 ))}
PFNSCAN=${PFNSCAN:-pfnscan}
OUT=${PFNSCAN_OUT:-./pfnscan-shards}
mkdir -p "$OUT"
# shellcheck disable=SC2086
exec "$PFNSCAN" batch "$@" --shard "$SLURM_ARRAY_TASK_ID/$COUNT" -j "${SLURM_CPUS_PER_TASK:-2}" -q \
  -o "$OUT/shard-$SLURM_ARRAY_TASK_ID.jsonl" ${PFNSCAN_BATCH_ARGS:-}
