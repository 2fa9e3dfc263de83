#!/bin/bash
# Checks of the boot machinery of the real dumps (scripts/real-dumps), one case per ctest test:
#   tests/infra/boot-checks.sh CASE
# kvm-fallback   a KVM that fails like the nested KVM of some cloud machines (the shim
#                tests/infra/qemu-shim/qemu-system-x86_64 first in PATH: the guest stops at once
#                with a KVM internal error): with PFNSCAN_QEMU_ACCEL=kvm the boot is retried with TCG
#                within seconds and makes its dumps
# auto-probe     the same KVM with PFNSCAN_QEMU_ACCEL=auto and a /dev/kvm that opens: the probe boot
#                fails within seconds, the run uses TCG, and a second boot of the run does not probe
# forced-tcg     PFNSCAN_QEMU_ACCEL=tcg: no KVM boot at all
# guest-fail, unexpected-panic, cannot-start, deadline, bad-accel
#                a failing boot stops at once with one line naming the cause (and the console's
#                last lines), not at a timeout
# missing-tool, disk-short, download-fail
#                make-dumps.sh / kernels.sh stop before booting, with one line naming the cause
# Every case boots the pinned 6.1 guest (make-dumps.sh --guest) under TCG in seconds.
set -euo pipefail
export LC_ALL=C
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
DRIVER=$ROOT/scripts/real-dumps/qemu_driver.py
MAKE_DUMPS=$ROOT/scripts/real-dumps/make-dumps.sh
case=${1:?usage: boot-checks.sh CASE}
W=$(mktemp -d "${PFNSCAN_TEST_TMP:-${TMPDIR:-/tmp}}/boot-$case.XXXXXX")
# This test's own accelerator memory, never the run's.
export PFNSCAN_QEMU_ACCEL_STATE=$W/accel
unset PFNSCAN_QEMU_ACCEL PFNSCAN_KVM_DEVICE QEMU_SHIM_LOG

fail() { echo "FAIL ($case): $*" >&2; echo "(work directory kept: $W)" >&2; exit 1; }
pass() { echo "ok ($case): $*"; rm -rf "$W"; exit 0; }
ms_since() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }
lt() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a + 0 < b + 0) }'; }

guest() {
  "$MAKE_DUMPS" --guest 6.1 "$W/guest" > "$W/guest.log" 2>&1 || { cat "$W/guest.log" >&2; fail "cannot build the 6.1 guest"; }
  # shellcheck disable=SC1090
  . "$W/guest/guest-6.1.env"
}
shim() {
  export PATH="$HERE/qemu-shim:$PATH" QEMU_SHIM_LOG=$W/shim.log
  : > "$QEMU_SHIM_LOG"
}
# drive NAME APPEND [DRIVER ARGS...]: one boot; RC, MS (wall time), LOG (its stderr)
drive() {
  local name=$1 append=$2 t0
  shift 2
  t0=$(date +%s%N)
  mkdir -p "$W/tmp"
  set +e
  TMPDIR=$W/tmp "$DRIVER" --kernel "$KERNEL" --initrd "$INITRD" --append "console=ttyS0 panic=0 $append" \
    --out "$W/out" --name "$name" "$@" > "$W/$name.out" 2> "$W/$name.log"
  RC=$?
  set -e
  MS=$(ms_since "$t0")
  LOG=$W/$name.log
  echo "--- $name: exit $RC after ${MS} ms" >&2
  cat "$LOG" >&2
  # Whatever happened, the driver leaves no QEMU and no sockets behind.
  sleep 0.2
  ! pgrep -f "qemu-system-x86_64 .*$W/" > /dev/null || fail "a QEMU of boot $name is still running: $(pgrep -af "qemu-system-x86_64 .*$W/" | head -1)"
  [ -z "$(ls -A "$W/tmp")" ] || fail "boot $name left $(ls "$W/tmp" | tr '\n' ' ') in its TMPDIR"
}
# The first error line of a failed boot: it must name the cause.
error_line() { grep -m1 'error: ' "$LOG" || true; }
expect_failure() {  # expect_failure TEXT MAX_MS
  [ "$RC" -ne 0 ] || fail "the boot succeeded"
  local e
  e=$(error_line)
  [ -n "$e" ] || fail "no error line"
  [[ $e == *"$1"* ]] || fail "the error line does not say '$1': $e"
  [ "$MS" -lt "$2" ] || fail "it took ${MS} ms to fail (limit $2 ms)"
}

