#!/usr/bin/python3
"""Renders the reports of every generated dump (and of real dumps, when given) with two pfnscan
binaries and says where they differ: a refactoring must leave every report identical.

usage: scripts/dev/report_diff.py --old OLD_PFNSCAN --new NEW_PFNSCAN --mkdump PFNSCAN_MKDUMP
                                   [--real DIR] [--work DIR] [--formats elf,kdump-zlib,...]

For each scenario of tests/dumps/scenarios and each format: `scan --json`, `scan`, `scan -v`,
`scan --full --json`, with the vmlinux the tests compile and without; `log`; for every oops text
`explain` and `explain --json`. For real dumps (DIR/manifest.json as scripts/real-dumps makes it):
`scan --json`, `scan -v` with and without the vmlinux, and `log`. Timings are not compared. Fields
that the new binary adds on purpose are listed in ADDED and removed before comparing.
Exit 0 when every output is identical, 1 otherwise.
"""
import argparse, difflib, glob, json, os, subprocess, sys, tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FORMATS = ["elf", "elf-kexec", "kdump-none", "kdump-zlib", "kdump-lzo", "kdump-snappy", "kdump-zstd",
           "flat-zlib", "kdump-zlib-d1", "kdump-qemu"]
# Added on purpose by the architecture rework (issue 10): typed fact ids and units, typed problems,
# the provenance of the vmemmap and direct-map bases.
ADDED_FACTS = {"vmemmap base", "direct map base"}


def normalize_json(text):
    try:
        j = json.loads(text)
    except ValueError:
        return text
    def walk(o):
        if isinstance(o, dict):
            o.pop("seconds", None)
            o.pop("problems", None)
            if "provenance" in o and isinstance(o["provenance"], list):
                o["provenance"] = [p for p in o["provenance"] if p.get("fact") not in ADDED_FACTS]
                for p in o["provenance"]:
                    p.pop("id", None)
                    p.pop("unit", None)
            for v in o.values():
                walk(v)
        elif isinstance(o, list):
            for v in o:
                walk(v)
    walk(j)
    return json.dumps(j, indent=1, sort_keys=True)


def normalize_text(text):
    # The provenance list of -v shows the added facts as "  <name> <value> [source] detail".
    return "\n".join(l for l in text.splitlines() if not any(l.startswith("  " + f + " ") for f in ADDED_FACTS))


def run(binary, args):
    p = subprocess.run([binary] + args, capture_output=True, text=True, errors="replace")
    return p.returncode, p.stdout, p.stderr


def must(argv):
    p = subprocess.run(argv, capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit(f"report_diff: {' '.join(argv)} failed: {p.stderr[-500:]}")


def make_dump(mkdump, scenario, fmt, work):
    path = os.path.join(work, f"{os.path.basename(scenario)}.{fmt}")
    argv = [mkdump, scenario, "-o", path]
    spec = json.load(open(scenario))
    vmlinux = None
    if spec["kernel"]["profile"].startswith("6."):
        vmlinux = make_vmlinux(mkdump, scenario, work)
        btf = vmlinux + ".btf"
        if not os.path.exists(btf):
            must(["pahole", f"--btf_encode_detached={btf}", vmlinux])
        argv += ["--btf", btf]
    extra = {"flat-zlib": ["--format", "kdump-zlib", "--flattened"],
             "kdump-zlib-d1": ["--format", "kdump-zlib", "--exclude-zero"],
             "kdump-qemu": ["--format", "kdump-zlib", "--qemu-header"]}.get(fmt, ["--format", fmt])
    p = subprocess.run(argv + extra, capture_output=True, text=True)
    return path if p.returncode == 0 else None


def make_vmlinux(mkdump, scenario, work):
    base = os.path.join(work, os.path.basename(scenario))
    vmlinux = base + ".vmlinux"
    if not os.path.exists(vmlinux):
        must([mkdump, scenario, "--emit-c", base + ".c"])
        must(["cc", "-g", "-O0", "-fno-eliminate-unused-debug-types", "-shared", "-fPIC", "-nostdlib", "-o", vmlinux, base + ".c"])
    return vmlinux


class Comparison:
    def __init__(self, old, new):
        self.old, self.new = old, new
        self.runs = self.same = 0
        self.differences = []

    def compare(self, label, args, as_json):
        self.runs += 1
        a, b = run(self.old, args), run(self.new, args)
        norm = normalize_json if as_json else normalize_text
        left = (a[0], norm(a[1]))
        right = (b[0], norm(b[1]))
        if left == right:
            self.same += 1
            return
        diff = "\n".join(difflib.unified_diff(left[1].splitlines(), right[1].splitlines(), "old", "new", lineterm="", n=1))
        self.differences.append(f"== {label}: exit {a[0]} -> {b[0]}\n{diff[:3000]}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--old", required=True)
    ap.add_argument("--new", required=True)
    ap.add_argument("--mkdump", required=True)
    ap.add_argument("--real")
    ap.add_argument("--work")
    ap.add_argument("--formats", default=",".join(FORMATS))
    a = ap.parse_args()
    work = a.work or tempfile.mkdtemp(prefix="report-diff-")
    os.makedirs(work, exist_ok=True)
    c = Comparison(a.old, a.new)
    for scenario in sorted(glob.glob(os.path.join(ROOT, "tests/dumps/scenarios/*.json"))):
        name = os.path.basename(scenario)[:-5]
        vmlinux = make_vmlinux(a.mkdump, scenario, work)
        for fmt in a.formats.split(","):
            dump = make_dump(a.mkdump, scenario, fmt, work)
            if not dump:
                continue
            for types in ([], ["--vmlinux", vmlinux]):
                tag = f"{name}.{fmt}{' --vmlinux' if types else ''}"
                c.compare(tag + " --json", ["scan", dump, "--json"] + types, True)
                c.compare(tag + " --full --json", ["scan", dump, "--full", "--json"] + types, True)
                c.compare(tag + " text", ["scan", dump] + types, False)
                c.compare(tag + " -v", ["scan", dump, "-v"] + types, False)
            c.compare(f"{name}.{fmt} log", ["log", dump], False)
            os.remove(dump)
    for text in sorted(glob.glob(os.path.join(ROOT, "tests/dumps/oops/*.txt"))):
        c.compare(os.path.basename(text) + " explain", ["explain", text, "-v"], False)
        c.compare(os.path.basename(text) + " explain --json", ["explain", text, "--json"], True)
    if a.real:
        manifest = json.load(open(os.path.join(a.real, "manifest.json")))
        for dump in sorted(glob.glob(os.path.join(a.real, "*.elf")) + glob.glob(os.path.join(a.real, "*.kdump")) +
                           glob.glob(os.path.join(a.real, "*.mdf31"))):
            series = os.path.basename(dump).split("-")[0]
            for types in ([], ["--vmlinux", manifest[series]["vmlinux"]]):
                tag = f"{os.path.basename(dump)}{' --vmlinux' if types else ''}"
                c.compare(tag + " --json", ["scan", dump, "--json"] + types, True)
                c.compare(tag + " -v", ["scan", dump, "-v"] + types, False)
            c.compare(os.path.basename(dump) + " log", ["log", dump], False)
    for d in c.differences:
        print(d)
    print(f"report_diff: {c.runs} outputs compared, {c.same} identical, {len(c.differences)} different")
    return 0 if not c.differences else 1


if __name__ == "__main__":
    sys.exit(main())
