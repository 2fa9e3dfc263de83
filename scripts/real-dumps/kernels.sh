#!/bin/bash
# The Debian kernels of the real dumps, pinned to exact package versions in kernel-versions.txt
# (PFNSCAN_KERNEL_PINS names another file).
#   scripts/real-dumps/kernels.sh list              the pinned series, one a line
#   scripts/real-dumps/kernels.sh resolve SERIES    what a run uses (no download): package version [fallback reason]
#   scripts/real-dumps/kernels.sh fetch SERIES      downloads it once; prints its facts as shell assignments
#   scripts/real-dumps/kernels.sh update            sets every pin to the newest package of its series
# Sourced by make-dumps.sh, which calls kernel_fetch SERIES (it sets KRELEASE KPACKAGE KVERSION ABI
# KROOT VMLINUX KPINNED KFALLBACK KSHA256).
# A pinned kernel already in the cache is used without asking the archive. One that is not is
# looked up in the archive (private apt lists per release, never the host's sources); if the pin
# has gone from the archive, the newest package of the same series is used instead, with a
# warning, and KFALLBACK says so (make-dumps.sh records it in manifest.json).
# Cache: ${PFNSCAN_CACHE:-~/.cache/pfnscan}: apt/<release>/ (lists) and kernels/<ABI>_<version>/
# (the image with its modules and a modules.dep, and the vmlinux of the -dbg package).

KERNELS_HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
KERNEL_PINS=${PFNSCAN_KERNEL_PINS:-$KERNELS_HERE/kernel-versions.txt}
if [ -z "${PFNSCAN_CACHE:-}" ] && [ -z "${XDG_CACHE_HOME:-}" ] && [ -z "${HOME:-}" ]; then
  echo "kernels: error: no cache directory: set PFNSCAN_CACHE (or HOME)" >&2
  exit 1
fi
KCACHE=${PFNSCAN_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/pfnscan}
# Free space a kernel needs while it is fetched: its two packages (~310 MB for 6.1) and what is
# extracted from them (~750 MB: image, modules, vmlinux).
KERNEL_FETCH_MIB=${PFNSCAN_KERNEL_FETCH_MIB:-1300}

klog() { echo "kernels: $*" >&2; }
kdie() { echo "kernels: error: $*" >&2; exit 1; }

# The archive of each release: the point release, updates and security for bookworm; bullseye's
# point-release archive only (its security archive is not reachable from every machine).
kernel_sources() {
  case $1 in
    bookworm) printf 'deb http://deb.debian.org/debian bookworm main\n'
              printf 'deb http://deb.debian.org/debian bookworm-updates main\n'
              printf 'deb http://deb.debian.org/debian-security bookworm-security main\n' ;;
    bullseye) printf 'deb http://deb.debian.org/debian bullseye main\n' ;;
    *) kdie "no archive known for release '$1' (kernels.sh kernel_sources)" ;;
  esac
}

# apt-get/apt-cache against that archive alone, with private lists and package caches.
_kapt_dir() {
  local d="$KCACHE/apt/$1"
  mkdir -p "$d/lists/partial" "$d/cache/archives/partial" || kdie "cannot create $d"
  local want
  want=$(kernel_sources "$1")
  [ -f "$d/sources.list" ] && [ "$(cat "$d/sources.list")" = "$want" ] || echo "$want" > "$d/sources.list"
  echo "$d"
}
_kapt_opts() {
  local d=$1
  echo "-o Dir::Etc::SourceList=$d/sources.list -o Dir::Etc::SourceParts=/dev/null -o Dir::State::Lists=$d/lists"\
       "-o Dir::Cache=$d/cache -o Dir::Cache::archives=$d/cache/archives -o Debug::NoLocking=1"
}
kapt_get() { local release=$1 d; shift; d=$(_kapt_dir "$release"); # shellcheck disable=SC2046
  apt-get $(_kapt_opts "$d") "$@"; }
kapt_cache() { local release=$1 d; shift; d=$(_kapt_dir "$release"); # shellcheck disable=SC2046
  apt-cache $(_kapt_opts "$d") "$@"; }

# The line of apt's output that says what went wrong.
_kapt_error() {
  local e
  e=$(grep -E '^E:' <<< "$1" | head -1)
  [ -n "$e" ] || e=$(grep -E '^(Err|W):' <<< "$1" | grep -v unsandboxed | head -1)
  [ -n "$e" ] || e=$(tail -1 <<< "$1")
  echo "$e"
}

