// DWARF type information from a vmlinux, through libdw. One pass over the top-level DIEs of
// every CU builds a name index (the Debian vmlinux has no .debug_names); questions are then
// answered from the index.
#pragma once

#include <memory>
#include <string>
#include <unordered_map>

#include "base/result.hpp"
#include "target/type_info.hpp"

namespace pfnscan {

class DwarfTypes;

struct VmlinuxFile {
  std::unique_ptr<DwarfTypes> types;
  std::string build_id_hex;                               // "" when the file has none
  std::unordered_map<std::string, uint64_t> symbols;      // .symtab, link-time addresses
};

Result<VmlinuxFile> open_vmlinux(const std::string& path);

class DwarfTypes final : public TypeInfo {
 public:
  struct Impl;
  explicit DwarfTypes(std::unique_ptr<Impl> impl);
  ~DwarfTypes() override;
  Source source() const override { return Source::dwarf; }
  std::string origin() const override;
  std::optional<uint64_t> struct_size(std::string_view struct_name) const override;
  std::optional<uint64_t> member_offset(std::string_view struct_name, std::string_view member) const override;
  std::optional<int64_t> enumerator(std::string_view name) const override;
  std::optional<bool> variable_is_pointer(std::string_view name) const override;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace pfnscan