case $case in
  kvm-fallback)
    guest; shim
    PFNSCAN_QEMU_ACCEL=kvm drive fb "memmap=96M!160M pfnscan.mode=raw" --memory 512M
    [ "$RC" -eq 0 ] || fail "the boot failed instead of falling back to TCG"
    grep -q "booting fb with kvm" "$LOG" || fail "the boot did not start with kvm"
    t=$(sed -n 's/.*fb: KVM failed after \([0-9.]*\)s.*internal-error.*retrying this boot once with tcg.*/\1/p' "$LOG")
    [ -n "$t" ] || fail "no 'KVM failed ... internal-error ... retrying this boot once with tcg' line"
    lt "$t" 10 || fail "the KVM failure took ${t}s to notice (limit 10s)"
    [ -s "$W/out/fb-raw.elf" ] && [ -s "$W/out/fb-raw.kdump" ] || fail "no dumps from the TCG retry"
    [ "$(cut -d' ' -f2-4 "$QEMU_SHIM_LOG" | tr '\n' '|')" = "kvm-fail -accel kvm|real -accel tcg|" ] ||
      fail "QEMU runs were not exactly one KVM one then one TCG one: $(cut -c1-60 "$QEMU_SHIM_LOG")"
    grep -q "^tcg KVM failed in boot fb" "$PFNSCAN_QEMU_ACCEL_STATE" || fail "the run does not remember TCG"
    pass "KVM's internal error noticed after ${t}s, the same boot then made its dumps with TCG (${MS} ms in all)" ;;
  auto-probe)
    guest; shim
    : > "$W/kvm"  # a /dev/kvm that opens, as the nested one does
    export PFNSCAN_KVM_DEVICE=$W/kvm
    PFNSCAN_QEMU_ACCEL=auto drive ap1 "memmap=96M!160M pfnscan.mode=raw" --memory 512M
    [ "$RC" -eq 0 ] || fail "the boot failed"
    t=$(sed -n 's/.*accelerator for this run: tcg (.* opens, but the KVM probe guest failed after \([0-9.]*\)s.*internal-error.*/\1/p' "$LOG")
    [ -n "$t" ] || fail "no 'accelerator for this run: tcg (... KVM probe guest failed ... internal-error)' line"
    lt "$t" 10 || fail "the probe took ${t}s (limit 10s)"
    grep -q "booting ap1 with tcg" "$LOG" || fail "the boot did not use tcg"
    grep -q "kvm-fail .*pfnscan.mode=probe" "$QEMU_SHIM_LOG" || fail "the probe did not boot the test kernel with KVM"
    PFNSCAN_QEMU_ACCEL=auto drive ap2 "memmap=96M!160M pfnscan.mode=raw" --memory 512M
    [ "$RC" -eq 0 ] || fail "the second boot failed"
    grep -q "accelerator tcg, as chosen earlier in this run" "$LOG" || fail "the second boot did not reuse the run's choice"
    [ "$(grep -c kvm-fail "$QEMU_SHIM_LOG")" -eq 1 ] || fail "KVM was tried more than once in the run"
    pass "probe failed after ${t}s, the run used TCG, the second boot did not probe again" ;;
  forced-tcg)
    guest; shim
    PFNSCAN_QEMU_ACCEL=tcg drive ft "memmap=96M!160M pfnscan.mode=raw" --memory 512M
    [ "$RC" -eq 0 ] || fail "the boot failed"
    ! grep -q kvm-fail "$QEMU_SHIM_LOG" || fail "a KVM boot was tried although PFNSCAN_QEMU_ACCEL=tcg"
    grep -q "booting ft with tcg" "$LOG" || fail "the boot did not say tcg"
    pass "no KVM boot, ${MS} ms" ;;
  guest-fail)
    guest
    PFNSCAN_QEMU_ACCEL=tcg drive gf "memmap=96M!160M pfnscan.mode=no-such-mode"
    expect_failure "guest failed: PFNSCAN-FAIL unknown pfnscan.mode 'no-such-mode'" 60000
    grep -q "last .* lines:" "$LOG" || fail "the console's last lines are not shown"
    pass "failed in ${MS} ms: $(error_line)" ;;
  unexpected-panic)
    guest
    PFNSCAN_QEMU_ACCEL=tcg drive up "rdinit=/no-such-init"
    expect_failure "the guest panicked unexpectedly" 60000
    grep -q "Kernel panic - not syncing" <<< "$(error_line)" || fail "the error line does not quote the panic"
    pass "failed in ${MS} ms: $(error_line)" ;;
  cannot-start)
    guest
    PFNSCAN_QEMU_ACCEL=tcg drive cs "pfnscan.mode=raw" --memory 999T
    expect_failure "QEMU exited (status 1) at start (QEMU: qemu-system-x86_64: cannot set up guest memory" 10000
    KERNEL=$W/no-such-kernel PFNSCAN_QEMU_ACCEL=tcg drive cs2 "pfnscan.mode=raw"
    expect_failure "no such file $W/no-such-kernel" 5000
    pass "QEMU that cannot start, and a missing kernel, fail at once" ;;
  deadline)
    guest
    PFNSCAN_QEMU_ACCEL=tcg drive dl "memmap=96M!160M pfnscan.mode=fsdax" --timeout 4
    expect_failure "deadline of 4s passed" 30000
    pass "failed in ${MS} ms: $(error_line)" ;;
  bad-accel)
    guest
    PFNSCAN_QEMU_ACCEL=hvf drive ba "pfnscan.mode=raw"
    expect_failure "PFNSCAN_QEMU_ACCEL=hvf: must be one of auto, kvm, tcg" 5000
    pass "$(error_line)" ;;
  missing-tool)
    # Everything on PATH but cpio (the package stays installed: only the tool check can see it).
    mkdir -p "$W/bin"
    for d in /usr/local/sbin /usr/local/bin /usr/sbin /usr/bin /sbin /bin; do
      ln -s "$d"/* "$W/bin/" 2> /dev/null || true  # (the first directory's tool wins, as in PATH)
    done
    rm -f "$W/bin/cpio"
    t0=$(date +%s%N)
    set +e; PATH=$W/bin "$MAKE_DUMPS" "$W/md" > /dev/null 2> "$W/md.log"; RC=$?; set -e
    MS=$(ms_since "$t0"); LOG=$W/md.log; cat "$LOG" >&2
    expect_failure "missing tool cpio (Debian package cpio)" 30000
    ! grep -q "downloading\|booting" "$LOG" || fail "it downloaded or booted before failing"
    pass "$(error_line)" ;;
  disk-short)
    t0=$(date +%s%N)
    set +e; PFNSCAN_DUMPS_MIN_FREE_MIB=999999999 "$MAKE_DUMPS" "$W/md" > /dev/null 2> "$W/md.log"; RC=$?; set -e
    MS=$(ms_since "$t0"); LOG=$W/md.log; cat "$LOG" >&2
    expect_failure "not enough disk for the real dumps in $W/md" 120000
    ! grep -q "booting" "$LOG" || fail "it booted before failing"
    pass "$(error_line)" ;;
  download-fail)
    # An archive that answers its lists but not the package: a fresh cache (with the real
    # cache's lists, so nothing else changes) and an apt-get whose downloads fail.
    real_cache=${PFNSCAN_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/pfnscan}
    mkdir -p "$W/cache" "$W/apt-bin"
    [ ! -d "$real_cache/apt" ] || cp -r "$real_cache/apt" "$W/cache/"
    cat > "$W/apt-bin/apt-get" <<'EOF'
#!/bin/bash
for a in "$@"; do
  if [ "$a" = download ]; then
    echo "Err:1 http://deb.debian.org/debian-security bookworm-security/main amd64 (the test's failing apt-get)"
    echo "E: Failed to fetch http://deb.debian.org/debian-security/pool/updates/main/l/linux/x.deb  404  Not Found [IP: 0.0.0.0 80]"
    exit 100
  fi
done
exec /usr/bin/apt-get "$@"
EOF
    chmod +x "$W/apt-bin/apt-get"
    t0=$(date +%s%N)
    set +e; PATH=$W/apt-bin:$PATH PFNSCAN_CACHE=$W/cache "$ROOT/scripts/real-dumps/kernels.sh" fetch 6.1 > /dev/null 2> "$W/dl.log"; RC=$?; set -e
    MS=$(ms_since "$t0"); LOG=$W/dl.log; cat "$LOG" >&2
    read -r _ rel ver pkg < <(awk '$1 == "6.1"' "$ROOT/scripts/real-dumps/kernel-versions.txt")
    expect_failure "download of $pkg=$ver from $rel failed: E: Failed to fetch" 120000
    ! ls "$W/cache/kernels/"*/.ready > /dev/null 2>&1 || fail "a failed download left a kernel marked ready"
    pass "$(error_line)" ;;
  *) fail "unknown case" ;;
esac
