// The kernel's own symbol table, decoded from its memory. VMCOREINFO lists the kallsyms tables
// since commit 5fd8fea935a1 ("vmcoreinfo: include kallsyms symbols", v6.0), which is what lets
// pfnscan find __start_BTF without a vmlinux.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>

#include "base/result.hpp"
#include "target/target.hpp"

namespace pfnscan {

struct Kallsyms {
  std::unordered_map<std::string, uint64_t> addresses;
  std::unordered_map<std::string, char> types;
};

bool vmcoreinfo_has_kallsyms(const VmcoreInfo& info);
Result<Kallsyms> decode_kallsyms(Target& target);

}  // namespace pfnscan
