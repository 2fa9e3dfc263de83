#!/usr/bin/python3
"""Reads the zone of pfns through drgn, independently of pfnscan's reader and layout code.

usage: drgn_zones.py VMCORE VMLINUX PFN...   -> JSON {"pfn": "zone name"} on stdout
The struct page comes from drgn's pfn_to_page() (vmemmap from the kernel's own variables), the
page->flags layout from drgn's debug info: NODES_SHIFT from the length of node_data[], ZONES_SHIFT
from __MAX_NR_ZONES, and the zone name from NODE_DATA(0)->node_zones[zone].name.
"""
import json, sys

import drgn
from drgn.helpers.linux.mm import pfn_to_page

def main():
    dump, vmlinux, pfns = sys.argv[1], sys.argv[2], [int(p, 0) for p in sys.argv[3:]]
    prog = drgn.Program()
    prog.set_core_dump(dump)
    prog.load_debug_info([vmlinux])
    nodes_shift = (len(prog["node_data"]) - 1).bit_length()
    max_zones = prog.constant("__MAX_NR_ZONES").value_()
    zones_shift = (max_zones - 1).bit_length()
    zones_pgshift = 64 - nodes_shift - zones_shift
    zones = prog["node_data"][0].node_zones
    out = {}
    for pfn in pfns:
        flags = pfn_to_page(prog, pfn).flags.value_()
        zone = (flags >> zones_pgshift) & ((1 << zones_shift) - 1)
        out[hex(pfn)] = zones[zone].name.string_().decode() if zone < max_zones else f"invalid({zone})"
    json.dump(out, sys.stdout)

if __name__ == "__main__":
    main()
