// Reading struct pages in large batches: a subsection's memmap (32 KiB on x86_64) per read,
// falling back to single pages only where a read fails.
#pragma once

#include <cstdint>
#include <vector>

#include "mm/judge.hpp"
#include "layout/kernel_layout.hpp"
#include "mm/sections.hpp"
#include "target/target.hpp"

namespace pfnscan {

struct StructPage {
  PageContent content;
  uint64_t pgmap = 0;
  uint64_t address = 0;
};

struct MemmapStats {
  uint64_t struct_pages_read = 0;
  uint64_t bytes_read = 0;
  uint64_t unmapped_pages = 0;   // 4 KiB pages of memmap that are not mapped
  uint64_t excluded_pages = 0;   // filtered out of the dump: read as zeros
};

class MemmapReader {
 public:
  MemmapReader(Target& target, const KernelLayout& layout) : target_(target), layout_(layout) {}
  uint64_t struct_page_address(const SectionState& section, uint64_t pfn) const {
    return section.memmap + pfn * layout_.page_struct_size;
  }
  // Struct pages of pfns [first, first + count) of one section.
  std::vector<StructPage> read(const SectionState& section, uint64_t first, uint64_t count);
  const MemmapStats& stats() const { return stats_; }

 private:
  Target& target_;
  const KernelLayout& layout_;
  MemmapStats stats_;
};

}  // namespace pfnscan
