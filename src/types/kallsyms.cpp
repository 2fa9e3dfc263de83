#include "types/kallsyms.hpp"

#include <array>
#include <cstring>
#include <fmt/format.h>

namespace pfnscan {
namespace {
constexpr uint32_t kMaxSymbols = 4'000'000;      // a 6.x distro kernel has ~90k; modules are not here
constexpr std::size_t kMaxTokenTable = 64 * 1024;  // 256 short tokens
constexpr std::size_t kNameChunk = 64 * 1024;

// Reads the variable-length names stream in chunks so we never trust a length we have not seen.
class ChunkedReader {
 public:
  ChunkedReader(Target& target, uint64_t base) : target_(target), base_(base) {}
  Result<uint8_t> byte(uint64_t pos) {
    if (pos < start_ || pos >= start_ + buffer_.size()) {
      start_ = pos;
      buffer_.assign(kNameChunk, std::byte{0});
      auto st = target_.read(AddressSpace::kernel_virtual, base_ + pos, buffer_);
      if (!st) {
        // Near the end of a mapping: fall back to one page.
        buffer_.assign(4096 - ((base_ + pos) & 4095), std::byte{0});
        auto st2 = target_.read(AddressSpace::kernel_virtual, base_ + pos, buffer_);
        if (!st2) return std::move(st2.error());
      }
    }
    return static_cast<uint8_t>(buffer_[pos - start_]);
  }

