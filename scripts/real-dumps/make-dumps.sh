#!/bin/bash
# Produces real vmcores from Debian's own kernels with legacy persistent memory colliding with
# System RAM inside one memory section (memmap=96M!160M: section 1 = 128-256 MiB is 32 MiB of RAM
# and 96 MiB of pmem), in every state pfnscan must understand, in three formats each.
#   scripts/real-dumps/make-dumps.sh [OUTDIR]     (default out/real-dumps)
#   scripts/real-dumps/make-dumps.sh --live PFNSCAN_BIN OUTDIR
#       boots the 6.1 guest with pfnscan (and strace) inside, runs `pfnscan live --json` in the
#       bound and unbound states, and writes OUTDIR/live.out (JSON reports) and OUTDIR/live.strace
#   scripts/real-dumps/make-dumps.sh --live-debuggers BUILD_DIR OUTDIR
#       boots the 6.1 guest with crash, drgn (python3) and pfnscan's CLI, crash extension and
#       library inside (the vmlinux on a read-only virtio disk), binds the pmem and runs
#       `pfnscan live --json`, crash's `pfnscan -j` and the drgn script `--json`, all on the running
#       kernel; OUTDIR/live-debuggers.out holds each report after a "== NAME" line
#   scripts/real-dumps/make-dumps.sh --guest SERIES OUTDIR
#       only fetches the kernel and builds the initramfs; OUTDIR/guest-SERIES.env names them
#       (KERNEL, INITRD, ABI, KPACKAGE, KVERSION) and lists the modules it loads (MODULES_<LIST>)
# The kernels are the exact packages of kernel-versions.txt (see kernels.sh: a pin gone from the
# archive falls back to the newest of its series, loudly, and manifest.json records it), cached
# in ${PFNSCAN_CACHE:-~/.cache/pfnscan}. PFNSCAN_KERNELS="6.1 5.10" (the pinned series) by default.
# Boots: qemu_driver.py (PFNSCAN_QEMU_ACCEL=auto|kvm|tcg; the run's choice is kept in
# $PFNSCAN_QEMU_ACCEL_STATE, default OUTDIR/.work/qemu-accel). Nothing of the host's configuration
# goes into the guest: modules come from the kernel package's own modules.dep (depmod with an empty
# configuration; no modprobe), and the initramfs is checked for every module the guest loads
# before any boot. Every failure stops the run with one line naming its cause.
set -eEuo pipefail
export LC_ALL=C TZ=UTC
log() { echo "make-dumps: $*" >&2; }
die() { echo "make-dumps: error: $*" >&2; exit 1; }
trap 'echo "make-dumps: error: \"$BASH_COMMAND\" failed (make-dumps.sh line $LINENO)" >&2' ERR
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
# shellcheck source=kernels.sh
. "$HERE/kernels.sh"
LIVE_BIN=""
DEBUGGERS_BUILD=""
GUEST_ONLY=""
case "${1:-}" in
  --live) [ $# -eq 3 ] || die "usage: make-dumps.sh --live PFNSCAN_BIN OUTDIR"
          LIVE_BIN=$(readlink -f "$2"); shift 2 ;;
  --live-debuggers) [ $# -eq 3 ] || die "usage: make-dumps.sh --live-debuggers BUILD_DIR OUTDIR"
          DEBUGGERS_BUILD=$(readlink -f "$2"); LIVE_BIN="$DEBUGGERS_BUILD/pfnscan"; shift 2 ;;
  --guest) [ $# -eq 3 ] || die "usage: make-dumps.sh --guest SERIES OUTDIR"
          GUEST_ONLY=$2; shift 2 ;;
  -*) die "unknown option $1" ;;
esac
[ -z "$LIVE_BIN" ] || [ -x "$LIVE_BIN" ] || die "no pfnscan binary at $LIVE_BIN"
OUT=$(mkdir -p "${1:-$ROOT/out/real-dumps}" && cd "${1:-$ROOT/out/real-dumps}" && pwd) || die "cannot create ${1:-$ROOT/out/real-dumps}"
KERNELS=${PFNSCAN_KERNELS:-$(kernel_series_list | tr '\n' ' ')}
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"

need=()
for p in qemu-system-x86 busybox-static kmod cpio makedumpfile crash python3-drgn strace; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
  log "installing ${need[*]}"
  $SUDO apt-get update -qq || die "apt-get update failed (installing ${need[*]})"
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null ||
    die "apt-get install ${need[*]} failed"
fi
# Every tool, before anything is downloaded or booted.
for t in qemu-system-x86_64:qemu-system-x86 cpio:cpio gzip:gzip depmod:kmod dpkg-deb:dpkg apt-get:apt \
         fallocate:util-linux flock:util-linux ldd:libc-bin makedumpfile:makedumpfile sha256sum:coreutils \
         strace:strace crash:crash drgn:python3-drgn; do
  command -v "${t%%:*}" >/dev/null || die "missing tool ${t%%:*} (Debian package ${t#*:})"
