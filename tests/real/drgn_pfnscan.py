#!/usr/bin/python3
"""Runs pfnscan's drgn integration on a dump and checks its objects with drgn's own helpers.

usage: drgn_pfnscan.py MODULE VMCORE VMLINUX  -> JSON on stdout:
  {"report": <the JSON report>, "exit_code": N, "text": "...",
   "pages": [{"pfn": P, "address": "0x...", "drgn_pfn": page_to_pfn(obj), "zone": "Device"}]}
For every finding, three of its pfns: the struct page * the integration returns, the pfn drgn's
page_to_pfn() gives for it, and the zone name read through drgn's debug info
(NODE_DATA(0)->node_zones[zone].name, with the page->flags layout from node_data[] and
__MAX_NR_ZONES).
"""
import importlib.util
import json
import sys

import drgn
from drgn.helpers.linux.mm import page_to_pfn


def main():
    module_path, dump, vmlinux = sys.argv[1:4]
    spec = importlib.util.spec_from_file_location("pfnscan_drgn", module_path)
    pfnscan = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(pfnscan)
    prog = drgn.Program()
    prog.set_core_dump(dump)
    prog.load_debug_info([vmlinux])
    report = pfnscan.scan(prog)
    nodes_shift = (len(prog["node_data"]) - 1).bit_length()
    max_zones = prog.constant("__MAX_NR_ZONES").value_()
    zones_shift = (max_zones - 1).bit_length()
    zones_pgshift = 64 - nodes_shift - zones_shift
    zones = prog["node_data"][0].node_zones
    pages = []
    for f in report.findings:
        for pfn in (f.start_pfn, f.start_pfn + len(f) // 3, f.end_pfn - 1):
            obj = f.page(pfn)
            assert obj.type_.type_name() == "struct page *", obj.type_.type_name()
            flags = obj.flags.value_()
            zone = (flags >> zones_pgshift) & ((1 << zones_shift) - 1)
            pages.append({"pfn": pfn, "address": hex(obj.value_()), "drgn_pfn": page_to_pfn(obj).value_(),
                          "zone": zones[zone].name.string_().decode() if zone < max_zones else f"invalid({zone})"})
    json.dump({"report": report.json, "exit_code": report.exit_code, "text": report.text, "pages": pages,
               "repr": repr(report)}, sys.stdout)


if __name__ == "__main__":
    main()
