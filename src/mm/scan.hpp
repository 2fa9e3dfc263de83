// The scan: section table -> struct pages that matter -> findings. Quick mode reads struct pages
// only where a finding is possible (see README "Quick and full"); full mode reads every struct
// page of every online section.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "mm/findings.hpp"
#include "layout/resolve.hpp"
#include "mm/sections.hpp"
#include "target/target.hpp"
#include "log/verdict.hpp"

namespace pfnscan {

struct ScanOptions {
  bool full = false;
  std::optional<uint64_t> only_section;
  std::optional<std::pair<uint64_t, uint64_t>> pfn_range;  // [first, end)
  // Called after each online section: (sections done, online sections in all).
  std::function<void(uint64_t, uint64_t)> progress;
  // Read the kernel log and judge its oopses against the findings (scan_target only).
  bool judge_log = true;
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

struct ScanResult {
  TargetDescription target;
  KernelLayout layout;
  SectionTable sections;
  std::vector<Finding> findings;       // the fixed function answers NULL here: this bug
  std::vector<Finding> observations;   // --full only: both functions return a poisoned/garbage page
  std::vector<std::string> errors;   // non-empty: the report is partial
  bool full = false;
  ScanStats stats;
  std::optional<uint64_t> direct_map_base;   // page_offset_base, when symbols give it
  std::string direct_map_source;
  LogVerdict verdict;                         // the kernel log's oopses against the findings

  bool partial() const { return !errors.empty(); }
  uint64_t total_pfns() const;
  std::vector<std::pair<Category, CategoryCount>> by_category() const;
};

ScanResult scan_sections(Target& target, const KernelLayout& layout, SectionTable sections, const ScanOptions& options);

}  // namespace pfnscan

namespace pfnscan {
// Everything from a target to a result: layout, section table, struct pages, findings. The
// front ends (CLI, crash, drgn) call only this.
Result<ScanResult> scan_target(Target& target, const LayoutOptions& layout_options, const ScanOptions& options);

// For live targets: re-reads the section table and every finding; sections that changed in
// between are rescanned (up to three times), and those still changing are dropped and reported
// as errors, so a torn read never becomes a finding reported as certain.
void confirm_live(Target& target, const KernelLayout& layout, std::optional<uint64_t> vmemmap_hint,
                  const ScanOptions& options, ScanResult& result);
}  // namespace pfnscan
