# pfnscan for drgn: scans the program drgn has open (a vmcore or the live kernel) with pfnscan's
# core library, reached through its C ABI (libpfnscan.so, include/pfnscan/capi.h) because drgn
# 0.0.22 does not export libdrgn's C API. drgn supplies memory reads, symbols and type
# information; the judgement happens in the core only, so the answers are the CLI's.
"""
pfnscan
-------

The ``pfnscan`` module finds the pfns where the pre-5.12 ``pfn_to_online_page()``
returns a ZONE_DEVICE, stale or poisoned ``struct page``, in the program drgn
has open, and judges the oopses of its kernel log against them.

In a drgn session::

    >>> import pfnscan_drgn as pfnscan
    >>> report = pfnscan.scan(prog)
    >>> report.findings[0]
    Finding(0xa000-0x10000, section 1, zone_device_in_online_section)
    >>> page = report.findings[0].page(0xa123)
    >>> page.flags
    (unsigned long)11258999068430336
    >>> pfnscan.print_report(prog)

As a drgn script::

    drgn -c VMCORE -s VMLINUX plugin/drgn/pfnscan_drgn.py [--json] [--full] [-v]
"""

import ctypes
import json
import os
import sys
from typing import Any, Dict, Iterator, List, Optional, Tuple

import drgn
from drgn import FaultError, Object, Program

__all__ = ("Finding", "Report", "scan", "print_report", "load_library")

_READ = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_int, ctypes.c_uint64, ctypes.c_void_p, ctypes.c_size_t)
_SYMBOL = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_char_p, ctypes.POINTER(ctypes.c_uint64))
_STRUCT_SIZE = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_char_p, ctypes.POINTER(ctypes.c_uint64))
_MEMBER_OFFSET = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.POINTER(ctypes.c_uint64))
_ENUMERATOR = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_char_p, ctypes.POINTER(ctypes.c_int64))


class _Host(ctypes.Structure):
    _fields_ = [
        ("ctx", ctypes.c_void_p),
        ("kind", ctypes.c_char_p),
        ("path", ctypes.c_char_p),
        ("live", ctypes.c_int),
        ("read", _READ),
        ("symbol", _SYMBOL),
        ("struct_size", _STRUCT_SIZE),
        ("member_offset", _MEMBER_OFFSET),
        ("enumerator", _ENUMERATOR),
        ("vmcoreinfo", ctypes.c_char_p),
    ]


class _Options(ctypes.Structure):
    _fields_ = [
        ("full", ctypes.c_int),
        ("verbose", ctypes.c_int),
        ("style", ctypes.c_int),
        ("section", ctypes.c_int64),
        ("pfn_start", ctypes.c_uint64),
        ("pfn_end", ctypes.c_uint64),
        ("judge_log", ctypes.c_int),
        ("debuginfo_dir", ctypes.c_char_p),  # capi.h version 2
        ("dmesg_file", ctypes.c_char_p),
    ]


_lib: Optional[ctypes.CDLL] = None


def load_library(path: Optional[str] = None) -> ctypes.CDLL:
    """
    Load ``libpfnscan.so``: *path*, else ``$PFNSCAN_LIB``, else next to this
    file, in the build tree, or wherever the dynamic linker finds it.

    :param path: Path of ``libpfnscan.so``.
    """
    global _lib
    if _lib is not None and path is None:
        return _lib
    here = os.path.dirname(os.path.abspath(__file__))
    candidates = [path, os.environ.get("PFNSCAN_LIB"), os.path.join(here, "libpfnscan.so"),
                  os.path.join(here, "..", "..", "build", "libpfnscan.so"), "libpfnscan.so"]
    errors = []
    for c in candidates:
        if not c:
            continue
        try:
            lib = ctypes.CDLL(c)
            break
        except OSError as e:
            errors.append(f"{c}: {e}")
    else:
        raise OSError("cannot load libpfnscan.so (set PFNSCAN_LIB): " + "; ".join(errors))
    lib.pfnscan_run.restype = ctypes.c_int
    lib.pfnscan_run.argtypes = [ctypes.POINTER(_Host), ctypes.POINTER(_Options), ctypes.POINTER(ctypes.c_void_p),
                                ctypes.POINTER(ctypes.c_void_p), ctypes.POINTER(ctypes.c_void_p)]
    lib.pfnscan_free.argtypes = [ctypes.c_void_p]
    lib.pfnscan_version.restype = ctypes.c_char_p
    _lib = lib
    return lib


