#!/bin/bash
# The kernels of the real dumps are the pinned ones (scripts/real-dumps/kernel-versions.txt):
#   tests/infra/kernel-pins.sh manifest DUMPS_DIR   the dumps in DUMPS_DIR are of the pinned
#                      packages, or manifest.json records a fallback whose pin is really gone
#   tests/infra/kernel-pins.sh fallback             a pin that is not in the archive falls back
#                      to the newest package of its series, with a warning, and says so
#   tests/infra/kernel-pins.sh update               `kernels.sh update` rewrites a stale pin
#                      to the newest package and leaves the rest of the file alone
set -euo pipefail
export LC_ALL=C
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
KERNELS=$ROOT/scripts/real-dumps/kernels.sh
PINS=$ROOT/scripts/real-dumps/kernel-versions.txt
what=${1:?usage: kernel-pins.sh manifest DUMPS_DIR | fallback | update}
W=$(mktemp -d "${PFNSCAN_TEST_TMP:-${TMPDIR:-/tmp}}/pins-$what.XXXXXX")
fail() { echo "FAIL ($what): $*" >&2; echo "(work directory kept: $W)" >&2; exit 1; }
pins() { awk '!/^[[:space:]]*(#|$)/ { print $1, $2, $3, $4 }' "${1:-$PINS}"; }

case $what in
  manifest)
    m=${PFNSCAN_REAL_DUMPS:-${2:?DUMPS_DIR}}/manifest.json
    [ -f "$m" ] || fail "no $m"
    while read -r series release version package; do
      got=$(/usr/bin/python3 -c 'import json, sys
k = json.load(open(sys.argv[1])).get(sys.argv[2])
print("missing" if k is None else "%s %s %s|%s|%d" % (k["package"], k["package_version"], k["pinned"], k["fallback"] or "", len(k["sha256"])))' "$m" "$series")
      [ "$got" != missing ] || fail "manifest.json has no $series kernel"
      IFS='|' read -r used fallback nsha <<< "$got"
      [ "$nsha" = 2 ] || fail "$series: manifest.json records $nsha package checksums, not 2"
      if [ -z "$fallback" ]; then
        [ "$used" = "$package $version $package $version" ] || fail "$series: the dumps are of '$used', the pin is $package $version"
        echo "$series: $package $version (pinned)"
      else
        # A fallback is only right if the pin is gone: resolving it again must fall back too.
        [[ $used == *" $package $version" ]] || fail "$series: manifest.json records the pin as '${used#* * }', the file says $package $version"
        r=$("$KERNELS" resolve "$series" 2>/dev/null) || fail "cannot resolve $series"
        [[ $r == *fallback:* ]] || fail "$series: manifest.json records a fallback ($fallback), but the pin $package $version is available"
        echo "$series: FALLBACK: $fallback (used ${used% * * *})"
      fi
    done < <(pins)
    echo "ok: the real dumps are of the kernels of kernel-versions.txt" ;;
  fallback)
    read -r series release version package < <(pins | head -1)
    sed -E "s/^($series[[:space:]]+$release[[:space:]]+)$version/\\10.0-0pfnscan.gone/" "$PINS" > "$W/pins"
    grep -q "0.0-0pfnscan.gone" "$W/pins" || fail "cannot make a stale pins file"
    r=$(PFNSCAN_KERNEL_PINS=$W/pins "$KERNELS" resolve "$series" 2> "$W/err") || { cat "$W/err" >&2; fail "resolve failed"; }
    cat "$W/err" >&2
    read -r p v rest <<< "$r"
    [[ $p =~ ^linux-image-${series//./\\.}\.0-[0-9]+-cloud-amd64-unsigned$ ]] || fail "fell back to '$p', not a $series cloud kernel"
    [ "$rest" = "fallback: the pinned $package 0.0-0pfnscan.gone is not in the $release archive; used the newest $series kernel instead" ] ||
      fail "the fallback is not reported: '$r'"
    grep -q "WARNING: .*the pinned $package 0.0-0pfnscan.gone is not in the $release archive.*: $p $v" "$W/err" || fail "no loud warning"
    dpkg --compare-versions "$v" ge "$version" || fail "fell back to $v, older than the pin $version"
    echo "ok: a pin gone from the archive fell back to the newest $series kernel, $p $v, and said so" ;;
  update)
    read -r series release version package < <(pins | head -1)
    sed -E "s/^($series[[:space:]]+$release[[:space:]]+)$version/\\10.0-0pfnscan.old/" "$PINS" > "$W/pins"
    PFNSCAN_KERNEL_PINS=$W/pins "$KERNELS" update 2> "$W/err" || { cat "$W/err" >&2; fail "update failed"; }
    cat "$W/err" >&2
    ! grep -q "0.0-0pfnscan.old" "$W/pins" || fail "the stale pin is still there"
    diff <(grep -E '^[[:space:]]*(#|$)' "$PINS") <(grep -E '^[[:space:]]*(#|$)' "$W/pins") > /dev/null || fail "update changed the comments"
    [ "$(pins "$W/pins" | wc -l)" = "$(pins | wc -l)" ] || fail "update changed the number of pins"
    r=$(PFNSCAN_KERNEL_PINS=$W/pins "$KERNELS" resolve "$series" 2>/dev/null)
    [[ $r != *fallback* ]] || fail "the updated pin does not resolve: $r"
    new=$(pins "$W/pins" | awk -v s="$series" '$1 == s { print $4, $3 }')
    [ "$r" = "$new" ] || fail "the updated pin is '$new' but resolves to '$r'"
    echo "ok: update pinned $series to $new" ;;
  *) fail "unknown check" ;;
esac
rm -rf "$W"
