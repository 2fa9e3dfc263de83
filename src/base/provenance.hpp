// Where a layout value came from. Users decide how far to trust a report by this.
#pragma once

#include <optional>
#include <string>
#include <string_view>
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
std::optional<Source> source_from_name(std::string_view name);

// The facts a layout records, declared in facts.def.
enum class FactId {
#define FACT(id, name, unit) id,
#include "base/facts.def"
#undef FACT
};

const char* fact_key(FactId id);    // "subsection_map_offset": the id as JSON carries it
const char* fact_name(FactId id);   // "mem_section_usage.subsection_map offset"
const char* fact_unit(FactId id);   // "bytes"
std::optional<FactId> fact_from_key(std::string_view key);

struct FactRecord {
  FactId id;
  std::string value;   // "16"
  Source source;
  std::string detail;  // "struct mem_section_usage member subsection_map", "5.10 >= 5.10.210 (5ec8e8ea8b77 backport)"
  bool certain = true; // false: a guess the report must flag
  const char* name() const { return fact_name(id); }
};

}  // namespace pfnscan
