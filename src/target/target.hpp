// Target: where bytes and symbols come from. The core reads the kernel only through this
// interface, so the same walk runs on a vmcore (libkdumpfile), inside crash (readmem) and under
// drgn (a Python program supplying reads).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"
#include "target/vmcoreinfo.hpp"

namespace pfnscan {

class TypeInfo;

// The dumps pfnscan reads are x86_64's: 4 KiB pages. Reads that fail are retried a page at a time.
inline constexpr uint64_t kPageSize = 4096;
inline constexpr unsigned kPageShift = 12;

enum class AddressSpace { kernel_virtual, physical };

struct TargetDescription {
  std::string kind;        // "vmcore", "kcore", "crash", "drgn"
  std::string path;        // file it reads, if any
  std::string format;      // e.g. "ELF dump, little-endian", "compressed kdump (zlib)"
  std::vector<std::string> notes;  // how the target coped with the input, for --verbose
  std::vector<std::string> damage; // what is missing from the input (truncation): makes a report partial
  bool live = false;       // memory may change while we read it
};

class Target {
 public:
  virtual ~Target() = default;

  // Fills out completely or fails; a partial read is an error naming the first bad address.
  virtual Status read(AddressSpace space, uint64_t address, std::span<std::byte> out) = 0;

  virtual const VmcoreInfo& vmcoreinfo() const = 0;

  // The target's own symbol table (crash's, drgn's), already relocated for KASLR. Targets that
  // only have a dump answer nullopt; the core then tries VMCOREINFO, kallsyms and a vmlinux.
  virtual std::optional<uint64_t> symbol(std::string_view /*name*/) { return std::nullopt; }

  // Type information the target already has (crash's and drgn's debuginfo); nullptr if none.
  virtual const TypeInfo* types() const { return nullptr; }

  virtual TargetDescription describe() const = 0;

  // Convenience wrappers.
  Result<uint64_t> read_u64(AddressSpace space, uint64_t address);
  Result<uint32_t> read_u32(AddressSpace space, uint64_t address);
  Result<std::vector<std::byte>> read_bytes(AddressSpace space, uint64_t address, std::size_t length);
  // Kernel data: pages filtered out of a makedumpfile dump are zero pages (the only kernel pages
  // dump levels drop), so they read as zeros and are counted; every other failure is returned.
  Status read_kernel_data(uint64_t address, std::span<std::byte> out, uint64_t& excluded_pages);
  // Reads `out` a page at a time. Where a page cannot be read, `on_failure(piece, error)` decides:
  // true reads on (the piece is left as it is), false stops and returns that error.
  using PageFailure = std::function<bool(std::span<std::byte> piece, const Error& error)>;
  Status read_by_pages(AddressSpace space, uint64_t address, std::span<std::byte> out, const PageFailure& on_failure);
  Result<std::vector<std::byte>> read_kernel_bytes(uint64_t address, std::size_t length, uint64_t& excluded_pages);
};

}  // namespace pfnscan
