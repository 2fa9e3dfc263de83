// From what a scan found to the report model.
#pragma once

#include <string>
#include <vector>

#include "layout/kernel_layout.hpp"
#include "log/verdict.hpp"
#include "mm/section_scan.hpp"
#include "mm/sections.hpp"
#include "report/model.hpp"
#include "target/target.hpp"

namespace pfnscan::report {

struct ScanParts {
  const TargetDescription& target;
  const KernelLayout& layout;         // settled
  const SectionTable& sections;
  const MemoryScan& scan;
  const LogVerdict& verdict;
  bool full = false;
  std::vector<std::string> notes;     // in the order the report lists them
};

// Problems in report order: damage of the input, then the section table's, then the scan's.
ScanReport build_report(const ScanParts& parts);

}  // namespace pfnscan::report
