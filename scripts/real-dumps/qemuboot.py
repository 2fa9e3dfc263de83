"""What every QEMU boot of the test suite shares: the accelerator choice, the QMP watch, deadlines
and failure reports. qemu_driver.py (the dump boots) is built on it; any other boot (a guest that
panics into a kexec capture kernel, ...) can be too:

    import qemuboot
    accel = qemuboot.choose_accel(lambda a, t: probe_boot(a, t))   # once per run, remembered
    def boot(accel):
        with qemuboot.Guest("name", accel, extra_args, console, deadline=900) as g:
            for line in g.lines():          # console lines; raises BootError on a failure
                ...
    qemuboot.run_with_fallback("name", accel, boot)   # a KVM failure: the same boot once with TCG

Environment:
  PFNSCAN_QEMU_ACCEL          auto (default: probe with a real guest) | kvm | tcg
  PFNSCAN_QEMU_ACCEL_STATE    a file remembering the run's accelerator (make-dumps.sh and
                              scripts/test.sh set it); without it every choose_accel() probes
  PFNSCAN_QEMU_PROBE_TIMEOUT  seconds the KVM probe guest has to reach its marker (default 20;
                              TCG boots the test kernel to init in ~4 s on two loaded cores)
  PFNSCAN_KVM_DEVICE          the KVM device the probe looks at (default /dev/kvm)

QEMU is `qemu-system-x86_64` from PATH (a test puts a shim first).
"""
import contextlib
import ctypes
import fcntl
import json
import os
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

ACCELS = ("auto", "kvm", "tcg")
T0 = time.monotonic()


def log(msg):
    print(f"qemu_driver: {msg}", file=sys.stderr, flush=True)


class BootError(Exception):
    """A boot that failed. str() is the one-line cause; detail holds the console's last lines
    and QEMU's messages. kvm_suspect: the failure is the accelerator's (a guest stopped with an
    internal error, a guest that never printed, QEMU that could not set up KVM), so the same boot
    may be retried with TCG."""

    def __init__(self, msg, detail="", kvm_suspect=False):
        super().__init__(msg)
        self.detail = detail
        self.kvm_suspect = kvm_suspect


class QmpClosed(BootError):
    pass


class Qmp:
    def __init__(self, path, deadline, proc):
        self.sock = socket.socket(socket.AF_UNIX)
        while True:
            try:
                self.sock.connect(path)
                break
            except OSError:
                if proc.poll() is not None:
                    raise BootError(f"QEMU exited (status {proc.returncode}) before its QMP socket was up")
                if time.monotonic() > deadline:
                    raise BootError("QEMU's QMP socket did not come up within 30s")
                time.sleep(0.05)
        self.buf = b""
        self.events = []
        self.closed = False
        self.recv(deadline)  # greeting
        self.cmd("qmp_capabilities", timeout=30)

    def _read(self, timeout):
        r, _, _ = select.select([self.sock], [], [], max(0, timeout))
        if not r:
            return False
        try:
            chunk = self.sock.recv(65536)
        except OSError as e:
            raise QmpClosed(f"QEMU closed its QMP socket ({e.strerror})")
        if not chunk:
            raise QmpClosed("QEMU closed its QMP socket")
        self.buf += chunk
        return True

    def recv(self, deadline):
        while b"\n" not in self.buf:
            if not self._read(deadline - time.monotonic()):
                raise BootError("QEMU did not answer on QMP in time")
        line, self.buf = self.buf.split(b"\n", 1)
        return json.loads(line)

    def poll(self, timeout):
        """Queued events after waiting up to timeout for QMP traffic."""
        if b"\n" not in self.buf and not self.closed:
            try:
                self._read(timeout)
            except QmpClosed:
                self.closed = True  # QEMU is exiting: the caller sees its exit
                time.sleep(timeout)
        while b"\n" in self.buf:
            line, self.buf = self.buf.split(b"\n", 1)
            msg = json.loads(line)
            if "event" in msg:
                self.events.append(msg)
        ev, self.events = self.events, []
        return ev

    def cmd(self, name, timeout=60, **args):
        try:
            self.sock.sendall(json.dumps({"execute": name, "arguments": args}).encode() + b"\n")
        except OSError as e:
            raise QmpClosed(f"QEMU closed its QMP socket ({e.strerror})")
        deadline = time.monotonic() + timeout
        while True:
            msg = self.recv(deadline)
            if "event" in msg:
                self.events.append(msg)
                continue
            if "error" in msg:
                raise BootError(f"QMP {name} failed: {msg['error'].get('desc', msg['error'])}")
            return msg.get("return")