declare -A _KLISTS_FRESH=()
# kernel_lists RELEASE [fresh]: the release's package lists, downloaded once (again with "fresh",
# at most once per process).
kernel_lists() {
  local release=$1 d out
  d=$(_kapt_dir "$release")
  if [ -f "$d/lists/.updated" ] && { [ "${2:-}" != fresh ] || [ -n "${_KLISTS_FRESH[$release]:-}" ]; }; then
    return 0
  fi
  klog "updating the package lists of the $release archive"
  out=$(flock "$d/.lock" apt-get $(_kapt_opts "$d") -q update --error-on=any 2>&1) ||
    kdie "apt-get update of the $release archive failed: $(_kapt_error "$out")"
  touch "$d/lists/.updated"
  _KLISTS_FRESH[$release]=1
}

# kernel_pin SERIES -> KRELEASE KPACKAGE KVERSION (the pin)
kernel_pin() {
  [ -f "$KERNEL_PINS" ] || kdie "no kernel versions file $KERNEL_PINS"
  local line
  line=$(awk -v s="$1" '!/^[[:space:]]*(#|$)/ && $1 == s { print $2, $3, $4 }' "$KERNEL_PINS")
  [ -n "$line" ] || kdie "kernel series $1 is not pinned in $KERNEL_PINS"
  read -r KRELEASE KVERSION KPACKAGE <<< "$line"
  [[ $KPACKAGE =~ ^linux-image-[0-9.]+-[0-9]+-[a-z0-9-]+-unsigned$ ]] || kdie "$KERNEL_PINS: $1: unexpected package name $KPACKAGE"
}
kernel_series_list() {
  [ -f "$KERNEL_PINS" ] || kdie "no kernel versions file $KERNEL_PINS"
  awk '!/^[[:space:]]*(#|$)/ { print $1 }' "$KERNEL_PINS"
}

