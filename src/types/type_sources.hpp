// Which type information and symbol tables a scan uses, in order of trust: a vmlinux's DWARF
// (--vmlinux), the front end's own (crash, drgn), a BTF file (live: /sys/kernel/btf/vmlinux), the
// target's, or the kernel's own BTF found through kallsyms in the dump (6.0+). None at all is
// fine: the layout then comes from the built-in table.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "base/provenance.hpp"
#include "base/result.hpp"
#include "target/target.hpp"
#include "types/symbols.hpp"
#include "target/type_info.hpp"

namespace pfnscan {

struct TypeSourceOptions {
  std::string vmlinux;          // --vmlinux
  bool allow_btf = true;        // --no-btf forces the built-in table on kernels that have BTF
  std::string btf_file;         // a raw BTF file (live: /sys/kernel/btf/vmlinux), used when there is no vmlinux
  std::string kallsyms_file;    // a /proc/kallsyms-format symbol list (live hosts), for symbols
  bool allow_dwarf_mismatch = false;
  // Extra type information from a front end (crash, drgn). Used before BTF and the table.
  const TypeInfo* front_end_types = nullptr;
};

struct TypeSources {
  const TypeInfo* types = nullptr;           // nullptr: no type information (the built-in table answers)
  std::unique_ptr<TypeInfo> owned_types;     // keeps DWARF/BTF alive
  std::unique_ptr<SymbolResolver> symbols;
  std::vector<FactRecord> facts;             // what was decoded on the way (kallsyms)
  std::vector<std::string> uncertainties;    // sources that were tried and failed
};

// Fails only when a source the user named explicitly cannot be used (a --vmlinux of another
// build, an unreadable BTF file).
Result<TypeSources> open_type_sources(Target& target, const TypeSourceOptions& options);

}  // namespace pfnscan
