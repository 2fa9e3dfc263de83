// A Target whose memory is a fuzz input: "VMCOREINFO text", NUL, then the bytes of kernel
// memory starting at the virtual address BASE=<hex> names in the text. Reads outside them fail;
// a page whose first eight bytes are 0xee reads as excluded (makedumpfile's filtered pages).
// Shared by fuzz_kernel_log and its seed writer.
#pragma once

#include <cstring>
#include <string>
#include <string_view>

#include "target/target.hpp"

namespace fuzz {

constexpr uint64_t kExcludedMark = 0xeeeeeeeeeeeeeeeeull;

class MemoryTarget : public pfnscan::Target {
 public:
  MemoryTarget(std::string_view vmcoreinfo, std::string_view memory)
      : vi_(pfnscan::VmcoreInfo::parse(vmcoreinfo)), memory_(memory), base_(vi_.hex("BASE").value_or(0)) {}

  pfnscan::Status read(pfnscan::AddressSpace space, uint64_t address, std::span<std::byte> out) override {
    using pfnscan::Errc;
    using pfnscan::Error;
    if (space != pfnscan::AddressSpace::kernel_virtual || address < base_) return Error(Errc::unreadable, "not mapped");
    const uint64_t off = address - base_;
    if (off > memory_.size() || memory_.size() - off < out.size()) return Error(Errc::unreadable, "not mapped");
    for (uint64_t page = off / 4096; page * 4096 < off + out.size(); ++page) {
      uint64_t mark = 0;
      if (memory_.size() - page * 4096 >= 8) std::memcpy(&mark, memory_.data() + page * 4096, 8);
      if (mark == kExcludedMark) return Error(Errc::excluded, "excluded page");
    }
    std::memcpy(out.data(), memory_.data() + off, out.size());
    return pfnscan::ok_status();
  }
  const pfnscan::VmcoreInfo& vmcoreinfo() const override { return vi_; }
  pfnscan::TargetDescription describe() const override { return {"fuzz", "", "memory", {}, {}, false}; }

 private:
  pfnscan::VmcoreInfo vi_;
  std::string_view memory_;
  uint64_t base_;
};

// Splits a fuzz input at its first NUL.
inline std::pair<std::string_view, std::string_view> split_input(const uint8_t* data, size_t size) {
  std::string_view all(reinterpret_cast<const char*>(data), size);
  std::size_t nul = all.find('\0');
  if (nul == std::string_view::npos) return {all, {}};
  return {all.substr(0, nul), all.substr(nul + 1)};
}

}  // namespace fuzz
