// The section table: every present section's flags, subsection map and memmap address, decoded
// from the snapshot (layout/section_snapshot.hpp) with the settled layout and sanity-checked.
// Pure: no reads.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/problem.hpp"
#include "layout/kernel_layout.hpp"
#include "layout/section_snapshot.hpp"

namespace pfnscan {

enum class MemmapCheck {
  ok,                  // decodes to the vmemmap base like every other section
  quirk_corrected,     // 5.3-5.5/5.4.y pfn_to_kaddr encoding; struct pages are at vmemmap + pfn
  mismatch,            // decodes elsewhere, for no known reason; vmemmap + pfn used
  no_memmap,           // SECTION_HAS_MEM_MAP clear
};
const char* memmap_check_name(MemmapCheck check);
std::optional<MemmapCheck> memmap_check_from_name(std::string_view name);

struct SectionState {
  uint64_t nr = 0;
  uint64_t address = 0;      // of its struct mem_section
  uint64_t raw = 0;          // section_mem_map as read
  uint64_t flag_bits = 0;    // raw & ~mask
  bool present = false, has_mem_map = false, online = false, early = false, taint_zone_device = false;
  uint64_t usage = 0;
  bool subsections_known = false;           // false: no usage, unreadable usage, or pre-5.3 kernel
  std::vector<uint64_t> subsection_words;   // bit i: subsection i is valid
  std::string usage_problem;                // why subsections_known is false, if it should be true
  uint64_t encoded_memmap = 0;              // raw & mask: memmap address minus start_pfn pages
  uint64_t memmap = 0;                      // what the walk uses: struct page of pfn = memmap + pfn * size
  MemmapCheck memmap_check = MemmapCheck::no_memmap;
  std::string memmap_detail;

  bool subsection_valid(unsigned index) const {
    if (!subsections_known) return true;  // kernels without subsections treat the section as one
    return (subsection_words[index / 64] >> (index % 64)) & 1;
  }
  bool subsection_map_full(unsigned count) const {
    for (unsigned i = 0; i < count; ++i)
      if (!subsection_valid(i)) return false;
    return true;
  }
  std::vector<std::string> flag_names() const;
};

struct SectionTable {
  std::vector<SectionState> sections;   // present (non-zero) sections, ascending nr
  std::vector<Problem> errors;          // what could not be read; a non-empty list makes the scan partial
  std::vector<std::string> notes;
  uint64_t roots_present = 0;
};

SectionTable decode_sections(const SectionSnapshot& snapshot, const KernelLayout& layout);

}  // namespace pfnscan
