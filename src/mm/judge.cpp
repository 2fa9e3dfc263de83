#include "mm/judge.hpp"

#include "layout/kernel_facts.hpp"

namespace pfnscan {

const char* page_kind_name(PageKind kind) {
  switch (kind) {
    case PageKind::zone_device: return "zone_device";
    case PageKind::poisoned: return "poisoned";
    default: return "other";
  }
}

PageKind classify_page(const PageContent& page, const PageFlagLayout& layout) {
  if (!page.mapped) return PageKind::unmapped;
  // PagePoisoned(): flags == PAGE_POISON_PATTERN (f165b378bbdf, v4.17). Checked before the zone:
  // all-ones zone bits would otherwise read as a (bogus) zone.
  if (page.flags == facts::kPagePoisonPattern) return PageKind::poisoned;
  int zone = static_cast<int>(layout.zone_of(page.flags));
  if (layout.zone_device >= 0 && zone == layout.zone_device) return PageKind::zone_device;
  if (zone >= layout.max_nr_zones) return PageKind::bogus_zone;
  return PageKind::normal;
}

const char* category_name(Category category) {
  switch (category) {
    case Category::zone_device_in_online_section: return "zone_device_in_online_section";
    case Category::stale_zone_device: return "stale_zone_device_in_invalid_subsection";
    case Category::poisoned_in_invalid_subsection: return "poisoned_in_invalid_subsection";
    case Category::other_in_invalid_subsection: return "other_in_invalid_subsection";
    case Category::unmapped_in_invalid_subsection: return "unmapped_in_invalid_subsection";
    case Category::poisoned_in_online_section: return "poisoned_in_online_section";
    case Category::bogus_zone_in_online_section: return "bogus_zone_in_online_section";
  }
  return "unknown";
}

const char* category_description(Category category) {
  switch (category) {
    case Category::zone_device_in_online_section:
      return "ZONE_DEVICE page in a valid subsection of an online section (device memory sharing a section with RAM)";
    case Category::stale_zone_device:
      return "invalid subsection whose struct page is a stale ZONE_DEVICE page (device unmapped, memmap not poisoned)";
    case Category::poisoned_in_invalid_subsection:
      return "invalid subsection whose struct page is poisoned (all ones)";
    case Category::other_in_invalid_subsection:
      return "invalid subsection whose struct page is another or an uninitialised page";
    case Category::unmapped_in_invalid_subsection:
      return "invalid subsection whose struct page is not mapped (a walker dereferencing it faults)";
    case Category::poisoned_in_online_section:
      return "poisoned (all ones) struct page in a valid subsection of an online section";
    case Category::bogus_zone_in_online_section:
      return "struct page with an impossible zone in a valid subsection of an online section";
  }
  return "";
}

std::optional<Category> category_from_name(const std::string& name) {
  for (int c = 0; c <= static_cast<int>(Category::bogus_zone_in_online_section); ++c)
    if (name == category_name(static_cast<Category>(c))) return static_cast<Category>(c);
  return std::nullopt;
}

bool old_pfn_to_online_page_returns_page(const SectionFacts& section) { return section.exists && section.online; }

bool fixed_pfn_to_online_page_returns_page(const SectionFacts& section, PageKind kind) {
  if (!section.exists || !section.online) return false;
  if (!section.subsection_valid) return false;
  // A live ZONE_DEVICE pfn in an online section: the fixed kernel taints the section and
  // get_dev_pagemap() finds the pgmap, so it answers NULL.
  if (kind == PageKind::zone_device) return false;
  return true;
}

Judgement judge_pfn(const SectionFacts& section, PageKind kind) {
  Judgement j;
  j.old_returns_page = old_pfn_to_online_page_returns_page(section);
  j.fixed_returns_page = fixed_pfn_to_online_page_returns_page(section, kind);
  if (!j.old_returns_page) return j;
  if (section.subsection_valid) {
    switch (kind) {
      case PageKind::zone_device: j.category = Category::zone_device_in_online_section; break;
      case PageKind::poisoned: j.category = Category::poisoned_in_online_section; break;
      case PageKind::bogus_zone: j.category = Category::bogus_zone_in_online_section; break;
      default: break;
    }
    return j;
  }
  switch (kind) {
    case PageKind::zone_device: j.category = Category::stale_zone_device; break;
    case PageKind::poisoned: j.category = Category::poisoned_in_invalid_subsection; break;
    case PageKind::unmapped: j.category = Category::unmapped_in_invalid_subsection; break;
    default: j.category = Category::other_in_invalid_subsection; break;
  }
  return j;
}

bool quick_needs_samples(const QuickEvidence& e) {
  if (!e.kernel_has_zone_device) return false;           // no device pages can exist
  if (e.kernel_has_taint_bit && !e.section_tainted) return false;  // 1f90a3477df3 taints every collision section
  return true;
}

bool quick_must_read_valid_subsection(const QuickEvidence& e) {
  if (!quick_needs_samples(e)) return false;
  if (e.kernel_has_taint_bit && e.section_tainted) return true;
  // Device ranges are subsection aligned (check_pfn_span()) and memmap_init_zone_device()
  // initialises them whole, so a subsection whose first and last pages are normal holds none.
  return !e.samples_normal;
}

}  // namespace pfnscan
