// The report model as JSON schema 1, both ways.
#include "report/model_json.hpp"

#include <fmt/format.h>

#include "report/report.hpp"

namespace pfnscan::report {

using nlohmann::json;

namespace {

json hex_json(const Hex& h) { return hex_text(h); }
json opt_hex(const std::optional<Hex>& h) { return h ? hex_json(*h) : json(nullptr); }

// Most significant word first, as one hex number.
json subsection_map_json(const std::optional<std::vector<uint64_t>>& words) {
  if (!words) return nullptr;
  std::string out;
  for (std::size_t i = words->size(); i-- > 0;)
    out += out.empty() ? fmt::format("{:x}", (*words)[i]) : fmt::format("{:016x}", (*words)[i]);
  return "0x" + out;
}

json section_json(const SectionRow& s) {
  json js = {{"nr", s.nr},
             {"start_pfn", s.start_pfn},
             {"end_pfn", s.end_pfn},
             {"flags", s.flags},
             {"raw_flags", hex_json(s.raw_flags)},
             {"subsection_map", subsection_map_json(s.subsection_map)},
             {"usage", hex_json(s.usage)},
             {"memmap", hex_json(s.memmap)},
             {"memmap_check", memmap_check_name(s.memmap_check)}};
  if (!s.memmap_detail.empty()) js["memmap_detail"] = s.memmap_detail;
  if (!s.usage_problem.empty()) js["usage_problem"] = s.usage_problem;
  return js;
}

json finding_json(const FindingRow& f) {
  const Evidence& e = f.evidence;
  const bool mapped = e.page_flags.has_value();
  json ev = {{"section", e.section},
             {"section_flags", e.section_flags},
             {"section_raw_flags", hex_json(e.section_raw_flags)},
             {"subsection_first", e.subsection_first},
             {"subsection_last", e.subsection_last},
             {"subsection_bit", e.subsection_bit ? 1 : 0},
             {"struct_page", hex_json(e.struct_page)},
             {"page_flags", opt_hex(e.page_flags)},
             {"zone", mapped ? json(e.zone) : json(nullptr)},
             {"zone_name", mapped ? json(e.zone_name) : json(nullptr)},
             {"node", mapped ? json(e.node) : json(nullptr)}};
  if (e.pgmap) ev["pgmap"] = hex_json(*e.pgmap);
  return json{{"start_pfn", f.start_pfn},
              {"end_pfn", f.end_pfn},
              {"pfns", f.pfns()},
              {"section", f.section},
              {"category", category_name(f.category)},
              {"page_kind", f.page_kind},
              {"old_returns", f.old_returns_page ? "page" : "null"},
              {"fixed_returns", f.fixed_returns_page ? "page" : "null"},
              {"evidence", std::move(ev)}};
}

json problem_json(const Problem& p) {
  json j = {{"kind", problem_kind_name(p.kind)}, {"message", p.message}};
  if (p.section) j["section"] = *p.section;
  if (p.start_pfn) j["start_pfn"] = *p.start_pfn;
  if (p.end_pfn) j["end_pfn"] = *p.end_pfn;
  if (p.address) j["address"] = fmt::format("{:#x}", *p.address);
  return j;
}

json layout_json(const LayoutInfo& L) {
  return {{"section_size_bits", L.section_size_bits},
          {"max_physmem_bits", L.max_physmem_bits},
          {"sparsemem_extreme", L.sparsemem_extreme},
          {"mem_section_size", L.mem_section_size},
          {"subsection_map_offset", L.subsection_map_offset ? json(*L.subsection_map_offset) : json(nullptr)},
          {"section_map_last_bit", L.section_map_last_bit},
          {"zone_device", L.zone_device},
          {"max_nr_zones", L.max_nr_zones},
          {"zones_pgshift", L.zones_pgshift},
          {"nodes_width", L.nodes_width},
          {"vmemmap_base", opt_hex(L.vmemmap_base)}};
}

}  // namespace

json to_json(const ScanReport& r) {
  json j;
  j["schema_version"] = r.schema_version;
  j["tool"] = {{"name", "pfnscan"}, {"version", r.tool_version}};
  j["input"] = {{"kind", r.input.kind}, {"path", r.input.path}, {"format", r.input.format}, {"notes", r.input.notes}};
  j["kernel"] = {{"release", r.kernel.release},
                 {"version", r.kernel.version},
                 {"arch", r.kernel.arch},
                 {"has_fixed_pfn_to_online_page", r.kernel.has_fixed_pfn_to_online_page},
                 {"fixed_function_evidence", r.kernel.fixed_function_evidence},
                 {"can_hit_bug", r.kernel.can_hit_bug}};
  j["mode"] = r.full ? "full" : "quick";
  j["partial"] = r.partial();
  json errors = json::array(), problems = json::array();
  for (const auto& p : r.problems) {
    errors.push_back(p.message);
    problems.push_back(problem_json(p));
  }
  j["errors"] = std::move(errors);
  j["problems"] = std::move(problems);
  j["notes"] = r.notes;
  json cats = json::object();
  for (const auto& c : r.by_category()) cats[category_name(c.category)] = {{"ranges", c.ranges}, {"pfns", c.pfns}};
  j["summary"] = {{"ranges", r.findings.size()}, {"pfns", r.total_pfns()}, {"by_category", cats}, {"risk", r.risk()}};
  json sections = json::array();
  for (const auto& s : r.sections) sections.push_back(section_json(s));
  j["sections"] = std::move(sections);
  json findings = json::array(), observations = json::array();
  for (const auto& f : r.findings) findings.push_back(finding_json(f));
  for (const auto& f : r.observations) observations.push_back(finding_json(f));
  j["findings"] = std::move(findings);
  j["observations_searched"] = r.full;
  j["observations"] = std::move(observations);
  json prov = json::array();
  for (const auto& p : r.provenance)
    prov.push_back({{"id", fact_key(p.id)},
                    {"fact", p.name()},
                    {"unit", fact_unit(p.id)},
                    {"value", p.value},
                    {"source", source_name(p.source)},
                    {"detail", p.detail},
                    {"certain", p.certain}});
  j["provenance"] = std::move(prov);
  j["uncertainties"] = r.uncertainties;
  j["verdict"] = render_verdict_json(r.verdict);
  j["direct_map_base"] = opt_hex(r.direct_map_base);
  j["layout"] = layout_json(r.layout);
  j["stats"] = {{"sections_present", r.stats.sections_present},
                {"sections_online", r.stats.sections_online},
                {"sections_examined", r.stats.sections_examined},
                {"subsections_sampled", r.stats.subsections_sampled},
                {"subsections_read", r.stats.subsections_read},
                {"struct_pages_read", r.stats.struct_pages_read},
                {"memmap_bytes_read", r.stats.memmap_bytes_read},
                {"seconds", r.stats.seconds}};
  return j;
}

}  // namespace pfnscan::report
