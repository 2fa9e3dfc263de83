// VMCOREINFO: the KEY=value note the kernel leaves for dump tools. Parsed once; every accessor
// returns an error naming the missing or malformed key.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "base/result.hpp"

namespace pfnscan {

class VmcoreInfo {
 public:
  VmcoreInfo() = default;
  // Lines that are not KEY=value are counted in malformed_lines(), not fatal: a real note ends
  // with NUL padding and some kernels print odd lines.
  static VmcoreInfo parse(std::string_view text);

  bool empty() const { return entries_.empty(); }
  std::size_t size() const { return entries_.size(); }
  std::size_t malformed_lines() const { return malformed_; }
  bool has(std::string_view key) const;
  std::optional<std::string> get(std::string_view key) const;

  // SYMBOL(x): hexadecimal without 0x.
  Result<uint64_t> symbol(std::string_view name) const;
  // SIZE(x), OFFSET(x.y), LENGTH(x): unsigned decimal.
  Result<uint64_t> size(std::string_view name) const;
  Result<uint64_t> offset(std::string_view name) const;
  Result<uint64_t> length(std::string_view name) const;
  // NUMBER(x): signed decimal ("%ld"); some arch entries use 0x. phys_base can be negative.
  Result<int64_t> number(std::string_view name) const;
  // KERNELOFFSET: hexadecimal without 0x.
  Result<uint64_t> hex(std::string_view key) const;
  Result<std::string> string(std::string_view key) const;

  const std::map<std::string, std::string, std::less<>>& entries() const { return entries_; }

 private:
  Result<uint64_t> unsigned_value(const std::string& key, int base) const;
  std::map<std::string, std::string, std::less<>> entries_;
  std::size_t malformed_ = 0;
};

// Strict integer parsing shared by every text source (VMCOREINFO, CLI, scenario files).
std::optional<uint64_t> parse_u64(std::string_view text, int base);
std::optional<int64_t> parse_i64(std::string_view text);

}  // namespace pfnscan