def _die_with_parent():
    """In QEMU's child before exec: QEMU is killed when the driver dies, however it dies."""
    PR_SET_PDEATHSIG = 1
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


def terminate_on_sigterm():
    """SIGTERM (a test harness stopping us) unwinds like an exception: every Guest is closed."""
    def handler(signum, frame):
        raise SystemExit(128 + signum)
    signal.signal(signal.SIGTERM, handler)


class Guest:
    """One QEMU process: -accel ACCEL, the console on the first serial port (a file), QMP on a
    private socket, then extra_args (more serial ports, disks, devices, kernel and command line).
    deadline: seconds the whole boot may take; first_output: seconds until the console's first
    byte (a guest that never prints is as good as dead). A guest that stops (QMP STOP with
    status internal-error, or guest-panicked while no panic is expected), a QEMU that exits early
    and a passed deadline raise BootError at once, with the console's last lines."""

    def __init__(self, name, accel, extra_args, console, deadline, first_output=None,
                 panic_marker=None, memory="1G"):
        self.name, self.accel, self.console = name, accel, console
        self.deadline_s = deadline
        self.first_output = first_output if first_output is not None else (20 if accel == "kvm" else 120)
        self.panic_marker = panic_marker  # a panic is expected once this text is on the console
        self.panic_expected = False
        self.rundir = tempfile.mkdtemp(prefix="pfnscan-qemu-")  # short: unix socket paths <108
        self.qmp_path = os.path.join(self.rundir, "qmp.sock")
        self.stderr_path = os.path.join(self.rundir, "qemu.stderr")
        self.args = ["qemu-system-x86_64", "-accel", accel, "-m", memory, "-display", "none",
                     "-no-reboot", "-monitor", "none", "-serial", f"file:{console}",
                     "-qmp", f"unix:{self.qmp_path},server=on,wait=off"] + list(extra_args)
        self.proc = None
        self.qmp = None
        self.offset = 0
        self.partial = b""
        self.text_seen = []
        self.got_output = False

    # -- lifecycle
    def __enter__(self):
        try:
            self.start()
        except BaseException:
            self.close()  # (__exit__ is not called when __enter__ raises)
            raise
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    def start(self):
        if shutil.which("qemu-system-x86_64") is None:
            raise BootError("qemu-system-x86_64 is not installed (Debian package qemu-system-x86)")
        with open(self.console, "wb"):
            pass
        self.t_start = time.monotonic()
        self.deadline = self.t_start + self.deadline_s
        self.stderr = open(self.stderr_path, "wb")
        try:
            self.proc = subprocess.Popen(self.args, stdin=subprocess.DEVNULL, stdout=self.stderr,
                                         stderr=self.stderr, preexec_fn=_die_with_parent)
        except OSError as e:
            raise BootError(f"cannot start qemu-system-x86_64: {e.strerror}")
        try:
            self.qmp = Qmp(self.qmp_path, min(self.deadline, self.t_start + 30), self.proc)
        except BootError as e:
            self._wait_exit(2)
            msg = f"QEMU exited (status {self.proc.returncode}) at start" if self.proc.poll() is not None else str(e)
            raise self.failure(f"{msg}{self._qemu_says()}", kvm_suspect=self._kvm_setup_failed())

    def close(self):
        if self.proc is not None and self.proc.poll() is None:
            try:
                if self.qmp:
                    self.qmp.sock.sendall(b'{"execute": "quit"}\n')
                self.proc.wait(5)
            except (OSError, subprocess.TimeoutExpired):
                pass
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        if self.qmp:
            self.qmp.sock.close()
        if getattr(self, "stderr", None):
            self.stderr.close()
        shutil.rmtree(self.rundir, ignore_errors=True)

    def _wait_exit(self, t):
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(t)

    # -- what went wrong
    def elapsed(self):
        return time.monotonic() - self.t_start

    def qemu_stderr(self):
        try:
            self.stderr.flush()
            with open(self.stderr_path, errors="replace") as f:
                return [l.rstrip() for l in f if l.strip()]
        except OSError:
            return []

    def _qemu_says(self):
        said = [l for l in self.qemu_stderr() if "warning: host doesn't support requested feature" not in l]
        return f" (QEMU: {'; '.join(said[:2])})" if said else ""

    def _kvm_setup_failed(self):
        return self.accel == "kvm" and any("kvm" in l.lower() for l in self.qemu_stderr())

    def console_tail(self, n=15):
        try:
            with open(self.console, errors="replace") as f:
                return [l.rstrip("\n") for l in f.readlines()[-n:]]
        except OSError:
            return []

    def failure(self, msg, kvm_suspect=False):
        tail = self.console_tail()
        detail = [f"console {self.console}, " + (f"last {len(tail)} lines:" if tail else "empty")]
        detail += [f"  | {l}" for l in tail]
        err = self.qemu_stderr()
        if err:
            detail.append("QEMU's messages (first 5 lines):")
            detail += [f"  ! {l}" for l in err[:5]]
        return BootError(f"{self.name} ({self.accel}, {self.elapsed():.1f}s): {msg}", "\n".join(detail), kvm_suspect)

    # -- watching
    def cmd(self, name, timeout=None, **args):
        """A QMP command (bounded by the boot's deadline)."""
        t = timeout if timeout is not None else max(1, self.deadline - time.monotonic())
        try:
            return self.qmp.cmd(name, timeout=t, **args)
        except BootError as e:
            if time.monotonic() >= self.deadline:
                raise self.failure(f"deadline of {self.deadline_s}s passed during QMP {name}")
            raise self.failure(str(e))

    def status(self):
        return self.cmd("query-status")["status"]

    def _check_stopped(self, why):
        try:
            st = self.qmp.cmd("query-status", timeout=max(1, self.deadline - time.monotonic()))["status"]
        except QmpClosed:
            # QEMU stops the guest on its way out (poweroff, -no-reboot): its exit says how it went.
            self._wait_exit(5)
            if self.proc.poll() is not None:
                return "exited"
            raise self.failure("QEMU closed its QMP socket but kept running")
        except BootError as e:
            raise self.failure(str(e))
        if st == "internal-error":
            raise self.failure(f"the guest stopped with internal-error{self._qemu_says()}",
                               kvm_suspect=self.accel == "kvm")
        if st == "guest-panicked" and not self._panic_ok():
            raise self.failure(f"the guest panicked unexpectedly{self._panic_line()}")
        return st

    def _panic_ok(self):
        if self.panic_expected:
            return True
        if self.panic_marker:
            with open(self.console, errors="replace") as f:
                return self.panic_marker in f.read()
        return False

    def _panic_line(self):
        for l in reversed(self.console_tail(60)):
            if "Kernel panic" in l or "BUG:" in l or "Oops" in l:
                return f": {l.strip()}"
        return ""

    def _watch(self, timeout):
        """One round: QMP events, QEMU's exit, the deadlines. Returns new console lines."""
        for ev in self.qmp.poll(timeout):
            kind = ev.get("event")
            if kind == "STOP":
                self._check_stopped("STOP")
            elif kind == "GUEST_PANICKED" and not self._panic_ok():
                raise self.failure(f"the guest panicked unexpectedly{self._panic_line()}")
        lines = self._read_console()
        now = time.monotonic()
        if not self.got_output and now - self.t_start > self.first_output and self.proc.poll() is None:
            raise self.failure(f"no console output within {self.first_output}s", kvm_suspect=self.accel == "kvm")
        if now > self.deadline:
            raise self.failure(f"deadline of {self.deadline_s}s passed"
                               + (f" waiting for {self.waiting_for}" if getattr(self, "waiting_for", None) else ""))
        return lines

    def _read_console(self):
        try:
            with open(self.console, "rb") as f:
                f.seek(self.offset)
                data = f.read()
        except OSError:
            return []
        if not data:
            return []
        self.got_output = True
        self.offset += len(data)
        data = self.partial + data
        *done, self.partial = data.split(b"\n")
        return [l.decode(errors="replace").rstrip("\r") for l in done]

    def lines(self, waiting_for=None):
        """The console's lines as they come. Ends when QEMU has exited (after the last line).
        A line with "Kernel panic - not syncing" while no panic is expected is a failure."""
        self.waiting_for = waiting_for
        while True:
            exited = self.proc.poll() is not None
            for line in self._watch(0 if exited else 0.1):
                if "Kernel panic - not syncing" in line and not self._panic_ok():
                    raise self.failure(f"the guest panicked unexpectedly: {line.strip()}")
                yield line
            if exited:
                if self.partial:
                    line, self.partial = self.partial.decode(errors="replace"), b""
                    yield line
                return

    def wait_status(self, want, waiting_for=None):
        """Waits until QMP's query-status says `want` (e.g. guest-panicked)."""
        self.waiting_for = waiting_for or f"status {want}"
        while True:
            if self.proc.poll() is not None:
                raise self.failure(f"QEMU exited (status {self.proc.returncode}) waiting for {self.waiting_for}")
            if self._check_stopped("poll") == want:
                return
            self._watch(0.2)

    def exited_cleanly(self):
        return self.proc.poll() == 0