class Finding:
    """
    Contiguous pfns of one category in one memory section.

    :ivar start_pfn: First pfn.
    :ivar end_pfn: One past the last pfn.
    :ivar category: Why the old function is wrong here, e.g.
        ``zone_device_in_online_section``.
    :ivar page_kind: What the old function returns: ``zone_device``,
        ``poisoned`` or ``other``.
    :ivar section: Memory section number.
    :ivar json: The finding as in the CLI's JSON report.
    """

    def __init__(self, prog: Program, finding: Dict[str, Any], page_size: int) -> None:
        self.prog = prog
        self.json = finding
        self.start_pfn: int = finding["start_pfn"]
        self.end_pfn: int = finding["end_pfn"]
        self.category: str = finding["category"]
        self.page_kind: str = finding["page_kind"]
        self.section: int = finding["section"]
        self._first_page = int(finding["evidence"]["struct_page"], 16)
        self._page_size = page_size

    def __repr__(self) -> str:
        return f"Finding({self.start_pfn:#x}-{self.end_pfn:#x}, section {self.section}, {self.category})"

    def __len__(self) -> int:
        return self.end_pfn - self.start_pfn

    def page(self, pfn: int) -> Object:
        """
        Get the ``struct page *`` of a flagged pfn, at the address pfnscan
        read it from.

        :param pfn: A pfn in ``[start_pfn, end_pfn)``.
        :return: ``struct page *``
        """
        if not self.start_pfn <= pfn < self.end_pfn:
            raise ValueError(f"pfn {pfn:#x} is not in {self!r}")
        address = self._first_page + (pfn - self.start_pfn) * self._page_size
        return Object(self.prog, "struct page *", value=address)

    @property
    def first_page(self) -> Object:
        """``struct page *`` of ``start_pfn``."""
        return self.page(self.start_pfn)

    def pages(self) -> Iterator[Tuple[int, Object]]:
        """
        Iterate over the flagged pfns and their pages.

        :return: Iterator of (pfn, ``struct page *``) tuples.
        """
        for pfn in range(self.start_pfn, self.end_pfn):
            yield pfn, self.page(pfn)


class Report:
    """
    A scan's result.

    :ivar findings: The pfns where the fixed ``pfn_to_online_page()`` returns
        ``NULL`` and the old one a wrong page.
    :ivar observations: (``full`` scans) pfns where both return a poisoned page.
    :ivar verdict: The kernel log's oopses judged against the findings:
        ``explained``, ``consistent``, ``unrelated`` or ``no-panic``.
    :ivar json: The report exactly as ``pfnscan scan --json`` writes it.
    :ivar text: The report as the CLI prints it.
    :ivar exit_code: The CLI's exit code for this report.
    """

    def __init__(self, prog: Program, report: Dict[str, Any], text: str, exit_code: int) -> None:
        self.json = report
        self.text = text
        self.exit_code = exit_code
        page_size = drgn.sizeof(prog.type("struct page"))
        self.findings: List[Finding] = [Finding(prog, f, page_size) for f in report["findings"]]
        self.observations: List[Finding] = [Finding(prog, f, page_size) for f in report["observations"]]
        self.sections: List[Dict[str, Any]] = report["sections"]
        self.verdict: str = report["verdict"]["overall"]

    def __repr__(self) -> str:
        return f"Report({len(self.findings)} findings, verdict {self.verdict})"


