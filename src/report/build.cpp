#include "report/build.hpp"

namespace pfnscan::report {
namespace {

SectionRow section_row(const SectionState& s, const KernelLayout& L) {
  SectionRow r;
  r.nr = s.nr;
  r.start_pfn = L.section_start_pfn(s.nr);
  r.end_pfn = L.section_start_pfn(s.nr + 1);
  r.flags = s.flag_names();
  r.raw_flags = {s.flag_bits};
  if (s.subsections_known) r.subsection_map = s.subsection_words;
  r.usage = {s.usage};
  r.memmap = {s.memmap};
  r.memmap_check = s.memmap_check;
  r.memmap_detail = s.memmap_detail;
  r.usage_problem = s.usage_problem;
  return r;
}

FindingRow finding_row(const Finding& f) {
  FindingRow r;
  r.start_pfn = f.start_pfn;
  r.end_pfn = f.end_pfn;
  r.section = f.evidence.section;
  r.category = f.category;
  r.page_kind = page_kind_name(f.kind);
  r.old_returns_page = f.old_returns_page;
  r.fixed_returns_page = f.fixed_returns_page;
  const pfnscan::Evidence& e = f.evidence;
  Evidence& ev = r.evidence;
  ev.section = e.section;
  ev.section_flags = e.section_flags;
  ev.section_raw_flags = {e.section_flag_bits};
  ev.subsection_first = e.subsection_first;
  ev.subsection_last = e.subsection_last;
  ev.subsection_bit = e.subsection_bit;
  ev.struct_page = {e.struct_page};
  if (e.page_flags) {
    ev.page_flags = Hex{*e.page_flags};
    ev.zone = e.zone;
    ev.zone_name = e.zone_name;
    ev.node = e.node;
  }
  if (e.pgmap) ev.pgmap = Hex{*e.pgmap};
  return r;
}

LayoutInfo layout_info(const KernelLayout& L) {
  LayoutInfo i;
  i.section_size_bits = L.section_size_bits;
  i.max_physmem_bits = L.max_physmem_bits;
  i.sparsemem_extreme = L.sparsemem_extreme;
  i.mem_section_size = L.mem_section_size;
  i.subsection_map_offset = L.off_subsection_map;
  i.section_map_last_bit = L.section_flags.map_last_bit;
  i.zone_device = L.page_flags.zone_device;
  i.max_nr_zones = L.page_flags.max_nr_zones;
  i.zones_pgshift = L.page_flags.zones_pgshift;
  i.nodes_width = L.page_flags.nodes_width;
  if (L.vmemmap_base) i.vmemmap_base = Hex{*L.vmemmap_base};
  return i;
}

}  // namespace

ScanReport build_report(const ScanParts& p) {
  const KernelLayout& L = p.layout;
  ScanReport r;
  r.tool_version = PFNSCAN_VERSION;
  r.input = {p.target.kind, p.target.path, p.target.format, p.target.notes};
  r.kernel = {L.release, L.uts_version, L.arch, L.has_fixed_pfn_to_online_page, L.fixed_function_evidence,
              !L.has_fixed_pfn_to_online_page && L.version.at_least(5, 3)};
  r.full = p.full;
  for (const auto& d : p.target.damage) r.problems.push_back({ProblemKind::damaged_input, d, {}, {}, {}, {}});
  r.problems.insert(r.problems.end(), p.sections.errors.begin(), p.sections.errors.end());
  r.problems.insert(r.problems.end(), p.scan.errors.begin(), p.scan.errors.end());
  r.notes = p.notes;
  for (const auto& s : p.sections.sections) r.sections.push_back(section_row(s, L));
  for (const auto& f : p.scan.findings) r.findings.push_back(finding_row(f));
  for (const auto& f : p.scan.observations) r.observations.push_back(finding_row(f));
  r.provenance = L.provenance;
  r.uncertainties = L.uncertainty_texts();
  r.verdict = p.verdict;
  if (L.direct_map_base) r.direct_map_base = Hex{*L.direct_map_base};
  r.layout = layout_info(L);
  const ScanStats& s = p.scan.stats;
  r.stats = {s.sections_present,  s.sections_online,           s.sections_examined, s.subsections_sampled,
             s.subsections_read,  s.memmap.struct_pages_read, s.memmap.bytes_read, s.seconds};
  return r;
}

}  // namespace pfnscan::report
