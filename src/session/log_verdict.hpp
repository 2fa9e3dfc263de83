// The kernel log's part of a session: the dump's own log (or a saved one) judged against the
// scan's findings with the settled layout, and log text alone (`pfnscan explain`).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "layout/kernel_layout.hpp"
#include "log/kernel_log.hpp"
#include "log/log_lines.hpp"
#include "log/oops.hpp"
#include "log/verdict.hpp"
#include "mm/section_scan.hpp"
#include "mm/sections.hpp"
#include "target/target.hpp"

namespace pfnscan {

// How the correlator turns addresses into pfns, from the settled layout.
AddressMap address_map_for(const KernelLayout& layout);
// The present sections whose mem_section_usage could not be read (NULL, wild, unreadable).
std::vector<SectionUsageProblem> usage_problems_for(const KernelLayout& layout, const SectionTable& sections);

// What the dump tells the correlator: its layout, its sections and what the scan found.
struct DumpFacts {
  const KernelLayout& layout;
  const SectionTable& sections;
  const MemoryScan& scan;
};

// Reads the dump's log and judges every oops in it against the scan's findings. A dump without
// a readable log gives no_panic with log_available = false and the reason in notes.
LogVerdict judge_dump_log(Target& target, const DumpFacts& dump);

// Log text saved beside the dump (kdump-tools' dmesg.<stamp>), judged with the dump's layout and
// findings; for dumps whose own log cannot be read.
LogVerdict judge_text_against_dump(std::string_view text, std::string source_name, const DumpFacts& dump);

// Log text alone (`pfnscan explain`).
LogVerdict judge_log_text(std::string_view text, std::string source_name);

}  // namespace pfnscan
