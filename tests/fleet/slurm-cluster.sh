#!/bin/bash
# Runs the Slurm recipe for real: a one-node Slurm cluster on this machine (Debian's slurmctld,
# slurmd and munge, configured in a private directory and stopped afterwards) runs
# scripts/fleet/slurm-array.sh as an array of SHARDS tasks over INPUT, then merges the shards.
#   slurm-cluster.sh PFNSCAN SHARDS OUTDIR INPUT...     (PFNSCAN_BATCH_ARGS passes batch options)
# Leaves OUTDIR/merged.jsonl. Needs root (munged and slurmd as root) and apt for the packages.
set -euo pipefail
PFNSCAN=$1 SHARDS=$2 OUT=$3
shift 3
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
need=()
for p in slurmctld slurmd slurm-client munge; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
# The packages enable their services; this cluster is ours alone.
systemctl stop slurmctld slurmd munge >/dev/null 2>&1 || true

DIR=$(mktemp -d /tmp/pfnscan-slurm.XXXXXX)
mkdir -p "$DIR/state" "$DIR/spool" "$DIR/munge" "$OUT"
cleanup() {
  [ -f "$DIR/slurmd.pid" ] && kill "$(cat "$DIR/slurmd.pid")" 2>/dev/null || true
  [ -f "$DIR/slurmctld.pid" ] && kill "$(cat "$DIR/slurmctld.pid")" 2>/dev/null || true
  [ -f "$DIR/munged.pid" ] && kill "$(cat "$DIR/munged.pid")" 2>/dev/null || true
  sleep 1
  cat "$DIR"/*.log > "$OUT/slurm-daemons.log" 2>/dev/null || true
  rm -rf "$DIR"
}
trap cleanup EXIT

# munge: a key of our own, a socket of our own
dd if=/dev/urandom of="$DIR/munge/munge.key" bs=1024 count=1 status=none
chmod 0400 "$DIR/munge/munge.key"
SOCK=$DIR/munge/munge.socket
munged --force --key-file="$DIR/munge/munge.key" --socket="$SOCK" --pid-file="$DIR/munged.pid" \
  --log-file="$DIR/munged.log" --seed-file="$DIR/munge/seed"
CPUS=$(nproc)
PORT=$(( 20000 + RANDOM % 20000 ))
cat > "$DIR/slurm.conf" <<CONF
ClusterName=pfnscan
SlurmctldHost=localhost
AuthType=auth/munge
AuthInfo=socket=$SOCK
CredType=cred/munge
SlurmUser=root
SlurmdUser=root
SlurmctldPort=$PORT
SlurmdPort=$(( PORT + 1 ))
StateSaveLocation=$DIR/state
SlurmdSpoolDir=$DIR/spool
SlurmctldPidFile=$DIR/slurmctld.pid
SlurmdPidFile=$DIR/slurmd.pid
SlurmctldLogFile=$DIR/slurmctld.log
SlurmdLogFile=$DIR/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SchedulerType=sched/builtin
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
ReturnToService=2
MpiDefault=none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
NodeName=localhost CPUs=$CPUS State=UNKNOWN
PartitionName=fleet Nodes=localhost Default=YES MaxTime=INFINITE State=UP
CONF
export SLURM_CONF=$DIR/slurm.conf
slurmctld -f "$SLURM_CONF"
slurmd -f "$SLURM_CONF" -N localhost
for _ in $(seq 60); do
  sinfo -h -o %t 2>/dev/null | grep -qE '^(idle|mix|alloc)' && break
  sleep 1
done
sinfo -h -o '%P %t %c' >&2
cd "$OUT"
PFNSCAN=$PFNSCAN PFNSCAN_OUT=$OUT sbatch --wait --array=0-$(( SHARDS - 1 )) --cpus-per-task=1 \
  --export=ALL "$ROOT/scripts/fleet/slurm-array.sh" "$@" >&2
"$PFNSCAN" merge "$OUT"/shard-*.jsonl -o "$OUT/merged.jsonl"
