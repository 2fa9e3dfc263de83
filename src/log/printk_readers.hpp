// The two printk readers behind read_kernel_log() and what they share: VMCOREINFO structure
// layouts checked once against their sizes, and a window over a large kernel array so that a
// ring of 2^20 descriptors is walked without holding it. Internal to the log layer.
#pragma once

#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"
#include "log/kernel_log.hpp"
#include "target/target.hpp"

namespace pfnscan::printk {

// A structure as VMCOREINFO describes it: SIZE(name) and OFFSET(name.member) of the members the
// reader uses, each checked once, overflow-safe, to lie inside the structure with its width.
// Members may be nested ("text_blk_lpos.begin" is read as OFFSET(prb_desc.text_blk_lpos) +
// OFFSET(prb_data_blk_lpos.begin) by the caller).
struct Member {
  std::string_view name;  // "seq" for OFFSET(printk_info.seq)
  uint64_t width;         // bytes the reader takes from it
  bool optional = false;  // absent: the reader copes (caller_id)
};

class StructLayout {
 public:
  // `size` from SIZE(name) (or given, for nested structures VMCOREINFO sizes separately);
  // fails naming the first entry that is missing or does not fit.
  static Result<StructLayout> describe(const VmcoreInfo& vi, std::string_view name, uint64_t size, std::initializer_list<Member> members);
  uint64_t size() const { return size_; }
  uint64_t offset(std::string_view member) const;  // 0 for an absent optional member
  bool has(std::string_view member) const { return offsets_.count(std::string(member)) != 0; }

 private:
  std::string name_;
  uint64_t size_ = 0;
  std::map<std::string, uint64_t, std::less<>> offsets_;
};

// SIZE(name) within (0, max]; the error names the entry.
Result<uint64_t> struct_size(const VmcoreInfo& vi, std::string_view name, uint64_t max);

// `offset + width <= size`, written so that a huge offset cannot wrap.
inline bool fits(uint64_t offset, uint64_t width, uint64_t size) { return offset <= size && size - offset >= width; }

// A little-endian field of a buffer; zero when it does not fit (never past the buffer).
template <typename T>
T field(std::span<const std::byte> buf, uint64_t offset) {
  T v{};
  if (fits(offset, sizeof(T), buf.size())) std::memcpy(&v, buf.data() + offset, sizeof(T));
  return v;
}

// A kernel array or ring read a window at a time: at most `window` bytes (or the one request,
// if larger) are held. Pages filtered out of the dump read as zeros and are counted.
class MemoryWindow {
 public:
  MemoryWindow(Target& target, uint64_t address, uint64_t length, uint64_t window, uint64_t& excluded_pages)
      : target_(target), address_(address), length_(length), window_(window), excluded_(excluded_pages) {}
  // Bytes [offset, offset + n) of the region; an error names the address that could not be read.
  Result<std::span<const std::byte>> bytes(uint64_t offset, uint64_t n);
  uint64_t length() const { return length_; }

 private:
  Target& target_;
  uint64_t address_, length_, window_;
  uint64_t& excluded_;
  uint64_t start_ = 0;
  std::vector<std::byte> buf_;
};

// The lockless ringbuffer (v5.10+) and the log_buf records before it.
Result<KernelLog> read_ringbuffer(Target& target, const VmcoreInfo& vi);
Result<KernelLog> read_log_buf(Target& target, const VmcoreInfo& vi);

}  // namespace pfnscan::printk
