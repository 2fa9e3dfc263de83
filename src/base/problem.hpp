// Why a report is partial: each problem says what could not be read or judged, and where (which
// section, which pfns, which address), so that a reader, a rescan or a fleet summary can act on
// it without parsing sentences.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace pfnscan {

enum class ProblemKind {
  damaged_input,          // the file is truncated or its headers are damaged
  unreadable_roots,       // a mem_section root pointer is wild
  unreadable_sections,    // a root's array of struct mem_section cannot be read
  unreadable_usage,       // a section's mem_section_usage is NULL, wild or unreadable
  online_without_memmap,  // an online section without SECTION_HAS_MEM_MAP
  unreadable_memmap,      // struct pages of valid subsections cannot be read
  live_unsettled,         // a live section kept changing while it was read
  live_reread_failed,     // the live section table could not be read again
};
const char* problem_kind_name(ProblemKind kind);
std::optional<ProblemKind> problem_kind_from_name(std::string_view name);

struct Problem {
  ProblemKind kind;
  std::string message;                  // one sentence, as the report's errors list it
  std::optional<uint64_t> section;
  std::optional<uint64_t> start_pfn, end_pfn;  // end exclusive
  std::optional<uint64_t> address;

  static Problem in_section(ProblemKind kind, uint64_t section, uint64_t start_pfn, uint64_t end_pfn, std::string message) {
    return Problem{kind, std::move(message), section, start_pfn, end_pfn, {}};
  }
};

}  // namespace pfnscan
