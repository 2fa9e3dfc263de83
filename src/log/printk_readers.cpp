// The kernel log in a dump, in either era (facts §9): printk_ringbuffer.cpp reads the lockless
// ringbuffer of v5.10+, printk_log_buf.cpp the log_buf records before it; this file picks one,
// and holds what both share.
#include "log/printk_readers.hpp"

#include <algorithm>
#include <fmt/format.h>

namespace pfnscan {

Result<KernelLog> read_kernel_log(Target& target) {
  const VmcoreInfo& vi = target.vmcoreinfo();
  if (vi.has("SYMBOL(prb)")) return printk::read_ringbuffer(target, vi);
  if (vi.has("SYMBOL(log_buf)")) return printk::read_log_buf(target, vi);
  return Error(Errc::missing, "VMCOREINFO names neither prb (v5.10+) nor log_buf: the dump carries no readable kernel log");
}

namespace printk {

Result<uint64_t> struct_size(const VmcoreInfo& vi, std::string_view name, uint64_t max) {
  auto size = vi.size(name);
  if (!size) return Error(Errc::missing, fmt::format("VMCOREINFO lacks SIZE({})", name));
  if (*size == 0 || *size > max)
    return Error(Errc::corrupt, fmt::format("VMCOREINFO SIZE({}) = {} is implausible (1 .. {} bytes)", name, *size, max));
  return *size;
}

Result<StructLayout> StructLayout::describe(const VmcoreInfo& vi, std::string_view name, uint64_t size, std::initializer_list<Member> members) {
  StructLayout s;
  s.name_ = std::string(name);
  s.size_ = size;
  for (const Member& m : members) {
    const std::string key = fmt::format("{}.{}", name, m.name);
    auto off = vi.offset(key);
    if (!off) {
      if (m.optional) continue;
      return Error(Errc::missing, fmt::format("VMCOREINFO lacks OFFSET({})", key));
    }
    if (!fits(*off, m.width, size))
      return Error(Errc::corrupt, fmt::format("VMCOREINFO OFFSET({}) = {} does not fit in struct {} ({} bytes) with its {}-byte field", key,
                                              *off, name, size, m.width));
    s.offsets_.emplace(std::string(m.name), *off);
  }
  return s;
}

uint64_t StructLayout::offset(std::string_view member) const {
  auto it = offsets_.find(member);
  return it == offsets_.end() ? 0 : it->second;
}

Result<std::span<const std::byte>> MemoryWindow::bytes(uint64_t offset, uint64_t n) {
  if (!fits(offset, n, length_))
    return Error(Errc::corrupt, fmt::format("{} bytes at offset {:#x} lie outside the {}-byte region at {:#x}", n, offset, length_, address_));
  // what is read must not wrap the address space (a region's claimed length may: only reads count)
  const uint64_t room = ~uint64_t{0} - address_;  // bytes from address_ to the top, minus one
  if (offset > room || (n > 0 && n - 1 > room - offset))
    return Error(Errc::corrupt, fmt::format("{} bytes at {:#x} + {:#x} wrap the address space", n, address_, offset));
  if (offset >= start_ && fits(offset - start_, n, buf_.size()))
    return std::span<const std::byte>(buf_).subspan(offset - start_, n);
  // Load a window from `offset`; if the whole window cannot be read, the request alone.
  for (uint64_t want : {std::max(window_, n), n}) {
    uint64_t size = std::min(want, length_ - offset);
    if (size > 0 && size - 1 > room - offset) size = room - offset + 1;  // room - offset < 2^64 - 1 here
    buf_.assign(size, std::byte{0});
    start_ = offset;
    auto st = target_.read_kernel_data(address_ + offset, buf_, excluded_);
    if (st) return std::span<const std::byte>(buf_).subspan(0, n);
    buf_.clear();
    if (size == n) return std::move(st.error()).with_context(fmt::format("reading {} bytes at {:#x}", n, address_ + offset));
  }
  return Error(Errc::unreadable, fmt::format("{} bytes at {:#x} are unreadable", n, address_ + offset));
}

}  // namespace printk
}  // namespace pfnscan