 private:
  Target& target_;
  uint64_t base_;
  uint64_t start_ = 0;
  std::vector<std::byte> buffer_;
};
}  // namespace

bool vmcoreinfo_has_kallsyms(const VmcoreInfo& info) {
  return info.has("SYMBOL(kallsyms_names)") && info.has("SYMBOL(kallsyms_num_syms)") &&
         info.has("SYMBOL(kallsyms_token_table)") && info.has("SYMBOL(kallsyms_token_index)") &&
         (info.has("SYMBOL(kallsyms_offsets)") || info.has("SYMBOL(kallsyms_addresses)"));
}

Result<Kallsyms> decode_kallsyms(Target& target) {
  const VmcoreInfo& info = target.vmcoreinfo();
  if (!vmcoreinfo_has_kallsyms(info))
    return Error(Errc::missing, "VMCOREINFO does not list the kallsyms tables (kernels before 6.0)");
  uint64_t names_addr = *info.symbol("kallsyms_names");
  uint64_t num_addr = *info.symbol("kallsyms_num_syms");
  uint64_t token_table_addr = *info.symbol("kallsyms_token_table");
  uint64_t token_index_addr = *info.symbol("kallsyms_token_index");

  auto num = target.read_u32(AddressSpace::kernel_virtual, num_addr);
  if (!num) return std::move(num.error()).with_context("reading kallsyms_num_syms");
  if (*num == 0 || *num > kMaxSymbols)
    return Error(Errc::corrupt, fmt::format("kallsyms_num_syms is {}, outside 1..{}", *num, kMaxSymbols));

  std::array<uint16_t, 256> token_index{};
  auto st = target.read(AddressSpace::kernel_virtual, token_index_addr, std::as_writable_bytes(std::span(token_index)));
  if (!st) return std::move(st.error()).with_context("reading kallsyms_token_index");
  std::size_t table_len = 0;
  for (uint16_t v : token_index) table_len = std::max<std::size_t>(table_len, v);
  table_len = std::min(table_len + 256, kMaxTokenTable);
  std::vector<std::byte> table_bytes(table_len);
  // The table may end right before an unmapped page; shrink until it reads.
  while (!target.read(AddressSpace::kernel_virtual, token_table_addr, table_bytes)) {
    if (table_bytes.size() <= 256) return Error(Errc::unreadable, "cannot read kallsyms_token_table");
    table_bytes.resize(table_bytes.size() - 256);
  }
  std::array<std::string, 256> tokens;
  for (int i = 0; i < 256; ++i) {
    std::size_t p = token_index[i];
    std::string& tok = tokens[i];
    while (p < table_bytes.size() && table_bytes[p] != std::byte{0} && tok.size() < 64)
      tok.push_back(static_cast<char>(table_bytes[p++]));
  }

  std::vector<uint64_t> addresses(*num);
  if (info.has("SYMBOL(kallsyms_offsets)")) {
    std::vector<int32_t> offsets(*num);
    auto sto = target.read(AddressSpace::kernel_virtual, *info.symbol("kallsyms_offsets"), std::as_writable_bytes(std::span(offsets)));
    if (!sto) return std::move(sto.error()).with_context("reading kallsyms_offsets");
    auto base = info.symbol("kallsyms_relative_base");
    if (!base) return std::move(base.error()).with_context("kallsyms_offsets needs kallsyms_relative_base");
    auto relative_base = target.read_u64(AddressSpace::kernel_virtual, *base);
    if (!relative_base) return std::move(relative_base.error()).with_context("reading kallsyms_relative_base");
    // CONFIG_KALLSYMS_ABSOLUTE_PERCPU (x86_64 SMP until v6.15): non-negative offsets are absolute
    // per-cpu values and kernel addresses are stored negated; otherwise every offset is relative.
    bool absolute_percpu = false;
    for (int32_t o : offsets) absolute_percpu |= o < 0;
    for (uint32_t i = 0; i < *num; ++i) {
      int32_t o = offsets[i];
      if (!absolute_percpu) addresses[i] = *relative_base + static_cast<uint32_t>(o);
      else addresses[i] = o >= 0 ? static_cast<uint64_t>(o) : *relative_base - 1 - static_cast<uint64_t>(static_cast<int64_t>(o));
    }
  } else {
    auto sta = target.read(AddressSpace::kernel_virtual, *info.symbol("kallsyms_addresses"), std::as_writable_bytes(std::span(addresses)));
    if (!sta) return std::move(sta.error()).with_context("reading kallsyms_addresses");
  }

  Kallsyms out;
  out.addresses.reserve(*num);
  ChunkedReader names(target, names_addr);
  uint64_t pos = 0;
  for (uint32_t i = 0; i < *num; ++i) {
    auto b = names.byte(pos++);
    if (!b) return std::move(b.error()).with_context(fmt::format("reading kallsyms_names entry {}", i));
    uint32_t len = *b;
    // Since v6.1 (73bbb94466fd "kallsyms: support "big" kernel symbols") a length with the top
    // bit set continues in a second byte.
    if (len & 0x80) {
      auto b2 = names.byte(pos++);
      if (!b2) return std::move(b2.error()).with_context("reading kallsyms_names");
      len = (len & 0x7f) | (uint32_t{*b2} << 7);
    }
    if (len == 0) return Error(Errc::corrupt, fmt::format("kallsyms_names entry {} is empty", i));
    std::string decoded;
    for (uint32_t k = 0; k < len; ++k) {
      auto t = names.byte(pos++);
      if (!t) return std::move(t.error()).with_context("reading kallsyms_names");
      decoded += tokens[*t];
      if (decoded.size() > 1024) return Error(Errc::corrupt, fmt::format("kallsyms_names entry {} is absurdly long", i));
    }
    if (decoded.size() < 2) continue;
    std::string name = decoded.substr(1);
    out.types.emplace(name, decoded[0]);
    out.addresses.emplace(std::move(name), addresses[i]);
  }
  // Cross-check against VMCOREINFO: a wrong decode must not go unnoticed.
  if (auto stext = info.symbol("_stext"); stext) {
    auto it = out.addresses.find("_stext");
    if (it == out.addresses.end() || it->second != *stext)
      return Error(Errc::corrupt, fmt::format("decoded kallsyms disagree with VMCOREINFO about _stext ({:#x})", *stext));
  }
  return out;
}

}  // namespace pfnscan