def run_with_fallback(name, accel, boot):
    """boot(accel); a failure that is the accelerator's under KVM: the same boot once with TCG,
    logged, and TCG remembered for the rest of the run."""
    t0 = time.monotonic()
    try:
        return boot(accel)
    except BootError as e:
        if accel != "kvm" or not e.kvm_suspect:
            raise
        log(f"{name}: KVM failed after {time.monotonic() - t0:.1f}s ({e}); retrying this boot once with tcg")
        remember("tcg", f"KVM failed in boot {name}: {e}")
        return boot("tcg")


# -- the accelerator of the run

def _state_path():
    return os.environ.get("PFNSCAN_QEMU_ACCEL_STATE") or None


def remember(accel, why):
    p = _state_path()
    if p:
        with open(p + ".tmp", "w") as f:
            f.write(f"{accel} {why}\n")
        os.replace(p + ".tmp", p)


def recalled():
    p = _state_path()
    if p and os.path.exists(p):
        with open(p) as f:
            words = f.read().split(None, 1)
        if words and words[0] in ("kvm", "tcg"):
            return words[0], (words[1].strip() if len(words) > 1 else "")
    return None


@contextlib.contextmanager
def _state_lock():
    p = _state_path()
    if not p:
        yield
        return
    with open(p + ".lock", "w") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        yield


