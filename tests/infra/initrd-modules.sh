#!/bin/bash
# The initramfs of the real-dump guest carries exactly the modules the guest loads, whatever the
# host's module configuration:
#   tests/infra/initrd-modules.sh SERIES
# builds the guest of the pinned SERIES kernel (make-dumps.sh --guest) twice: as it is, and in a
# private mount namespace where the host looks like one with Debian's ndctl installed (its
# `install libnvdimm /usr/bin/ndctl load-keys ; ...` in /etc/modprobe.d, which once turned
# libnvdimm into an "install" line that never reached the initramfs) plus worse (blacklists,
# install commands, aliases, MODPROBE_OPTIONS, a modprobe on PATH that must not be called). Both
# must give the expected module lists, and the initramfs must hold those modules and no others.
set -euo pipefail
export LC_ALL=C
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
series=${1:?usage: initrd-modules.sh SERIES}
# Expected lists (file names, in load order): the ACPI pvpanic driver (pvpanic-mmio on top of
# pvpanic since 5.12), fw_cfg, libnvdimm before nd_e820; then nd_pmem after nd_btt (DAX is built in).
case $series in
  6.1)  want_base="qemu_fw_cfg.ko,pvpanic.ko,pvpanic-mmio.ko,libnvdimm.ko,nd_e820.ko"
        want_pmem="nd_btt.ko,nd_pmem.ko" ;;
  5.10) want_base="qemu_fw_cfg.ko,pvpanic.ko,libnvdimm.ko,nd_e820.ko"
        want_pmem="nd_btt.ko,nd_pmem.ko" ;;
  *) echo "FAIL: no expected module lists for series $series" >&2; exit 1 ;;
esac
W=$(mktemp -d "${PFNSCAN_TEST_TMP:-${TMPDIR:-/tmp}}/initrd-$series.XXXXXX")
fail() { echo "FAIL ($series): $*" >&2; echo "(work directory kept: $W)" >&2; exit 1; }

# check NAME: the lists and the initramfs of the guest built into $W/NAME
check() {
  local name=$1
  # shellcheck disable=SC1090
  . "$W/$name/guest-$series.env"
  [ "$MODULES_BASE" = "$want_base" ] || fail "$name: base.list is '$MODULES_BASE', not '$want_base'"
  [ "$MODULES_PMEM" = "$want_pmem" ] || fail "$name: pmem.list is '$MODULES_PMEM', not '$want_pmem'"
  local got want
  got=$(zcat "$INITRD" | cpio -it --quiet | sed -n 's|^modules/\(.*\.ko\)$|\1|p' | sort | paste -sd,)
  want=$(echo "$want_base,$want_pmem" | tr , '\n' | sort | paste -sd,)
  [ "$got" = "$want" ] || fail "$name: the initramfs holds modules $got, not $want"
  got=$(zcat "$INITRD" | cpio -i --quiet --to-stdout modules/base.list | paste -sd,)
  [ "$got" = "$want_base" ] || fail "$name: the initramfs's base.list is '$got'"
  got=$(zcat "$INITRD" | cpio -i --quiet --to-stdout modules/pmem.list | paste -sd,)
  [ "$got" = "$want_pmem" ] || fail "$name: the initramfs's pmem.list is '$got'"
}

"$ROOT/scripts/real-dumps/make-dumps.sh" --guest "$series" "$W/plain" 2> "$W/plain.log" ||
  { cat "$W/plain.log" >&2; fail "cannot build the guest"; }
check plain

# The hostile host.
mkdir -p "$W/conf" "$W/bin"
cat > "$W/conf/nvdimm-security.conf" <<'EOF'
# As Debian's ndctl package ships it:
install libnvdimm /usr/bin/ndctl load-keys ; /sbin/modprobe --ignore-install libnvdimm $CMDLINE_OPTS
EOF
cat > "$W/conf/hostile.conf" <<'EOF'
blacklist nd_pmem
install nd_e820 /bin/false
install nd_pmem /bin/false
alias pvpanic_mmio no_such_module
options libnvdimm no_such_option=1
softdep nd_btt pre: no_such_module
EOF
cat > "$W/bin/modprobe" <<EOF
#!/bin/sh
echo "modprobe \$*" >> "$W/modprobe-called"
exit 1
EOF
chmod +x "$W/bin/modprobe"
real_modprobe=$(PATH=/usr/sbin:/sbin:/usr/bin:/bin command -v modprobe) || fail "no modprobe on this host (kmod)"
set +e
# (--propagation unchanged, then private where possible: in a chroot "/" is no mount point and
# cannot be made private; the namespace must then simply hold no shared mount, or a mount made
# here could appear on the host.)
unshare -m --propagation unchanged /bin/bash -euc '
  W=$1 ROOT=$2 series=$3 real_modprobe=$4
  mount --make-rprivate / 2> /dev/null || true
  if grep -q " shared:" /proc/self/mountinfo; then
    echo "cannot isolate the test mounts: shared mounts in the namespace:"; grep " shared:" /proc/self/mountinfo | head -3; exit 4
  fi
  for d in /etc/modprobe.d /lib/modprobe.d; do
    [ -d "$d" ] || continue
    mount -t tmpfs pfnscan-test "$d"
    cp "$W"/conf/*.conf "$d/"
  done
  # The configuration is in force: the host modprobe now gives libnvdimm as an install command.
  . "$W/plain/guest-$series.env"
  KROOT=${KERNEL%/boot/*}
  "$real_modprobe" -d "$KROOT" -S "$ABI" --show-depends nd_e820 > "$W/show-depends" 2>&1 || true
  grep -q "^install /usr/bin/ndctl load-keys" "$W/show-depends" ||
    { echo "the hostile modprobe configuration is not in force:"; cat "$W/show-depends"; exit 3; }
  MODPROBE_OPTIONS="--dirname /nonexistent" PATH="$W/bin:$PATH" \
    "$ROOT/scripts/real-dumps/make-dumps.sh" --guest "$series" "$W/hostile" 2> "$W/hostile.log"
' - "$W" "$ROOT" "$series" "$real_modprobe"
rc=$?
set -e
if [ $rc -ne 0 ]; then
  [ ! -f "$W/hostile.log" ] || cat "$W/hostile.log" >&2
  fail "the guest build on a host with ndctl's modprobe configuration failed (exit $rc; the mount namespace needs root)"
fi
[ ! -e "$W/modprobe-called" ] || fail "the build called the host's modprobe: $(head -1 "$W/modprobe-called")"
check hostile
echo "ok ($series): base.list $want_base; pmem.list $want_pmem; the same with ndctl's and worse modprobe configuration"
rm -rf "$W"
