#!/usr/bin/python3
"""Boots the test guest under QEMU and dumps it in each state it announces.

usage: qemu_driver.py --kernel K --initrd I --append "..." --out DIR --name NAME [--panic]
For every "PFNSCAN-STATE <state>" line on the guest console, the guest is dumped to
DIR/NAME-<state>.elf (QEMU ELF) and DIR/NAME-<state>.kdump (QEMU kdump-zlib, flattened), then
released through its second serial port. With a panic state, the dump waits until QEMU has paused
the guest on its pvpanic notification.
"""
import argparse, json, os, socket, subprocess, sys, time

def log(msg):
    print(f"qemu_driver: {msg}", file=sys.stderr, flush=True)

class Qmp:
    def __init__(self, path):
        self.sock = socket.socket(socket.AF_UNIX)
        for _ in range(200):
            try:
                self.sock.connect(path)
                break
            except OSError:
                time.sleep(0.05)
        else:
            raise RuntimeError("cannot connect to QMP")
        self.buf = b""
        self.events = []
        self.recv()  # greeting
        self.cmd("qmp_capabilities")

    def recv(self):
        while b"\n" not in self.buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise RuntimeError("QMP closed")
            self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        return json.loads(line)

    def cmd(self, name, **args):
        self.sock.sendall(json.dumps({"execute": name, "arguments": args}).encode() + b"\n")
        while True:
            msg = self.recv()
            if "event" in msg:
                self.events.append(msg)
                continue
            if "error" in msg:
                raise RuntimeError(f"QMP {name}: {msg['error']}")
            return msg.get("return")

def kvm_works():
    # /dev/kvm here is a nested variant that fails on ordinary kernels: probe with a real run.
    if not os.access("/dev/kvm", os.R_OK | os.W_OK):
        return False
    try:
        r = subprocess.run(["qemu-system-x86_64", "-accel", "kvm", "-machine", "none", "-display", "none",
                            "-S", "-qmp", "stdio"], input=b'{"execute":"qmp_capabilities"}\n{"execute":"quit"}\n',
                           capture_output=True, timeout=20)
        return r.returncode == 0
    except Exception:
        return False

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--kernel", required=True)
    ap.add_argument("--initrd", required=True)
    ap.add_argument("--append", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--name", required=True)
    ap.add_argument("--memory", default="1G")
    ap.add_argument("--timeout", type=int, default=600)
    ap.add_argument("--live-out", help="file receiving the guest's third serial port (pfnscan live output)")
    ap.add_argument("--disk", help="a file the guest sees, read-only, as its first virtio disk")
    ap.add_argument("--trace-out", help="file receiving the guest's fourth serial port (strace of pfnscan live)")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    run = os.path.join(args.out, f".{args.name}.run")
    os.makedirs(run, exist_ok=True)
    console = os.path.join(args.out, f"{args.name}.console")
    qmp_path, ctl_path = os.path.join(run, "qmp.sock"), os.path.join(run, "ctl.sock")
    for p in (qmp_path, ctl_path):
        if os.path.exists(p):
            os.unlink(p)
    accel = "kvm" if kvm_works() else "tcg"
    log(f"booting {args.name} with {accel}")
    cmd = ["qemu-system-x86_64", "-machine", "pc", "-accel", accel, "-m", args.memory, "-smp", "1",
           "-kernel", args.kernel, "-initrd", args.initrd, "-append", args.append,
           "-display", "none", "-no-reboot", "-monitor", "none",
           "-serial", f"file:{console}", "-serial", f"unix:{ctl_path},server=on,wait=off",
           "-serial", f"file:{args.live_out}" if args.live_out else "null",
           "-serial", f"file:{args.trace_out}" if args.trace_out else "null",
           "-qmp", f"unix:{qmp_path},server=on,wait=off",
           "-device", "vmcoreinfo", "-device", "pvpanic", "-action", "panic=pause"]
    if args.disk:
        cmd += ["-drive", f"file={args.disk},format=raw,if=virtio,readonly=on"]
    qemu = subprocess.Popen(cmd, stdin=subprocess.DEVNULL)
    try:
        qmp = Qmp(qmp_path)
        ctl = socket.socket(socket.AF_UNIX)
        ctl.connect(ctl_path)
        deadline = time.time() + args.timeout
        seen = 0
        states = []
        while time.time() < deadline:
            if qemu.poll() is not None:
                break
            text = open(console, errors="replace").read() if os.path.exists(console) else ""
            lines = text.splitlines()
            new, seen = lines[seen:], len(lines)
            for line in new:
                if "PFNSCAN-FAIL" in line:
                    raise RuntimeError(f"guest failed: {line}")
                if "Kernel panic - not syncing" in line and not (states and states[-1].startswith("panic")) \
                        and "PFNSCAN-STATE panic" not in text:
                    raise RuntimeError(f"unexpected guest panic: {line.strip()} (console: {console})")
                if "PFNSCAN-STATE" not in line:
                    continue
                state = line.split("PFNSCAN-STATE", 1)[1].strip()
                if state == "done":
                    continue
                if state.startswith("panic"):
                    while qmp.cmd("query-status")["status"] != "guest-panicked":
                        if time.time() > deadline:
                            raise RuntimeError("the guest never panicked")
                        time.sleep(0.2)
                if not state.startswith("live"):
                    base = os.path.join(args.out, f"{args.name}-{state}")
                    qmp.cmd("dump-guest-memory", paging=False, protocol=f"file:{base}.elf")
                    # QEMU writes every byte of guest RAM; a freshly booted guest is mostly zero
                    # pages, and as holes the dump takes a tenth of the disk (same contents).
                    subprocess.run(["fallocate", "--dig-holes", f"{base}.elf"], check=True)
                    qmp.cmd("dump-guest-memory", paging=False, protocol=f"file:{base}.kdump", format="kdump-zlib")
                    log(f"dumped {args.name}-{state}")
                states.append(state)
                if state.startswith("panic"):
                    qmp.cmd("quit")
                    return states
                ctl.sendall(b"go\n")
            time.sleep(0.1)
        if qemu.poll() is None:
            raise RuntimeError(f"timed out after {args.timeout}s; console: {console}")
        text = open(console, errors="replace").read()
        for line in text.splitlines():
            if "PFNSCAN-FAIL" in line:
                raise RuntimeError(f"guest failed: {line}")
        if "PFNSCAN-STATE done" not in text:
            raise RuntimeError(f"the guest stopped before it was done; console: {console}")
        return states
    finally:
        if qemu.poll() is None:
            qemu.kill()
        qemu.wait()

if __name__ == "__main__":
    try:
        print(" ".join(main()))
    except Exception as e:
        log(f"error: {e}")
        sys.exit(1)
