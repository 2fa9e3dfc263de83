// Symbol lookup from every source we may have, in order of trust: VMCOREINFO (written by the
// kernel itself, already relocated), the front end's symbol table (crash, drgn), kallsyms decoded
// from the dump, and a vmlinux .symtab relocated by KERNELOFFSET.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <unordered_map>

#include "types/kallsyms.hpp"
#include "base/provenance.hpp"
#include "target/target.hpp"

namespace pfnscan {

// Where a symbol's address came from. VMCOREINFO's SYMBOL(x) is sometimes the variable's value
// (mem_section, vmemmap) rather than its address, so readers of variables skip those.
enum class SymbolSource { vmcoreinfo, host, kallsyms, vmlinux };

struct SymbolHit {
  uint64_t address;
  std::string from;  // as reports say it: "VMCOREINFO", "kallsyms", "vmlinux .symtab + KERNELOFFSET", "crash symbol table"
  SymbolSource source = SymbolSource::kallsyms;
};

class SymbolResolver {
 public:
  explicit SymbolResolver(Target& target) : target_(target) {}
  void set_vmlinux_symbols(std::unordered_map<std::string, uint64_t> symbols, uint64_t kaslr_offset);
  void set_kallsyms(Kallsyms kallsyms) { kallsyms_ = std::move(kallsyms); }
  bool has_symbol_table() const;
  std::optional<SymbolHit> find(const std::string& name) const;

 private:
  Target& target_;
  std::optional<Kallsyms> kallsyms_;
  std::unordered_map<std::string, uint64_t> vmlinux_;
  uint64_t kaslr_offset_ = 0;
};

}  // namespace pfnscan
