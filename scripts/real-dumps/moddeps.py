#!/usr/bin/python3
"""Kernel module dependencies from a kernel tree alone (its modules.dep and modules.builtin).

The host's modprobe is not used: it reads the host's /etc/modprobe.d, /lib/modprobe.d and
$MODPROBE_OPTIONS, and a host with ndctl installed (`install libnvdimm /usr/bin/ndctl load-keys ;
...`) turns libnvdimm into an `install` command that never reaches the initramfs.

  moddeps.py order KROOT ABI [--skip LIST...] MODULE...
      prints the module files (relative to KROOT/lib/modules/ABI) to load, dependencies first, for
      MODULE... (module names or file names; `-` and `_` are the same; A|B is the first of A and B
      this kernel has: pvpanic_mmio|pvpanic, the ACPI pvpanic driver before and after its 5.12
      split); modules built into the kernel are left out, modules already in a LIST file (one file
      name a line) too
  moddeps.py check KROOT ABI MODDIR LIST:ROOT[,ROOT...] ...
      asserts that the lists in MODDIR load, in order, every ROOT module and everything it needs,
      with every file present in MODDIR; one line naming the first module missing otherwise
"""
import os
import sys


def norm(name):
    name = os.path.basename(name)
    for ext in (".xz", ".zst", ".gz"):
        if name.endswith(ext):
            name = name[: -len(ext)]
    if name.endswith(".ko"):
        name = name[:-3]
    return name.replace("-", "_")


class Tree:
    def __init__(self, kroot, abi):
        self.base = os.path.join(kroot, "lib", "modules", abi)
        dep = os.path.join(self.base, "modules.dep")
        if not os.path.isfile(dep):
            raise SystemExit(f"moddeps: error: no {dep} (run depmod -C /dev/null -b KROOT ABI)")
        self.path = {}  # module name -> file, relative to base
        self.deps = {}  # module name -> names of the modules it needs
        with open(dep) as f:
            for line in f:
                if ":" not in line:
                    continue
                mod, rest = line.split(":", 1)
                n = norm(mod)
                self.path[n] = mod.strip()
                self.deps[n] = [norm(d) for d in rest.split()]
        self.builtin = set()
        b = os.path.join(self.base, "modules.builtin")
        if os.path.isfile(b):
            with open(b) as f:
                self.builtin = {norm(l.strip()) for l in f if l.strip()}

    def pick(self, root):
        """The first alternative of A|B|... that this kernel has (as a module or built in)."""
        alts = [norm(a) for a in root.split("|")]
        for a in alts:
            if a in self.path or a in self.builtin:
                return a
        if len(alts) == 1:
            return alts[0]  # order() names it
        raise SystemExit(f"moddeps: error: none of the modules {', '.join(alts)} is in {self.base}/modules.dep or built in")

    def order(self, roots):
        """Load order (dependencies first) of roots and everything they need; builtins left out."""
        out, seen = [], set()

        def visit(n, chain):
            if n in seen or n in self.builtin:
                return
            if n not in self.path:
                raise SystemExit(f"moddeps: error: module {n} is neither in {self.base}/modules.dep nor built in"
                                 + (f" (needed by {' <- '.join(reversed(chain))})" if chain else ""))
            if n in chain:
                raise SystemExit(f"moddeps: error: dependency cycle through {n}")
            for d in self.deps[n]:
                visit(d, chain + [n])
            seen.add(n)
            out.append(n)

        for r in roots:
            visit(self.pick(r), [])
        return out


def read_list(path):
    with open(path) as f:
        return [l.strip() for l in f if l.strip()]


def main(argv):
    if len(argv) < 4 or argv[1] not in ("order", "check"):
        raise SystemExit(__doc__)
    tree = Tree(argv[2], argv[3])
    args = argv[4:]
    if argv[1] == "order":
        skip = set()
        roots = []
        while args:
            a = args.pop(0)
            if a == "--skip":
                skip |= {norm(m) for m in read_list(args.pop(0))}
            else:
                roots.append(a)
        for n in tree.order(roots):
            if n not in skip:
                print(tree.path[n])
        return 0
    moddir, specs = args[0], args[1:]
    loaded = []  # names, in the order the guest loads them
    for spec in specs:
        lst, _, roots = spec.partition(":")
        path = os.path.join(moddir, lst)
        if not os.path.isfile(path):
            raise SystemExit(f"moddeps: error: the initramfs has no module list {lst}")
        files = read_list(path)
        for f in files:
            if not os.path.isfile(os.path.join(moddir, f)):
                raise SystemExit(f"moddeps: error: {lst} names {f}, which is not in the initramfs")
            n = norm(f)
            for d in tree.deps.get(n, []):
                if d not in loaded and d not in tree.builtin:
                    raise SystemExit(f"moddeps: error: {lst} loads {f} before {d}, which it needs")
            loaded.append(n)
        for r in filter(None, roots.split(",")):
            for n in tree.order([r]):
                if n not in loaded:
                    raise SystemExit(f"moddeps: error: module {n} (needed for {r}) is not loaded by "
                                     f"{' '.join(s.partition(':')[0] for s in specs[:specs.index(spec) + 1])}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
