#include "report/report.hpp"

#include <fmt/format.h>

namespace pfnscan {

std::string hex(uint64_t v) { return fmt::format("{:#x}", v); }

int exit_code_for(const ScanResult& result) {
  if (result.partial()) return kExitPartial;
  if (result.findings.empty()) return kExitClean;
  return result.verdict.overall == Verdict::explained ? kExitExplained : kExitFindings;
}

int exit_code_for_error(const Error& e) { return e.code() == Errc::usage ? kExitUsage : kExitUnreadable; }

int exit_code_for(const LogVerdict& verdict) {
  return verdict.overall == Verdict::consistent || verdict.overall == Verdict::explained ? kExitFindings : kExitClean;
}

namespace {
nlohmann::json subsection_map_json(const SectionState& s) {
  if (!s.subsections_known) return nullptr;
  std::string out;
  // Most significant word first, as one hex number.
  for (std::size_t i = s.subsection_words.size(); i-- > 0;)
    out += out.empty() ? fmt::format("{:x}", s.subsection_words[i]) : fmt::format("{:016x}", s.subsection_words[i]);
  return "0x" + out;
}
}  // namespace

nlohmann::json render_json(const ScanResult& r) {
  using nlohmann::json;
  const KernelLayout& L = r.layout;
  json j;
  j["schema_version"] = kJsonSchemaVersion;
  j["tool"] = {{"name", "pfnscan"}, {"version", PFNSCAN_VERSION}};
  j["input"] = {{"kind", r.target.kind}, {"path", r.target.path}, {"format", r.target.format}, {"notes", r.target.notes}};
  j["kernel"] = {{"release", L.release},
                 {"version", L.uts_version},
                 {"arch", L.arch},
                 {"has_fixed_pfn_to_online_page", L.has_fixed_pfn_to_online_page},
                 {"fixed_function_evidence", L.fixed_function_evidence},
                 {"can_hit_bug", !L.has_fixed_pfn_to_online_page && L.version.at_least(5, 3)}};
  j["mode"] = r.full ? "full" : "quick";
  j["partial"] = r.partial();
  j["errors"] = r.errors;
  j["notes"] = r.sections.notes;
  json cats = json::object();
  for (const auto& [c, n] : r.by_category()) cats[category_name(c)] = {{"ranges", n.ranges}, {"pfns", n.pfns}};
  j["summary"] = {{"ranges", r.findings.size()}, {"pfns", r.total_pfns()}, {"by_category", cats}};
  json sections = json::array();
  for (const auto& s : r.sections.sections) {
    json js = {{"nr", s.nr},
               {"start_pfn", s.nr * L.pages_per_section()},
               {"end_pfn", (s.nr + 1) * L.pages_per_section()},
               {"flags", s.flag_names()},
               {"raw_flags", hex(s.flag_bits)},
               {"subsection_map", subsection_map_json(s)},
               {"usage", hex(s.usage)},
               {"memmap", hex(s.memmap)},
               {"memmap_check", memmap_check_name(s.memmap_check)}};
    if (!s.memmap_detail.empty()) js["memmap_detail"] = s.memmap_detail;
    if (!s.usage_problem.empty()) js["usage_problem"] = s.usage_problem;
    sections.push_back(std::move(js));
  }
  j["sections"] = std::move(sections);
  auto finding_json = [](const Finding& f) {
    const Evidence& e = f.evidence;
    json ev = {{"section", e.section},
               {"section_flags", e.section_flags},
               {"section_raw_flags", hex(e.section_flag_bits)},
               {"subsection_first", e.subsection_first},
               {"subsection_last", e.subsection_last},
               {"subsection_bit", e.subsection_bit ? 1 : 0},
               {"struct_page", hex(e.struct_page)},
               {"page_flags", e.page_flags ? json(hex(*e.page_flags)) : json(nullptr)},
               {"zone", e.page_flags ? json(e.zone) : json(nullptr)},
               {"zone_name", e.page_flags ? json(e.zone_name) : json(nullptr)},
               {"node", e.page_flags ? json(e.node) : json(nullptr)}};
    if (e.pgmap) ev["pgmap"] = hex(*e.pgmap);
    return json{{"start_pfn", f.start_pfn},
                        {"end_pfn", f.end_pfn},
                        {"pfns", f.pfns()},
                        {"section", e.section},
                        {"category", category_name(f.category)},
                        {"page_kind", page_kind_name(f.kind)},
                        {"old_returns", f.old_returns_page ? "page" : "null"},
                        {"fixed_returns", f.fixed_returns_page ? "page" : "null"},
                        {"evidence", std::move(ev)}};
  };
  json findings = json::array(), observations = json::array();
  for (const auto& f : r.findings) findings.push_back(finding_json(f));
  for (const auto& f : r.observations) observations.push_back(finding_json(f));
  j["findings"] = std::move(findings);
  j["observations_searched"] = r.full;
  j["observations"] = std::move(observations);
  json prov = json::array();
  for (const auto& p : L.provenance)
    prov.push_back({{"fact", p.name}, {"value", p.value}, {"source", source_name(p.source)}, {"detail", p.detail}, {"certain", p.certain}});
  j["provenance"] = std::move(prov);
  j["uncertainties"] = L.uncertainties;
  j["verdict"] = render_verdict_json(r.verdict);
  j["direct_map_base"] = r.direct_map_base ? json(hex(*r.direct_map_base)) : json(nullptr);
  j["layout"] = {{"section_size_bits", L.section_size_bits},
                 {"max_physmem_bits", L.max_physmem_bits},
                 {"sparsemem_extreme", L.sparsemem_extreme},
                 {"mem_section_size", L.mem_section_size},
                 {"subsection_map_offset", L.off_subsection_map ? json(*L.off_subsection_map) : json(nullptr)},
                 {"section_map_last_bit", L.section_flags.map_last_bit},
                 {"zone_device", L.page_flags.zone_device},
                 {"max_nr_zones", L.page_flags.max_nr_zones},
                 {"zones_pgshift", L.page_flags.zones_pgshift},
                 {"nodes_width", L.page_flags.nodes_width},
                 {"vmemmap_base", r.sections.vmemmap_base ? json(hex(*r.sections.vmemmap_base)) : json(nullptr)}};
  j["stats"] = {{"sections_present", r.stats.sections_present},
                {"sections_online", r.stats.sections_online},
                {"sections_examined", r.stats.sections_examined},
                {"subsections_sampled", r.stats.subsections_sampled},
                {"subsections_read", r.stats.subsections_read},
                {"struct_pages_read", r.stats.memmap.struct_pages_read},
                {"memmap_bytes_read", r.stats.memmap.bytes_read},
                {"seconds", r.stats.seconds}};
  return j;
}

}  // namespace pfnscan
