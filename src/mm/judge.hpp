// The semantics, as pure functions: what a struct page is, what the pre-5.12 and the fixed
// pfn_to_online_page() return for a pfn, and which category a wrong answer falls in. No I/O.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "layout/kernel_layout.hpp"

namespace pfnscan {

enum class PageKind {
  normal,        // an initialised page of a real zone
  zone_device,   // zone bits say ZONE_DEVICE
  poisoned,      // page->flags is PAGE_POISON_PATTERN (all ones): poisoned or never initialised
  bogus_zone,    // zone bits beyond __MAX_NR_ZONES: garbage
  unmapped,      // the struct page itself is not mapped (depopulated vmemmap)
};
const char* page_kind_name(PageKind kind);  // the JSON page_kind: zone_device, poisoned, other

struct PageContent {
  bool mapped = true;
  uint64_t flags = 0;
};

PageKind classify_page(const PageContent& page, const PageFlagLayout& layout);

// What the walk knows about a pfn's section.
struct SectionFacts {
  bool exists = true;            // section nr < NR_MEM_SECTIONS and its root is allocated
  bool online = false;           // SECTION_IS_ONLINE
  bool subsection_valid = true;  // bit in usage->subsection_map (always true before v5.3)
};

enum class Category {
  zone_device_in_online_section,     // valid subsection, live ZONE_DEVICE page (the collision)
  stale_zone_device,                 // invalid subsection, struct page still says ZONE_DEVICE
  poisoned_in_invalid_subsection,    // invalid subsection, all-ones struct page
  other_in_invalid_subsection,       // invalid subsection, another or uninitialised struct page
  unmapped_in_invalid_subsection,    // invalid subsection, struct page not mapped: walkers fault
  poisoned_in_online_section,        // valid subsection, all-ones struct page
  bogus_zone_in_online_section,      // valid subsection, zone bits out of range
};
const char* category_name(Category category);
const char* category_description(Category category);
std::optional<Category> category_from_name(const std::string& name);

struct Judgement {
  bool old_returns_page = false;
  bool fixed_returns_page = false;
  std::optional<Category> category;  // set when the old function hands back a page it should not
};

// Pre-fix (<= 5.11, 4.19.y, 5.4.y, 5.10.y): section exists and is online; nothing else.
bool old_pfn_to_online_page_returns_page(const SectionFacts& section);
// Fixed (5.12+): online, subsection valid, and not a ZONE_DEVICE pfn (a pgmap covers it).
bool fixed_pfn_to_online_page_returns_page(const SectionFacts& section, PageKind kind);

Judgement judge_pfn(const SectionFacts& section, PageKind kind);

// Whether quick mode must read the struct pages of a valid subsection in full: true when the
// kernel can place device pages there and the cheap evidence (taint bit, samples) cannot rule
// them out.
struct QuickEvidence {
  bool kernel_has_zone_device = true;
  bool kernel_has_taint_bit = false;
  bool section_tainted = false;
  bool samples_normal = true;  // first and last struct page of the subsection are normal
};
bool quick_must_read_valid_subsection(const QuickEvidence& e);
bool quick_needs_samples(const QuickEvidence& e);

}  // namespace pfnscan
