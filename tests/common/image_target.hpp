// A Target over a generated machine held in memory (no dump file): the tests' way to read what
// the generator built, to change it while it is read (live scans), or to make chosen pages fail.
#pragma once

#include <functional>
#include <optional>
#include <set>

#include "machine.hpp"
#include "target/target.hpp"

namespace testutil {

class ImageTarget final : public pfnscan::Target {
 public:
  explicit ImageTarget(dumpgen::MemoryImage image, bool live = false);

  std::function<void(uint64_t va, std::size_t size)> on_read;  // called before each kernel-virtual read
  std::set<uint64_t> unreadable_pages;   // kernel-virtual page numbers whose reads fail
  std::set<uint64_t> excluded_pages;     // ... fail as filtered out of a dump (read as zeros by kernel-data readers)
  uint64_t reads = 0;

  std::optional<uint64_t> translate(uint64_t va) const;
  void write_u64(uint64_t va, uint64_t v);

  pfnscan::Status read(pfnscan::AddressSpace space, uint64_t address, std::span<std::byte> out) override;
  const pfnscan::VmcoreInfo& vmcoreinfo() const override { return info_; }
  pfnscan::TargetDescription describe() const override;

 private:
  uint64_t phys_u64(uint64_t pa) const;
  dumpgen::MemoryImage image_;
  pfnscan::VmcoreInfo info_;
  uint64_t pgd_ = 0;
  bool live_ = false;
};

// The generator's machine for a scenario file of tests/dumps/scenarios (by name, "collision-6.1").
dumpgen::MemoryImage scenario_machine(const std::string& name, const std::string& btf_file = "");

}  // namespace testutil