def choose_accel(probe):
    """The accelerator for a boot. PFNSCAN_QEMU_ACCEL=kvm|tcg decides; with auto, the run's
    remembered answer, else a probe: probe(accel, timeout) must boot a real guest (the test kernel
    itself) to a marker, raising BootError otherwise. Opening /dev/kvm proves nothing: the nested
    KVM of some cloud machines opens, creates VMs, and stops on an ordinary kernel's instructions."""
    mode = os.environ.get("PFNSCAN_QEMU_ACCEL", "auto") or "auto"
    if mode not in ACCELS:
        raise BootError(f"PFNSCAN_QEMU_ACCEL={mode}: must be one of {', '.join(ACCELS)}")
    with _state_lock():
        got = recalled()
        if mode == "tcg":
            return "tcg"
        if got and (mode == "auto" or got[0] == "tcg"):
            # (kvm forced, but KVM already failed in this run: TCG, as the fallback left it.)
            log(f"accelerator {got[0]}, as chosen earlier in this run ({got[1]})")
            return got[0]
        if mode == "kvm":
            log("accelerator kvm (PFNSCAN_QEMU_ACCEL=kvm: no probe)")
            return "kvm"
        accel, why = probe_accel(probe)
        remember(accel, why)
        log(f"accelerator for this run: {accel} ({why})")
        return accel


def probe_accel(probe):
    dev = os.environ.get("PFNSCAN_KVM_DEVICE", "/dev/kvm")
    if not os.path.exists(dev):
        return "tcg", f"no {dev}"
    try:
        os.close(os.open(dev, os.O_RDWR))
    except OSError as e:
        return "tcg", f"{dev} does not open: {e.strerror}"
    timeout = int(os.environ.get("PFNSCAN_QEMU_PROBE_TIMEOUT", "20"))
    t0 = time.monotonic()
    try:
        probe("kvm", timeout)
    except BootError as e:
        return "tcg", f"{dev} opens, but the KVM probe guest failed after {time.monotonic() - t0:.1f}s: {e}"
    return "kvm", f"the KVM probe guest reached its marker in {time.monotonic() - t0:.1f}s"
