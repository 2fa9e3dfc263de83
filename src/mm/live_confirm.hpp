// Live targets change while they are read. After the scan every section is read again and every
// finding's struct pages are re-judged; sections that changed in between are rescanned from their
// new state (up to three times), and those still changing are dropped and reported as problems,
// so a torn read never becomes a finding reported as certain.
#pragma once

#include "layout/kernel_layout.hpp"
#include "mm/section_scan.hpp"
#include "mm/sections.hpp"
#include "target/target.hpp"

namespace pfnscan {

void confirm_live(Target& target, const KernelLayout& layout, const ScanOptions& options, SectionTable& sections, MemoryScan& scan);

}  // namespace pfnscan
