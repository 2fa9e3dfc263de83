#!/usr/bin/python3
"""Boots the test guest under QEMU and dumps it in each state it announces.

usage: qemu_driver.py --kernel K --initrd I --append "..." --out DIR --name NAME [options]
For every "PFNSCAN-STATE <state>" line on the guest console, the guest is dumped to
DIR/NAME-<state>.elf (QEMU ELF) and DIR/NAME-<state>.kdump (QEMU kdump-zlib, flattened), then
released through its second serial port. With a panic state, the dump waits until QEMU has paused
the guest on its pvpanic notification.

The accelerator is chosen once per run (qemuboot.choose_accel: PFNSCAN_QEMU_ACCEL, else a probe
boot of this very kernel and initramfs to its /init, "pfnscan.mode=probe"); a boot that fails
because of KVM is retried once with TCG. A failure prints one line naming the cause, then the
console's last lines, and exits 1 — at once, not at the deadline.
"""
import argparse
import os
import socket
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import qemuboot  # noqa: E402
from qemuboot import BootError, log  # noqa: E402

# Deadlines sized for TCG on two cores shared with builds (measured there: a dump boot with its
# dumps takes 5 - 10 s, the live boot ~20 s, the live-debuggers boot ~90 s; make-dumps.sh gives
# that one 1200 s); KVM only makes boots shorter. A guest that hangs fails at its deadline, one
# that stops or panics at once.
DEFAULT_DEADLINE = 300
PROBE_APPEND = "console=ttyS0 panic=-1 pfnscan.mode=probe"
PROBE_MARKER = "PFNSCAN-STATE probe-ok"


def machine_args(args, serials):
    cmd = ["-machine", "pc", "-smp", "1", "-kernel", args.kernel, "-initrd", args.initrd]
    for s in serials:
        cmd += ["-serial", s]
    return cmd


def probe(args):
    """A boot of the test kernel to its /init ("PFNSCAN-STATE probe-ok"), for choose_accel."""
    def run(accel, timeout):
        console = os.path.join(args.out, f".probe-{accel}.console")
        extra = machine_args(args, []) + ["-append", PROBE_APPEND]
        with qemuboot.Guest("probe", accel, extra, console, deadline=timeout, first_output=timeout,
                            memory="512M") as g:
            for line in g.lines(waiting_for=PROBE_MARKER):
                if PROBE_MARKER in line:
                    return
            raise g.failure(f"QEMU exited (status {g.proc.returncode}) before {PROBE_MARKER}")
    return run


def dump_boot(args, accel):
    console = os.path.join(args.out, f"{args.name}.console")
    run = qemuboot.tempfile.mkdtemp(prefix="pfnscan-ctl-")
    ctl_path = os.path.join(run, "ctl.sock")
    serials = [f"unix:{ctl_path},server=on,wait=off",
               f"file:{args.live_out}" if args.live_out else "null",
               f"file:{args.trace_out}" if args.trace_out else "null"]
    extra = machine_args(args, serials) + ["-append", args.append,
                                           "-device", "vmcoreinfo", "-device", "pvpanic", "-action", "panic=pause"]
    if args.disk:
        extra += ["-drive", f"file={args.disk},format=raw,if=virtio,readonly=on"]
    states = []
    try:
        with qemuboot.Guest(args.name, accel, extra, console, deadline=args.timeout,
                            panic_marker="PFNSCAN-STATE panic", memory=args.memory) as g:
            ctl = socket.socket(socket.AF_UNIX)
            try:
                ctl.connect(ctl_path)
            except OSError as e:
                raise g.failure(f"cannot connect to the guest's control port: {e.strerror}")
            done = False
            for line in g.lines(waiting_for="the next PFNSCAN-STATE"):
                if "PFNSCAN-FAIL" in line:
                    raise g.failure(f"guest failed: {line.strip()}")
                if "PFNSCAN-STATE" not in line:
                    continue
                state = line.split("PFNSCAN-STATE", 1)[1].strip()
                if state == "done":
                    done = True
                    continue
                if state.startswith("panic"):
                    g.panic_expected = True
                    g.wait_status("guest-panicked", waiting_for="the guest's panic")
                if not state.startswith("live"):
                    base = os.path.join(args.out, f"{args.name}-{state}")
                    for f in (f"{base}.elf", f"{base}.kdump"):
                        if os.path.exists(f):
                            os.unlink(f)  # an earlier attempt's
                    g.cmd("dump-guest-memory", paging=False, protocol=f"file:{base}.elf")
                    # QEMU writes every byte of guest RAM; a freshly booted guest is mostly zero
                    # pages, and as holes the dump takes a tenth of the disk (same contents).
                    r = subprocess.run(["fallocate", "--dig-holes", f"{base}.elf"], capture_output=True, text=True)
                    if r.returncode != 0:
                        raise g.failure(f"fallocate --dig-holes {base}.elf failed: {r.stderr.strip()}")
                    g.cmd("dump-guest-memory", paging=False, protocol=f"file:{base}.kdump", format="kdump-zlib")
                    log(f"dumped {args.name}-{state} ({accel}, {g.elapsed():.0f}s)")
                states.append(state)
                if state.startswith("panic"):
                    return states
                ctl.sendall(b"go\n")
            if not done:
                raise g.failure(f"QEMU exited (status {g.proc.returncode}) before the guest was done"
                                + (f" (states so far: {' '.join(states)})" if states else ""))
            log(f"{args.name} done ({accel}, {g.elapsed():.0f}s)")
            return states
    finally:
        qemuboot.shutil.rmtree(run, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--kernel", required=True)
    ap.add_argument("--initrd", required=True)
    ap.add_argument("--append", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--name", required=True)
    ap.add_argument("--memory", default="1G")
    ap.add_argument("--timeout", type=int, default=DEFAULT_DEADLINE, help="deadline of the boot, seconds")
    ap.add_argument("--live-out", help="file receiving the guest's third serial port (pfnscan live output)")
    ap.add_argument("--disk", help="a file the guest sees, read-only, as its first virtio disk")
    ap.add_argument("--trace-out", help="file receiving the guest's fourth serial port (strace of pfnscan live)")
    ap.add_argument("--probe-only", action="store_true", help="choose the accelerator, print it, boot nothing else")
    args = ap.parse_args()
    for f in (args.kernel, args.initrd) + ((args.disk,) if args.disk else ()):
        if not os.path.isfile(f):
            raise BootError(f"{args.name}: no such file {f}")
    os.makedirs(args.out, exist_ok=True)
    accel = qemuboot.choose_accel(probe(args))
    if args.probe_only:
        return [accel]
    log(f"booting {args.name} with {accel}")
    return qemuboot.run_with_fallback(args.name, accel, lambda a: dump_boot(args, a))


if __name__ == "__main__":
    qemuboot.terminate_on_sigterm()
    try:
        print(" ".join(main()))
    except BootError as e:
        log(f"error: {e}")
        for line in e.detail.splitlines():
            log(f"  {line}")
        sys.exit(1)
    except KeyboardInterrupt:
        sys.exit(130)
