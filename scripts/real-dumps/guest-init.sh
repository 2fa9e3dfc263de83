#!/bin/busybox sh
# /init of the test guest (busybox). Puts legacy pmem (memmap=nn!ss) into the state the kernel
# command line asks for (pfnscan.mode=...), announces each state on the console and waits for the
# host (which dumps the guest meanwhile) to answer on the second serial port.
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
MODE=$(sed -n 's/.*pfnscan\.mode=\([a-z-]*\).*/\1/p' /proc/cmdline)
# The accelerator probe of qemu_driver.py: this kernel ran to its /init.
[ "$MODE" = probe ] && { echo "PFNSCAN-STATE probe-ok"; poweroff -f; }
say() { echo "PFNSCAN-STATE $1"; }
fail() { dmesg | tail -15; ls /sys/bus/nd/devices /dev | tr '\n' ' '; echo; echo "PFNSCAN-FAIL $1"; poweroff -f; }
wait_host() { read -r _ < /dev/ttyS1; }
load() { while read -r m; do insmod "/modules/$m" || fail "insmod $m"; done < "/modules/$1"; }

# The ACPI pvpanic device and fw_cfg (QEMU's vmcoreinfo device reads the note through it).
load base.list
ND=/sys/bus/nd/devices
for i in 1 2 3 4 5 6 7 8 9 10; do [ -e $ND/namespace0.0 ] && break; sleep 1; done
[ -e $ND/namespace0.0 ] || fail "no legacy pmem namespace"

bind_fsdax() {
  # A pfn device in 'ram' mode: the namespace becomes fsdax with its memmap in System RAM.
  pfn=$(cat $ND/region0/pfn_seed)
  cat /proc/sys/kernel/random/uuid > $ND/$pfn/uuid || fail "pfn uuid"
  echo ram > $ND/$pfn/mode || fail "pfn mode"
  echo namespace0.0 > $ND/$pfn/namespace || fail "pfn namespace"
  load pmem.list
  for i in 1 2 3 4 5 6 7 8 9 10; do [ -e /dev/pmem0 ] && break; sleep 1; done
  [ -e /dev/pmem0 ] || fail "fsdax pmem0 missing"
  PFN=$pfn
}
unbind_fsdax() {
  echo $PFN > /sys/bus/nd/drivers/nd_pmem/unbind || fail "unbind $PFN"
}

case "$MODE" in
  fsdax)
    bind_fsdax; say bound; wait_host
    unbind_fsdax; say unbound; wait_host ;;
  raw)
    echo 1 > $ND/namespace0.0/force_raw || fail "force_raw"
    load pmem.list; say raw; wait_host ;;
  panic-bound)
    bind_fsdax; say panic-bound; echo c > /proc/sysrq-trigger ;;
  panic-unbound)
    bind_fsdax; unbind_fsdax; say panic-unbound; echo c > /proc/sysrq-trigger ;;
  live)
    # pfnscan live under strace (every file it opens, with its flags, on the fourth serial port);
    # the JSON reports go to the third, one line each.
    live() {
      echo "== $1" > /dev/ttyS3
      /strace -f -qq -e trace=open,openat,openat2,creat,truncate,ftruncate -o /dev/ttyS3 \
        /pfnscan live --json > /tmp/live.json 2>/dev/console
      echo "PFNSCAN-LIVE-RC $1 $?"
      tr -d '\n' < /tmp/live.json > /dev/ttyS2; echo > /dev/ttyS2
    }
    bind_fsdax; live bound; say live-bound; wait_host
    unbind_fsdax; live unbound; say live-unbound; wait_host
    # Not root: a clear refusal.
    echo "PFNSCAN-LIVE-NONROOT $(su -s /bin/sh nobody -c '/pfnscan live' 2>&1 | head -1)" ;;
  live-debuggers)
    # The CLI, crash's extension and drgn's integration on this running kernel, in the bound
    # state; each report goes to the third serial port after a "== NAME" line.
    load virtio.list
    for i in 1 2 3 4 5 6 7 8 9 10; do [ -e /dev/vda ] && break; sleep 1; done
    [ -e /dev/vda ] || fail "no virtio disk"
    SIZE=$(sed -n 's/.*pfnscan\.vmlinux_size=\([0-9]*\).*/\1/p' /proc/cmdline)
    dd if=/dev/vda of=/vmlinux bs=4M 2>/dev/null && truncate -s "$SIZE" /vmlinux || fail "copying the vmlinux"
    bind_fsdax
    report() { echo "== $1" > /dev/ttyS2; tr -d '\n' < "$2" > /dev/ttyS2; echo > /dev/ttyS2; }
    /pfnscan live --json > /tmp/cli.json 2>/dev/console
    echo "PFNSCAN-LIVE-RC cli $?"
    report cli /tmp/cli.json
    # --minimal: crash 8.0.2 cannot find its own task on this live kernel ("cannot set context
    # for pid") and then crashes; pfnscan needs no task table.
    printf 'extend /plugin/pfnscan.so\npfnscan -j > /tmp/crash.json\nquit\n' > /tmp/crash.cmds
    HOME=/tmp /usr/bin/crash --minimal -s /vmlinux /proc/kcore -i /tmp/crash.cmds < /dev/null > /tmp/crash.session 2>&1
    echo "PFNSCAN-LIVE-RC crash $?"
    cat /tmp/crash.session
    report crash /tmp/crash.json
    HOME=/tmp /usr/bin/python3 /usr/bin/drgn -k -q --no-default-symbols -s /vmlinux /plugin/pfnscan_drgn.py --json \
      > /tmp/drgn.json 2>/dev/console
    echo "PFNSCAN-LIVE-RC drgn $?"
    report drgn /tmp/drgn.json ;;
  *) fail "unknown pfnscan.mode '$MODE'" ;;
esac
say done
poweroff -f