def _host(prog: Program, keep: list) -> _Host:
    def read(_ctx, space, address, buf, length):
        try:
            data = prog.read(address, length, bool(space))
        except (FaultError, ValueError, OverflowError):
            return 1
        ctypes.memmove(buf, data, length)
        return 0

    def symbol(_ctx, name, out):
        try:
            out[0] = prog.symbol(name.decode()).address
        except LookupError:
            return 1
        return 0

    def struct_size(_ctx, name, out):
        try:
            out[0] = drgn.sizeof(prog.type("struct " + name.decode()))
        except (LookupError, TypeError, ValueError):
            return 1
        return 0

    def member_offset(_ctx, name, member, out):
        try:
            out[0] = drgn.offsetof(prog.type("struct " + name.decode()), member.decode())
        except (LookupError, TypeError, ValueError):
            return 1
        return 0

    def enumerator(_ctx, name, out):
        try:
            out[0] = prog.constant(name.decode()).value_()
        except (LookupError, TypeError, ValueError):
            return 1
        return 0

    callbacks = [_READ(read), _SYMBOL(symbol), _STRUCT_SIZE(struct_size), _MEMBER_OFFSET(member_offset), _ENUMERATOR(enumerator)]
    keep.extend(callbacks)  # ctypes callbacks must outlive the call
    live = bool(prog.flags & drgn.ProgramFlags.IS_LIVE)
    path = b"" if live else b"drgn program"
    return _Host(None, b"drgn", path, int(live), *callbacks, None)


def _run(prog: Program, full: bool, section: Optional[int], pfns: Optional[Tuple[int, int]], judge_log: bool,
         verbose: bool) -> Tuple[Dict[str, Any], str, int]:
    lib = load_library()
    keep: list = []
    host = _host(prog, keep)
    start, end = pfns if pfns else (0, 0)
    options = _Options(int(full), int(verbose), 0, -1 if section is None else section, start, end, int(judge_log))
    json_out, text_out, err = ctypes.c_void_p(), ctypes.c_void_p(), ctypes.c_void_p()
    code = lib.pfnscan_run(ctypes.byref(host), ctypes.byref(options), ctypes.byref(json_out), ctypes.byref(text_out),
                           ctypes.byref(err))
    try:
        if err.value:
            raise RuntimeError("pfnscan: " + ctypes.string_at(err.value).decode())
        report = json.loads(ctypes.string_at(json_out.value).decode())
        text = ctypes.string_at(text_out.value).decode()
    finally:
        for p in (json_out, text_out, err):
            if p.value:
                lib.pfnscan_free(p.value)
    return report, text, code


def scan(prog: Program, full: bool = False, section: Optional[int] = None, pfns: Optional[Tuple[int, int]] = None,
         judge_log: bool = True) -> Report:
    """
    Scan the kernel *prog* has open for the pfns the pre-5.12
    ``pfn_to_online_page()`` gets wrong.

    >>> report = scan(prog)
    >>> [(f.start_pfn, f.category) for f in report.findings]
    [(40960, 'zone_device_in_online_section')]
    >>> report.findings[0].first_page
    *(struct page *)0xfffffa9b40280000 = {...}

    :param prog: The program: a vmcore or the live kernel.
    :param full: Read every ``struct page`` of every online section instead of
        only those that can hold device pages.
    :param section: Scan only this memory section.
    :param pfns: Scan only pfns ``[start, end)``.
    :param judge_log: Read the kernel log and judge its oopses.
    :return: The findings, each with its ``struct page *`` objects, and the
        verdict.
    """
    report, text, code = _run(prog, full, section, pfns, judge_log, False)
    return Report(prog, report, text, code)


def print_report(prog: Program, full: bool = False, verbose: bool = False, as_json: bool = False) -> int:
    """
    Print the report ``pfnscan scan`` prints for the same kernel.

    :param prog: The program: a vmcore or the live kernel.
    :param full: Read every ``struct page`` of every online section.
    :param verbose: Also print every section and where each layout fact
        came from.
    :param as_json: Print the JSON report instead of text.
    :return: The CLI's exit code.
    """
    report, text, code = _run(prog, full, None, None, True, verbose)
    sys.stdout.write(json.dumps(report, indent=2) + "\n" if as_json else text)
    return code


if __name__ == "__main__":
    # Run by drgn as a script: `drgn -c VMCORE -s VMLINUX pfnscan_drgn.py [--json] [--full] [-v]`;
    # drgn puts the program in the global `prog`.
    args = sys.argv[1:]
    unknown = [a for a in args if a not in ("--json", "--full", "-v", "--verbose")]
    if unknown:
        sys.exit(f"usage: drgn [-c VMCORE -s VMLINUX] {sys.argv[0]} [--json] [--full] [-v]  (unknown: {' '.join(unknown)})")
    sys.exit(print_report(prog, full="--full" in args, verbose="-v" in args or "--verbose" in args,  # noqa: F821
                          as_json="--json" in args))