_kabi() { local a=${1#linux-image-}; echo "${a%-unsigned}"; }
# _kavailable RELEASE PACKAGE VERSION: the image and its -dbg package are both in the lists.
_kavailable() {
  local abi a b
  abi=$(_kabi "$2")
  # (No `| grep -q`: under pipefail, apt-cache killed by SIGPIPE would fail the test.)
  a=$(kapt_cache "$1" show --no-all-versions "$2=$3" 2>/dev/null || true)
  b=$(kapt_cache "$1" show --no-all-versions "linux-image-$abi-dbg=$3" 2>/dev/null || true)
  grep -qx "Version: $3" <<< "$a" && grep -qx "Version: $3" <<< "$b"
}
# _knewest RELEASE PACKAGE -> "VERSION PACKAGE" of the newest package of PACKAGE's series and
# flavour (linux-image-6.1.0-N-cloud-amd64-unsigned for any N) that has its -dbg package too.
_knewest() {
  local release=$1 pkg=$2 prefix suffix pattern
  prefix=$(sed -E 's/^(linux-image-[0-9.]+-)[0-9]+-.*/\1/' <<< "$pkg")
  suffix=$(sed -E 's/^linux-image-[0-9.]+-[0-9]+(-.*)$/\1/' <<< "$pkg")
  pattern="^${prefix//./\\.}[0-9]+${suffix}\$"
  local cands c
  cands=$(kapt_cache "$release" search --names-only "$pattern" 2>/dev/null | cut -d' ' -f1)
  [ -n "$cands" ] || return 1
  # All versions of all candidates and of their -dbg packages, in two apt-cache runs.
  local -A dbg=()
  local p v best_v="" best_p=""
  # shellcheck disable=SC2046
  while read -r p v; do dbg["$p $v"]=1; done < <(kapt_cache "$release" madison \
      $(for c in $cands; do echo "linux-image-$(_kabi "$c")-dbg"; done) 2>/dev/null | awk -F'|' '{ gsub(/ /, ""); print $1, $2 }')
  # shellcheck disable=SC2086
  while read -r p v; do
    [ -n "${dbg["linux-image-$(_kabi "$p")-dbg $v"]:-}" ] || continue
    if [ -z "$best_v" ] || dpkg --compare-versions "$v" gt "$best_v"; then best_v=$v; best_p=$p; fi
  done < <(kapt_cache "$release" madison $cands 2>/dev/null | awk -F'|' '{ gsub(/ /, ""); print $1, $2 }')
  [ -n "$best_v" ] && echo "$best_v $best_p"
}

# kernel_resolve SERIES -> KRELEASE KPACKAGE KVERSION ABI KPINNED KFALLBACK (what this run uses)
kernel_resolve() {
  local series=$1
  kernel_pin "$series"
  KPINNED="$KPACKAGE $KVERSION"
  KFALLBACK=""
  ABI=$(_kabi "$KPACKAGE")
  [ -f "$KCACHE/kernels/${ABI}_$KVERSION/.ready" ] && return 0
  kernel_lists "$KRELEASE"
  _kavailable "$KRELEASE" "$KPACKAGE" "$KVERSION" && return 0
  kernel_lists "$KRELEASE" fresh
  _kavailable "$KRELEASE" "$KPACKAGE" "$KVERSION" && return 0
  local newest
  newest=$(_knewest "$KRELEASE" "$KPACKAGE") || true
  [ -n "$newest" ] || kdie "the pinned $series kernel $KPACKAGE $KVERSION is not in the $KRELEASE archive, nor is any other $series kernel of its flavour"
  KFALLBACK="the pinned $KPACKAGE $KVERSION is not in the $KRELEASE archive; used the newest $series kernel instead"
  read -r KVERSION KPACKAGE <<< "$newest"
  ABI=$(_kabi "$KPACKAGE")
  klog "WARNING: ************************************************************************"
  klog "WARNING: $KFALLBACK: $KPACKAGE $KVERSION"
  klog "WARNING: these dumps are not of the pinned kernel; pin it with: scripts/real-dumps/kernels.sh update"
  klog "WARNING: ************************************************************************"
}

# kernel_fetch SERIES: resolves, downloads and extracts once; sets KROOT VMLINUX KSHA256 too.
# A download that fails on lists of an earlier day (the package may have gone since) refreshes
# them and resolves again, once.
kernel_fetch() {
  local series=$1 attempt dir klock
  for attempt in 1 2; do
    kernel_resolve "$series"
    dir="$KCACHE/kernels/${ABI}_$KVERSION"
    mkdir -p "$KCACHE/kernels" || kdie "cannot create $KCACHE/kernels"
    exec {klock}> "$KCACHE/kernels/.lock-${ABI}_$KVERSION"
    flock "$klock"
    if [ -f "$dir/.ready" ] || _kernel_download "$dir"; then
      break
    fi
    flock -u "$klock"
    exec {klock}>&-
    if [ "$attempt" = 2 ] || [ -n "${_KLISTS_FRESH[$KRELEASE]:-}" ]; then
      kdie "download of $KPACKAGE=$KVERSION from $KRELEASE failed: $KDOWNLOAD_ERROR"
    fi
    klog "download of $KPACKAGE=$KVERSION failed ($KDOWNLOAD_ERROR); refreshing the $KRELEASE lists"
    kernel_lists "$KRELEASE" fresh
  done
  flock -u "$klock"
  exec {klock}>&-
  KROOT="$dir/root"
  VMLINUX="$dir/dbg/usr/lib/debug/boot/vmlinux-$ABI"
  KSHA256=$(tr '\n' ' ' < "$dir/sha256" | sed 's/ *$//')
  [ -f "$KROOT/boot/vmlinuz-$ABI" ] && [ -f "$VMLINUX" ] || kdie "the cached kernel in $dir is incomplete (remove it)"
}

# _kernel_download DIR: the resolved packages into DIR (false, with KDOWNLOAD_ERROR, when apt
# could not download them; any later failure is fatal).
_kernel_download() {
  local dir=$1
  {
    local free_mib
    free_mib=$(( $(df -Pk "$KCACHE" | awk 'NR == 2 { print $4 }') / 1024 ))
    [ "$free_mib" -ge "$KERNEL_FETCH_MIB" ] ||
      kdie "not enough disk for the $series kernel in $KCACHE: $free_mib MiB free, $KERNEL_FETCH_MIB MiB needed"
    local dbg="linux-image-$ABI-dbg" tmp="$dir.tmp" out
    rm -rf "$tmp" && mkdir -p "$tmp/debs" "$tmp/root" "$tmp/dbg"
    klog "downloading $KPACKAGE $KVERSION and $dbg ($KRELEASE)"
    if ! out=$(cd "$tmp/debs" && kapt_get "$KRELEASE" -q download "$KPACKAGE=$KVERSION" "$dbg=$KVERSION" 2>&1); then
      KDOWNLOAD_ERROR=$(_kapt_error "$out")
      rm -rf "$tmp"
      return 1
    fi
    local deb ddeb
    deb=$(ls "$tmp/debs/${KPACKAGE}_"*.deb 2>/dev/null | head -1)
    ddeb=$(ls "$tmp/debs/${dbg}_"*.deb 2>/dev/null | head -1)
    [ -n "$deb" ] && [ -n "$ddeb" ] || kdie "download of $KPACKAGE=$KVERSION from $KRELEASE left no .deb ($(ls "$tmp/debs" | tr '\n' ' '))"
    [ "$(dpkg-deb -f "$deb" Version)" = "$KVERSION" ] || kdie "$deb is not version $KVERSION"
    (cd "$tmp/debs" && sha256sum "$(basename "$deb")" "$(basename "$ddeb")") > "$tmp/sha256"
    dpkg-deb -x "$deb" "$tmp/root" || kdie "cannot extract $deb (disk full?)"
    # Only the vmlinux of the -dbg package (it is not installed).
    dpkg-deb --fsys-tarfile "$ddeb" | tar -x -C "$tmp/dbg" "./usr/lib/debug/boot/vmlinux-$ABI" ||
      kdie "cannot extract the vmlinux from $ddeb (disk full?)"
    # The package ships no modules.dep. depmod with an empty configuration: the host's
    # /etc/depmod.d must not change what the guest gets.
    depmod -C /dev/null -b "$tmp/root" "$ABI" || kdie "depmod failed on $KPACKAGE"
    echo "$KVERSION" > "$tmp/version"
    # What was needed is extracted; the packages (the -dbg one is ~280 MB) would only fill the disk.
    rm -rf "$tmp/debs"
    touch "$tmp/.ready"
    rm -rf "$dir" && mv "$tmp" "$dir"
  }
}

kernel_update_pins() {
  [ -f "$KERNEL_PINS" ] || kdie "no kernel versions file $KERNEL_PINS"
  local series changed=0 new="$KERNEL_PINS.new"
  cp "$KERNEL_PINS" "$new"
  for series in $(kernel_series_list); do
    kernel_pin "$series"
    kernel_lists "$KRELEASE" fresh
    local newest v p
    newest=$(_knewest "$KRELEASE" "$KPACKAGE") || true
    [ -n "$newest" ] || kdie "no $series kernel of $KPACKAGE's flavour in the $KRELEASE archive"
    read -r v p <<< "$newest"
    if [ "$v $p" = "$KVERSION $KPACKAGE" ]; then
      klog "$series: $KPACKAGE $KVERSION is the newest"
      continue
    fi
    klog "$series: $KPACKAGE $KVERSION -> $p $v"
    awk -v s="$series" -v v="$v" -v p="$p" '!/^[[:space:]]*(#|$)/ && $1 == s { printf "%-9s %-9s %-12s %s\n", $1, $2, v, p; next } { print }' \
      "$new" > "$new.2" && mv "$new.2" "$new"
    changed=1
  done
  if [ $changed -eq 1 ]; then mv "$new" "$KERNEL_PINS"; klog "updated $KERNEL_PINS"; else rm -f "$new"; fi
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  set -euo pipefail
  export LC_ALL=C
  case "${1:-}" in
    list) kernel_series_list ;;
    resolve) [ $# -eq 2 ] || kdie "usage: kernels.sh resolve SERIES"
             kernel_resolve "$2"; echo "$KPACKAGE $KVERSION${KFALLBACK:+ fallback: $KFALLBACK}" ;;
    fetch) [ $# -eq 2 ] || kdie "usage: kernels.sh fetch SERIES"
           kernel_fetch "$2"
           for v in KRELEASE KPACKAGE KVERSION ABI KROOT VMLINUX KPINNED KFALLBACK KSHA256; do printf '%s=%q\n' "$v" "${!v}"; done ;;
    update) kernel_update_pins ;;
    *) kdie "usage: kernels.sh list | resolve SERIES | fetch SERIES | update" ;;
  esac
fi
