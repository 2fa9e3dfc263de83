#include "types/symbols.hpp"

namespace pfnscan {

void SymbolResolver::set_vmlinux_symbols(std::unordered_map<std::string, uint64_t> symbols, uint64_t kaslr_offset) {
  vmlinux_ = std::move(symbols);
  kaslr_offset_ = kaslr_offset;
}

bool SymbolResolver::has_symbol_table() const {
  return kallsyms_.has_value() || !vmlinux_.empty() || target_.symbol("_stext").has_value();
}

std::optional<SymbolHit> SymbolResolver::find(const std::string& name) const {
  if (auto v = target_.vmcoreinfo().symbol(name); v) return SymbolHit{*v, "VMCOREINFO", SymbolSource::vmcoreinfo};
  if (auto v = target_.symbol(name)) return SymbolHit{*v, target_.describe().kind + " symbol table", SymbolSource::host};
  if (kallsyms_) {
    auto it = kallsyms_->addresses.find(name);
    if (it != kallsyms_->addresses.end()) return SymbolHit{it->second, "kallsyms", SymbolSource::kallsyms};
  }
  auto it = vmlinux_.find(name);
  if (it != vmlinux_.end()) return SymbolHit{it->second + kaslr_offset_, "vmlinux .symtab + KERNELOFFSET", SymbolSource::vmlinux};
  return std::nullopt;
}

}  // namespace pfnscan
