// Where a layout value came from. Users decide how far to trust a report by this.
#pragma once

#include <string>
#include <vector>

namespace pfnscan {

enum class Source {
  dwarf,        // DWARF of a vmlinux (--vmlinux)
  btf,          // the kernel's own BTF (from the dump's memory, or /sys/kernel/btf/vmlinux)
  target,       // the debugger we run inside (crash's or drgn's type information)
  vmcoreinfo,   // the VMCOREINFO note written by the dumped kernel
  builtin,      // pfnscan's built-in table for this kernel release
  probe,        // measured from the dump itself (e.g. a layout chosen by what the memory holds)
  derived,      // computed from other facts (e.g. ZONES_PGSHIFT from NODES_SHIFT and ZONES_SHIFT)
};

const char* source_name(Source source);

struct FactRecord {
  std::string name;    // "mem_section_usage.subsection_map offset"
  std::string value;   // "16"
  Source source;
  std::string detail;  // "struct mem_section_usage member subsection_map", "5.10 >= 5.10.210 (5ec8e8ea8b77 backport)"
  bool certain = true; // false: a guess the report must flag
};

}  // namespace pfnscan
