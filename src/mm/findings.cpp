#include "mm/findings.hpp"

#include <string_view>

namespace pfnscan {

void FindingBuilder::add(const SectionState& section, uint64_t pfn, const StructPage& page, PageKind kind,
                         const Judgement& j) {
  if (!j.category) return;
  add_to(j.fixed_returns_page ? observations_ : findings_, section, pfn, page, kind, j);
}

void FindingBuilder::add_to(std::vector<Finding>& list, const SectionState& section, uint64_t pfn,
                            const StructPage& page, PageKind kind, const Judgement& j) {
  unsigned subsection = static_cast<unsigned>((pfn % layout_.pages_per_section()) / layout_.pages_per_subsection());
  if (!list.empty()) {
    Finding& last = list.back();
    if (last.end_pfn == pfn && last.category == *j.category && last.evidence.section == section.nr &&
        std::string_view(page_kind_name(last.kind)) == page_kind_name(kind)) {
      last.end_pfn = pfn + 1;
      last.evidence.subsection_last = subsection;
      return;
    }
  }
  Finding f;
  f.start_pfn = pfn;
  f.end_pfn = pfn + 1;
  f.category = *j.category;
  f.kind = kind;
  f.old_returns_page = j.old_returns_page;
  f.fixed_returns_page = j.fixed_returns_page;
  Evidence& e = f.evidence;
  e.section = section.nr;
  e.section_flag_bits = section.flag_bits;
  e.section_flags = section.flag_names();
  e.subsection_first = e.subsection_last = subsection;
  e.subsection_bit = section.subsection_valid(subsection);
  e.struct_page = page.address;
  if (page.content.mapped) {
    const PageFlagLayout& pf = layout_.page_flags;
    e.page_flags = page.content.flags;
    e.zone = static_cast<int>(pf.zone_of(page.content.flags));
    e.zone_name = e.zone < static_cast<int>(pf.zone_names.size()) ? pf.zone_names[e.zone] : "invalid";
    e.node = static_cast<int>(pf.node_of(page.content.flags));
    if (kind == PageKind::zone_device && layout_.off_page_pgmap) e.pgmap = page.pgmap;
  }
  list.push_back(std::move(f));
}

}  // namespace pfnscan
