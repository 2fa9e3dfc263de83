// BTF type information through libbpf: the kernel's own BTF, read out of a dump's memory
// (between __start_BTF and __stop_BTF) or from /sys/kernel/btf/vmlinux on a live host.
#pragma once

#include <memory>
#include <span>
#include <unordered_map>
#include <string>
#include <vector>

#include "base/result.hpp"
#include "target/type_info.hpp"

struct btf;

namespace pfnscan {

class BtfTypes final : public TypeInfo {
 public:
  static Result<std::unique_ptr<BtfTypes>> parse(std::vector<std::byte> blob, std::string origin);
  ~BtfTypes() override;
  Source source() const override { return Source::btf; }
  std::string origin() const override { return origin_; }
  std::optional<uint64_t> struct_size(std::string_view struct_name) const override;
  std::optional<uint64_t> member_offset(std::string_view struct_name, std::string_view member) const override;
  std::optional<int64_t> enumerator(std::string_view name) const override;

 private:
  BtfTypes(struct btf* handle, std::string origin);
  struct btf* btf_;
  std::string origin_;
  std::unordered_map<std::string, int64_t> enumerators_;
};

// Checks the BTF header (magic 0xeB9F, version 1, section offsets inside the blob).
Status validate_btf_header(std::span<const std::byte> blob);

}  // namespace pfnscan
