// The scan of the section table: struct pages that matter -> findings. Quick mode reads struct
// pages only where a finding is possible (see README "Quick and full"); full mode reads every
// struct page of every online section.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "base/problem.hpp"
#include "layout/kernel_layout.hpp"
#include "mm/findings.hpp"
#include "mm/memmap.hpp"
#include "mm/sections.hpp"
#include "target/target.hpp"

namespace pfnscan {

struct ScanOptions {
  bool full = false;
  std::optional<uint64_t> only_section;
  std::optional<std::pair<uint64_t, uint64_t>> pfn_range;  // [first, end)
  // Called after each online section: (sections done, online sections in all).
  std::function<void(uint64_t, uint64_t)> progress;
};

struct CategoryCount {
  uint64_t ranges = 0;
  uint64_t pfns = 0;
};

struct ScanStats {
  uint64_t sections_present = 0;
  uint64_t sections_online = 0;
  uint64_t sections_examined = 0;   // online sections whose struct pages were (partly) read
  uint64_t subsections_sampled = 0;
  uint64_t subsections_read = 0;
  MemmapStats memmap;
  double seconds = 0;
};

struct MemoryScan {
  std::vector<Finding> findings;       // the fixed function answers NULL here: this bug
  std::vector<Finding> observations;   // --full only: both functions return a poisoned/garbage page
  std::vector<Problem> errors;         // what this scan could not judge
  std::vector<std::string> notes;
  ScanStats stats;
};

MemoryScan scan_sections(Target& target, const KernelLayout& layout, const SectionTable& sections, const ScanOptions& options);

uint64_t total_pfns(const std::vector<Finding>& findings);
std::vector<std::pair<Category, CategoryCount>> count_by_category(const std::vector<Finding>& findings);

}  // namespace pfnscan