done
[ -x /usr/bin/python3 ] || die "missing tool /usr/bin/python3 (Debian package python3)"
[ -x /bin/busybox ] || die "missing tool /bin/busybox (Debian package busybox-static)"
if ldd /bin/busybox >/dev/null 2>&1; then die "/bin/busybox is dynamically linked: the guest needs busybox-static"; fi

# need_disk DIR MIB WHAT: fail now, not when a dump is half written.
need_disk() {
  local free_mib
  free_mib=$(( $(df -Pk "$1" | awk 'NR == 2 { print $4 }') / 1024 ))
  [ "$free_mib" -ge "$2" ] || die "not enough disk for $3 in $1: $free_mib MiB free, $2 MiB needed"
}

# build_initrd -> $WORK/initrd-$ABI.gz
build_initrd() {
  local d="$WORK/initrd-$ABI"
  rm -rf "$d" && mkdir -p "$d/bin" "$d/modules" "$d/proc" "$d/sys" "$d/dev" "$d/tmp" "$d/etc"
  printf 'root:x:0:0:root:/:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/sh\n' > "$d/etc/passwd"
  printf 'root:x:0:\nnogroup:x:65534:\n' > "$d/etc/group"
  cp /bin/busybox "$d/bin/busybox"
  ln -s busybox "$d/bin/sh"
  cp "$HERE/guest-init.sh" "$d/init"
  chmod +x "$d/init"
  # modules: NAME.list (loaded in order by the guest) for MODULE... and what they need that no
  # earlier list loads, resolved from the kernel's modules.dep alone.
  local lists=() checks=()
  modules() {
    local list=$1 f files skip=(); shift
    for l in "${lists[@]}"; do skip+=(--skip "$d/modules/$l"); done
    : > "$d/modules/$list"
    files=$(/usr/bin/python3 "$HERE/moddeps.py" order "$KROOT" "$ABI" "${skip[@]}" "$@") ||
      die "cannot resolve the modules of $list for $ABI (above)"
    for f in $files; do
      cp "$KROOT/lib/modules/$ABI/$f" "$d/modules/"
      basename "$f" >> "$d/modules/$list"
    done
    lists+=("$list")
    checks+=("$list:$(IFS=,; echo "$*")")
  }
  # The ACPI pvpanic device (pvpanic-mmio since 5.12, pvpanic before), fw_cfg (QEMU's vmcoreinfo
  # device reads the note through it), the legacy pmem (nd_e820) with libnvdimm, and later the
  # pmem driver.
  modules base.list 'qemu_fw_cfg' 'pvpanic_mmio|pvpanic' 'libnvdimm' 'nd_e820'
  modules pmem.list nd_pmem
  local elves=()
  if [ -n "$LIVE_BIN" ]; then
    # pfnscan and strace with their shared libraries, for the live test.
    cp "$LIVE_BIN" "$d/pfnscan"
    cp "$(command -v strace)" "$d/strace"
    elves+=("$LIVE_BIN" "$(command -v strace)")
  fi
  if [ -n "$DEBUGGERS_BUILD" ]; then
    # crash, python3 with its standard library and drgn, and pfnscan's two plugins, at the paths
    # they have here; the 600 MB vmlinux comes on a disk instead (see boot_debuggers).
    modules virtio.list virtio_pci virtio_blk
    mkdir -p "$d/usr/bin" "$d/usr/lib/python3/dist-packages" "$d/plugin"
    cp /usr/bin/crash /usr/bin/drgn /usr/bin/strings "$d/usr/bin/"  # crash reads the banner with strings
    cp -L /usr/bin/python3 "$d/usr/bin/python3"
    tar -C /usr/lib --exclude=__pycache__ --exclude=test --exclude=idlelib --exclude=tkinter \
      --exclude=lib2to3 --exclude=ensurepip -cf - python3.11 | tar -C "$d/usr/lib" -xf -
    cp -r /usr/lib/python3/dist-packages/drgn /usr/lib/python3/dist-packages/_drgn.cpython-311-x86_64-linux-gnu.so \
      /usr/lib/python3/dist-packages/drgn-0.0.22.egg-info \
      "$d/usr/lib/python3/dist-packages/"
    cp "$DEBUGGERS_BUILD/plugin/crash/pfnscan.so" "$DEBUGGERS_BUILD/libpfnscan.so" "$ROOT/plugin/drgn/pfnscan_drgn.py" "$d/plugin/"
    elves+=(/usr/bin/crash /usr/bin/strings /usr/bin/python3 "$d/usr/lib/python3/dist-packages/_drgn.cpython-311-x86_64-linux-gnu.so"
            "$d/plugin/pfnscan.so" "$d/plugin/libpfnscan.so" "$d"/usr/lib/python3.11/lib-dynload/*.so)
  fi
  for lib in $(for e in "${elves[@]}"; do ldd "$e"; done | awk '/=>/ { print $3 } /ld-linux/ { print $1 }' | sort -u); do
    mkdir -p "$d$(dirname "$lib")"
    cp -L "$lib" "$d$lib"
  done
  # Every module the guest loads is there, after what it needs, before anything boots.
  /usr/bin/python3 "$HERE/moddeps.py" check "$KROOT" "$ABI" "$d/modules" "${checks[@]}" ||
    die "the initramfs for $ABI lacks a module the guest needs (above)"
  (cd "$d" && find . | sort | cpio -o -H newc --quiet | gzip -1 -n) > "$WORK/initrd-$ABI.gz" ||
    die "cannot write $WORK/initrd-$ABI.gz (disk full?)"
  INITRD_MODULES=()
  for l in "${lists[@]}"; do INITRD_MODULES[$l]=$(paste -sd, "$d/modules/$l"); done
}

boot() {  # boot NAME APPEND
  local name=$1 append=$2
  "$HERE/qemu_driver.py" --kernel "$KROOT/boot/vmlinuz-$ABI" --initrd "$WORK/initrd-$ABI.gz" \
    --append "console=ttyS0 panic=0 $append" --out "$OUT" --name "$name" >/dev/null ||
    die "boot $name failed (above)"
}

WORK="$OUT/.work"
mkdir -p "$WORK"
declare -A INITRD_MODULES=()
# The accelerator is chosen once for the run (test.sh passes one state for all its boots).
if [ -z "${PFNSCAN_QEMU_ACCEL_STATE:-}" ]; then
  export PFNSCAN_QEMU_ACCEL_STATE="$WORK/qemu-accel"
  rm -f "$PFNSCAN_QEMU_ACCEL_STATE"
fi
if [ -n "$GUEST_ONLY" ]; then
  need_disk "$OUT" 200 "the initramfs"
  kernel_fetch "$GUEST_ONLY"
  build_initrd
  {
    printf 'KERNEL=%q\nINITRD=%q\nABI=%q\nKPACKAGE=%q\nKVERSION=%q\nKFALLBACK=%q\n' "$KROOT/boot/vmlinuz-$ABI" \
      "$WORK/initrd-$ABI.gz" "$ABI" "$KPACKAGE" "$KVERSION" "$KFALLBACK"
    for l in "${!INITRD_MODULES[@]}"; do printf 'MODULES_%s=%q\n' "$(echo "${l%.list}" | tr a-z A-Z)" "${INITRD_MODULES[$l]}"; done | sort
  } > "$OUT/guest-$GUEST_ONLY.env"
  exit 0
fi
if [ -n "$DEBUGGERS_BUILD" ]; then
  need_disk "$OUT" 500 "the live-debuggers boot"
  for f in plugin/crash/pfnscan.so libpfnscan.so; do [ -f "$DEBUGGERS_BUILD/$f" ] || die "no $DEBUGGERS_BUILD/$f"; done
  kernel_fetch 6.1
  build_initrd
  rm -f "$OUT/live-debuggers.out"
  # 3 GiB: the vmlinux is copied into the guest's RAM, and crash and drgn load its DWARF.
  "$HERE/qemu_driver.py" --kernel "$KROOT/boot/vmlinuz-$ABI" --initrd "$WORK/initrd-$ABI.gz" --memory 3G \
    --append "console=ttyS0 panic=0 memmap=96M!160M pfnscan.mode=live-debuggers pfnscan.vmlinux_size=$(stat -c %s "$VMLINUX")" \
    --disk "$VMLINUX" --out "$OUT" --name live-debuggers --live-out "$OUT/live-debuggers.out" --timeout 1200 >/dev/null ||
    die "boot live-debuggers failed (above)"
  exit 0
fi
if [ -n "$LIVE_BIN" ]; then
  need_disk "$OUT" 500 "the live boot"
  kernel_fetch 6.1
  build_initrd
  rm -f "$OUT/live.out" "$OUT/live.strace"
  "$HERE/qemu_driver.py" --kernel "$KROOT/boot/vmlinuz-$ABI" --initrd "$WORK/initrd-$ABI.gz" \
    --append "console=ttyS0 panic=0 memmap=96M!160M pfnscan.mode=live" --out "$OUT" --name live \
    --live-out "$OUT/live.out" --trace-out "$OUT/live.strace" >/dev/null || die "boot live failed (above)"
  exit 0
fi

# Dumps already made by these very scripts for these very kernels are reused.
resolved=()
for series in $KERNELS; do
  kernel_resolve "$series"
  resolved+=("$series=$KPACKAGE=$KVERSION")
done
STAMP=$(cat "$HERE"/*.sh "$HERE"/*.py "$KERNEL_PINS" | sha256sum | cut -d' ' -f1)-$(echo "${resolved[*]}" | tr ' ' '_')
if [ -f "$OUT/.complete" ] && [ "$(cat "$OUT/.complete")" = "$STAMP" ]; then
  log "dumps in $OUT are up to date"
  exit 0
fi
rm -f "$OUT/.complete"
# Dumps of an earlier run are not mixed with this run's (each boot has its own KASLR layout).
rm -f "$OUT"/*.elf "$OUT"/*.kdump "$OUT"/*.mdf31 "$OUT"/*.mdf31.log "$OUT"/*.console "$OUT/manifest.json"
# 1.5 GB of dumps (sparse ELF, kdump, makedumpfile) and one 1 GB ELF while QEMU writes it.
need_disk "$OUT" "${PFNSCAN_DUMPS_MIN_FREE_MIB:-3000}" "the real dumps"
entries="$WORK/manifest.tsv"
: > "$entries"
for series in $KERNELS; do
  kernel_fetch "$series"
  build_initrd
  log "kernel $ABI ($KPACKAGE $KVERSION${KFALLBACK:+; NOT THE PIN: $KFALLBACK})"
  prefix="$series"
  boot "$prefix-fsdax" "memmap=96M!160M pfnscan.mode=fsdax"
  if [ "$series" = 6.1 ]; then
    boot "$prefix-raw" "memmap=96M!160M pfnscan.mode=raw"
    boot "$prefix-panic" "memmap=96M!160M pfnscan.mode=panic-bound"
    boot "$prefix-panic" "memmap=96M!160M pfnscan.mode=panic-unbound"
    # pmem across the boundary of sections 1 and 2 (224-288 MiB).
    boot "$prefix-across" "memmap=64M!224M pfnscan.mode=fsdax"
  fi
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$series" "$ABI" "$KVERSION" "$VMLINUX" "$KPACKAGE" "$KRELEASE" \
    "$KPINNED" "$KFALLBACK" "$KSHA256" "$(for l in base.list pmem.list; do printf '%s=%s ' "$l" "${INITRD_MODULES[$l]}"; done)" >> "$entries"
done
accel_state=$(cat "$PFNSCAN_QEMU_ACCEL_STATE" 2>/dev/null || echo "unknown")
/usr/bin/python3 - "$entries" "$OUT/manifest.json" <<'PY'
import json, os, sys
m = {}
for line in open(sys.argv[1]):
    series, abi, version, vmlinux, package, release, pinned, fallback, sha, modules = line.rstrip("\n").split("\t")
    m[series] = {"abi": abi, "package_version": version, "vmlinux": vmlinux, "package": package,
                 "release": release, "pinned": pinned, "fallback": fallback or None,
                 "sha256": dict(zip(sha.split()[1::2], sha.split()[0::2])),
                 "initrd_modules": {l: ms.split(",") for l, _, ms in (w.partition("=") for w in modules.split())}}
json.dump(m, open(sys.argv[2] + ".tmp", "w"), indent=2)
os.replace(sys.argv[2] + ".tmp", sys.argv[2])
PY

# makedumpfile's filtered, compressed dumps of every ELF dump.
for elf in "$OUT"/*.elf; do
  mdf="${elf%.elf}.mdf31"
  "$HERE/elf_for_makedumpfile.py" "$elf" "$WORK/for-makedumpfile.elf" || die "elf_for_makedumpfile.py failed on $elf"
  makedumpfile -c -d 31 "$WORK/for-makedumpfile.elf" "$mdf" >"$mdf.log" 2>&1 || die "makedumpfile failed on $elf: $(tail -1 "$mdf.log")"
  rm -f "$WORK/for-makedumpfile.elf"
done
{
  echo "qemu: $(dpkg-query -W -f='${Version}' qemu-system-x86)"
  echo "busybox-static: $(dpkg-query -W -f='${Version}' busybox-static)"
  echo "makedumpfile: $(dpkg-query -W -f='${Version}' makedumpfile)"
  echo "crash: $(dpkg-query -W -f='${Version}' crash)"
  echo "python3-drgn: $(dpkg-query -W -f='${Version}' python3-drgn)"
  awk -F'\t' '{ print "kernel " $1 ": " $5 " " $3 ($8 != "" ? " (fallback: " $8 ")" : "") }' "$entries"
  echo "qemu accelerator: $accel_state"
} > "$OUT/versions.txt"
ls -la "$OUT" >&2
echo "$STAMP" > "$OUT/.complete"
