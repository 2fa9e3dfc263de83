// Findings: contiguous pfns of one category in one section, collapsed to a range, each with the
// evidence a reader needs to check it by hand.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "mm/judge.hpp"
#include "mm/memmap.hpp"
#include "mm/sections.hpp"

namespace pfnscan {

struct Evidence {
  uint64_t section = 0;
  uint64_t section_flag_bits = 0;
  std::vector<std::string> section_flags;
  unsigned subsection_first = 0;
  unsigned subsection_last = 0;
  bool subsection_bit = true;
  uint64_t struct_page = 0;         // address of the first pfn's struct page
  std::optional<uint64_t> page_flags;  // raw page->flags of the first pfn (absent if unmapped)
  int zone = -1;
  std::string zone_name;
  int node = -1;
  std::optional<uint64_t> pgmap;    // ZONE_DEVICE pages only
};

struct Finding {
  uint64_t start_pfn = 0;
  uint64_t end_pfn = 0;  // exclusive
  Category category{};
  PageKind kind{};
  bool old_returns_page = true;
  bool fixed_returns_page = false;
  Evidence evidence;
  uint64_t pfns() const { return end_pfn - start_pfn; }
};

class FindingBuilder {
 public:
  explicit FindingBuilder(const KernelLayout& layout) : layout_(layout) {}
  // Pfns where the fixed function also returns the page go to observations: not this bug, but a
  // page a pfn walker would still trip over.
  void add(const SectionState& section, uint64_t pfn, const StructPage& page, PageKind kind, const Judgement& j);
  std::vector<Finding> take_findings() { return std::move(findings_); }
  std::vector<Finding> take_observations() { return std::move(observations_); }

 private:
  void add_to(std::vector<Finding>& list, const SectionState& section, uint64_t pfn, const StructPage& page, PageKind kind,
              const Judgement& j);
  const KernelLayout& layout_;
  std::vector<Finding> findings_;
  std::vector<Finding> observations_;
};

}  // namespace pfnscan
