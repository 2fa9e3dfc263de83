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
# Downloads go to ${PFNSCAN_CACHE:-~/.cache/pfnscan} and are reused. KERNELS="6.1 5.10" by default.
set -euo pipefail
log() { echo "make-dumps: $*" >&2; }
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
LIVE_BIN=""
DEBUGGERS_BUILD=""
if [ "${1:-}" = "--live" ]; then
  LIVE_BIN=$(readlink -f "$2")
  shift 2
elif [ "${1:-}" = "--live-debuggers" ]; then
  DEBUGGERS_BUILD=$(readlink -f "$2")
  LIVE_BIN="$DEBUGGERS_BUILD/pfnscan"
  shift 2
fi
OUT=$(mkdir -p "${1:-$ROOT/out/real-dumps}" && cd "${1:-$ROOT/out/real-dumps}" && pwd)
CACHE=${PFNSCAN_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/pfnscan}
KERNELS=${KERNELS:-"6.1 5.10"}
mkdir -p "$CACHE/debs"
# Dumps already made by these very scripts for these kernels are reused.
STAMP=$(cat "$HERE"/*.sh "$HERE"/*.py | sha256sum | cut -d' ' -f1)-$(echo "$KERNELS" | tr ' ' '_')
if [ -z "$LIVE_BIN" ] && [ -f "$OUT/.complete" ] && [ "$(cat "$OUT/.complete")" = "$STAMP" ]; then
  log "dumps in $OUT are up to date"
  exit 0
fi
rm -f "$OUT/.complete"
# Dumps of an earlier run are not mixed with this run's (each boot has its own KASLR layout).
[ -n "$LIVE_BIN" ] || rm -f "$OUT"/*.elf "$OUT"/*.kdump "$OUT"/*.mdf31 "$OUT"/*.mdf31.log "$OUT"/*.console
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"

need=()
for p in qemu-system-x86 busybox-static kmod cpio makedumpfile crash python3-drgn strace; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
  log "installing ${need[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

# apt for another Debian release without touching the system's sources.
apt_for() {
  local release=$1; shift
  if [ "$release" = bookworm ]; then apt-get "$@"; return; fi
  local d="$CACHE/apt-$release"
  mkdir -p "$d/lists/partial"
  if [ ! -f "$d/sources.list" ]; then
    # The point-release archive only: the security archive is not reachable from every machine.
    printf 'deb http://deb.debian.org/debian %s main\n' "$release" > "$d/sources.list"
  fi
  apt-get -o Dir::Etc::SourceList="$d/sources.list" -o Dir::Etc::SourceParts=/dev/null \
          -o Dir::State::Lists="$d/lists" -o Debug::NoLocking=1 "$@"
}
apt_cache_for() {
  local release=$1; shift
  if [ "$release" = bookworm ]; then apt-cache "$@"; return; fi
  local d="$CACHE/apt-$release"
  apt-cache -o Dir::Etc::SourceList="$d/sources.list" -o Dir::Etc::SourceParts=/dev/null \
            -o Dir::State::Lists="$d/lists" "$@"
}

# fetch_kernel SERIES RELEASE -> sets ABI, KROOT (extracted image + modules), VMLINUX
fetch_kernel() {
  local series=$1 release=$2
  if [ "$release" != bookworm ] && [ ! -f "$CACHE/apt-$release/.updated" ]; then
    apt_for "$release" update -qq 2>/dev/null || apt_for "$release" update
    touch "$CACHE/apt-$release/.updated"
  fi
  local pattern="^linux-image-${series//./\\.}\\.0-[0-9]+-cloud-amd64-unsigned\$"
  local pkg
  pkg=$(apt_cache_for "$release" search --names-only "$pattern" | cut -d' ' -f1 | sort -V | tail -1)
  [ -n "$pkg" ] || { log "no $series cloud kernel in $release"; exit 1; }
  ABI=${pkg#linux-image-}
  ABI=${ABI%-unsigned}
  local dir="$CACHE/$ABI"
  if [ ! -f "$dir/.ready" ]; then
    log "downloading $pkg and linux-image-$ABI-dbg"
    (cd "$CACHE/debs" && apt_for "$release" download "$pkg" "linux-image-$ABI-dbg" 2>&1 | grep -v "unsandboxed" >&2 || true)
    local deb dbg
    deb=$(ls "$CACHE/debs/${pkg}_"*.deb | tail -1)
    dbg=$(ls "$CACHE/debs/linux-image-$ABI-dbg_"*.deb | tail -1)
    rm -rf "$dir" && mkdir -p "$dir/root" "$dir/dbg"
    dpkg-deb -x "$deb" "$dir/root"
    # Only the vmlinux of the -dbg package (it is not installed).
    dpkg-deb --fsys-tarfile "$dbg" | tar -x -C "$dir/dbg" "./usr/lib/debug/boot/vmlinux-$ABI"
    # The package ships no modules.dep.
    depmod -b "$dir/root" "$ABI"
    dpkg-deb -f "$deb" Version > "$dir/version"
    # What was needed is extracted; the packages (the -dbg one is ~270 MB) would only fill the disk.
    rm -f "$deb" "$dbg"
    touch "$dir/.ready"
  fi
  KROOT="$dir/root"
  VMLINUX="$dir/dbg/usr/lib/debug/boot/vmlinux-$ABI"
  KVERSION=$(cat "$dir/version")
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
  list() {
    modprobe -a -d "$KROOT" -S "$ABI" --show-depends "$@" | awk '$1 == "insmod" { print $2 }'
  }
  : > "$d/modules/base.list"
  for f in $(list qemu_fw_cfg pvpanic_mmio libnvdimm nd_e820); do
    grep -qx "$(basename "$f")" "$d/modules/base.list" || { cp "$f" "$d/modules/"; basename "$f" >> "$d/modules/base.list"; }
  done
  : > "$d/modules/pmem.list"
  for f in $(list nd_pmem); do
    grep -qx "$(basename "$f")" "$d/modules/base.list" "$d/modules/pmem.list" ||
      { cp "$f" "$d/modules/"; basename "$f" >> "$d/modules/pmem.list"; }
  done
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
    : > "$d/modules/virtio.list"
    for f in $(list virtio_pci virtio_blk); do
      grep -qx "$(basename "$f")" "$d/modules/base.list" "$d/modules/virtio.list" ||
        { cp "$f" "$d/modules/"; basename "$f" >> "$d/modules/virtio.list"; }
    done
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
  (cd "$d" && find . | cpio -o -H newc --quiet | gzip -1) > "$WORK/initrd-$ABI.gz"
}

boot() {  # boot NAME APPEND
  local name=$1 append=$2
  "$HERE/qemu_driver.py" --kernel "$KROOT/boot/vmlinuz-$ABI" --initrd "$WORK/initrd-$ABI.gz" \
    --append "console=ttyS0 panic=0 $append" --out "$OUT" --name "$name" >/dev/null
}

WORK="$OUT/.work"
mkdir -p "$WORK"
if [ -n "$DEBUGGERS_BUILD" ]; then
  fetch_kernel 6.1 bookworm
  build_initrd
  rm -f "$OUT/live-debuggers.out"
  # 3 GiB: the vmlinux is copied into the guest's RAM, and crash and drgn load its DWARF.
  "$HERE/qemu_driver.py" --kernel "$KROOT/boot/vmlinuz-$ABI" --initrd "$WORK/initrd-$ABI.gz" --memory 3G \
    --append "console=ttyS0 panic=0 memmap=96M!160M pfnscan.mode=live-debuggers pfnscan.vmlinux_size=$(stat -c %s "$VMLINUX")" \
    --disk "$VMLINUX" --out "$OUT" --name live-debuggers --live-out "$OUT/live-debuggers.out" --timeout 1500 >/dev/null
  exit 0
fi
if [ -n "$LIVE_BIN" ]; then
  fetch_kernel 6.1 bookworm
  build_initrd
  rm -f "$OUT/live.out" "$OUT/live.strace"
  "$HERE/qemu_driver.py" --kernel "$KROOT/boot/vmlinuz-$ABI" --initrd "$WORK/initrd-$ABI.gz" \
    --append "console=ttyS0 panic=0 memmap=96M!160M pfnscan.mode=live" --out "$OUT" --name live \
    --live-out "$OUT/live.out" --trace-out "$OUT/live.strace" >/dev/null
  exit 0
fi
manifest="$OUT/manifest.json"
echo "{" > "$manifest.tmp"
first=1
for series in $KERNELS; do
  case $series in
    6.1) release=bookworm ;;
    5.10) release=bullseye ;;
    *) log "unknown kernel series $series"; exit 2 ;;
  esac
  fetch_kernel "$series" "$release"
  build_initrd
  log "kernel $ABI ($KVERSION)"
  prefix="$series"
  boot "$prefix-fsdax" "memmap=96M!160M pfnscan.mode=fsdax"
  if [ "$series" = 6.1 ]; then
    boot "$prefix-raw" "memmap=96M!160M pfnscan.mode=raw"
    boot "$prefix-panic" "memmap=96M!160M pfnscan.mode=panic-bound"
    boot "$prefix-panic" "memmap=96M!160M pfnscan.mode=panic-unbound"
    # pmem across the boundary of sections 1 and 2 (224-288 MiB).
    boot "$prefix-across" "memmap=64M!224M pfnscan.mode=fsdax"
  fi
  [ $first -eq 1 ] || echo "," >> "$manifest.tmp"
  first=0
  printf '  "%s": {"abi": "%s", "package_version": "%s", "vmlinux": "%s"}' "$series" "$ABI" "$KVERSION" "$VMLINUX" >> "$manifest.tmp"
done
echo "" >> "$manifest.tmp"
echo "}" >> "$manifest.tmp"
mv "$manifest.tmp" "$manifest"

# makedumpfile's filtered, compressed dumps of every ELF dump.
for elf in "$OUT"/*.elf; do
  mdf="${elf%.elf}.mdf31"
  "$HERE/elf_for_makedumpfile.py" "$elf" "$WORK/for-makedumpfile.elf"
  makedumpfile -c -d 31 "$WORK/for-makedumpfile.elf" "$mdf" >"$mdf.log" 2>&1 || { log "makedumpfile failed on $elf: $(tail -3 "$mdf.log")"; exit 1; }
  rm -f "$WORK/for-makedumpfile.elf"
done
{
  echo "qemu: $(dpkg-query -W -f='${Version}' qemu-system-x86)"
  echo "busybox-static: $(dpkg-query -W -f='${Version}' busybox-static)"
  echo "makedumpfile: $(dpkg-query -W -f='${Version}' makedumpfile)"
  echo "crash: $(dpkg-query -W -f='${Version}' crash)"
  echo "python3-drgn: $(dpkg-query -W -f='${Version}' python3-drgn)"
} > "$OUT/versions.txt"
ls -la "$OUT" >&2
echo "$STAMP" > "$OUT/.complete"
