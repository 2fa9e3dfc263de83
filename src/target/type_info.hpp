// Type information, whatever its origin: DWARF (libdw), BTF (libbpf), or a debugger we run in.
// The layout resolver asks these questions only, so every origin gives the same answers the
// same way.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/provenance.hpp"

namespace pfnscan {

// "a.b.c" -> {"a", "b", "c"}: the named members a member path walks through.
inline std::vector<std::string_view> split_member_path(std::string_view path) {
  std::vector<std::string_view> parts;
  while (!path.empty()) {
    std::size_t dot = path.find('.');
    parts.push_back(path.substr(0, dot));
    path = dot == std::string_view::npos ? std::string_view{} : path.substr(dot + 1);
  }
  return parts;
}

class TypeInfo {
 public:
  virtual ~TypeInfo() = default;
  virtual Source source() const = 0;
  virtual std::string origin() const = 0;  // "DWARF of /usr/lib/debug/vmlinux-6.1..."

  virtual std::optional<uint64_t> struct_size(std::string_view struct_name) const = 0;
  // Offset of a member, looking through anonymous structs and unions; "a.b" walks named members.
  virtual std::optional<uint64_t> member_offset(std::string_view struct_name, std::string_view member) const = 0;
  // Value of an enumerator of any enum type, including anonymous ones.
  virtual std::optional<int64_t> enumerator(std::string_view name) const = 0;
  // Whether a global variable's type is a pointer (true) or an array (false); DWARF only.
  virtual std::optional<bool> variable_is_pointer(std::string_view /*name*/) const { return std::nullopt; }
};

}  // namespace pfnscan
